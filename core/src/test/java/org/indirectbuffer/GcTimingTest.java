package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.indirectbuffer.contract.GcPressure;
import org.indirectbuffer.contract.Grids;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No result may depend on when the collector runs. Every core path that hands an address to C through an FFM
 * downcall is run {@value #ROUNDS} times twice: once quietly, once with another thread churning the heap and forcing
 * collections ({@link GcPressure}) and with a {@code System.gc()} forced from inside C, in the middle of its work,
 * every {@value #GC_IN_CALL_EVERY}th call (as LmdbJava forces one inside its write path). Each round makes its own
 * data, owner and table, hands the table to C, and closes the owner; the two runs must agree round by round, and
 * with the value Java computes from the data.
 */
@Tag("gc")
class GcTimingTest {
    private static final int ROUNDS = 200;
    private static final int GC_IN_CALL_EVERY = 40;
    private static final int ROWS = 12;
    private static final int COLS = 10;

    /** One way of handing memory to C: makes round {@code i}'s owner, calls C with its table, closes it. */
    @FunctionalInterface
    private interface Route {
        long run(int i, MemorySegment callback);
    }

    private record Path(String name, Route route, Route expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static double[][] data(int i) {
        return Grids.grid(ROWS, COLS, i);
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    private static long javaSum(int i) {
        return bits(Grids.sum(data(i)));
    }

    private static long cSum(IndirectMemory2D m, MemorySegment cb) {
        return bits(CoreNative.sum(m.pointerTable(), (int) m.rows(), (int) m.cols(), cb));
    }

    private static long[] lengths(int i) {
        long[] l = new long[ROWS];
        for (int r = 0; r < ROWS; r++) {
            l[r] = (i + r * 7) % (COLS + 3);
        }
        return l;
    }

    private static double raggedValue(int i, int r, int j) {
        return i + r * 100 + j + 0.5;
    }

    private static List<String> strings(int i) {
        List<String> s = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            s.add("round " + i + " string " + r + (r % 3 == 0 ? " \u00e9\u4e2d\ud83d\ude00" : ""));
        }
        return s;
    }

    static Stream<Path> paths() {
        return Stream.of(
                new Path("IndirectMemory2D one block, shared", (i, cb) -> {
                    try (IndirectMemory2D m = IndirectMemory2D.createFrom(data(i))) {
                        return cSum(m, cb);
                    }
                }, (i, cb) -> javaSum(i)),
                new Path("IndirectMemory2D one block, confined", (i, cb) -> {
                    try (IndirectMemory2D m = IndirectMemory2D.createFrom(data(i), Sharing.CONFINED)) {
                        return cSum(m, cb);
                    }
                }, (i, cb) -> javaSum(i)),
                new Path("IndirectMemory2D row by row", (i, cb) -> {
                    try (IndirectMemory2D m = IndirectMemory2D.createMemory(ROWS, COLS, "d", false,
                            IndirectMemory2D.RowPlacement.ROW_BY_ROW)) {
                        CleanerInFlightTest.fill(m, data(i));
                        return cSum(m, cb);
                    }
                }, (i, cb) -> javaSum(i)),
                new Path("IndirectMemory2D adopted through a MemoryNanny", (i, cb) -> {
                    IndirectMemory2D made = IndirectMemory2D.createMemory(ROWS, COLS, "d", false,
                            IndirectMemory2D.RowPlacement.ROW_BY_ROW);
                    CleanerInFlightTest.fill(made, data(i));
                    MemorySegment table = made.handOffToC();
                    try (IndirectMemory2D m = IndirectMemory2D.adopt(table, ROWS, COLS, "d", false,
                            MemoryNanny.freeingRowsAndTable(table, ROWS))) {
                        return cSum(m, cb);
                    }
                }, (i, cb) -> javaSum(i)),
                new Path("tableOverRows", (i, cb) -> {
                    try (IndirectMemory2D source = IndirectMemory2D.createFrom(data(i));
                         IndirectMemory2D m = IndirectMemory2D.tableOverRows(source)) {
                        return cSum(m, cb);
                    }
                }, (i, cb) -> javaSum(i)),
                new Path("BufferView.buf() of IndirectMemory2D", (i, cb) -> {
                    try (IndirectMemory2D m = IndirectMemory2D.createFrom(data(i));
                         BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                        return bits(CoreNative.sum(v.buf(), ROWS, COLS, cb));
                    }
                }, (i, cb) -> javaSum(i)),
                new Path("RowWindow, moved every round", (i, cb) -> {
                    try (IndirectMemory2D source = IndirectMemory2D.createFrom(data(i));
                         RowWindow w = RowWindow.tableOver(source, 0, 3)) {
                        w.moveTo(i % (COLS - 3));
                        return bits(CoreNative.sum(w.pointerTable(), ROWS, 3, cb));
                    }
                }, (i, cb) -> {
                    double s = 0;
                    for (double[] row : data(i)) {
                        for (int j = i % (COLS - 3); j < i % (COLS - 3) + 3; j++) {
                            s += row[j];
                        }
                    }
                    return bits(s);
                }),
                new Path("RaggedRows", (i, cb) -> {
                    long[] lengths = lengths(i);
                    try (RaggedRows r = RaggedRows.create(lengths, "d"); Arena a = Arena.ofConfined()) {
                        for (int row = 0; row < ROWS; row++) {
                            for (int j = 0; j < lengths[row]; j++) {
                                r.row(row).setAtIndex(ValueLayout.JAVA_DOUBLE, j, raggedValue(i, row, j));
                            }
                        }
                        MemorySegment lens = a.allocateFrom(ValueLayout.JAVA_LONG, lengths);
                        return bits(CoreNative.sumRagged(r.pointerTable(), lens, ROWS, cb));
                    }
                }, (i, cb) -> {
                    long[] lengths = lengths(i);
                    double s = 0;
                    for (int row = 0; row < ROWS; row++) {
                        for (int j = 0; j < lengths[row]; j++) {
                            s += raggedValue(i, row, j);
                        }
                    }
                    return bits(s);
                }),
                new Path("CStringTable (char**)", (i, cb) -> {
                    try (CStringTable t = CStringTable.create(StandardCharsets.UTF_8, strings(i))) {
                        return CoreNative.stringsChecksum(t.pointerTable(), ROWS, cb);
                    }
                }, (i, cb) -> CoreNative.stringsChecksum(strings(i).stream()
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void resultsDoNotDependOnWhenTheCollectorRuns(Path path) {
        GcPressure.Comparison c;
        try (Arena stubs = Arena.ofConfined()) {
            MemorySegment gc = CoreNative.callback(System::gc, stubs);
            c = GcPressure.compare(ROUNDS, i -> path.route().run(i, MemorySegment.NULL),
                    i -> path.route().run(i, i % GC_IN_CALL_EVERY == 0 ? gc : MemorySegment.NULL));
        }
        assertThat(c.quiet()).as("without pressure, against Java's own computation")
                .isEqualTo(GcPressure.run(ROUNDS, i -> path.expected().run(i, MemorySegment.NULL)));
        assertThat(c.pressed()).as("under GC pressure, against the run without").isEqualTo(c.quiet());
        assertThat(c.collections()).as("collections forced from the other thread").isPositive();
    }
}
