package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

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
 * Sum of a C-made {@code double**} ({@link NativeMatrix}, in each {@link Placement}) borrowed by the library and
 * summed through the public API, against every other way to sum the same values in the same process: the Vector API
 * over one contiguous segment of the same bytes (the limit), hand-written FFM + Vector API per row, a plain loop
 * over {@code double[][]}, JNA as its users write it ({@code getPointerArray} + {@code getDoubleArray} per row over
 * C's table, {@code getDouble} per element, and a table of their own built from {@code Memory} rows with {@code
 * setPointer}, read with {@code getDoubleArray} per row), and C ({@code gcc -O3 -march=native}, a plain loop and a
 * four-accumulator one) through a downcall. Per-row overhead = (library - contiguous) / rows.
 *
 * <p>The variants that read C's table take the {@link Placed} state (every shape in every placement); those that read
 * memory of their own — the contiguous block, {@code double[][]}, JNA's {@code Memory} table — take {@link
 * Unplaced} and run once per shape, since the placement of C's rows changes nothing they read (bench-table.py
 * compares them with every placement's library figure). Each trial's setup checks the variant it measures against
 * the sum of the values (1e-9 relative) and refuses to run otherwise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SumBenchmark {
    private static final long SEED = 42;

    /** C's table in one placement. */
    @State(Scope.Thread)
    public static class Placed {
        /** In cache; memory-bound; short rows; one item per row (the worst case for a per-row cost). */
        @Param({"1000x1000", "16x1000000", "100000x8", "1000000x1"})
        public String shape;

        @Param({"ONE_BLOCK", "MALLOC_PER_ROW", "SCATTERED"})
        public Placement placement;

        NativeMatrix matrix;
        BufferView view;
        Pointer jnaTable;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            matrix = new NativeMatrix(shape, placement, SEED);
            view = matrix.borrowedView(true);
            jnaTable = new Pointer(matrix.table.address());
            String variant = NativeMatrix.variant(params);
            SumBenchmark b = new SumBenchmark();
            double sum = switch (variant) {
                case "library" -> b.library(this);
                case "handwrittenFfm" -> b.handwrittenFfm(this);
                case "jnaGetDoubleArray" -> b.jnaGetDoubleArray(this);
                case "jnaGetDouble" -> b.jnaGetDouble(this);
                case "c" -> b.c(this);
                case "cUnrolled" -> b.cUnrolled(this);
                default -> throw NativeMatrix.noCheck(variant);
            };
            NativeMatrix.checkSame(variant, Matrices.sum(matrix.data), sum);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            matrix.close();
        }
    }

    /** The same values in memory that is not C's table: made only for the variant the trial measures. */
    @State(Scope.Thread)
    public static class Unplaced {
        @Param({"1000x1000", "16x1000000", "100000x8", "1000000x1"})
        public String shape;

        double[][] data;
        long rows;
        long cols;
        Arena arena;
        MemorySegment contiguous;
        /** JNA's own table: one {@code Memory} per row, their pointers set into a {@code Memory} table. */
        Memory jnaTable;
        Memory[] jnaRows;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            data = Matrices.random(shape, SEED);
            rows = data.length;
            cols = data[0].length;
            arena = Arena.ofShared();
            String variant = NativeMatrix.variant(params);
            switch (variant) {
                case "contiguous" -> {
                    contiguous = arena.allocate(8 * rows * cols, 64);
                    NativeMatrix.fillBlock(contiguous, data, v -> v);
                }
                case "jnaMemory" -> {
                    jnaTable = new Memory(Native.POINTER_SIZE * rows);
                    jnaRows = new Memory[(int) rows];
                    for (int r = 0; r < rows; r++) {
                        jnaRows[r] = new Memory(8 * cols);
                        jnaRows[r].write(0, data[r], 0, (int) cols);
                        jnaTable.setPointer((long) r * Native.POINTER_SIZE, jnaRows[r]);
                    }
                }
                case "javaArrays" -> { }
                default -> throw NativeMatrix.noCheck(variant);
            }
            SumBenchmark b = new SumBenchmark();
            double sum = switch (variant) {
                case "contiguous" -> b.contiguous(this);
                case "jnaMemory" -> b.jnaMemory(this);
                default -> b.javaArrays(this);
            };
            NativeMatrix.checkSame(variant, Matrices.sum(data), sum);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (jnaRows != null) {
                for (Memory row : jnaRows) {
                    row.close();
                }
                jnaTable.close();
            }
            arena.close();
        }
    }

    /** The library: one kernel call over the view of the borrowed table. */
    @Benchmark
    public double library(Placed s) {
        return Kernels.sum(s.view);
    }

    /** The limit: the same Vector API loop over one contiguous segment of the same bytes. */
    @Benchmark
    public double contiguous(Unplaced s) {
        return Contiguous.sum(s.contiguous, s.rows * s.cols);
    }

    /** Hand-written FFM + Vector API: each row pointer read from the table and sized by hand. */
    @Benchmark
    public double handwrittenFfm(Placed s) {
        double sum = 0;
        long cols = s.matrix.cols;
        long rowBytes = cols * 8;
        MemorySegment table = s.matrix.table;
        for (long r = 0; r < s.matrix.rows; r++) {
            sum += Contiguous.sum(table.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(rowBytes), cols);
        }
        return sum;
    }

    /** A plain loop over the same values in {@code double[][]} (C2 does not vectorize a floating-point sum). */
    @Benchmark
    public double javaArrays(Unplaced s) {
        double sum = 0;
        for (double[] row : s.data) {
            for (double v : row) {
                sum += v;
            }
        }
        return sum;
    }

    /** JNA as its users write it: C's table read into {@code Pointer[]}, each row copied out with getDoubleArray. */
    @Benchmark
    public double jnaGetDoubleArray(Placed s) {
        double sum = 0;
        int cols = s.matrix.cols;
        for (Pointer row : s.jnaTable.getPointerArray(0, s.matrix.rows)) {
            for (double v : row.getDoubleArray(0, cols)) {
                sum += v;
            }
        }
        return sum;
    }

    /** JNA item by item over C's table: {@code getPointer} per row, {@code getDouble} per element. */
    @Benchmark
    public double jnaGetDouble(Placed s) {
        double sum = 0;
        long cols = s.matrix.cols;
        for (long r = 0; r < s.matrix.rows; r++) {
            Pointer row = s.jnaTable.getPointer(r * Native.POINTER_SIZE);
            for (long j = 0; j < cols; j++) {
                sum += row.getDouble(j * 8);
            }
        }
        return sum;
    }

    /**
     * JNA's third way: a table of {@code Memory} rows the user built with {@code setPointer} (and must keep reachable,
     * or the rows are freed), summed with {@code getDoubleArray} per row from the user's {@code Memory} objects.
     */
    @Benchmark
    public double jnaMemory(Unplaced s) {
        double sum = 0;
        int cols = (int) s.cols;
        for (Memory row : s.jnaRows) {
            for (double v : row.getDoubleArray(0, cols)) {
                sum += v;
            }
        }
        return sum;
    }

    /** C: a plain loop over the {@code double**}, one chain of adds (gcc keeps the order without -ffast-math). */
    @Benchmark
    public double c(Placed s) {
        return CKernels.sum(s.matrix.table, s.matrix.rows, s.matrix.cols);
    }

    /** C with four accumulators, as a skilled C programmer writes a reduction. */
    @Benchmark
    public double cUnrolled(Placed s) {
        return CKernels.sumUnrolled(s.matrix.table, s.matrix.rows, s.matrix.cols);
    }
}
