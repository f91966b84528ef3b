package org.indirectbuffer.samples;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.Format;

/**
 * The main demo: a {@code double**} built in Java, passed to C, and a {@code double**} that C allocated, wrapped
 * back and summed — both read through the same suboffset-aware {@link BufferView}.
 *
 * <p>Run it with {@code mvn -B -q -Pdemo -DskipTests verify}.
 */
public final class DoublePointerDemo {
    /** What the demo computed, for its test. */
    public record Result(double javaSumOfCWrites, double cSumOfCWrites, double javaSumOfCMatrix,
                         double cSumOfCMatrix, double expectedCWrites, double expectedCMatrix) {
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
        Format doubles = Format.parse("d");
        // Two levels, as C sees a double**: dimension 0 is the pointer table (stride 8, follow the pointer,
        // suboffset 0); dimension 1 is the row (stride 8, direct).
        long[] shape = {rows, cols};
        long[] strides = {ValueLayout.ADDRESS.byteSize(), doubles.itemSize()};
        long[] suboffsets = {0, -1};

        double cWritesJava;
        double cWritesC;
        try (Arena arena = Arena.ofConfined()) {
            // 1. Build a double** in Java: one allocation per row, and a table of row pointers.
            MemorySegment table = arena.allocate(ValueLayout.ADDRESS, rows);
            for (int i = 0; i < rows; i++) {
                table.setAtIndex(ValueLayout.ADDRESS, i, arena.allocate(ValueLayout.JAVA_DOUBLE, cols));
            }
            out.printf("built a %d x %d double** in Java: table at 0x%x%n", rows, cols, table.address());

            // 2. Pass it to C, which writes m[i][j] = i * 1000 + j.
            SamplesLibrary.FILL_COORDINATES.invokeExact(table, rows, cols);
            out.println("C wrote m[i][j] = i * 1000 + j through the double**");

            // 3. Read it back through a view that follows the row pointers.
            try (BufferView view = BufferView.wrap(table, doubles, shape, strides, suboffsets, true)) {
                out.printf("m[%d][%d] read in Java = %.1f%n", rows - 1, cols - 1,
                        view.getDouble(rows - 1, cols - 1));
                cWritesJava = sum(view);
            }
            cWritesC = (double) SamplesLibrary.SUM.invokeExact(table, rows, cols);
            out.printf("sum in Java = %.1f, sum in C = %.1f%n", cWritesJava, cWritesC);
        }

        // 4. A double** that C allocated: wrap it (borrowed), sum it, and give it back to C to free.
        MemorySegment cTable = (MemorySegment) SamplesLibrary.NEW_MATRIX.invokeExact(rows, cols);
        if (cTable.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("ib_new_matrix(" + rows + ", " + cols + ") returned NULL");
        }
        double cMatrixJava;
        double cMatrixC;
        try {
            // C returns a bare address; the table's size is the one unchecked promise: rows pointers.
            MemorySegment sized = cTable.reinterpret(ValueLayout.ADDRESS.byteSize() * rows);
            try (BufferView view = BufferView.wrap(sized, doubles, shape, strides, suboffsets, true)) {
                cMatrixJava = sum(view);
            }
            cMatrixC = (double) SamplesLibrary.SUM.invokeExact(cTable, rows, cols);
            out.printf("C allocated a %d x %d double**: sum in Java = %.1f, sum in C = %.1f%n", rows, cols,
                    cMatrixJava, cMatrixC);
        } finally {
            SamplesLibrary.FREE_MATRIX.invokeExact(cTable, rows);
            out.println("freed the C matrix with ib_free_matrix");
        }
        return new Result(cWritesJava, cWritesC, cMatrixJava, cMatrixC, expectedCoordinates(rows, cols),
                expectedNewMatrix(rows, cols));
    }

    private static double sum(BufferView view) {
        long[] shape = view.shape();
        double s = 0;
        for (long i = 0; i < shape[0]; i++) {
            for (long j = 0; j < shape[1]; j++) {
                s += view.getDouble(i, j);
            }
        }
        return s;
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
