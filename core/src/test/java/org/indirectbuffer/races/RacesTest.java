package org.indirectbuffer.races;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.indirectbuffer.Access;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.RowWindow;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.contract.Races;
import org.indirectbuffer.contract.Races.Scenario;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Close, resize, {@code reinterpretData}, {@code makeReadOnly} and window moves on the main thread, racing a reader
 * and a writer (typed get/set, row segments, {@link BufferView} reads and writes, the {@link Kernels}) on two other
 * threads, over every exporter of core: {@link IndirectMemory2D} of each placement and sharing, borrowed and adopted,
 * {@link MemoryBuffer} owned and borrowed, {@link RaggedRows}, {@link RowWindow}, and lent views closed under the
 * kernels. See {@link Races} for what is checked; {@value Races#ITERATIONS} rounds in all (default {@value
 * Races#DEFAULT_ITERATIONS}), split between the scenarios. Runs in the normal build under the default JIT and under
 * C1 only (core's {@code races} surefire execution); {@code test-scripts/races.sh} runs it under all four modes.
 *
 * <p>Every item any thread writes is 1, 2, -1 or -2 (and 0 where a resize adds items), so a reader that sees anything
 * else saw torn or freed memory.
 */
@Tag("races")
class RacesTest {
    private static final int SCENARIOS = 7;
    private static final long ROUNDS = Races.roundsEach(SCENARIOS);
    private static final double[] VALUES = {1, 2, -1, -2};
    /** Scatter sources: 24 items of one of {@link #VALUES} each, as doubles and as their bits. */
    private static final MemorySegment[] DOUBLES = new MemorySegment[4];
    private static final MemorySegment[] BITS = new MemorySegment[4];
    private static final long ROWS = 3;
    private static final long COLS = 4;

    /** Foreign memory for the borrowed and adopted tables: 3 rows of 4 doubles, written only with {@link #VALUES}. */
    private static Arena foreign;
    private static MemorySegment foreignTable;

    static {
        for (int i = 0; i < 4; i++) {
            double[] d = new double[24];
            long[] b = new long[24];
            java.util.Arrays.fill(d, VALUES[i]);
            java.util.Arrays.fill(b, Double.doubleToRawLongBits(VALUES[i]));
            DOUBLES[i] = MemorySegment.ofArray(d);
            BITS[i] = MemorySegment.ofArray(b);
        }
    }

    @BeforeAll
    static void foreignMemory() {
        foreign = Arena.ofShared();
        foreignTable = foreign.allocate(ValueLayout.ADDRESS, ROWS);
        for (long r = 0; r < ROWS; r++) {
            MemorySegment row = foreign.allocate(ValueLayout.JAVA_DOUBLE, COLS);
            row.fill((byte) 0);
            for (long c = 0; c < COLS; c++) {
                row.setAtIndex(ValueLayout.JAVA_DOUBLE, c, 1);
            }
            foreignTable.setAtIndex(ValueLayout.ADDRESS, r, row);
        }
    }

    @AfterAll
    static void freeForeignMemory() {
        foreign.close();
    }

    // ------------------------------------------------------------------------------------------------ values

    private static double value(int k) {
        return VALUES[k & 3];
    }

    private static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    /** Fails unless {@code v} is one of the values written (or 0, where a resize adds items). */
    static void check(double v, boolean zero, String where) {
        if (!(v == 1 || v == 2 || v == -1 || v == -2 || (zero && v == 0))) {
            throw new AssertionError(where + ": read " + v + ", expected 1, 2, -1 or -2" + (zero ? " or 0" : ""));
        }
    }

    static void checkBits(long v, String where) {
        for (double d : VALUES) {
            if (v == bits(d)) {
                return;
            }
        }
        throw new AssertionError(where + ": read the bits 0x" + Long.toHexString(v) + ", expected those of 1, 2, -1"
                + " or -2");
    }

    /** A sum of {@code items} values of 1, 2, -1, -2 (or 0): a whole number of magnitude at most {@code 2 * items}. */
    static void checkSum(double sum, long items, String where) {
        if (sum != Math.rint(sum) || Math.abs(sum) > 2.0 * items) {
            throw new AssertionError(where + ": sum " + sum + " of " + items + " items, each 0, 1, 2, -1 or -2");
        }
    }

    /** Gathers a view's doubles (at most 24) and checks each. */
    static void checkGathered(BufferView v, boolean zero, String where) {
        double[] out = new double[24];
        Kernels.gather(v, MemorySegment.ofArray(out));
        for (int i = 0; i < v.len() / 8; i++) {
            check(out[i], zero, where + " item " + i);
        }
    }

    private static void fillOnes(BufferView v) {
        Kernels.fill(v, 1.0);
    }

    /** Closes memory once the workers' views are closed; it must end closed, with no export open. */
    private static void closeAndCheck(IndirectMemory2D m) {
        Races.whileLocked(m::exportCount, m::close);
        assertThat(m.isClosed()).isTrue();
        assertThat(m.exportCount()).isZero();
    }

    /** The placement of the subject that starts at {@code round}: every other subject of 8 rounds is row by row. */
    private static RowPlacement placementOf(long round) {
        return (round / 8) % 2 == 0 ? RowPlacement.ONE_BLOCK : RowPlacement.ROW_BY_ROW;
    }

    /** New 3 x 4 'd' memory of the given placement, every item 1. */
    private static IndirectMemory2D ones(RowPlacement placement) {
        IndirectMemory2D m = IndirectMemory2D.createMemory(ROWS, COLS, "d", false, placement);
        try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
            fillOnes(v);
        }
        return m;
    }

    private static int row(int k) {
        return k % (int) ROWS;
    }

    private static int col(int k) {
        return (k / (int) ROWS) % (int) COLS;
    }

    // ------------------------------------------------------------------------------------------------ IndirectMemory2D close

    /** An IndirectMemory2D with a read-only view handle; confined ones must refuse every worker. */
    private record Memory(IndirectMemory2D m, IndirectMemory2D ro, boolean confined) {
        /** A worker reached the items of confined memory: a failure, since the owner does not allow it. */
        void touched(String what) {
            if (confined) {
                throw new AssertionError(what + " succeeded on a thread confined memory does not allow: " + m);
            }
        }
    }

    /**
     * Reads a 3 x 4 'd' memory in eight ways, one in four through an exported view (the main thread's close and
     * resize wait for those); values are checked (zero: a resize may have added items).
     */
    static void readMemory(IndirectMemory2D m, IndirectMemory2D ro, int k, boolean zero, Memory confinedCheck) {
        int r = row(k);
        int c = col(k) % 3; // within what every shape of the resize race keeps
        int op = k % 12;
        if (memoryExports(k, false)) {
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                switch (op / 4) {
                    case 0 -> {
                        check(v.getDouble(r, c), false, "BufferView.getDouble");
                        checkSum(Kernels.sum(v), 12, "Kernels.sum");
                    }
                    case 1 -> {
                        check(Kernels.min(v), zero, "Kernels.min");
                        check(Kernels.max(v), zero, "Kernels.max");
                    }
                    default -> checkGathered(v, zero, "Kernels.gather");
                }
            }
        } else {
            switch ((op - op / 4) % 5) {
                case 0 -> check(m.getDouble(r, c), false, "getDouble");
                case 1 -> check(m.row(r).get(ValueLayout.JAVA_DOUBLE, c * 8L), false, "row segment");
                case 2 -> check(ro.getDouble(r, c), false, "view handle getDouble");
                case 3 -> {
                    if (m.pointerTable().get(ValueLayout.ADDRESS, r * 8L).address() == 0) {
                        throw new AssertionError("row pointer " + r + " read as NULL");
                    }
                }
                default -> check(ro.row(r).get(ValueLayout.JAVA_DOUBLE, c * 8L), false, "view handle row segment");
            }
        }
        if (confinedCheck != null) {
            confinedCheck.touched("read " + op);
        }
    }

    /** Writes a 3 x 4 'd' memory in six ways, one in three through an exported view, only values of {@link #VALUES}. */
    static void writeMemory(IndirectMemory2D m, int k) {
        int r = row(k);
        int c = col(k) % 3;
        double v = value(k);
        int op = k % 12;
        if (memoryExports(k, true)) {
            try (BufferView view = m.getBuffer(BufferRequest.FULL)) {
                switch (op / 3) {
                    case 0 -> view.setDouble(v, r, c);
                    case 1 -> Kernels.fill(view, v);
                    case 2 -> Kernels.scale(view, -1.0);
                    default -> Kernels.scatter(DOUBLES[k & 3], view);
                }
            }
        } else if (op % 2 == 0) {
            m.setDouble(r, c, v);
        } else {
            m.row(r).set(ValueLayout.JAVA_DOUBLE, c * 8L, v);
        }
    }

    /** Which operations of {@link #readMemory} and {@link #writeMemory} export a view. */
    static boolean memoryExports(int k, boolean writer) {
        return writer ? k % 12 % 3 == 2 : k % 12 % 4 == 3;
    }

    private static final class Im2dClose extends Scenario<Memory> {
        final AtomicInteger nannyFrees = new AtomicInteger();
        int adopted;

        Im2dClose() {
            super("IndirectMemory2D.close", List.of(IllegalStateException.class, WrongThreadException.class));
        }

        @Override
        protected boolean exports(int k, boolean writer) {
            return memoryExports(k, writer);
        }

        @Override
        protected Memory open(long round) {
            int variant = (int) (round % 5);
            IndirectMemory2D m = switch (variant) {
                case 0 -> IndirectMemory2D.createMemory(ROWS, COLS, "d", false, RowPlacement.ONE_BLOCK);
                case 1 -> IndirectMemory2D.createMemory(ROWS, COLS, "d", false, RowPlacement.ROW_BY_ROW);
                case 2 -> IndirectMemory2D.wrap(foreignTable, ROWS, COLS, "d", false);
                case 3 -> {
                    adopted++;
                    yield IndirectMemory2D.adopt(foreignTable, ROWS, COLS, "d", false,
                            MemoryNanny.running("race", nannyFrees::incrementAndGet));
                }
                default -> IndirectMemory2D.createMemory(ROWS, COLS, "d", false, RowPlacement.ONE_BLOCK,
                        Sharing.CONFINED);
            };
            if (variant < 2 || variant == 4) {
                try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                    fillOnes(v);
                }
            }
            return new Memory(m, m.narrowed(Access.READ_ONLY), variant == 4);
        }

        @Override
        protected void read(Memory s, int k) {
            readMemory(s.m, s.ro, k, false, s);
        }

        @Override
        protected void write(Memory s, int k) {
            writeMemory(s.m, k);
            s.touched("write " + k % 12);
        }

        @Override
        protected void mutate(Memory s, long round, boolean last, SplittableRandom random) {
            Races.whileLocked(s.m::exportCount, s.m::close);
        }

        @Override
        protected void finish(Memory s) {
            closeAndCheck(s.m);
            assertThatThrownBy(() -> s.ro.getDouble(0, 0)).isExactlyInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void im2dCloseRacingReadersWritersAndKernels() throws Exception {
        Im2dClose scenario = new Im2dClose();
        Races.run(scenario, ROUNDS, 0xC105EL);
        assertThat(scenario.nannyFrees).as("each adopted nanny freed exactly once").hasValue(scenario.adopted);
    }

    // ------------------------------------------------------------------------------------------------ resize

    /** Memory resized between 3 x 4 and 4 x 3; the read-only handle is renewed after each resize. */
    private static final class Resized {
        final IndirectMemory2D m;
        volatile IndirectMemory2D ro;
        boolean wide = true;

        Resized(IndirectMemory2D m) {
            this.m = m;
            this.ro = m.narrowed(Access.READ_ONLY);
        }
    }

    private static final class Im2dResize extends Scenario<Resized> {
        Im2dResize() {
            super("IndirectMemory2D.resize", List.of(IllegalStateException.class));
        }

        @Override
        protected boolean exports(int k, boolean writer) {
            return memoryExports(k, writer);
        }

        @Override
        protected int roundsPerSubject() {
            return 8;
        }

        @Override
        protected Resized open(long round) {
            return new Resized(ones(placementOf(round)));
        }

        @Override
        protected void read(Resized s, int k) {
            readMemory(s.m, s.ro, k, true, null);
        }

        @Override
        protected void write(Resized s, int k) {
            writeMemory(s.m, k);
        }

        @Override
        protected void mutate(Resized s, long round, boolean last, SplittableRandom random) {
            long rows = s.wide ? COLS : ROWS;
            long cols = s.wide ? ROWS : COLS;
            Races.whileLocked(s.m::exportCount, () -> s.m.resize(rows, cols));
            s.wide = !s.wide;
            s.ro = s.m.narrowed(Access.READ_ONLY);
        }

        @Override
        protected void finish(Resized s) {
            closeAndCheck(s.m);
        }
    }

    @Test
    void im2dResizeRacingReadersWritersAndKernels() throws Exception {
        Races.run(new Im2dResize(), ROUNDS, 0x5E512EL);
    }

    // ------------------------------------------------------------------------------------------------ reinterpretData

    /** The formats a reinterpreted memory goes through: equivalent ones are allowed while exported. */
    private static final String[] FORMATS = {"<d", "q", "=d", "d"};

    private static final class Reformatted {
        final IndirectMemory2D m;
        volatile IndirectMemory2D ro;
        int next;

        Reformatted(IndirectMemory2D m) {
            this.m = m;
            this.ro = m.narrowed(Access.READ_ONLY);
        }
    }

    private static boolean floating(BufferView v) {
        return v.format().elementType().isFloatingPoint();
    }

    private static final class Im2dReinterpret extends Scenario<Reformatted> {
        Im2dReinterpret() {
            super("IndirectMemory2D.reinterpretData", List.of(IllegalStateException.class, BufferException.class));
        }

        @Override
        protected boolean exports(int k, boolean writer) {
            return writer ? (k >>> 2) % 5 == 2 || (k >>> 2) % 5 == 3 : k % 6 == 3 || k % 6 == 4;
        }

        @Override
        protected int roundsPerSubject() {
            return 8;
        }

        @Override
        protected Reformatted open(long round) {
            return new Reformatted(ones(placementOf(round)));
        }

        @Override
        protected void read(Reformatted s, int k) {
            int r = row(k);
            int c = col(k);
            switch (k % 6) {
                case 0 -> check(s.m.getDouble(r, c), false, "getDouble");
                case 1 -> checkBits(s.m.getLong(r, c), "getLong");
                case 2 -> check(s.ro.getDouble(r, c), false, "view handle getDouble");
                case 3 -> {
                    try (BufferView v = s.m.getBuffer(BufferRequest.FULL_RO)) {
                        if (floating(v)) {
                            checkSum(Kernels.sum(v), 12, "Kernels.sum");
                        } else {
                            checkBits(Kernels.minLong(v), "Kernels.minLong");
                            checkBits(Kernels.maxLong(v), "Kernels.maxLong");
                        }
                    }
                }
                case 4 -> {
                    try (BufferView v = s.m.getBuffer(BufferRequest.FULL_RO)) {
                        long[] out = new long[12];
                        Kernels.gather(v, MemorySegment.ofArray(out));
                        for (long bits : out) {
                            checkBits(bits, "Kernels.gather");
                        }
                    }
                }
                default -> checkBits(s.m.row(r).get(ValueLayout.JAVA_LONG, c * 8L), "row segment");
            }
        }

        @Override
        protected void write(Reformatted s, int k) {
            int r = row(k);
            int c = col(k);
            double v = value(k);
            switch ((k >>> 2) % 5) {
                case 0 -> s.m.setDouble(r, c, v);
                case 1 -> s.m.setLong(r, c, bits(v));
                case 2 -> {
                    try (BufferView view = s.m.getBuffer(BufferRequest.FULL)) {
                        if (floating(view)) {
                            Kernels.fill(view, v);
                        } else {
                            Kernels.fill(view, bits(v));
                        }
                    }
                }
                case 3 -> {
                    try (BufferView view = s.m.getBuffer(BufferRequest.FULL)) {
                        if (floating(view)) {
                            Kernels.scale(view, -1.0);
                        } else {
                            Kernels.scatter(BITS[k & 3], view);
                        }
                    }
                }
                default -> s.m.row(r).set(ValueLayout.JAVA_LONG, c * 8L, bits(v));
            }
        }

        @Override
        protected void mutate(Reformatted s, long round, boolean last, SplittableRandom random) {
            String f = FORMATS[s.next++ % FORMATS.length];
            if (s.m.format().isEquivalentTo(Format.parse(f))) {
                s.m.reinterpretData(f); // allowed while exported
            } else {
                Races.whileLocked(s.m::exportCount, () -> s.m.reinterpretData(f));
            }
            assertThat(s.m.format().toString()).isEqualTo(f);
            s.ro = s.m.narrowed(Access.READ_ONLY);
        }

        @Override
        protected void finish(Reformatted s) {
            closeAndCheck(s.m);
        }
    }

    @Test
    void im2dReinterpretDataRacingReadersWritersAndKernels() throws Exception {
        Races.run(new Im2dReinterpret(), ROUNDS, 0x2E1F0L);
    }

    // ------------------------------------------------------------------------------------------------ MemoryBuffer

    private static final class MemoryBufferReadOnlyAndClose extends Scenario<MemoryBuffer> {
        MemoryBufferReadOnlyAndClose() {
            super("MemoryBuffer.makeReadOnly+close", List.of(IllegalStateException.class, BufferException.class,
                    ReadOnlyBufferException.class));
        }

        @Override
        protected boolean exports(int k, boolean writer) {
            return true;
        }

        @Override
        protected MemoryBuffer open(long round) {
            MemoryBuffer b = round % 4 == 0 ? MemoryBuffer.allocate(Format.parse("d"), 'C', ROWS, COLS)
                    : MemoryBuffer.wrap(new double[(int) (ROWS * COLS)], 'C', ROWS, COLS);
            try (BufferView v = b.getBuffer(BufferRequest.FULL)) {
                fillOnes(v);
            }
            return b;
        }

        @Override
        protected void read(MemoryBuffer b, int k) {
            try (BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                switch (k % 3) {
                    case 0 -> check(v.getDouble(row(k), col(k)), false, "BufferView.getDouble");
                    case 1 -> {
                        checkSum(Kernels.sum(v), 12, "Kernels.sum");
                        check(Kernels.min(v), false, "Kernels.min");
                        check(Kernels.max(v), false, "Kernels.max");
                    }
                    default -> checkGathered(v, false, "Kernels.gather");
                }
            }
        }

        /** While a writable view is open the buffer cannot have been made read-only. */
        private static void stillWritable(MemoryBuffer b, BufferView v) {
            if (!v.isReadOnly() && b.isReadOnly()) {
                throw new AssertionError("a writable view is open on a read-only " + b);
            }
        }

        @Override
        protected void write(MemoryBuffer b, int k) {
            double value = value(k);
            int op = (k >>> 2) % 5;
            try (BufferView v = b.getBuffer(op == 4 ? BufferRequest.FULL_RO : BufferRequest.FULL)) {
                stillWritable(b, v);
                switch (op) {
                    case 0 -> v.setDouble(value, row(k), col(k));
                    case 1 -> Kernels.fill(v, value);
                    case 2 -> Kernels.scale(v, -1.0);
                    case 3 -> Kernels.scatter(DOUBLES[k & 3], v);
                    default -> Kernels.fill(v, value); // a read-only request: writable until makeReadOnly
                }
                stillWritable(b, v);
            }
        }

        @Override
        protected int roundsPerSubject() {
            return 2;
        }

        @Override
        protected void mutate(MemoryBuffer b, long round, boolean last, SplittableRandom random) {
            if (last) {
                Races.whileLocked(b::exportCount, b::close);
            } else {
                Races.whileLocked(b::exportCount, b::makeReadOnly);
                assertThat(b.isReadOnly()).isTrue();
            }
        }

        @Override
        protected void finish(MemoryBuffer b) {
            Races.whileLocked(b::exportCount, b::close);
            assertThat(b.exportCount()).isZero();
            assertThatThrownBy(() -> b.getBuffer(BufferRequest.FULL_RO))
                    .isExactlyInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void memoryBufferMakeReadOnlyAndCloseRacingReadersWritersAndKernels() throws Exception {
        Races.run(new MemoryBufferReadOnlyAndClose(), ROUNDS, 0x3B0FL);
    }

    // ------------------------------------------------------------------------------------------------ RaggedRows

    private static final long[] LENGTHS = {3, 5, 1, 0};

    private record Ragged(RaggedRows rows, boolean confined) {
        void touched(String what) {
            if (confined) {
                throw new AssertionError(what + " succeeded on a thread confined rows do not allow: " + rows);
            }
        }
    }

    private static final class RaggedClose extends Scenario<Ragged> {
        RaggedClose() {
            super("RaggedRows.close", List.of(IllegalStateException.class, WrongThreadException.class));
        }

        @Override
        protected boolean exports(int k, boolean writer) {
            return writer ? (k >>> 2) % 5 == 3 : k % 7 >= 5;
        }

        @Override
        protected Ragged open(long round) {
            boolean confined = round % 4 == 3;
            RaggedRows rows = RaggedRows.create(LENGTHS, "d", confined ? Sharing.CONFINED : Sharing.SHARED);
            rows.fill(1.0);
            return new Ragged(rows, confined);
        }

        @Override
        protected void read(Ragged s, int k) {
            RaggedRows rr = s.rows;
            int r = k % 3; // the rows with items
            int c = (k / 3) % (int) LENGTHS[r];
            switch (k % 7) {
                case 0 -> check(rr.row(r).getAtIndex(ValueLayout.JAVA_DOUBLE, c), false, "row segment");
                case 1 -> check(rr.item(r, c).get(ValueLayout.JAVA_DOUBLE, 0), false, "item segment");
                case 2 -> checkSum(rr.sum(), 9, "RaggedRows.sum");
                case 3 -> {
                    check(rr.min(), false, "RaggedRows.min");
                    check(rr.max(), false, "RaggedRows.max");
                }
                case 4 -> checkSum(Kernels.sum(rr.rowView(r)), LENGTHS[r], "Kernels.sum of a row view");
                case 5 -> {
                    try (BufferView v = rr.rowExporter(r).getBuffer(BufferRequest.FULL_RO)) {
                        check(v.getDouble(c), false, "row export getDouble");
                    }
                }
                default -> {
                    try (RaggedRows.Hold h = rr.hold("race reader")) {
                        check(h.rows().row(r).getAtIndex(ValueLayout.JAVA_DOUBLE, c), false, "held row");
                    }
                }
            }
            s.touched("read " + k % 7);
        }

        @Override
        protected void write(Ragged s, int k) {
            RaggedRows rr = s.rows;
            int r = k % 3;
            int c = (k / 3) % (int) LENGTHS[r];
            double v = value(k);
            switch ((k >>> 2) % 5) {
                case 0 -> rr.fill(v);
                case 1 -> rr.scale(-1.0);
                case 2 -> rr.row(r).setAtIndex(ValueLayout.JAVA_DOUBLE, c, v);
                case 3 -> {
                    try (BufferView view = rr.rowExporter(r).getBuffer(BufferRequest.FULL)) {
                        view.setDouble(v, c);
                    }
                }
                default -> Kernels.fill(rr.rowView(r), v);
            }
            s.touched("write " + (k >>> 2) % 5);
        }

        private static int busy(RaggedRows rr) {
            return rr.exportCount() + rr.holdCount();
        }

        @Override
        protected void mutate(Ragged s, long round, boolean last, SplittableRandom random) {
            Races.whileLocked(() -> busy(s.rows), s.rows::close);
        }

        @Override
        protected void finish(Ragged s) {
            Races.whileLocked(() -> busy(s.rows), s.rows::close);
            assertThat(s.rows.isClosed()).isTrue();
            assertThat(busy(s.rows)).isZero();
        }
    }

    @Test
    void raggedRowsCloseRacingReadersWritersAndKernels() throws Exception {
        Races.run(new RaggedClose(), ROUNDS, 0x2A66EDL);
    }

    // ------------------------------------------------------------------------------------------------ RowWindow

    private record Window(IndirectMemory2D source, RowWindow window) {
    }

    private static final long WINDOW_SOURCE_COLS = 8;

    private static final class WindowMoveAndClose extends Scenario<Window> {
        WindowMoveAndClose() {
            super("RowWindow.moveTo+close", List.of(IllegalStateException.class));
        }

        @Override
        protected boolean exports(int k, boolean writer) {
            return writer ? (k >>> 2) % 4 == 1 || (k >>> 2) % 4 == 2 : k % 5 == 1 || k % 5 == 2;
        }

        @Override
        protected int roundsPerSubject() {
            return 4;
        }

        @Override
        protected Window open(long round) {
            IndirectMemory2D source = IndirectMemory2D.createMemory(ROWS, WINDOW_SOURCE_COLS, "d", false);
            try (BufferView v = source.getBuffer(BufferRequest.FULL)) {
                fillOnes(v);
            }
            return new Window(source, RowWindow.tableOver(source, 0, 4));
        }

        @Override
        protected void read(Window s, int k) {
            RowWindow w = s.window;
            int r = row(k);
            switch (k % 5) {
                case 0 -> check(w.row(r).get(ValueLayout.JAVA_DOUBLE, 0), false, "window row segment");
                case 1 -> {
                    try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
                        checkSum(Kernels.sum(v), v.len() / 8, "Kernels.sum");
                        check(Kernels.min(v), false, "Kernels.min");
                        check(Kernels.max(v), false, "Kernels.max");
                    }
                }
                case 2 -> {
                    try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
                        checkGathered(v, false, "Kernels.gather");
                    }
                }
                case 3 -> {
                    if (w.pointerTable().get(ValueLayout.ADDRESS, r * 8L).address() == 0) {
                        throw new AssertionError("window pointer " + r + " read as NULL");
                    }
                }
                default -> check(s.source.getDouble(r, (k / 3) % WINDOW_SOURCE_COLS), false, "source getDouble");
            }
        }

        @Override
        protected void write(Window s, int k) {
            RowWindow w = s.window;
            int r = row(k);
            double v = value(k);
            switch ((k >>> 2) % 4) {
                case 0 -> w.row(r).set(ValueLayout.JAVA_DOUBLE, 0, v);
                case 1 -> {
                    try (BufferView view = w.getBuffer(BufferRequest.FULL)) {
                        Kernels.fill(view, v);
                    }
                }
                case 2 -> {
                    try (BufferView view = w.getBuffer(BufferRequest.FULL)) {
                        Kernels.scale(view, -1.0);
                    }
                }
                default -> s.source.setDouble(r, (k / 3) % WINDOW_SOURCE_COLS, v);
            }
        }

        @Override
        protected void mutate(Window s, long round, boolean last, SplittableRandom random) {
            RowWindow w = s.window;
            if (last) {
                Races.whileLocked(w::exportCount, w::close);
                assertThat(s.source.exportCount()).as("the closed window released its source").isZero();
                Races.whileLocked(s.source::exportCount, s.source::close);
            } else {
                long length = random.nextBoolean() ? 4 : 2;
                long offset = random.nextLong(WINDOW_SOURCE_COLS - length + 1);
                Races.whileLocked(w::exportCount, () -> w.moveTo(offset, length));
            }
        }

        @Override
        protected void finish(Window s) {
            Races.whileLocked(s.window::exportCount, s.window::close);
            Races.whileLocked(s.source::exportCount, s.source::close);
            assertThat(s.window.isClosed()).isTrue();
            assertThat(s.window.exportCount()).isZero();
            assertThat(s.source.isClosed()).isTrue();
            assertThat(s.source.exportCount()).isZero();
        }
    }

    @Test
    void rowWindowMoveAndCloseRacingReadersWritersAndKernels() throws Exception {
        Races.run(new WindowMoveAndClose(), ROUNDS, 0x3140L);
    }

    // ------------------------------------------------------------------------------------------------ lent views

    /** One lent view shared by the workers; the main thread closes it and then its exporter. */
    private record Lent(AutoCloseable exporter, BufferView view) {
    }

    private static final class ViewCloseUnderKernels extends Scenario<Lent> {
        ViewCloseUnderKernels() {
            super("BufferView.close+owner close", List.of(IllegalStateException.class));
        }

        @Override
        protected Lent open(long round) {
            if (round % 2 == 0) {
                IndirectMemory2D m = IndirectMemory2D.createMemory(ROWS, COLS, "d", false,
                        (round / 2) % 2 == 0 ? RowPlacement.ONE_BLOCK : RowPlacement.ROW_BY_ROW);
                BufferView v = m.getBuffer(BufferRequest.FULL);
                fillOnes(v);
                return new Lent(m, v);
            }
            MemoryBuffer b = MemoryBuffer.allocate(Format.parse("d"), 'C', ROWS, COLS);
            BufferView v = b.getBuffer(BufferRequest.FULL);
            fillOnes(v);
            return new Lent(b, v);
        }

        @Override
        protected void read(Lent s, int k) {
            BufferView v = s.view;
            switch (k % 4) {
                case 0 -> check(v.getDouble(row(k), col(k)), false, "BufferView.getDouble");
                case 1 -> checkSum(Kernels.sum(v), 12, "Kernels.sum");
                case 2 -> {
                    check(Kernels.min(v), false, "Kernels.min");
                    check(Kernels.max(v), false, "Kernels.max");
                }
                default -> checkGathered(v, false, "Kernels.gather");
            }
        }

        @Override
        protected void write(Lent s, int k) {
            BufferView v = s.view;
            double value = value(k);
            switch ((k >>> 2) % 4) {
                case 0 -> v.setDouble(value, row(k), col(k));
                case 1 -> Kernels.fill(v, value);
                case 2 -> Kernels.scale(v, -1.0);
                default -> Kernels.scatter(DOUBLES[k & 3], v);
            }
        }

        @Override
        protected void mutate(Lent s, long round, boolean last, SplittableRandom random) {
            s.view.close();
            for (int spin = random.nextInt(64); spin > 0; spin--) {
                Thread.onSpinWait();
            }
            closeExporter(s);
        }

        private static void closeExporter(Lent s) {
            // Only the view was lent, and it is closed: the exporter closes at once.
            try {
                s.exporter.close();
            } catch (Exception e) {
                throw new AssertionError("closing " + s.exporter + " after its only view was closed", e);
            }
        }

        @Override
        protected void finish(Lent s) {
            s.view.close();
            closeExporter(s);
            assertThat(s.view.isClosed()).isTrue();
            int exports = s.exporter instanceof IndirectMemory2D m ? m.exportCount()
                    : ((MemoryBuffer) s.exporter).exportCount();
            assertThat(exports).isZero();
        }
    }

    @Test
    void lentViewClosedUnderKernelsThenItsOwner() throws Exception {
        Races.run(new ViewCloseUnderKernels(), ROUNDS, 0x71E3L);
    }
}
