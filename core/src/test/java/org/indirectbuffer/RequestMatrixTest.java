package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CPython's {@code test_ndarray_getbuf} (Lib/test/test_buffer.py), in Java: every request flag word against every
 * layout of that test, refused exactly when CPython's {@code _testbuffer} exporter refuses it, and every view that is
 * lent checked field by field, at every index and in every contiguous order.
 *
 * <p>The layouts are CPython's: 12 items of format {@code '?'}, {@code 'b'}, {@code 'B'} or {@code 'l'}; shape and
 * strides {@code []}, {@code [1,3,1]}, {@code [12]}, {@code [12]} reversed, every other item forwards and backwards,
 * {@code [3,4]} in C and reversed, a 2x2 block inside it forwards and backwards; each read-only and writable, in C and
 * Fortran order (when the strides are implied) and PIL style (the first dimension a table of pointers to the
 * sub-arrays, as {@code _testbuffer}'s {@code ND_PIL} builds it); each also sliced {@code [::-2]} in its first
 * dimension, and re-exported (the descriptor of a lent view wrapped again, as {@code ndarray(memoryview(ex))}).
 *
 * <p>One documented difference is kept (docs/decisions.md, "Buffer protocol"): a {@code FORMAT} request without
 * {@code ND} is honoured for unsigned bytes, as {@code bytearray} does, where {@code _testbuffer} refuses it.
 */
@SuppressWarnings("restricted") // PIL-style pointer tables; test code only
class RequestMatrixTest {
    private static final long P = ValueLayout.ADDRESS.byteSize();
    private static final String[] FORMATS = {"?", "b", "B", "l"};
    private static final char[] ORDERS = {'C', 'F', 'A'};
    /** Every request bit {@link BufferRequest} knows. */
    private static final int KNOWN_BITS = 0x1FD;

    /** CPython's structures: shape, strides in items (empty: implied), offset in items. */
    private record Structure(long[] shape, long[] strides, long offset) {
        @Override
        public String toString() {
            return "shape " + Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " offset " + offset;
        }
    }

    private static final List<Structure> STRUCTURES = List.of(
            new Structure(new long[] {}, new long[] {}, 0),
            new Structure(new long[] {1, 3, 1}, new long[] {}, 0),
            new Structure(new long[] {12}, new long[] {}, 0),
            new Structure(new long[] {12}, new long[] {-1}, 11),
            new Structure(new long[] {6}, new long[] {2}, 0),
            new Structure(new long[] {6}, new long[] {-2}, 11),
            new Structure(new long[] {3, 4}, new long[] {}, 0),
            new Structure(new long[] {3, 4}, new long[] {-4, -1}, 11),
            new Structure(new long[] {2, 2}, new long[] {4, 1}, 4),
            new Structure(new long[] {2, 2}, new long[] {-4, -1}, 8));

    /** How an exporter of the matrix lays out its items: CPython's {@code ND_FORTRAN} and {@code ND_PIL}. */
    enum Style { C, FORTRAN, PIL }

    /** One exporter and everything the test knows about its layout. */
    record Exporter(String name, IntFunction<BufferView> lend, IntSupplier exports, MemorySegment memory,
                    long bufOffset, Format format, long[] shape, long[] strides, long[] suboffsets,
                    boolean readOnly) {
        long itemSize() {
            return format.itemSize();
        }

        long buf() {
            return memory.address() + bufOffset;
        }

        long len() {
            return itemSize() * Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        boolean indirect() {
            return suboffsets != null;
        }

        boolean contiguous(char order) {
            return LayoutReferenceFixture.cpythonIsContiguous(itemSize(), shape, strides, suboffsets, order);
        }

        long itemAddress(long[] index) {
            return LayoutReferenceFixture.itemAddress(buf(), strides, suboffsets, index);
        }

        byte[] contiguousBytes(char order) {
            char resolved = order == 'A'
                    ? LayoutReferenceFixture.resolveA(itemSize(), shape, strides, suboffsets) : order;
            return LayoutReferenceFixture.contiguousBytes(buf(), itemSize(), shape, strides, suboffsets, resolved);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    // ------------------------------------------------------------------------------------------------ building

    /** Writes 12 items whose bytes all differ (booleans alternate 0 and 1, as CPython's items do). */
    private static MemorySegment items(Arena arena, Format format) {
        long size = format.itemSize();
        MemorySegment data = arena.allocate(12 * size, 8);
        for (int k = 0; k < 12; k++) {
            for (long b = 0; b < size; b++) {
                byte value = format.source().equals("?") ? (byte) (k % 2) : (byte) (1 + k * size + b);
                data.set(ValueLayout.JAVA_BYTE, k * size + b, value);
            }
        }
        return data;
    }

    private static long[] byteStrides(Structure s, long itemSize, Style style) {
        if (s.strides().length == 0) {
            return BufferView.contiguousStrides(s.shape(), itemSize, style == Style.FORTRAN ? 'F' : 'C');
        }
        return Arrays.stream(s.strides()).map(x -> x * itemSize).toArray();
    }

    /**
     * An exporter of a descriptor: {@link MemoryBuffer#wrapStrided} for a direct one, an {@link ExportCounter}
     * lending {@link BufferView#wrap} of it for one with suboffsets.
     */
    static Exporter make(String name, MemorySegment memory, long bufOffset, Format format, long[] shape,
                                 long[] strides, long[] suboffsets, boolean readOnly) {
        MemorySegment m = readOnly ? memory.asReadOnly() : memory;
        if (suboffsets == null) {
            MemoryBuffer buffer = MemoryBuffer.wrapStrided(m, bufOffset, format, shape, strides);
            return new Exporter(name, buffer::getBuffer, buffer::exportCount, m, bufOffset, format, shape, strides,
                    null, readOnly);
        }
        BufferView whole = BufferView.wrap(m, bufOffset, format, shape, strides, suboffsets, readOnly);
        ExportCounter counter = new ExportCounter(whole);
        return new Exporter(name, flags -> counter.export(() -> whole, flags), counter::count, m, bufOffset, format,
                shape, strides, suboffsets, readOnly);
    }

    /**
     * A PIL-style exporter of the direct layout {@code (data, bufOffset, shape, strides)}, as {@code _testbuffer}'s
     * {@code ND_PIL} makes one: a table of {@code shape[0]} pointers, in increasing address order, each to the
     * lowest byte its sub-array reaches; {@code suboffsets[0]} brings a pointer back to the sub-array's index 0; the
     * table's stride is {@code ±8} with the sign of {@code strides[0]} ({@code buf} on the last cell when backwards).
     */
    static Exporter pil(String name, Arena arena, MemorySegment data, long bufOffset, Format format,
                                long[] shape, long[] strides, boolean readOnly) {
        int ndim = shape.length;
        long below = 0; // bytes the later dimensions reach below index 0 of a sub-array
        for (int i = 1; i < ndim && shape[i] > 0; i++) {
            below += Math.min(0, strides[i] * (shape[i] - 1));
        }
        long rows = shape[0];
        long lowestRow = strides[0] < 0 ? rows - 1 : 0; // the row whose sub-array lies lowest in memory
        long step = Math.abs(strides[0]);
        MemorySegment table = arena.allocate(Math.max(1, rows) * P, 8).asSlice(0, rows * P);
        for (long n = 0; n < rows; n++) {
            long subArray = data.address() + bufOffset + lowestRow * strides[0] + n * step + below;
            table.setAtIndex(ValueLayout.ADDRESS, n, MemorySegment.ofAddress(subArray));
        }
        long[] pilStrides = strides.clone();
        pilStrides[0] = strides[0] < 0 ? -P : P;
        long tableOffset = strides[0] < 0 && rows > 0 ? (rows - 1) * P : 0;
        long[] suboffsets = new long[ndim];
        Arrays.fill(suboffsets, -1);
        suboffsets[0] = -below;
        return make(name, table, tableOffset, format, shape, pilStrides, suboffsets, readOnly);
    }

    /** {@code ex[::-2]}: the first dimension every other item, backwards (for PIL: every other cell of the table). */
    private static Exporter sliced(Exporter e) {
        long[] shape = e.shape().clone();
        long[] strides = e.strides().clone();
        long bufOffset = e.bufOffset() + (shape[0] - 1) * strides[0];
        shape[0] = (shape[0] + 1) / 2;
        strides[0] = -2 * strides[0];
        return make(e.name() + " [::-2]", e.memory(), bufOffset, e.format(), shape, strides, e.suboffsets(),
                e.readOnly());
    }

    /** A consumer that wraps the descriptor of the FULL_RO view it was lent, and lends it again. */
    private static Exporter reexport(Exporter e) {
        try (BufferView v = e.lend().apply(BufferRequest.FULL_RO)) {
            return make(e.name() + " re-exported", v.memory(), v.bufOffset(), v.format(), v.shape(), v.strides(),
                    v.suboffsets(), e.readOnly());
        }
    }

    /** The exporters of one structure, format and style: as built, sliced, and each re-exported. */
    static List<Exporter> exporters(Arena arena, Structure s, String fmt, Style style, boolean readOnly) {
        Format format = Format.parse(fmt);
        MemorySegment data = items(arena, format);
        long[] strides = byteStrides(s, format.itemSize(), style);
        long offset = s.offset() * format.itemSize();
        String name = "'" + fmt + "' " + s + " " + style + (readOnly ? " read-only" : " writable");
        Exporter base = style == Style.PIL ? pil(name, arena, data, offset, format, s.shape(), strides, readOnly)
                : make(name, data, offset, format, s.shape(), strides, null, readOnly);
        List<Exporter> out = new ArrayList<>(List.of(base, reexport(base)));
        if (s.shape().length > 0) {
            Exporter slice = sliced(base);
            out.add(slice);
            out.add(reexport(slice));
        }
        return out;
    }

    record Group(Structure structure, String format, Style style, boolean readOnly) {
        @Override
        public String toString() {
            return "'" + format + "' " + structure + " " + style + (readOnly ? " read-only" : " writable");
        }
    }

    static Stream<Group> groups() {
        List<Group> groups = new ArrayList<>();
        for (String f : FORMATS) {
            for (Structure s : STRUCTURES) {
                for (Style style : Style.values()) {
                    if (style == Style.FORTRAN && s.strides().length > 0 || style == Style.PIL && s.shape().length == 0) {
                        continue; // as CPython: ND_FORTRAN only with implied strides, ND_PIL only with ndim > 0
                    }
                    groups.add(new Group(s, f, style, true));
                    groups.add(new Group(s, f, style, false));
                }
            }
        }
        return groups.stream();
    }

    // ------------------------------------------------------------------------------------------------ the rule

    /** Why CPython's {@code _testbuffer} refuses {@code flags} for {@code e} ({@code verify_getbuf}), or null. */
    static String cpythonRefusal(Exporter e, int flags) {
        if (BufferRequest.requestsWritable(flags) && e.readOnly()) {
            return "writable request to a read-only exporter";
        }
        if (BufferRequest.requiresCContiguous(flags) && !e.contiguous('C')) {
            return "C_CONTIGUOUS of a layout that is not";
        }
        if (BufferRequest.requiresFContiguous(flags) && !e.contiguous('F')) {
            return "F_CONTIGUOUS of a layout that is not";
        }
        if (BufferRequest.requiresAnyContiguous(flags) && !e.contiguous('A')) {
            return "ANY_CONTIGUOUS of a layout that is neither";
        }
        if (!BufferRequest.requestsIndirect(flags) && e.indirect()) {
            return "the layout needs suboffsets";
        }
        if (!BufferRequest.requestsStrides(flags) && !e.contiguous('C')) {
            return "no strides for a layout that is not C-contiguous";
        }
        if (!BufferRequest.requestsShape(flags) && BufferRequest.requestsFormat(flags)
                && !(e.itemSize() == 1 && e.format().isEquivalentTo(Format.parse("B")))) {
            return "FORMAT without ND (the library gives unsigned bytes their format, as bytearray does)";
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ tests

    @ParameterizedTest(name = "{0}")
    @MethodSource("groups")
    void everyRequestIsRefusedExactlyAsCPythonRefusesItAndEveryViewIsVerified(Group g) {
        try (Arena arena = Arena.ofConfined()) {
            for (Exporter e : exporters(arena, g.structure(), g.format(), g.style(), g.readOnly())) {
                int honoured = 0;
                for (int flags = 0; flags < 0x200; flags++) {
                    if ((flags & ~KNOWN_BITS) != 0 || flags == 0x100) {
                        continue; // unknown bits and PyBUF_READ: BufferRequestTest and the exporter contracts
                    }
                    String request = BufferRequest.describe(flags) + " of " + e;
                    String refusal = cpythonRefusal(e, flags);
                    int f = flags;
                    if (refusal != null) {
                        assertThatThrownBy(() -> e.lend().apply(f)).as("%s: %s", request, refusal)
                                .isInstanceOf(BufferException.class)
                                .hasMessageStartingWith("request " + BufferRequest.describe(flags) + " refused");
                        assertThat(e.exports().getAsInt()).as("refused %s leaves no export", request).isZero();
                        continue;
                    }
                    try (BufferView v = e.lend().apply(flags)) {
                        assertThat(e.exports().getAsInt()).as("open %s", request).isEqualTo(1);
                        verify(e, flags, v, request);
                        honoured++;
                    }
                    assertThat(e.exports().getAsInt()).as("closed %s", request).isZero();
                }
                // at least FULL_RO and INDIRECT (a PIL layout gives no more); a direct one STRIDES and more
                assertThat(honoured).as("requests honoured for %s", e).isGreaterThanOrEqualTo(e.indirect() ? 2 : 4);
            }
        }
    }

    /** CPython's {@code verify()}: every field, every index ({@code get_pointer}), {@code tobytes} in each order. */
    private static void verify(Exporter e, int flags, BufferView v, String request) {
        boolean nd = BufferRequest.requestsShape(flags);
        assertThat(v.isReadOnly()).as("readonly: %s", request).isEqualTo(e.readOnly());
        assertThat(v.itemSize()).as("itemsize: %s", request).isEqualTo(e.itemSize());
        assertThat(v.len()).as("len: %s", request).isEqualTo(e.len());
        assertThat(v.format()).as("format: %s", request).isEqualTo(BufferRequest.requestsFormat(flags)
                ? (nd ? e.format() : Format.parse("B")) : null);
        assertThat(v.ndim()).as("ndim: %s", request).isEqualTo(nd ? e.shape().length : 1);
        assertThat(v.shape()).as("shape: %s", request).isEqualTo(nd ? e.shape() : null);
        assertThat(v.strides()).as("strides: %s", request)
                .isEqualTo(BufferRequest.requestsStrides(flags) ? e.strides() : null);
        assertThat(v.suboffsets()).as("suboffsets: %s", request)
                .isEqualTo(BufferRequest.requestsIndirect(flags) ? e.suboffsets() : null);
        assertThat(v.isIndirect()).as("indirect: %s", request).isEqualTo(e.indirect());
        byte[] c = e.contiguousBytes('C');
        if (nd) {
            int[] k = {0};
            LayoutReferenceFixture.forEachIndex(e.shape(), 'C', index -> {
                MemorySegment item = v.elementAt(index);
                String where = "elementAt" + Arrays.toString(index) + ": " + request;
                assertThat(item.address()).as(where).isEqualTo(e.itemAddress(index));
                assertThat(item.byteSize()).as(where).isEqualTo(e.itemSize());
                assertThat(item.isReadOnly()).as(where).isEqualTo(e.readOnly());
                assertThat(item.toArray(ValueLayout.JAVA_BYTE)).as(where).isEqualTo(Arrays.copyOfRange(c,
                        (int) (k[0] * e.itemSize()), (int) ((k[0] + 1) * e.itemSize())));
                k[0]++;
            });
            for (char order : ORDERS) {
                assertThat(v.toBytes(order)).as("toBytes('%s'): %s", order, request)
                        .isEqualTo(e.contiguousBytes(order));
                assertThat(v.isContiguous(order)).as("isContiguous('%s'): %s", order, request)
                        .isEqualTo(e.contiguous(order));
            }
        } else {
            // without ND the view is len() bytes in one dimension, the exporter's items in C order
            for (int i = 0; i < c.length; i++) {
                assertThat(v.getByte(i)).as("byte %d: %s", i, request).isEqualTo(c[i]);
            }
            for (char order : ORDERS) {
                assertThat(v.toBytes(order)).as("toBytes('%s'): %s", order, request).isEqualTo(c);
                assertThat(v.isContiguous(order)).as("isContiguous('%s'): %s", order, request).isTrue();
            }
        }
    }

    /**
     * CPython issue 22445: a layout is contiguous in both orders when at most one dimension has more than one item
     * ({@code [1,12,1]}) or when it has no item ({@code [7,0,7]}), whatever the strides of the other dimensions; so
     * every request is honoured, and every view it gives is contiguous in both orders.
     */
    @Test
    void preciseContiguityHoldsForEveryRequest() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = items(arena, Format.parse("B"));
            for (long[] shape : new long[][] {{1, 12, 1}, {7, 0, 7}}) {
                for (char order : new char[] {'C', 'F'}) {
                    long[] strides = BufferView.contiguousStrides(shape, 1, order);
                    MemoryBuffer buffer = MemoryBuffer.wrapStrided(data, 0, Format.parse("B"), shape, strides);
                    String what = Arrays.toString(shape) + " in order " + order;
                    for (int flags = 0; flags < 0x200; flags++) {
                        if ((flags & ~KNOWN_BITS) != 0 || flags == 0x100) {
                            continue;
                        }
                        try (BufferView v = buffer.getBuffer(flags)) {
                            assertThat(v.isContiguous('C')).as("%s, %s", what, BufferRequest.describe(flags)).isTrue();
                            assertThat(v.isContiguous('F')).as("%s, %s", what, BufferRequest.describe(flags)).isTrue();
                        }
                    }
                }
            }
        }
    }

    /** The matrix's own coverage, so that a change to the builders cannot quietly drop a kind of layout. */
    @Test
    void theMatrixCoversCPythonsCases() {
        assertThat(groups().count()).isEqualTo(4 * (10 * 2 + 4 * 2 + 9 * 2));
        try (Arena arena = Arena.ofConfined()) {
            List<Exporter> all = new ArrayList<>();
            groups().forEach(g -> all.addAll(exporters(arena, g.structure(), g.format(), g.style(), g.readOnly())));
            assertThat(all).filteredOn(Exporter::indirect).hasSizeGreaterThan(100);
            assertThat(all).filteredOn(e -> Arrays.stream(e.strides()).anyMatch(s -> s < 0)).hasSizeGreaterThan(100);
            assertThat(all).filteredOn(e -> e.shape().length == 0).isNotEmpty();
            assertThat(all).filteredOn(e -> e.contiguous('F') && !e.contiguous('C')).isNotEmpty();
            assertThat(all).filteredOn(e -> !e.indirect() && !e.contiguous('A')).isNotEmpty();
            // the PIL twin of each direct layout holds the same items in the same order
            for (String f : FORMATS) {
                for (Structure s : STRUCTURES) {
                    if (s.shape().length == 0) {
                        continue;
                    }
                    List<Exporter> c = exporters(arena, s, f, Style.C, true);
                    List<Exporter> p = exporters(arena, s, f, Style.PIL, true);
                    for (int i = 0; i < c.size(); i++) {
                        for (char order : ORDERS) {
                            assertThat(p.get(i).contiguousBytes(order)).as("%s against %s", p.get(i), c.get(i))
                                    .isEqualTo(c.get(i).contiguousBytes(order));
                        }
                    }
                }
            }
        }
    }
}
