package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Gather (every row of a C-made {@code double**} copied into one contiguous block) and scatter (the other way),
 * through the library's kernels over the borrowed table, against the limit — one {@code MemorySegment.copy} of the
 * same number of bytes between two contiguous blocks — a hand-written copy per row through FFM, and C's {@code
 * memcpy} per row over the same table. {@code libraryGather} is compared with every {@code ...Gather}, {@code
 * libraryScatter} with every {@code ...Scatter}. The variants over C's table take the {@link Placed} state (every
 * shape in every placement); the limit takes {@link Unplaced}, once per shape (it reads no row of C's). Each trial's
 * setup checks the variant it measures — a gather's block holds the rows' values; a scatter from a block of other
 * values leaves exactly those in the rows — and refuses to run otherwise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GatherBenchmark {
    private static final long SEED = 7;

    /** C's table in one placement, a block to gather into and one to scatter from. */
    @State(Scope.Thread)
    public static class Placed {
        @Param({"1000x1000", "16x1000000"})
        public String shape;

        @Param({"ONE_BLOCK", "MALLOC_PER_ROW", "SCATTERED"})
        public Placement placement;

        NativeMatrix matrix;
        BufferView view;
        MemorySegment destination;
        /** What the scatters copy from: the rows' own values, so that timing runs leave the matrix as it was. */
        MemorySegment scatterFrom;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            matrix = new NativeMatrix(shape, placement, SEED);
            view = matrix.borrowedView(false);
            destination = matrix.newBlock();
            scatterFrom = matrix.newBlock();
            String variant = NativeMatrix.variant(params);
            GatherBenchmark b = new GatherBenchmark();
            if (variant.endsWith("Scatter")) {
                // scatter other values (the originals negated), check the rows hold them, put the originals back
                NativeMatrix.fillBlock(scatterFrom, matrix.data, v -> -v);
            }
            switch (variant) {
                case "libraryGather" -> b.libraryGather(this);
                case "handwrittenGather" -> b.handwrittenGather(this);
                case "cGather" -> b.cGather(this);
                case "libraryScatter" -> b.libraryScatter(this);
                case "handwrittenScatter" -> b.handwrittenScatter(this);
                case "cScatter" -> b.cScatter(this);
                default -> throw NativeMatrix.noCheck(variant);
            }
            if (variant.endsWith("Scatter")) {
                matrix.checkRows(variant, v -> -v);
                matrix.restore();
                matrix.copyContiguous(scatterFrom);
            } else {
                NativeMatrix.checkBlock(variant, destination, matrix.data, v -> v);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            matrix.close();
        }
    }

    /** Two contiguous blocks of the matrix's size, the source holding its values. */
    @State(Scope.Thread)
    public static class Unplaced {
        @Param({"1000x1000", "16x1000000"})
        public String shape;

        Arena arena;
        MemorySegment source;
        MemorySegment destination;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            double[][] data = Matrices.random(shape, SEED);
            arena = Arena.ofShared();
            source = arena.allocate(8L * data.length * data[0].length, 64);
            destination = arena.allocate(source.byteSize(), 64);
            NativeMatrix.fillBlock(source, data, v -> v);
            String variant = NativeMatrix.variant(params);
            GatherBenchmark b = new GatherBenchmark();
            switch (variant) {
                case "segmentCopyGather" -> b.segmentCopyGather(this);
                case "segmentCopyScatter" -> b.segmentCopyScatter(this);
                default -> throw NativeMatrix.noCheck(variant);
            }
            NativeMatrix.checkBlock(variant, destination, data, v -> v);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public MemorySegment libraryGather(Placed s) {
        Kernels.gather(s.view, s.destination);
        return s.destination;
    }

    /** The limit: one copy of the same number of bytes between two contiguous blocks. */
    @Benchmark
    public MemorySegment segmentCopyGather(Unplaced s) {
        MemorySegment.copy(s.source, 0, s.destination, 0, s.source.byteSize());
        return s.destination;
    }

    /** Hand-written FFM: each row pointer read from the table, sized, copied. */
    @Benchmark
    public MemorySegment handwrittenGather(Placed s) {
        long rowBytes = s.matrix.cols * 8L;
        for (long r = 0; r < s.matrix.rows; r++) {
            MemorySegment.copy(s.matrix.table.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(rowBytes), 0, s.destination,
                    r * rowBytes, rowBytes);
        }
        return s.destination;
    }

    /** C: {@code memcpy} per row. */
    @Benchmark
    public MemorySegment cGather(Placed s) {
        CKernels.gather(s.matrix.table, s.matrix.rows, s.matrix.cols, s.destination);
        return s.destination;
    }

    @Benchmark
    public MemorySegment libraryScatter(Placed s) {
        Kernels.scatter(s.scatterFrom, s.view);
        return s.scatterFrom;
    }

    /**
     * The limit of a scatter: the same copy as {@link #segmentCopyGather} (one block to another, the same bytes),
     * measured under the name the scatters are compared with.
     */
    @Benchmark
    public MemorySegment segmentCopyScatter(Unplaced s) {
        MemorySegment.copy(s.source, 0, s.destination, 0, s.source.byteSize());
        return s.destination;
    }

    @Benchmark
    public MemorySegment handwrittenScatter(Placed s) {
        long rowBytes = s.matrix.cols * 8L;
        for (long r = 0; r < s.matrix.rows; r++) {
            MemorySegment.copy(s.scatterFrom, r * rowBytes, s.matrix.table.getAtIndex(ValueLayout.ADDRESS, r)
                    .reinterpret(rowBytes), 0, rowBytes);
        }
        return s.scatterFrom;
    }

    @Benchmark
    public MemorySegment cScatter(Placed s) {
        CKernels.scatter(s.matrix.table, s.matrix.rows, s.matrix.cols, s.scatterFrom);
        return s.scatterFrom;
    }
}
