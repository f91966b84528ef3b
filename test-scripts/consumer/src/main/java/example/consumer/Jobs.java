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
 * The lines between the {@code // README n} markers are the README's examples: consumer-test.sh checks that the README
 * shows each of them.
 */
final class Jobs {
    private Jobs() {
    }

    /** Job 1 (core): build a {@code double**} in Java, hand it to C, read what C wrote. */
    static void buildForC() throws Throwable {
        // README 1
        double[][] data = {{1, 2, 3}, {4, 5, 6}};
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(data)) {         // a double** in native memory
            CLibrary.FILL.invokeExact(m.pointerTable(), 2, 3);                 // C: void cm_fill(double **m, int, int)
            double x = m.getDouble(1, 2);                                      // 102.0: what C wrote, read in Java
            double sum = (double) CLibrary.SUM.invokeExact(m.pointerTable(), 2, 3);    // C: double cm_sum(...)
        // README 1 end
            Check.equal("m[1][2] after C's fill", 102.0, x);
            Check.equal("C's sum after C's fill", 306.0, sum);
            Check.equal("data, untouched (createFrom copies)", 6.0, data[1][2]);
        }
    }

    /** Job 2 (core): wrap a {@code double**} C allocated, free it with C's free exactly once. */
    static void wrapFromC() throws Throwable {
        // README 2
        MemorySegment table = (MemorySegment) CLibrary.NEW.invokeExact(3, 4);  // C: double **cm_new(int, int)
        MemoryNanny nanny = MemoryNanny.freeingRowsAndTable(table, 3);        // will free() each row, then the table
        try (IndirectMemory2D c = IndirectMemory2D.adopt(table, 3, 4, "d", true, nanny);
             BufferView v = c.getBuffer(BufferRequest.FULL_RO)) {
            double x = c.getDouble(2, 1), sum = Kernels.sum(v);                 // bounds-checked; SIMD over C's rows
        // README 2 end
            Check.equal("c[2][1] of cm_new", 1.0, x);
            Check.equal("Kernels.sum of cm_new(3, 4)", -6.0, sum);
        }
        Check.that("the nanny freed C's matrix on close", nanny.isFreed());
    }

    /** Job 3 (collection): Java arrays as one {@code double**} for C; C's writes copied back when the view closes. */
    static void collectArrays() throws Throwable {
        // README 3
        double[][] data = {{1, 2}, {3, 4}, {5, 6}};
        try (BufferCollection2D rows = BufferCollection2D.wrap(List.of(data));
             BufferView v = rows.getBuffer(BufferRequest.FULL)) {                 // staged: C cannot point into the heap
            CLibrary.SCALE.invokeExact(v.buf(), 3, 2, 10.0);                     // C: void cm_scale(double **m, ...)
        }                                                                        // data is now {{10, 20}, ...}
        // README 3 end
        Check.equal("arrays after C scaled them", Arrays.deepToString(new double[][] {{10, 20}, {30, 40}, {50, 60}}),
                Arrays.deepToString(data));
    }
}
