package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.contract.GcPressure;
import org.indirectbuffer.contract.Grids;
import org.indirectbuffer.contract.LiveBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Collection exports handed to C while the collector runs (src/test/c/collection_test.c, {@code
 * ct_swap_with_callback}: C sums every cell and writes new values, calling back into Java halfway).
 * <ul>
 *   <li><b>GC timing</b>: each way of exporting runs {@value #ROUNDS} rounds quietly, then under {@link GcPressure}
 *       with a {@code System.gc()} forced from inside C every {@value #GC_IN_CALL_EVERY}th call; the results (C's
 *       sum and the Java rows after the view's close, which copies C's writes back) must agree round by round,
 *       and with Java's own computation.</li>
 *   <li><b>Cleaner</b>: a collection and its export dropped while C holds the table (collected from inside the
 *       call) leave C's reads and writes on live memory, copy nothing back, and free the staged memory once the
 *       call returned; and {@value #CALLS} calls after warm-up, with a collection made and dropped every
 *       {@value #CALLS_PER_COLLECTION} calls, under pressure, all right and nothing left allocated.</li>
 * </ul>
 */
class BufferCollection2DGcTest {
    private static final int ROUNDS = 200;
    private static final int GC_IN_CALL_EVERY = 40;
    private static final int WARM_UP = 10_000;
    private static final int CALLS = 100_000;
    private static final int CALLS_PER_COLLECTION = 32;
    private static final int ROWS = 12;
    private static final int COLS = 10;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = SymbolLookup.libraryLookup(
            Path.of(System.getProperty("indirectbuffer.collection.testlib")), Arena.global());
    private static final MethodHandle SWAP = LINKER.downcallHandle(LIB.find("ct_swap_with_callback").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS));
    private static final MethodHandle RUN;

    static {
        try {
            RUN = MethodHandles.lookup().findVirtual(Runnable.class, "run", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MemorySegment callback(Runnable action, Arena arena) {
        return LINKER.upcallStub(RUN.bindTo(action), FunctionDescriptor.ofVoid(), arena);
    }

    private static double swap(MemorySegment table, double seed, MemorySegment cb) {
        try {
            return (double) SWAP.invokeExact(table, ROWS, COLS, seed, cb);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static double[][] data(int i) {
        return Grids.grid(ROWS, COLS, i);
    }

    private static double sum(double[][] d) {
        return Grids.sum(d);
    }

    /** What C writes in round {@code i}. */
    private static double[][] written(int i) {
        double[][] d = new double[ROWS][COLS];
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < COLS; j++) {
                d[r][j] = i + r * 1000.0 + j;
            }
        }
        return d;
    }

    /** C's sum and the rows as Java sees them after the export closed, in one value. */
    private static long digest(double cSum, double[][] rows) {
        long h = Double.doubleToRawLongBits(cSum);
        for (double[] row : rows) {
            for (double v : row) {
                h = h * 31 + Double.doubleToRawLongBits(v);
            }
        }
        return h;
    }

    /** One way of exporting: round {@code i} collects rows, exports them, has C swap them, closes, digests. */
    @FunctionalInterface
    private interface Route {
        long run(int i, MemorySegment callback);
    }

    private record Way(String name, Route route, Route expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Route heapRows(int flags, Sharing sharing) {
        return (i, cb) -> {
            double[][] rows = data(i);
            double s;
            try (BufferCollection2D col = BufferCollection2D.wrap(rows);
                 BufferView v = col.getBuffer(flags, sharing)) {
                s = swap(v.buf(), i, cb);
            }
            return digest(s, rows);
        };
    }

    static Stream<Way> ways() {
        Route writtenBack = (i, cb) -> digest(sum(data(i)), written(i));
        Route unchanged = (i, cb) -> digest(sum(data(i)), data(i));
        return Stream.of(
                new Way("heap rows, writable, shared", heapRows(BufferRequest.FULL, Sharing.SHARED), writtenBack),
                new Way("heap rows, writable, confined", heapRows(BufferRequest.FULL, Sharing.CONFINED),
                        writtenBack),
                new Way("heap rows, read-only (nothing copied back)",
                        heapRows(BufferRequest.FULL_RO, Sharing.SHARED), unchanged),
                new Way("heap, direct and native-segment rows", (i, cb) -> {
                    double[][] d = data(i);
                    try (Arena arena = Arena.ofConfined()) {
                        List<Object> rows = new ArrayList<>();
                        List<DoubleBuffer> direct = new ArrayList<>();
                        List<MemorySegment> segments = new ArrayList<>();
                        for (int r = 0; r < ROWS; r++) {
                            switch (r % 3) {
                                case 0 -> rows.add(d[r]);
                                case 1 -> {
                                    DoubleBuffer b = ByteBuffer.allocateDirect(COLS * 8)
                                            .order(ByteOrder.nativeOrder()).asDoubleBuffer();
                                    b.put(d[r]).clear();
                                    direct.add(b);
                                    rows.add(b);
                                }
                                default -> {
                                    MemorySegment s = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, d[r]);
                                    segments.add(s);
                                    rows.add(s);
                                }
                            }
                        }
                        double s;
                        try (BufferCollection2D col = BufferCollection2D.wrap(rows);
                             BufferView v = col.getBuffer(BufferRequest.FULL)) {
                            s = swap(v.buf(), i, cb);
                        }
                        double[][] seen = new double[ROWS][];
                        for (int r = 0; r < ROWS; r++) {
                            seen[r] = switch (r % 3) {
                                case 0 -> d[r];
                                case 1 -> {
                                    double[] a = new double[COLS];
                                    direct.get(r / 3).get(0, a);
                                    yield a;
                                }
                                default -> segments.get(r / 3).toArray(ValueLayout.JAVA_DOUBLE);
                            };
                        }
                        return digest(s, seen);
                    }
                }, writtenBack));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ways")
    void resultsDoNotDependOnWhenTheCollectorRuns(Way way) {
        GcPressure.Comparison c;
        try (Arena stubs = Arena.ofConfined()) {
            MemorySegment gc = callback(System::gc, stubs);
            c = GcPressure.compare(ROUNDS, i -> way.route().run(i, MemorySegment.NULL),
                    i -> way.route().run(i, i % GC_IN_CALL_EVERY == 0 ? gc : MemorySegment.NULL));
        }
        assertThat(c.quiet()).as("without pressure, against Java's own computation")
                .isEqualTo(GcPressure.run(ROUNDS, i -> way.expected().run(i, MemorySegment.NULL)));
        assertThat(c.pressed()).as("under GC pressure, against the run without").isEqualTo(c.quiet());
        assertThat(c.collections()).as("collections forced from the other thread").isPositive();
    }

    /** A dropped export's table, the only strong reference left, and weak ones to the collection and view. */
    private record Dropped(MemorySegment table, WeakReference<Object> collection, WeakReference<Object> view) {
    }

    private static Dropped dropped(double[][] rows) {
        BufferCollection2D col = BufferCollection2D.wrap(rows);
        BufferView v = col.getBuffer(BufferRequest.FULL);
        return new Dropped(v.buf(), new WeakReference<>(col), new WeakReference<>(v));
    }

    @Test
    void aCollectionAndExportCollectedDuringTheCallLeaveCsMemoryLiveAndAreFreedAfterIt() {
        long before = LiveBytes.settled();
        double[][] rows = data(3);
        Dropped[] d = {dropped(rows)};
        WeakReference<Object> col = d[0].collection();
        WeakReference<Object> view = d[0].view();
        boolean[] collected = new boolean[1];
        double s;
        try (Arena stubs = Arena.ofConfined()) {
            MemorySegment cb = callback(() -> collected[0] = collectUntilGone(col, view), stubs);
            s = swapDropping(d, cb);
        }
        assertThat(collected[0]).as("the collection and its view were collected during the call").isTrue();
        assertThat(s).as("what C read after they were collected").isEqualTo(sum(data(3)));
        assertThat(rows).as("a dropped export copies nothing back").isDeepEqualTo(data(3));
        assertThat(LiveBytes.backTo(before)).as("live native bytes once the call returned").isEqualTo(before);
    }

    /** Calls C after dropping the last other reference to the table, in a frame of its own (see the caller). */
    private static double swapDropping(Dropped[] d, MemorySegment cb) {
        MemorySegment table = d[0].table();
        d[0] = null;
        return swap(table, 3, cb);
    }

    /** A dropped export of rows C reaches in place, and weak references to what owns each row's memory. */
    private record InPlace(MemorySegment table, WeakReference<Object> collection, WeakReference<Object> view,
                           List<WeakReference<Object>> rowMemory) {
    }

    /** Rows by threes: a heap array (staged), a direct buffer and a segment of an automatic arena (both in place). */
    private static InPlace droppedInPlaceRows(double[][] d) {
        List<Object> rows = new ArrayList<>();
        List<WeakReference<Object>> memory = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            switch (r % 3) {
                case 0 -> rows.add(d[r].clone());
                case 1 -> {
                    ByteBuffer bytes = ByteBuffer.allocateDirect(COLS * 8).order(ByteOrder.nativeOrder());
                    bytes.asDoubleBuffer().put(d[r]);
                    memory.add(new WeakReference<>(bytes)); // its Cleaner frees the memory
                    rows.add(bytes.asDoubleBuffer());
                }
                default -> {
                    MemorySegment s = Arena.ofAuto().allocateFrom(ValueLayout.JAVA_DOUBLE, d[r]);
                    memory.add(new WeakReference<>(s.scope())); // freed once its scope is unreachable
                    rows.add(s);
                }
            }
        }
        BufferCollection2D col = BufferCollection2D.wrap(rows);
        BufferView v = col.getBuffer(BufferRequest.FULL);
        return new InPlace(v.buf(), new WeakReference<>(col), new WeakReference<>(v), memory);
    }

    @Test
    void rowsCReachesInPlaceStayAliveWhileADroppedExportsTableIsInACall() {
        long before = LiveBytes.settled();
        InPlace[] d = {droppedInPlaceRows(data(5))};
        WeakReference<Object> col = d[0].collection();
        WeakReference<Object> view = d[0].view();
        List<WeakReference<Object>> rowMemory = d[0].rowMemory();
        boolean[] exportCollected = new boolean[1];
        boolean[] rowMemoryCollected = new boolean[1];
        double s;
        try (Arena stubs = Arena.ofConfined()) {
            MemorySegment cb = callback(() -> {
                exportCollected[0] = collectUntilGone(col, view);
                for (int k = 0; k < 20; k++) {
                    System.gc();
                    sleepQuietly(1);
                }
                rowMemoryCollected[0] = rowMemory.stream().anyMatch(w -> w.get() == null);
            }, stubs);
            s = swapInPlaceDropping(d, cb);
        }
        assertThat(exportCollected[0]).as("the collection and its view were collected during the call").isTrue();
        assertThat(rowMemoryCollected[0]).as("a row's memory became collectable while C held the table").isFalse();
        assertThat(s).as("what C read").isEqualTo(sum(data(5)));
        assertThat(LiveBytes.backTo(before)).as("live native bytes once the call returned").isEqualTo(before);
    }

    /** Calls C after dropping the last other reference to the table, in a frame of its own. */
    private static double swapInPlaceDropping(InPlace[] d, MemorySegment cb) {
        MemorySegment table = d[0].table();
        d[0] = null;
        return swap(table, 5, cb);
    }

    @Test
    void droppedCollectionsUnderLoadGiveRightResultsAndFreeEverything() {
        long before = LiveBytes.settled();
        load(WARM_UP);
        long[] tally;
        long collections;
        try (GcPressure pressure = GcPressure.start(20)) {
            tally = load(CALLS);
            collections = pressure.collections();
        }
        System.out.println(CALLS + " calls with dropped collections under GC pressure (" + collections
                + " forced collections): " + tally[0] + " right, " + tally[1] + " wrong");
        assertThat(tally).as("right and wrong results").containsExactly(CALLS, 0);
        assertThat(collections).isPositive();
        assertThat(LiveBytes.backTo(before)).as("live native bytes at the end").isEqualTo(before);
    }

    /** Calls C {@code calls} times; every few calls a new collection and export, dropped at once. */
    private static long[] load(int calls) {
        long right = 0;
        long wrong = 0;
        MemorySegment table = null;
        double[] expected = new double[1];
        for (int i = 0; i < calls; i++) {
            if (i % CALLS_PER_COLLECTION == 0) {
                int seed = i / CALLS_PER_COLLECTION;
                table = dropped(data(seed)).table();
                expected[0] = sum(data(seed));
            }
            // C writes its own values each time: every call after the first reads what the one before wrote.
            double s = swap(table, 0, MemorySegment.NULL);
            if (s == expected[0]) {
                right++;
            } else {
                wrong++;
            }
            expected[0] = sum(written(0));
        }
        return new long[] {right, wrong};
    }

    /** In a callback: collects until both are gone (or 2,000 rounds passed); returns whether they are. */
    private static boolean collectUntilGone(WeakReference<Object> a, WeakReference<Object> b) {
        for (int k = 0; k < 2_000 && (a.get() != null || b.get() != null); k++) {
            System.gc();
            sleepQuietly(1);
        }
        return a.get() == null && b.get() == null;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
