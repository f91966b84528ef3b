package org.indirectbuffer.benchmarks;

import java.lang.foreign.MemorySegment;
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
 * The bulk kernels other than sum — max, fill, scale — over a C-made {@code double**} borrowed by the library,
 * each against its contiguous twin (the same Vector API operation over one block of the same bytes) and the same
 * operation in C ({@code gcc -O3 -march=native}) over the same table. Method {@code libraryX} is compared with
 * {@code contiguousX} and {@code cX}. Setup checks that the variants agree (max equal; after fill and scale, the
 * bytes equal) and refuses to run otherwise.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmark {
    /** Memory-bound; the in-cache shape for comparison. */
    @Param({"16x1000000", "1000x1000"})
    public String shape;

    @Param({"ONE_BLOCK", "MALLOC_PER_ROW", "SCATTERED"})
    public Placement placement;

    /** Read from a field so that no compiler can fold the multiplication away; close to 1 so values stay finite. */
    public double factor = 1.0000001;
    public double value = 0.5;

    private NativeMatrix matrix;
    private BufferView view;
    private MemorySegment contiguous;
    private MemorySegment table;
    private long rows;
    private long cols;

    @Setup(Level.Trial)
    public void setUp() {
        matrix = new NativeMatrix(shape, placement, 11);
        rows = matrix.rows;
        cols = matrix.cols;
        table = matrix.table;
        view = matrix.borrowedView(false);
        contiguous = matrix.newBlock();
        checkVariantsAgree();
    }

    private void checkVariantsAgree() {
        MemorySegment original = matrix.newBlock();
        MemorySegment rowsNow = matrix.newBlock();
        matrix.copyContiguous(original);
        contiguous.copyFrom(original);
        double max = contiguousMax();
        NativeMatrix.checkSame("libraryMax", max, libraryMax());
        NativeMatrix.checkSame("cMax", max, cMax());
        // each writing variant applied once to the original values, then compared byte for byte
        contiguousScale();
        libraryScale();
        matrix.copyContiguous(rowsNow);
        NativeMatrix.checkSame("libraryScale", contiguous, rowsNow);
        matrix.restore();
        cScale();
        matrix.copyContiguous(rowsNow);
        NativeMatrix.checkSame("cScale", contiguous, rowsNow);
        contiguousFill();
        libraryFill();
        matrix.copyContiguous(rowsNow);
        NativeMatrix.checkSame("libraryFill", contiguous, rowsNow);
        matrix.restore();
        cFill();
        matrix.copyContiguous(rowsNow);
        NativeMatrix.checkSame("cFill", contiguous, rowsNow);
        matrix.restore();
        contiguous.copyFrom(original);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        matrix.close();
    }

    @Benchmark
    public double libraryMax() {
        return Kernels.max(view);
    }

    @Benchmark
    public double contiguousMax() {
        return Contiguous.max(contiguous, rows * cols);
    }

    @Benchmark
    public double cMax() {
        return CKernels.max(table, rows, cols);
    }

    @Benchmark
    public void libraryFill() {
        Kernels.fill(view, value);
    }

    @Benchmark
    public void contiguousFill() {
        Contiguous.fill(contiguous, rows * cols, value);
    }

    @Benchmark
    public void cFill() {
        CKernels.fill(table, rows, cols, value);
    }

    @Benchmark
    public void libraryScale() {
        Kernels.scale(view, factor);
    }

    @Benchmark
    public void contiguousScale() {
        Contiguous.scale(contiguous, rows * cols, factor);
    }

    @Benchmark
    public void cScale() {
        CKernels.scale(table, rows, cols, factor);
    }
}
