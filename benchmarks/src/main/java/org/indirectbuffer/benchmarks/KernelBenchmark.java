package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;

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
 * The bulk kernels other than sum — max, fill, scale — over a C-made {@code double**} borrowed by the library,
 * each against its contiguous twin (the same Vector API operation over one block of the same bytes) and the same
 * operation in C ({@code gcc -O3 -march=native}) over the same table. Method {@code libraryX} is compared with
 * {@code contiguousX} and {@code cX}. The library and C take the {@link Placed} state (every shape in every
 * placement), the contiguous twins {@link Unplaced} (once per shape: the placement of C's rows changes nothing they
 * read). Each trial's setup checks the variant it measures — the max equal to the values' max; after a fill or a
 * scale applied once, every item equal bit for bit to the value or to the original times the factor — and refuses to
 * run otherwise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmark {
    private static final long SEED = 11;
    /** Close to 1 so that values stay finite however often a trial scales them. */
    private static final double FACTOR = 1.0000001;
    private static final double VALUE = 0.5;

    /** What a variant must leave in every item when applied once to the original values (null: it only reads). */
    private static DoubleUnaryOperator written(String variant) {
        if (variant.endsWith("Fill")) {
            return v -> VALUE;
        }
        return variant.endsWith("Scale") ? v -> v * FACTOR : null;
    }

    /** C's table in one placement. */
    @State(Scope.Thread)
    public static class Placed {
        /** Memory-bound; the in-cache shape for comparison. */
        @Param({"16x1000000", "1000x1000"})
        public String shape;

        @Param({"ONE_BLOCK", "MALLOC_PER_ROW", "SCATTERED"})
        public Placement placement;

        /** Read from fields so that no compiler can fold the operations away. */
        public double factor = FACTOR;
        public double value = VALUE;

        NativeMatrix matrix;
        BufferView view;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            matrix = new NativeMatrix(shape, placement, SEED);
            view = matrix.borrowedView(false);
            String variant = NativeMatrix.variant(params);
            KernelBenchmark b = new KernelBenchmark();
            switch (variant) {
                case "libraryMax" -> NativeMatrix.checkSame(variant, Matrices.max(matrix.data), b.libraryMax(this));
                case "cMax" -> NativeMatrix.checkSame(variant, Matrices.max(matrix.data), b.cMax(this));
                case "libraryFill" -> b.libraryFill(this);
                case "cFill" -> b.cFill(this);
                case "libraryScale" -> b.libraryScale(this);
                case "cScale" -> b.cScale(this);
                default -> throw NativeMatrix.noCheck(variant);
            }
            DoubleUnaryOperator expected = written(variant);
            if (expected != null) {
                matrix.checkRows(variant, expected);
                matrix.restore();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            matrix.close();
        }
    }

    /** The same values in one contiguous block. */
    @State(Scope.Thread)
    public static class Unplaced {
        @Param({"16x1000000", "1000x1000"})
        public String shape;

        public double factor = FACTOR;
        public double value = VALUE;

        Arena arena;
        MemorySegment contiguous;
        long n;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            double[][] data = Matrices.random(shape, SEED);
            n = (long) data.length * data[0].length;
            arena = Arena.ofShared();
            contiguous = arena.allocate(8 * n, 64);
            NativeMatrix.fillBlock(contiguous, data, v -> v);
            String variant = NativeMatrix.variant(params);
            KernelBenchmark b = new KernelBenchmark();
            switch (variant) {
                case "contiguousMax" -> NativeMatrix.checkSame(variant, Matrices.max(data), b.contiguousMax(this));
                case "contiguousFill" -> b.contiguousFill(this);
                case "contiguousScale" -> b.contiguousScale(this);
                default -> throw NativeMatrix.noCheck(variant);
            }
            DoubleUnaryOperator expected = written(variant);
            if (expected != null) {
                NativeMatrix.checkBlock(variant, contiguous, data, expected);
                NativeMatrix.fillBlock(contiguous, data, v -> v);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public double libraryMax(Placed s) {
        return Kernels.max(s.view);
    }

    @Benchmark
    public double contiguousMax(Unplaced s) {
        return Contiguous.max(s.contiguous, s.n);
    }

    @Benchmark
    public double cMax(Placed s) {
        return CKernels.max(s.matrix.table, s.matrix.rows, s.matrix.cols);
    }

    @Benchmark
    public void libraryFill(Placed s) {
        Kernels.fill(s.view, s.value);
    }

    @Benchmark
    public void contiguousFill(Unplaced s) {
        Contiguous.fill(s.contiguous, s.n, s.value);
    }

    @Benchmark
    public void cFill(Placed s) {
        CKernels.fill(s.matrix.table, s.matrix.rows, s.matrix.cols, s.value);
    }

    @Benchmark
    public void libraryScale(Placed s) {
        Kernels.scale(s.view, s.factor);
    }

    @Benchmark
    public void contiguousScale(Unplaced s) {
        Contiguous.scale(s.contiguous, s.n, s.factor);
    }

    @Benchmark
    public void cScale(Placed s) {
        CKernels.scale(s.matrix.table, s.matrix.rows, s.matrix.cols, s.factor);
    }
}
