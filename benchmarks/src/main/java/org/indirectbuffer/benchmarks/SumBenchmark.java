package org.indirectbuffer.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

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

/**
 * Sum of a C-made {@code double**} ({@link NativeMatrix}, in each {@link Placement}) borrowed by the library and
 * summed through the public API, against every other way to sum the same rows in the same process: the Vector API
 * over one contiguous segment of the same bytes (the limit), hand-written FFM + Vector API per row, a plain loop
 * over {@code double[][]}, JNA as its users write it ({@code getPointerArray} + {@code getDoubleArray} per row, and
 * {@code getDouble} per element), and C ({@code gcc -O3 -march=native}, a plain loop and a four-accumulator one)
 * through a downcall. Setup checks that every variant computes the same sum (1e-9 relative) and refuses to run
 * otherwise. Per-row overhead = (library - contiguous) / rows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SumBenchmark {
    /** In cache; memory-bound; short rows; one item per row (the worst case for a per-row cost). */
    @Param({"1000x1000", "16x1000000", "100000x8", "1000000x1"})
    public String shape;

    @Param({"ONE_BLOCK", "MALLOC_PER_ROW", "SCATTERED"})
    public Placement placement;

    private NativeMatrix matrix;
    private BufferView view;
    private MemorySegment contiguous;
    private MemorySegment table;
    private Pointer jnaTable;
    private long rows;
    private long cols;

    @Setup(Level.Trial)
    public void setUp() {
        matrix = new NativeMatrix(shape, placement, 42);
        rows = matrix.rows;
        cols = matrix.cols;
        table = matrix.table;
        view = matrix.borrowedView(true);
        contiguous = matrix.newBlock();
        matrix.copyContiguous(contiguous);
        jnaTable = new Pointer(table.address());
        double expected = contiguous();
        NativeMatrix.checkSame("library", expected, library());
        NativeMatrix.checkSame("handwrittenFfm", expected, handwrittenFfm());
        NativeMatrix.checkSame("javaArrays", expected, javaArrays());
        NativeMatrix.checkSame("jnaGetDoubleArray", expected, jnaGetDoubleArray());
        NativeMatrix.checkSame("jnaGetDouble", expected, jnaGetDouble());
        NativeMatrix.checkSame("c", expected, c());
        NativeMatrix.checkSame("cUnrolled", expected, cUnrolled());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        matrix.close();
    }

    /** The library: one kernel call over the view of the borrowed table. */
    @Benchmark
    public double library() {
        return Kernels.sum(view);
    }

    /** The limit: the same Vector API loop over one contiguous segment of the same bytes. */
    @Benchmark
    public double contiguous() {
        return Contiguous.sum(contiguous, rows * cols);
    }

    /** Hand-written FFM + Vector API: each row pointer read from the table and sized by hand. */
    @Benchmark
    public double handwrittenFfm() {
        double sum = 0;
        long rowBytes = cols * 8;
        for (long r = 0; r < rows; r++) {
            sum += Contiguous.sum(table.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(rowBytes), cols);
        }
        return sum;
    }

    /** A plain loop over the same values in {@code double[][]} (C2 does not vectorize a floating-point sum). */
    @Benchmark
    public double javaArrays() {
        double sum = 0;
        for (double[] row : matrix.data) {
            for (double v : row) {
                sum += v;
            }
        }
        return sum;
    }

    /** JNA as its users write it: the table read into {@code Pointer[]}, each row copied out with getDoubleArray. */
    @Benchmark
    public double jnaGetDoubleArray() {
        double sum = 0;
        for (Pointer row : jnaTable.getPointerArray(0, (int) rows)) {
            for (double v : row.getDoubleArray(0, (int) cols)) {
                sum += v;
            }
        }
        return sum;
    }

    /** JNA item by item: {@code getPointer} per row, {@code getDouble} per element. */
    @Benchmark
    public double jnaGetDouble() {
        double sum = 0;
        for (long r = 0; r < rows; r++) {
            Pointer row = jnaTable.getPointer(r * Native.POINTER_SIZE);
            for (long j = 0; j < cols; j++) {
                sum += row.getDouble(j * 8);
            }
        }
        return sum;
    }

    /** C: a plain loop over the {@code double**}, one chain of adds (gcc keeps the order without -ffast-math). */
    @Benchmark
    public double c() {
        return CKernels.sum(table, rows, cols);
    }

    /** C with four accumulators, as a skilled C programmer writes a reduction. */
    @Benchmark
    public double cUnrolled() {
        return CKernels.sumUnrolled(table, rows, cols);
    }
}
