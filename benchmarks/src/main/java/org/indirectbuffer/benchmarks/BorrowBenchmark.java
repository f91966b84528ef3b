package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.PointerBorrower;
import org.indirectbuffer.Sharing;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Borrowing a {@code T**} that C owns, as a callback does once per call (a FLAC write callback gets {@code const
 * int32 *const buffer[]} per block; a vorbis decode loop a {@code float**} per packet): wrap the bare table, read it,
 * close. The library's {@code wrap} shared and {@link Sharing#CONFINED}, and a confined {@link PointerBorrower}
 * (format parsed and native access checked once), against hand-written FFM code with a confined and a shared arena
 * ({@code reinterpret} of the table and of each row). "wrap" touches one item, "read" sums every item through the row
 * segments. In the hand-written confined wrap, escape analysis removes the arena and the segments altogether: that
 * figure is the JIT's floor, not the cost of an arena.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BorrowBenchmark {
    /** Channels x frames of int32: a stereo FLAC block of 4096 samples, and eight channels of 256. */
    @Param({"2x4096", "8x256"})
    public String shape;

    private static final PointerBorrower BORROWER = PointerBorrower.of("i", true, Sharing.CONFINED);

    private Arena arena;
    /** The table as C hands it: a bare address, no size, the global scope. */
    private MemorySegment table;
    private int rows;
    private int cols;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        rows = Integer.parseInt(dims[0]);
        cols = Integer.parseInt(dims[1]);
        arena = Arena.ofShared();
        MemorySegment t = arena.allocate(ValueLayout.ADDRESS, rows);
        for (int r = 0; r < rows; r++) {
            MemorySegment row = arena.allocate(ValueLayout.JAVA_INT, cols);
            for (int c = 0; c < cols; c++) {
                row.setAtIndex(ValueLayout.JAVA_INT, c, r * 31 + c);
            }
            t.setAtIndex(ValueLayout.ADDRESS, r, row);
        }
        table = MemorySegment.ofAddress(t.address());
        if (libraryConfinedRead() != rawFfmConfinedRead() || libraryRead() != rawFfmConfinedRead()
                || borrowerRead() != rawFfmConfinedRead()) {
            throw new AssertionError("the sums differ");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private static long sum(MemorySegment row, int cols) {
        long s = 0;
        for (int c = 0; c < cols; c++) {
            s += row.getAtIndex(ValueLayout.JAVA_INT, c);
        }
        return s;
    }

    private long rawFfm(Arena borrow, boolean all) {
        try (borrow) {
            MemorySegment t = table.reinterpret(rows * ValueLayout.ADDRESS.byteSize(), borrow, null);
            long s = 0;
            for (int r = 0; r < (all ? rows : 1); r++) {
                MemorySegment row = t.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(cols * 4L, borrow, null);
                s += all ? sum(row, cols) : row.get(ValueLayout.JAVA_INT, 0);
            }
            return s;
        }
    }

    private long library(Sharing sharing, boolean all) {
        return read(IndirectMemory2D.wrap(table, rows, cols, "i", true, sharing), all);
    }

    private long read(IndirectMemory2D borrowed, boolean all) {
        try (IndirectMemory2D m = borrowed) {
            long s = 0;
            for (int r = 0; r < (all ? rows : 1); r++) {
                MemorySegment row = m.row(r);
                s += all ? sum(row, cols) : row.get(ValueLayout.JAVA_INT, 0);
            }
            return s;
        }
    }

    /** Hand-written FFM, confined arena: the floor for a borrow. */
    @Benchmark
    public long rawFfmConfinedWrap() {
        return rawFfm(Arena.ofConfined(), false);
    }

    /**
     * Hand-written FFM, confined arena, the row segment handed on (to a Blackhole, as a callback hands it to a method
     * the JIT does not inline): the segments escape, so the arena is really made and closed. What a borrow costs
     * hand-written when escape analysis cannot remove it.
     */
    @Benchmark
    public long rawFfmConfinedWrapEscaping(Blackhole bh) {
        try (Arena borrow = Arena.ofConfined()) {
            MemorySegment t = table.reinterpret(rows * ValueLayout.ADDRESS.byteSize(), borrow, null);
            MemorySegment row = t.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(cols * 4L, borrow, null);
            bh.consume(row);
            return row.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** A confined PointerBorrower, touching one item, the row segment handed on as in the escaping baseline. */
    @Benchmark
    public long borrowerWrapEscaping(Blackhole bh) {
        try (IndirectMemory2D m = BORROWER.borrow(table, rows, cols)) {
            MemorySegment row = m.row(0);
            bh.consume(row);
            return row.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** Hand-written FFM, shared arena. */
    @Benchmark
    public long rawFfmSharedWrap() {
        return rawFfm(Arena.ofShared(), false);
    }

    /** The library, confined. */
    @Benchmark
    public long libraryConfinedWrap() {
        return library(Sharing.CONFINED, false);
    }

    /** The library, shared (the default {@code wrap}). */
    @Benchmark
    public long libraryWrap() {
        return library(Sharing.SHARED, false);
    }

    /** Hand-written FFM, confined, reading every item. */
    @Benchmark
    public long rawFfmConfinedRead() {
        return rawFfm(Arena.ofConfined(), true);
    }

    /** The library, confined, reading every item. */
    @Benchmark
    public long libraryConfinedRead() {
        return library(Sharing.CONFINED, true);
    }

    /** The library, shared, reading every item. */
    @Benchmark
    public long libraryRead() {
        return library(Sharing.SHARED, true);
    }

    /** A confined PointerBorrower, touching one item. */
    @Benchmark
    public long borrowerWrap() {
        return read(BORROWER.borrow(table, rows, cols), false);
    }

    /** A confined PointerBorrower, reading every item. */
    @Benchmark
    public long borrowerRead() {
        return read(BORROWER.borrow(table, rows, cols), true);
    }
}
