package org.indirectbuffer.samples;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.kernels.Kernels;

/**
 * The main demo: a {@code double**} built in Java and passed to C, which writes into it; then a {@code double**}
 * that C allocated, wrapped back with a nanny that gives it back to C's own free function, and summed — in Java with
 * the SIMD kernels, and in C for comparison.
 *
 * <p>Run it with {@code mvn -B -q -Pdemo -DskipTests verify}.
 */
public final class DoublePointerDemo {
    /** What the demo computed, for its test. */
    public record Result(double javaSumOfCWrites, double cSumOfCWrites, double javaSumOfCMatrix,
                         double cSumOfCMatrix, double expectedCWrites, double expectedCMatrix, boolean cMatrixFreed) {
    }

    private DoublePointerDemo() {
    }

    public static void main(String[] args) throws Throwable {
        run(System.out, 4, 5);
    }

    /**
     * Runs the demo on a {@code rows x cols} matrix, printing each step.
     *
     * @param out  where to print
     * @param rows rows of the matrix
     * @param cols columns of the matrix
     * @return the sums computed in Java and in C
     * @throws Throwable if a C call fails
     */
    public static Result run(PrintStream out, int rows, int cols) throws Throwable {
        double cWritesJava;
        double cWritesC;
        // 1. A double** owned by Java: a table of row pointers into one zeroed block, freed on close.
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(rows, cols, "d", false)) {
            out.printf("created %s%n", m);

            // 2. Pass the table to C, which writes m[i][j] = i * 1000 + j.
            SamplesLibrary.FILL_COORDINATES.invokeExact(m.pointerTable(), rows, cols);
            out.printf("C wrote m[i][j] = i * 1000 + j; m[%d][%d] read in Java = %.1f%n", rows - 1, cols - 1,
                    m.getDouble(rows - 1, cols - 1));

            // 3. Sum it in Java through a buffer view (the Vector API walks each row) and in C.
            try (BufferView view = m.getBuffer(BufferRequest.FULL_RO)) {
                cWritesJava = Kernels.sum(view);
            }
            cWritesC = (double) SamplesLibrary.SUM.invokeExact(m.pointerTable(), rows, cols);
            out.printf("sum in Java (%s kernels) = %.1f, sum in C = %.1f%n", Kernels.implementation(), cWritesJava,
                    cWritesC);
        }

        // 4. A double** that C allocated: adopt it with a nanny that calls C's ib_free_matrix exactly once.
        MemorySegment cTable = (MemorySegment) SamplesLibrary.NEW_MATRIX.invokeExact(rows, cols);
        MemoryNanny nanny = MemoryNanny.running("ib_free_matrix", () -> {
            try {
                SamplesLibrary.FREE_MATRIX.invokeExact(cTable, rows);
            } catch (Throwable t) {
                throw new IllegalStateException("ib_free_matrix failed", t);
            }
        });
        double cMatrixJava;
        double cMatrixC;
        // The one unchecked promise: the table holds `rows` pointers to `cols` doubles each.
        try (IndirectMemory2D c = IndirectMemory2D.adopt(cTable, rows, cols, "d", true, nanny)) {
            c.validate();
            try (BufferView view = c.getBuffer(BufferRequest.FULL_RO)) {
                cMatrixJava = Kernels.sum(view);
            }
            cMatrixC = (double) SamplesLibrary.SUM.invokeExact(c.pointerTable(), rows, cols);
            out.printf("C allocated %s: sum in Java = %.1f, sum in C = %.1f%n", c, cMatrixJava, cMatrixC);
        }
        out.printf("closed it: the nanny %s C's ib_free_matrix%n", nanny.isFreed() ? "called" : "did NOT call");
        return new Result(cWritesJava, cWritesC, cMatrixJava, cMatrixC, expectedCoordinates(rows, cols),
                expectedNewMatrix(rows, cols), nanny.isFreed());
    }

    /** The sum of {@code i * 1000 + j} over the matrix, computed independently of any memory. */
    static double expectedCoordinates(int rows, int cols) {
        double s = 0;
        for (int i = 0; i < rows; i++) {
            s += cols * (i * 1000.0) + cols * (cols - 1) / 2.0;
        }
        return s;
    }

    /** The sum of {@code i + j / 10} over the matrix. */
    static double expectedNewMatrix(int rows, int cols) {
        double s = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                s += i + j / 10.0;
            }
        }
        return s;
    }
}
