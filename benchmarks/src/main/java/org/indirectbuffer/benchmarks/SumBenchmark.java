package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
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
 * Sum of a {@code double**}: the library's kernel over the pointer table, against the same Vector API loop over
 * one contiguous segment holding the same bytes (the ceiling), a hand-written FFM + Vector API loop over the rows,
 * and a plain scalar loop over the rows (what C2 gives without the Vector API).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SumBenchmark {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    @Param({"1000x1000", "100000x8"})
    public String shape;

    @Param({"ONE_BLOCK", "ROW_BY_ROW"})
    public IndirectMemory2D.RowPlacement placement;

    private IndirectMemory2D matrix;
    private BufferView view;
    private Arena arena;
    private MemorySegment contiguous;
    private MemorySegment table;
    private MemorySegment[] rowSegments;
    private int rows;
    private int cols;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        rows = Integer.parseInt(dims[0]);
        cols = Integer.parseInt(dims[1]);
        matrix = IndirectMemory2D.createMemory(rows, cols, "d", false, placement);
        double[][] data = Matrices.random(rows, cols, 42);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(data[r], 0, matrix.row(r), ValueLayout.JAVA_DOUBLE, 0, cols);
        }
        view = matrix.getBuffer(BufferRequest.FULL_RO);
        arena = Arena.ofShared();
        contiguous = arena.allocate((long) rows * cols * 8, 64);
        Matrices.copyContiguous(matrix, contiguous);
        table = matrix.pointerTable();
        rowSegments = new MemorySegment[rows];
        for (int r = 0; r < rows; r++) {
            rowSegments[r] = matrix.row(r);
        }
        double expected = vectorContiguous();
        double got = library();
        if (Math.abs(expected - got) > 1e-6 * Math.abs(expected)) {
            throw new IllegalStateException("library sum " + got + " != contiguous sum " + expected);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        view.close();
        matrix.close();
        arena.close();
    }

    /** The library: one call over the exported view. */
    @Benchmark
    public double library() {
        return Kernels.sum(view);
    }

    /**
     * The general run walk over the same view: {@code Kernels.max} follows one pointer per row through the resolver
     * (a bounded, owner-scoped segment per row) and hands the row to the vector kernel; what a dereference costs is
     * this time per row minus the kernel's.
     */
    @Benchmark
    public double libraryMax() {
        return Kernels.max(view);
    }

    /** The ceiling: the same Vector API loop over one contiguous segment of the same bytes. */
    @Benchmark
    public double vectorContiguous() {
        return vectorSum(contiguous, 0, (long) rows * cols);
    }

    /** Hand-written FFM + Vector API over the table: each row pointer read and sized by hand. */
    @Benchmark
    public double vectorRowsHandwritten() {
        double sum = 0;
        long rowBytes = cols * 8L;
        for (int r = 0; r < rows; r++) {
            MemorySegment row = table.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(rowBytes);
            sum += vectorSum(row, 0, cols);
        }
        return sum;
    }

    /** A plain scalar loop over the rows: C2 does not vectorize a floating-point reduction by itself. */
    @Benchmark
    public double scalarRows() {
        double sum = 0;
        for (MemorySegment row : rowSegments) {
            for (int j = 0; j < cols; j++) {
                sum += row.getAtIndex(ValueLayout.JAVA_DOUBLE, j);
            }
        }
        return sum;
    }

    private static double vectorSum(MemorySegment s, long offset, long n) {
        DoubleVector a0 = DoubleVector.zero(S);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        int lanes = S.length();
        long k = 0;
        long bound4 = n - n % (4L * lanes);
        for (; k < bound4; k += 4L * lanes) {
            long p = offset + k * 8;
            a0 = a0.add(DoubleVector.fromMemorySegment(S, s, p, NATIVE));
            a1 = a1.add(DoubleVector.fromMemorySegment(S, s, p + 8L * lanes, NATIVE));
            a2 = a2.add(DoubleVector.fromMemorySegment(S, s, p + 16L * lanes, NATIVE));
            a3 = a3.add(DoubleVector.fromMemorySegment(S, s, p + 24L * lanes, NATIVE));
        }
        for (; k + lanes <= n; k += lanes) {
            a0 = a0.add(DoubleVector.fromMemorySegment(S, s, offset + k * 8, NATIVE));
        }
        double sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            sum += s.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + k * 8);
        }
        return sum;
    }
}
