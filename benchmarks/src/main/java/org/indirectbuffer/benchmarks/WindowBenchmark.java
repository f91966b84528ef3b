package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.RowWindow;
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
 * Feeding a {@code T**} to C in chunks, as an encoder takes {@code block} frames of every channel per call: one
 * second of stereo int32 audio (2 x 44,100), block by block. Each block's table is handed to the same consumer, which
 * reads every item through the table's pointers as C would. The library's {@link RowWindow} (one table, moved)
 * against hand-written FFM that allocates a fresh table per block in a confined arena, and against hand-written FFM
 * that rewrites one table in place (the floor: nothing but the pointer writes). {@code window} makes and closes its
 * window in every operation (two shared arenas: the source's export and the window's table), {@code keptWindow}
 * reuses one, so the two together split the per-stream cost from the per-block cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class WindowBenchmark {
    private static final int CHANNELS = 2;
    private static final int FRAMES = 44_100;

    /** Frames per block: libFLAC's default block size, and a small one (more blocks, so the per-block cost shows). */
    @Param({"4096", "256"})
    public int block;

    private IndirectMemory2D pcm;
    /** A window made once, as a stream would keep one. */
    private RowWindow kept;
    private MemorySegment[] rows;
    private MemorySegment reused;
    private Arena arena;

    @Setup(Level.Trial)
    public void setUp() {
        int[][] data = new int[CHANNELS][FRAMES];
        for (int c = 0; c < CHANNELS; c++) {
            for (int f = 0; f < FRAMES; f++) {
                data[c][f] = (f * 7 + c) & 0xffff;
            }
        }
        pcm = IndirectMemory2D.createFrom(data);
        rows = new MemorySegment[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            rows[c] = pcm.row(c);
        }
        arena = Arena.ofConfined();
        reused = arena.allocate(ValueLayout.ADDRESS, CHANNELS);
        kept = RowWindow.tableOver(pcm, 0, block);
        if (window() != freshTables() || window() != reusedTable() || keptWindow() != reusedTable()) {
            throw new AssertionError("the sums differ");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kept.close();
        arena.close();
        pcm.close();
    }

    /** What C does with a block: reads {@code frames} items of every channel through the table. */
    private static long consume(MemorySegment table, int frames) {
        long s = 0;
        for (int c = 0; c < CHANNELS; c++) {
            MemorySegment channel = table.getAtIndex(ValueLayout.ADDRESS, c).reinterpret(frames * 4L);
            for (int f = 0; f < frames; f++) {
                s += channel.getAtIndex(ValueLayout.JAVA_INT, f);
            }
        }
        return s;
    }

    /** The library: one window, moved block by block; its table passed each time. */
    @Benchmark
    public long window() {
        long s = 0;
        try (RowWindow w = RowWindow.tableOver(pcm, 0, block)) {
            MemorySegment table = w.pointerTable();
            for (int at = 0; at + block <= FRAMES; at += block) {
                w.moveTo(at);
                s += consume(table, block);
            }
        }
        return s;
    }

    /** Hand-written FFM: a new table per block, in a confined arena closed after the call. */
    @Benchmark
    public long freshTables() {
        long s = 0;
        for (int at = 0; at + block <= FRAMES; at += block) {
            try (Arena perBlock = Arena.ofConfined()) {
                MemorySegment table = perBlock.allocate(ValueLayout.ADDRESS, CHANNELS);
                for (int c = 0; c < CHANNELS; c++) {
                    table.setAtIndex(ValueLayout.ADDRESS, c, rows[c].asSlice(at * 4L));
                }
                s += consume(table, block);
            }
        }
        return s;
    }

    /** Hand-written FFM: one table, its pointers rewritten per block (no checks, no record): the floor. */
    @Benchmark
    public long reusedTable() {
        long s = 0;
        for (int at = 0; at + block <= FRAMES; at += block) {
            for (int c = 0; c < CHANNELS; c++) {
                reused.setAtIndex(ValueLayout.ADDRESS, c, rows[c].asSlice(at * 4L));
            }
            s += consume(reused, block);
        }
        return s;
    }

    /** The library: a window kept from one stream to the next (made once), moved block by block. */
    @Benchmark
    public long keptWindow() {
        long s = 0;
        MemorySegment table = kept.pointerTable();
        for (int at = 0; at + block <= FRAMES; at += block) {
            kept.moveTo(at);
            s += consume(table, block);
        }
        return s;
    }
}
