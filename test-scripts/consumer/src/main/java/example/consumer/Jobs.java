package example.consumer;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.kernels.Kernels;

/**
 * The three jobs of the README's first screen, as a user writes them, each with the checks the consumer test makes.
 * The lines between {@code // README} markers are the README's examples.
 */
final class Jobs {
    private Jobs() {
    }

    /** Job 1 (core): build a {@code double**} in Java, hand it to C, read what C wrote. */
    static void buildForC() throws Throwable {
        double[][] data = {{1, 2, 3}, {4, 5, 6}};
        double cSumBefore;
        double x;
        double javaSum;
        // README 1
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(data)) {      // a double** in native memory, freed on close
            cSumBefore = (double) CLibrary.SUM.invokeExact(m.pointerTable(), 2, 3);   // C: double cm_sum(double **m, ...)
            CLibrary.FILL.invokeExact(m.pointerTable(), 2, 3);                   // C writes m[i][j] = 100 * i + j
            x = m.getDouble(1, 2);                                               // 102.0, read back in Java
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) { javaSum = Kernels.sum(v); }
        }
        // README 1 end
        Check.equal("C's sum of a createFrom(double[][])", 21.0, cSumBefore);
        Check.equal("m[1][2] after C's fill", 102.0, x);
        Check.equal("Kernels.sum after C's fill", 306.0, javaSum);
    }

    /** Job 2 (core): wrap a {@code double**} C allocated, free it with C's free exactly once. */
    static void wrapFromC() throws Throwable {
        double x;
        double javaSum;
        // README 2
        MemorySegment table = (MemorySegment) CLibrary.NEW.invokeExact(3, 4);   // C: double **cm_new(int rows, int cols)
        MemoryNanny nanny = MemoryNanny.freeingRowsAndTable(table, 3);         // free() each row, then the table: once
        try (IndirectMemory2D c = IndirectMemory2D.fromPointer(table, 3, 4, "d", true, nanny)) {
            x = c.getDouble(2, 1);                                               // bounds-checked read through C's table
            try (BufferView v = c.getBuffer(BufferRequest.FULL_RO)) { javaSum = Kernels.sum(v); }
        }                                                                        // freed here
        // README 2 end
        Check.equal("c[2][1] of cm_new", 1.0, x);
        Check.equal("Kernels.sum of cm_new(3, 4)", -6.0, javaSum);
        Check.that("the nanny freed C's matrix on close", nanny.isFreed());
    }

    /** Job 3 (collection): Java arrays as one {@code double**} for C; C's writes copied back when the view closes. */
    static void collectArrays() throws Throwable {
        // README 3
        double[][] data = {{1, 2}, {3, 4}, {5, 6}};
        try (BufferCollection2D rows = BufferCollection2D.of(List.of(data));
             BufferView v = rows.getBuffer(BufferRequest.FULL)) {                 // staged: C cannot point into the heap
            CLibrary.SCALE.invokeExact(v.buf(), 3, 2, 10.0);                     // C: void cm_scale(double **m, ...)
        }                                                                        // data is now {{10, 20}, ...}
        // README 3 end
        Check.equal("arrays after C scaled them", Arrays.deepToString(new double[][] {{10, 20}, {30, 40}, {50, 60}}),
                Arrays.deepToString(data));
    }
}
