package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.contract.GcPressure;
import org.indirectbuffer.contract.Grids;
import org.indirectbuffer.contract.LiveBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every JNA path that hands an address to C, while the collector runs (src/test/c/jna_test.c; the {@code
 * _with_callback} functions call back into Java halfway).
 * <ul>
 *   <li><b>GC timing</b>: each path runs {@value #ROUNDS} rounds quietly, then under {@link GcPressure} with a
 *       {@code System.gc()} forced from inside C every {@value #GC_IN_CALL_EVERY}th call: the type mapper
 *       ({@link IndirectLibrary}) with each parameter type, keep-alive Pointers through plain JNA, tables made of
 *       JNA {@code Memory} rows, {@code char**}. The results must agree round by round, and with Java's.</li>
 *   <li><b>Cleaner</b>: an owner reachable only from the call's arguments is not collected while C runs (the
 *       callback collects and checks), and is freed once the call returned; {@value #CALLS} calls after warm-up
 *       whose owners are dropped as soon as they are passed, under pressure: every result right, nothing left
 *       allocated.</li>
 * </ul>
 * {@link KeepAliveTest} covers the same for {@code IndirectMemory2D} alone.
 */
class JnaGcTest {
    private static final int ROUNDS = 200;
    private static final int GC_IN_CALL_EVERY = 40;
    private static final int WARM_UP = 10_000;
    private static final int CALLS = 100_000;
    private static final int CALLS_PER_OWNER = 32;
    private static final int ROWS = 12;
    private static final int COLS = 10;
    private static final String NODE = "T{i:index:4x d:value:}";

    /** The callback functions through plain JNA: Pointer parameters. */
    public interface Raw extends Library {
        double jt_sum_with_callback(Pointer m, int rows, int cols, TestNative.VoidCallback cb);

        int jt_count_strings_with_callback(Pointer s, TestNative.VoidCallback cb);

        double jt_sum_nodes_with_callback(Pointer rows, int n, TestNative.VoidCallback cb);
    }

    private static final Raw RAW = Native.load(TestNative.PATH, Raw.class);
    private static final TestNative.Typed TYPED = TestNative.TYPED;
    private static final TestNative.VoidCallback GC = System::gc;

    private static double[][] data(int i) {
        return Grids.grid(ROWS, COLS, i);
    }

    private static double sum(double[][] d) {
        return Grids.sum(d);
    }

    private static List<String> strings(int i) {
        List<String> s = new ArrayList<>();
        for (int r = 0; r < ROWS + i % 5; r++) {
            s.add("round " + i + " string " + r + (r % 3 == 0 ? " \u00e9\u4e2d" : ""));
        }
        return s;
    }

    private static long stringsDigest(List<String> strings) {
        long total = 0;
        for (String s : strings) {
            total += s.getBytes(StandardCharsets.UTF_8).length;
        }
        return strings.size() * 1_000_003L + total;
    }

    private static long[] lengths(int i) {
        long[] l = new long[ROWS];
        for (int r = 0; r < ROWS; r++) {
            l[r] = (i + r * 7) % (COLS + 3);
        }
        return l;
    }

    /** The rows of round {@code i} as JNA Memory blocks. */
    private static Pointer[] memoryRows(int i) {
        double[][] d = data(i);
        Pointer[] rows = new Pointer[ROWS];
        for (int r = 0; r < ROWS; r++) {
            Memory m = new Memory(COLS * 8L);
            m.write(0, d[r], 0, COLS);
            rows[r] = m;
        }
        return rows;
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    /** One path: round {@code i} makes its owner, hands it to C through JNA, closes it. */
    @FunctionalInterface
    private interface Route {
        long run(int i, TestNative.VoidCallback cb);
    }

    private record Path(String name, Route route, Route expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Path> paths() {
        Route denseSum = (i, cb) -> bits(sum(data(i)));
        return Stream.of(
                new Path("IndirectLibrary, IndirectMemory2D parameter", (i, cb) -> {
                    try (IndirectMemory2D m = IndirectMemory2D.createFrom(data(i))) {
                        return bits(TYPED.jt_sum_with_callback(m, ROWS, COLS, cb));
                    }
                }, denseSum),
                new Path("IndirectLibrary, BufferCollection2D parameter (heap rows staged)", (i, cb) -> {
                    try (BufferCollection2D c = BufferCollection2D.wrap(data(i))) {
                        return bits(TYPED.jt_sum_with_callback(c, ROWS, COLS, cb));
                    }
                }, denseSum),
                new Path("IndirectLibrary, table of JNA Memory rows (JnaIndirect.tableOver)", (i, cb) -> {
                    try (IndirectMemory2D m = JnaIndirect.tableOver(memoryRows(i), COLS, "d", true)) {
                        return bits(TYPED.jt_sum_with_callback(m, ROWS, COLS, cb));
                    }
                }, denseSum),
                new Path("IndirectLibrary, CStringArray parameter (char**)", (i, cb) -> {
                    List<String> s = strings(i);
                    try (CStringArray a = CStringArray.create(StandardCharsets.UTF_8, s)) {
                        return TYPED.jt_count_strings_with_callback(a, cb) * 1_000_003L
                                + TYPED.jt_total_strlen(a, s.size());
                    }
                }, (i, cb) -> stringsDigest(strings(i))),
                new Path("IndirectLibrary, RaggedRows parameter (svm_node**)", (i, cb) -> {
                    try (RaggedRows r = RaggedRowsTest.nodes(lengths(i), NODE)) {
                        return bits(TYPED.jt_sum_nodes_with_callback(r, ROWS, cb));
                    }
                }, (i, cb) -> bits(RaggedRowsTest.expectedNodeSum(lengths(i)))),
                new Path("plain JNA, JnaIndirect.pointer(IndirectMemory2D)", (i, cb) -> {
                    try (IndirectMemory2D m = IndirectMemory2D.createFrom(data(i));
                         IndirectPointer p = JnaIndirect.pointer(m)) {
                        return bits(RAW.jt_sum_with_callback(p, ROWS, COLS, cb));
                    }
                }, denseSum),
                new Path("plain JNA, JnaIndirect.export(BufferCollection2D)", (i, cb) -> {
                    try (BufferCollection2D c = BufferCollection2D.wrap(data(i));
                         IndirectPointer p = JnaIndirect.export(c, BufferRequest.FULL_RO)) {
                        return bits(RAW.jt_sum_with_callback(p, ROWS, COLS, cb));
                    }
                }, denseSum),
                new Path("plain JNA, JnaIndirect.pointer(RaggedRows)", (i, cb) -> {
                    try (RaggedRows r = RaggedRowsTest.nodes(lengths(i), NODE);
                         IndirectPointer p = JnaIndirect.pointer(r)) {
                        return bits(RAW.jt_sum_nodes_with_callback(p, ROWS, cb));
                    }
                }, (i, cb) -> bits(RaggedRowsTest.expectedNodeSum(lengths(i)))),
                new Path("plain JNA, CStringArray.pointer() (char**)", (i, cb) -> {
                    List<String> s = strings(i);
                    try (CStringArray a = CStringArray.create(StandardCharsets.UTF_8, s);
                         IndirectPointer p = a.pointer()) {
                        return RAW.jt_count_strings_with_callback(p, cb) * 1_000_003L
                                + TYPED.jt_total_strlen(a, s.size());
                    }
                }, (i, cb) -> stringsDigest(strings(i))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void resultsDoNotDependOnWhenTheCollectorRuns(Path path) {
        GcPressure.Comparison c = GcPressure.compare(ROUNDS, i -> path.route().run(i, null),
                i -> path.route().run(i, i % GC_IN_CALL_EVERY == 0 ? GC : null));
        assertThat(c.quiet()).as("without pressure, against Java's own computation")
                .isEqualTo(GcPressure.run(ROUNDS, i -> path.expected().run(i, null)));
        assertThat(c.pressed()).as("under GC pressure, against the run without").isEqualTo(c.quiet());
        assertThat(c.collections()).as("collections forced from the other thread").isPositive();
    }

    // ------------------------------------------------------------------------------------------------ Cleaner

    /** An owner (watched weakly), what C must compute, and a call that hands it to C (and holds it). */
    private record Passed(WeakReference<Object> owner, long expected, Call call) {
    }

    @FunctionalInterface
    private interface Call {
        long run(TestNative.VoidCallback cb);
    }

    private record Kind(String name, Supplier<Passed> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Each kind makes an owner and a call that passes it; the call's closure is the only thing holding the owner (or
     * the keep-alive Pointer that holds it), as the argument of a call is.
     */
    static Stream<Kind> kinds() {
        return Stream.of(
                new Kind("IndirectMemory2D through the type mapper", () -> {
                    IndirectMemory2D m = IndirectMemory2D.createFrom(data(1));
                    return new Passed(new WeakReference<>(m), bits(sum(data(1))),
                            cb -> bits(TYPED.jt_sum_with_callback(m, ROWS, COLS, cb)));
                }),
                new Kind("BufferCollection2D through the type mapper", () -> {
                    BufferCollection2D c = BufferCollection2D.wrap(data(2));
                    return new Passed(new WeakReference<>(c), bits(sum(data(2))),
                            cb -> bits(TYPED.jt_sum_with_callback(c, ROWS, COLS, cb)));
                }),
                new Kind("JnaIndirect.tableOver table through the type mapper", () -> {
                    IndirectMemory2D m = JnaIndirect.tableOver(memoryRows(3), COLS, "d", true);
                    return new Passed(new WeakReference<>(m), bits(sum(data(3))),
                            cb -> bits(TYPED.jt_sum_with_callback(m, ROWS, COLS, cb)));
                }),
                new Kind("CStringArray through the type mapper", () -> {
                    List<String> s = strings(4);
                    CStringArray a = CStringArray.create(StandardCharsets.UTF_8, s);
                    return new Passed(new WeakReference<>(a), s.size(),
                            cb -> TYPED.jt_count_strings_with_callback(a, cb));
                }),
                new Kind("RaggedRows through the type mapper", () -> {
                    RaggedRows r = RaggedRowsTest.nodes(lengths(5), NODE);
                    return new Passed(new WeakReference<>(r), bits(RaggedRowsTest.expectedNodeSum(lengths(5))),
                            cb -> bits(TYPED.jt_sum_nodes_with_callback(r, ROWS, cb)));
                }),
                new Kind("IndirectPointer of IndirectMemory2D, plain JNA", () -> {
                    IndirectMemory2D m = IndirectMemory2D.createFrom(data(6));
                    IndirectPointer p = JnaIndirect.pointer(m);
                    return new Passed(new WeakReference<>(m), bits(sum(data(6))),
                            cb -> bits(RAW.jt_sum_with_callback(p, ROWS, COLS, cb)));
                }),
                new Kind("IndirectPointer of RaggedRows, plain JNA", () -> {
                    RaggedRows r = RaggedRowsTest.nodes(lengths(7), NODE);
                    IndirectPointer p = JnaIndirect.pointer(r);
                    return new Passed(new WeakReference<>(r), bits(RaggedRowsTest.expectedNodeSum(lengths(7))),
                            cb -> bits(RAW.jt_sum_nodes_with_callback(p, ROWS, cb)));
                }),
                new Kind("CStringArray.pointer(), plain JNA", () -> {
                    List<String> s = strings(8);
                    CStringArray a = CStringArray.create(StandardCharsets.UTF_8, s);
                    IndirectPointer p = a.pointer();
                    return new Passed(new WeakReference<>(a), s.size(),
                            cb -> RAW.jt_count_strings_with_callback(p, cb));
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void anOwnerOnlyTheCallReachesIsKeptDuringItAndFreedAfterIt(Kind kind) {
        long before = LiveBytes.settled();
        Passed passed = kind.make().get();
        WeakReference<Object> owner = passed.owner();
        long expected = passed.expected();
        Call[] call = {passed.call()};
        passed = null;
        boolean[] collectedDuringCall = new boolean[1];
        int[] rounds = new int[1];
        long result = call[0].run(() -> {
            call[0] = null; // from here on only the call's argument holds the owner
            for (int k = 0; k < 20; k++) {
                System.gc();
                rounds[0]++;
                collectedDuringCall[0] |= owner.get() == null;
            }
        });
        assertThat(rounds[0]).as("collections forced inside the call").isEqualTo(20);
        assertThat(collectedDuringCall[0]).as("the owner was collected while C used it").isFalse();
        assertThat(result).as("what C computed").isEqualTo(expected);
        for (int k = 0; k < 2_000 && owner.get() != null; k++) {
            System.gc();
        }
        assertThat(owner.get()).as("the owner, once the call returned").isNull();
        assertThat(LiveBytes.backTo(before)).as("live native bytes once the owner was collected").isEqualTo(before);
    }

    @Test
    void ownersDroppedAsTheyArePassedUnderLoadGiveRightResultsAndFreeEverything() {
        List<Kind> kinds = kinds().toList();
        long before = LiveBytes.settled();
        load(kinds, WARM_UP);
        long[] tally;
        long collections;
        try (GcPressure pressure = GcPressure.start(20)) {
            tally = load(kinds, CALLS);
            collections = pressure.collections();
        }
        System.out.println(CALLS + " JNA calls with owners dropped as passed, under GC pressure (" + collections
                + " forced collections): " + tally[0] + " right, " + tally[1] + " wrong");
        assertThat(tally).as("right and wrong results").containsExactly(CALLS, 0);
        assertThat(collections).isPositive();
        assertThat(LiveBytes.backTo(before)).as("live native bytes at the end").isEqualTo(before);
    }

    /**
     * Makes a new owner of the next kind every {@value #CALLS_PER_OWNER} calls, dropped at once: the calls reach it
     * only through their closure (the argument, or the keep-alive Pointer passed).
     */
    private static long[] load(List<Kind> kinds, int calls) {
        long right = 0;
        long wrong = 0;
        Passed p = null;
        for (int i = 0; i < calls; i++) {
            if (i % CALLS_PER_OWNER == 0) {
                p = kinds.get((i / CALLS_PER_OWNER) % kinds.size()).make().get();
            }
            if (p.call().run(null) == p.expected()) {
                right++;
            } else {
                wrong++;
            }
        }
        return new long[] {right, wrong};
    }
}
