package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.PointerBorrower;
import org.indirectbuffer.Sharing;
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
 * The many-small-calls case of issue 15: a small {@code double**} that C returned ({@code malloc} of the table and of
 * each row, {@link Placement#MALLOC_PER_ROW}), handed over as a bare address with no size, wrapped, summed and let go,
 * once per operation — the per-call cost of wrapping, against hand-written FFM doing the same work. The C call that
 * returns the table is left out of both sides (it would add the same ~10 ns to each and flatter the ratio).
 *
 * <p>Library: {@code wrap} shared (the default) and {@link Sharing#CONFINED}, a confined {@link
 * PointerBorrower} (format parsed and native access checked once), each summing through {@code row(r)} with the same
 * Vector API loop as the baselines, and {@code wrap} + {@code getBuffer} + {@link Kernels#sum} (the documented
 * path). Hand-written FFM: the table and each row {@code reinterpret}ed into a confined arena, into a shared arena,
 * and with no lifetime at all ({@code ffmGlobalSum}, the floor: nothing stops a use after C frees the rows). Where
 * the segments do not escape, escape analysis can remove a confined arena altogether; that is what the hand-written
 * code costs, so it is the baseline. Setup checks the variant a trial measures against the sum of the values.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class WrapBenchmark {
    private static final PointerBorrower BORROWER = PointerBorrower.of("d", true, Sharing.CONFINED);

    @Param({"4x4", "64x64"})
    public String shape;

    private NativeMatrix matrix;
    /** The table as C returns it: a bare address, no size, the global scope. */
    private MemorySegment table;
    private int rows;
    private int cols;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        matrix = new NativeMatrix(shape, Placement.MALLOC_PER_ROW, 5);
        rows = matrix.rows;
        cols = matrix.cols;
        table = matrix.bareTable();
        String variant = NativeMatrix.variant(params);
        double sum = switch (variant) {
            case "ffmConfinedSum" -> ffmConfinedSum();
            case "ffmSharedSum" -> ffmSharedSum();
            case "ffmGlobalSum" -> ffmGlobalSum();
            case "librarySum" -> librarySum();
            case "libraryConfinedSum" -> libraryConfinedSum();
            case "libraryBorrowerSum" -> libraryBorrowerSum();
            case "libraryKernelSum" -> libraryKernelSum();
            default -> throw NativeMatrix.noCheck(variant);
        };
        NativeMatrix.checkSame(variant, Matrices.sum(matrix.data), sum);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        matrix.close();
    }

    private double ffm(Arena borrow) {
        try (borrow) {
            MemorySegment t = table.reinterpret(rows * ValueLayout.ADDRESS.byteSize(), borrow, null);
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += Contiguous.sum(t.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(cols * 8L, borrow, null), cols);
            }
            return s;
        }
    }

    private double rowSums(IndirectMemory2D borrowed) {
        try (IndirectMemory2D m = borrowed) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += Contiguous.sum(m.row(r), cols);
            }
            return s;
        }
    }

    /** Hand-written FFM, a confined arena per call. */
    @Benchmark
    public double ffmConfinedSum() {
        return ffm(Arena.ofConfined());
    }

    /** Hand-written FFM, a shared arena per call (its close is a handshake with every Java thread). */
    @Benchmark
    public double ffmSharedSum() {
        return ffm(Arena.ofShared());
    }

    /** Hand-written FFM with no lifetime: {@code reinterpret} of the table and of each row, global scope. */
    @Benchmark
    public double ffmGlobalSum() {
        MemorySegment t = table.reinterpret(rows * ValueLayout.ADDRESS.byteSize());
        double s = 0;
        for (int r = 0; r < rows; r++) {
            s += Contiguous.sum(t.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(cols * 8L), cols);
        }
        return s;
    }

    /** {@code wrap}, shared (the default). */
    @Benchmark
    public double librarySum() {
        return rowSums(IndirectMemory2D.wrap(table, rows, cols, "d", true));
    }

    /** {@code wrap}, confined to this thread. */
    @Benchmark
    public double libraryConfinedSum() {
        return rowSums(IndirectMemory2D.wrap(table, rows, cols, "d", true, Sharing.CONFINED));
    }

    /**
     * A confined {@link PointerBorrower} made once, in the shape of the README's callback: borrow, loop and close in
     * one method. Through {@link #rowSums} (a method taking the handle) C2 compiles that method on its own, too big to
     * inline here afterwards, and the borrow's objects escape into it (448 bytes and about 4x the baseline's time at
     * 4x4 in session 13); written here, escape analysis removes them as it removes the baseline's arena.
     */
    @Benchmark
    public double libraryBorrowerSum() {
        try (IndirectMemory2D m = BORROWER.borrow(table, rows, cols)) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += Contiguous.sum(m.row(r), cols);
            }
            return s;
        }
    }

    /** {@code wrap} (shared), a read-only view and {@link Kernels#sum}: the path the README shows. */
    @Benchmark
    public double libraryKernelSum() {
        try (IndirectMemory2D m = IndirectMemory2D.wrap(table, rows, cols, "d", true);
             BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
            return Kernels.sum(v);
        }
    }
}
