package org.indirectbuffer.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferView;
import org.indirectbuffer.kernels.Kernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Gather (every row of a C-made {@code double**} copied into one contiguous block) and scatter (the other way),
 * through the library's kernels over the borrowed table, against the limit — one {@code MemorySegment.copy} of the
 * same number of bytes between two contiguous blocks — a hand-written copy per row through FFM, and C's {@code
 * memcpy} per row over the same table. {@code libraryGather} is compared with every {@code ...Gather}, {@code
 * libraryScatter} with every {@code ...Scatter}. Setup checks every gather's bytes against the rows and every
 * scatter's rows against its source, and refuses to run otherwise.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GatherBenchmark {
    @Param({"1000x1000", "16x1000000"})
    public String shape;

    @Param({"ONE_BLOCK", "MALLOC_PER_ROW", "SCATTERED"})
    public Placement placement;

    private NativeMatrix matrix;
    private BufferView view;
    /** The rows' bytes in one block: the source of the limit's copy, and what every gather must produce. */
    private MemorySegment source;
    private MemorySegment destination;
    /** What the scatters copy from: the rows' own values, so that timing runs leave the matrix as it was. */
    private MemorySegment scatterFrom;
    private MemorySegment table;
    private long rows;
    private long cols;

    @Setup(Level.Trial)
    public void setUp() {
        matrix = new NativeMatrix(shape, placement, 7);
        rows = matrix.rows;
        cols = matrix.cols;
        table = matrix.table;
        view = matrix.borrowedView(false);
        source = matrix.newBlock();
        destination = matrix.newBlock();
        matrix.copyContiguous(source);
        scatterFrom = source;
        checkGather("libraryGather", this::libraryGather);
        checkGather("handwrittenGather", this::handwrittenGather);
        checkGather("cGather", this::cGather);
        checkScatter("libraryScatter", this::libraryScatter);
        checkScatter("handwrittenScatter", this::handwrittenScatter);
        checkScatter("cScatter", this::cScatter);
    }

    private void checkGather(String what, Runnable gather) {
        destination.fill((byte) 0);
        gather.run();
        NativeMatrix.checkSame(what, source, destination);
    }

    private void checkScatter(String what, Runnable scatter) {
        // scatter the values reversed, compare the rows, put the originals back
        long n = rows * cols;
        for (long k = 0; k < n; k++) {
            destination.setAtIndex(ValueLayout.JAVA_DOUBLE, k, source.getAtIndex(ValueLayout.JAVA_DOUBLE, n - 1 - k));
        }
        MemorySegment reversed = matrix.newBlock();
        reversed.copyFrom(destination);
        scatterFrom = destination;
        scatter.run();
        destination.fill((byte) 0);
        matrix.copyContiguous(destination);
        NativeMatrix.checkSame(what, reversed, destination);
        matrix.restore();
        scatterFrom = source;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        matrix.close();
    }

    @Benchmark
    public MemorySegment libraryGather() {
        Kernels.gather(view, destination);
        return destination;
    }

    /** The limit: one copy of the same number of bytes between two contiguous blocks. */
    @Benchmark
    public MemorySegment segmentCopyGather() {
        MemorySegment.copy(source, 0, destination, 0, source.byteSize());
        return destination;
    }

    /** Hand-written FFM: each row pointer read from the table, sized, copied. */
    @Benchmark
    public MemorySegment handwrittenGather() {
        long rowBytes = cols * 8;
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(table.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(rowBytes), 0, destination,
                    r * rowBytes, rowBytes);
        }
        return destination;
    }

    /** C: {@code memcpy} per row. */
    @Benchmark
    public MemorySegment cGather() {
        CKernels.gather(table, rows, cols, destination);
        return destination;
    }

    @Benchmark
    public MemorySegment libraryScatter() {
        Kernels.scatter(scatterFrom, view);
        return scatterFrom;
    }

    /** The limit: one copy of the same number of bytes between two contiguous blocks. */
    @Benchmark
    public MemorySegment segmentCopyScatter() {
        MemorySegment.copy(scatterFrom, 0, destination, 0, scatterFrom.byteSize());
        return destination;
    }

    @Benchmark
    public MemorySegment handwrittenScatter() {
        long rowBytes = cols * 8;
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(scatterFrom, r * rowBytes, table.getAtIndex(ValueLayout.ADDRESS, r)
                    .reinterpret(rowBytes), 0, rowBytes);
        }
        return scatterFrom;
    }

    @Benchmark
    public MemorySegment cScatter() {
        CKernels.scatter(table, rows, cols, scatterFrom);
        return scatterFrom;
    }
}
