package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.indirectbuffer.contract.Grids;
import org.indirectbuffer.contract.LiveBytes;
import org.indirectbuffer.internal.DeferredClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An owner collected while C holds its table. Each case makes an owner of native memory, keeps nothing of it but
 * the segment it hands to C (its last use is {@code pointerTable()}, {@code buf()}), and calls C through an FFM
 * downcall; in the middle of its work C calls back into Java, which forces collections until the owner is gone and
 * its Cleaner has tried to close the memory. Then C reads the rest of the table.
 *
 * <p>What must hold: C's result is the one computed from the data (the memory was not freed under it), and once the
 * call has returned and the segment is dropped, the memory is freed (the live native bytes come back). Before
 * {@link DeferredClose}, the Cleaner's close failed while the downcall held the arena ("Session is acquired"), the
 * failure vanished on the Cleaner's thread and the memory was never freed: the second assertion failed.
 */
@Tag("gc")
class CleanerInFlightTest {
    private static final int ROWS = 16;
    private static final int COLS = 8;
    /** Collections forced in the callback before giving up on the owner (never reached when all goes well). */
    private static final int MAX_ROUNDS = 2_000;

    /** What a case hands to C, the only strong reference left to the memory, and what C must compute. */
    record Handed(MemorySegment table, WeakReference<Object> owner, long expected, Call call) {
    }

    @FunctionalInterface
    interface Call {
        long run(MemorySegment table, MemorySegment callback);
    }

    /**
     * One kind of owner: {@code make} creates one, fills it, and keeps only what it hands to C. {@code shared}: its
     * Cleaner closes a shared arena (confined memory is freed only once its scope, which the call holds, is
     * unreachable).
     */
    record Case(String name, boolean shared, Supplier<Handed> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    private static Call dense(int rows, int cols) {
        return (t, cb) -> bits(CoreNative.sum(t, rows, cols, cb));
    }

    static Stream<Case> cases() {
        double[][] d = Grids.grid(ROWS, COLS, 7);
        long expected = bits(Grids.sum(d));
        return Stream.of(
                new Case("IndirectMemory2D, one block", true, () -> {
                    IndirectMemory2D m = IndirectMemory2D.createFrom(d);
                    return new Handed(m.pointerTable(), new WeakReference<>(m), expected, dense(ROWS, COLS));
                }),
                new Case("IndirectMemory2D, one block, confined", false, () -> {
                    IndirectMemory2D m = IndirectMemory2D.createFrom(d, Sharing.CONFINED);
                    return new Handed(m.pointerTable(), new WeakReference<>(m), expected, dense(ROWS, COLS));
                }),
                new Case("IndirectMemory2D, row by row", true, () -> {
                    IndirectMemory2D m = IndirectMemory2D.createMemory(ROWS, COLS, "d", false,
                            IndirectMemory2D.RowPlacement.ROW_BY_ROW);
                    fill(m, d);
                    return new Handed(m.pointerTable(), new WeakReference<>(m), expected, dense(ROWS, COLS));
                }),
                new Case("tableOverRows of a dropped source", true, () -> {
                    IndirectMemory2D v = IndirectMemory2D.tableOverRows(IndirectMemory2D.createFrom(d));
                    return new Handed(v.pointerTable(), new WeakReference<>(v), expected, dense(ROWS, COLS));
                }),
                new Case("BufferView of a dropped IndirectMemory2D", true, () -> {
                    IndirectMemory2D m = IndirectMemory2D.createFrom(d);
                    WeakReference<Object> owner = new WeakReference<>(m);
                    BufferView v = m.getBuffer(BufferRequest.FULL_RO);
                    return new Handed(v.buf(), owner, expected, dense(ROWS, COLS));
                }),
                new Case("RowWindow over a dropped source", true, () -> {
                    RowWindow w = RowWindow.tableOver(IndirectMemory2D.createFrom(d), 2, 4);
                    double s = 0;
                    for (double[] row : d) {
                        for (int j = 2; j < 6; j++) {
                            s += row[j];
                        }
                    }
                    return new Handed(w.pointerTable(), new WeakReference<>(w), bits(s), dense(ROWS, 4));
                }),
                new Case("RaggedRows", true, () -> {
                    long[] lengths = {3, 0, 5, 1, 8, 2, 7, 4};
                    RaggedRows r = RaggedRows.create(lengths, "d");
                    double s = 0;
                    for (int i = 0; i < lengths.length; i++) {
                        for (int j = 0; j < lengths[i]; j++) {
                            double v = i * 10 + j + 0.5;
                            r.row(i).setAtIndex(ValueLayout.JAVA_DOUBLE, j, v);
                            s += v;
                        }
                    }
                    return new Handed(r.pointerTable(), new WeakReference<>(r), bits(s),
                            (t, cb) -> bits(sumRagged(t, lengths, cb)));
                }),
                new Case("CStringTable", true, () -> {
                    List<String> strings = new ArrayList<>();
                    for (int i = 0; i < ROWS; i++) {
                        strings.add("string " + i + " \u00e9\u4e2d");
                    }
                    byte[][] encoded = strings.stream().map(s -> s.getBytes(StandardCharsets.UTF_8))
                            .toArray(byte[][]::new);
                    CStringTable t = CStringTable.create(StandardCharsets.UTF_8, strings);
                    return new Handed(t.pointerTable(), new WeakReference<>(t), CoreNative.stringsChecksum(encoded),
                            (tb, cb) -> CoreNative.stringsChecksum(tb, ROWS, cb));
                }));
    }

    /** The lengths go to C from native memory (a downcall takes no heap segment). */
    private static double sumRagged(MemorySegment table, long[] lengths, MemorySegment cb) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lens = a.allocateFrom(ValueLayout.JAVA_LONG, lengths);
            return CoreNative.sumRagged(table, lens, lengths.length, cb);
        }
    }

    static void fill(IndirectMemory2D m, double[][] d) {
        for (int i = 0; i < d.length; i++) {
            for (int j = 0; j < d[i].length; j++) {
                m.setDouble(i, j, d[i][j]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anOwnerCollectedDuringTheCallIsFreedAfterIt(Case c) {
        long before = LiveBytes.settled();
        long deferredBefore = DeferredClose.deferred();
        Handed[] handed = {c.make().get()};
        WeakReference<Object> owner = handed[0].owner();
        long expected = handed[0].expected();
        boolean[] collected = new boolean[1];
        long result;
        try (Arena stubs = Arena.ofConfined()) {
            MemorySegment cb = CoreNative.callback(() -> collected[0] = collectUntilCleaned(owner, c.shared(),
                    deferredBefore), stubs);
            result = callDropping(handed, cb);
        }
        assertThat(result).as("what C read after the owner was collected").isEqualTo(expected);
        assertThat(LiveBytes.backTo(before)).as("live native bytes once the call returned").isEqualTo(before);
        assertThat(collected[0]).as("the owner was collected (and a shared one's close deferred) during the call")
                .isTrue();
    }

    /**
     * Calls C with the table, after dropping the last other reference to it; in a frame of its own, so that nothing
     * of the memory stays in the test's frame after the call (the interpreter keeps dead locals).
     */
    static long callDropping(Handed[] handed, MemorySegment cb) {
        MemorySegment table = handed[0].table();
        Call call = handed[0].call();
        handed[0] = null;
        return call.run(table, cb);
    }

    /** In the callback: collects until the owner is gone and (shared) the Cleaner has found its arena in use. */
    private static boolean collectUntilCleaned(WeakReference<Object> owner, boolean shared, long deferredBefore) {
        for (int i = 0; i < MAX_ROUNDS; i++) {
            if (owner.get() == null && (!shared || DeferredClose.deferred() > deferredBefore)) {
                return true;
            }
            System.gc();
            sleepQuietly();
        }
        return false;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
