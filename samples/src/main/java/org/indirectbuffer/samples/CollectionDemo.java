package org.indirectbuffer.samples;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.collection.BufferCollection2D;

/**
 * Passing rows you already have to a C function that takes {@code double **m}, with {@link BufferCollection2D}:
 * <ol>
 *   <li>a {@code double[][]}: heap arrays cannot be pointed to from C, so each export gets a native copy of them,
 *       and C's writes are copied back into the arrays when the view is closed;</li>
 *   <li>a list of direct {@code DoubleBuffer}s: off-heap, so the table C receives points at them and C writes land
 *       in them at once, with no copy.</li>
 * </ol>
 *
 * <p>{@code CollectionDemoTest} runs it. To run it alone, use the {@code java} command line of the {@code demo}
 * profile in {@code samples/pom.xml} with {@code org.indirectbuffer.samples/org.indirectbuffer.samples.CollectionDemo}
 * as the module to run.
 */
public final class CollectionDemo {
    /** What came back from C, for the demo's test. */
    public record Result(double[][] arrays, double[][] buffers, double cSumOfArrays, double cSumOfBuffers) {
    }

    private CollectionDemo() {
    }

    public static void main(String[] args) throws Throwable {
        run(System.out);
    }

    /**
     * Runs the demo, printing each step.
     *
     * @param out where to print
     * @return the arrays and buffers after C wrote them, and the sums C computed
     * @throws Throwable if a C call fails
     */
    public static Result run(PrintStream out) throws Throwable {
        // 1. A double[][]: C scales every cell by 10.
        double[][] arrays = {{1, 2, 3}, {4, 5, 6}};
        double cSumOfArrays;
        try (BufferCollection2D rows = BufferCollection2D.wrap(List.of(arrays));
             BufferView m = rows.getBuffer(BufferRequest.FULL)) {
            out.printf("collected %s; row 0 staged: %b%n", rows, rows.isStaged(0));
            SamplesLibrary.SCALE_ROWS.invokeExact(m.buf(), 2, 3, 10.0);
            cSumOfArrays = (double) SamplesLibrary.SUM.invokeExact(m.buf(), 2, 3);
            out.printf("C scaled by 10 and summed %.1f; arrays[1] before the view is closed: %s%n", cSumOfArrays,
                    Arrays.toString(arrays[1]));
        } // closing the view copied C's writes back into the arrays
        out.printf("arrays after: %s%n", Arrays.deepToString(arrays));

        // 2. Direct buffers: C writes m[i][j] = i * 1000 + j straight into them.
        List<DoubleBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            buffers.add(ByteBuffer.allocateDirect(4 * Double.BYTES).order(ByteOrder.nativeOrder()).asDoubleBuffer());
        }
        double cSumOfBuffers;
        try (BufferCollection2D rows = BufferCollection2D.wrap(buffers);
             BufferView m = rows.getBuffer(BufferRequest.FULL)) {
            out.printf("collected %s; row 0 staged: %b%n", rows, rows.isStaged(0));
            SamplesLibrary.FILL_COORDINATES.invokeExact(m.buf(), 3, 4);
            cSumOfBuffers = (double) SamplesLibrary.SUM.invokeExact(m.buf(), 3, 4);
            out.printf("C filled and summed %.1f; buffer 2 already holds %s%n", cSumOfBuffers,
                    Arrays.toString(contents(buffers.get(2))));
        }
        double[][] bufferContents = buffers.stream().map(CollectionDemo::contents).toArray(double[][]::new);
        out.printf("buffers after: %s%n", Arrays.deepToString(bufferContents));
        return new Result(arrays, bufferContents, cSumOfArrays, cSumOfBuffers);
    }

    private static double[] contents(DoubleBuffer buffer) {
        double[] items = new double[buffer.remaining()];
        buffer.get(buffer.position(), items);
        return items;
    }
}
