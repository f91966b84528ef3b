package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.RequestMatrixTest.Exporter;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.format.FormatException;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The categories of CPython's {@code Lib/test/test_buffer.py} that no other test here covers as CPython checks them
 * (docs/reliability/cpython-categories.md maps every category to its test): every format at every index of every
 * step, zero strides, zero extents, 0-d views, equality across layouts as {@code memoryview ==} compares them,
 * the alignment of allocated buffers, and the constructor errors of {@code test_ndarray_exceptions}. Each layout is
 * checked in its direct form and in its PIL form (a table of pointers, {@link RequestMatrixTest#pil}).
 */
@SuppressWarnings("restricted") // PIL-style pointer tables; test code only
class CPythonCategoriesTest {
    private static final char[] ORDERS = {'C', 'F', 'A'};

    private static MemorySegment randomItems(Arena arena, long bytes, long seed) {
        MemorySegment data = arena.allocate(Math.max(bytes, 1), 16).asSlice(0, bytes);
        byte[] random = new byte[(int) bytes];
        new Random(seed).nextBytes(random);
        MemorySegment.copy(MemorySegment.ofArray(random), 0, data, 0, bytes);
        return data;
    }

    /** The direct layout and its PIL twin over the same items. */
    private static List<Exporter> both(String name, Arena arena, MemorySegment data, long bufOffset, Format format,
                                       long[] shape, long[] strides) {
        List<Exporter> out = new ArrayList<>();
        out.add(RequestMatrixTest.make(name + " direct", data, bufOffset, format, shape, strides, null, false));
        if (shape.length > 0) {
            out.add(RequestMatrixTest.pil(name + " PIL", arena, data, bufOffset, format, shape, strides, false));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ formats

    /**
     * test_ndarray_format_scalar, _format_shape, _format_strides, _index_getitem_single, _index_setitem_single and
     * test_memoryview_assign: every native format (and a struct of several), 0-d and 1-d with every step from -5 to
     * 4, direct and PIL: each index lands on its item, reads it through the format's typed getter, writes it through
     * the setter without touching another byte, and indices just outside are refused.
     */
    @ParameterizedTest(name = "format ''{0}''")
    @ValueSource(strings = {"?", "c", "b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "n", "N", "e", "f", "d", "P",
            "hQiLl", "<d", ">i", "!H", "=q", "5s"})
    void everyFormatAtEveryIndexOfEveryStep(String fmt) {
        Format format = Format.parse(fmt);
        long size = format.itemSize();
        int n = 11;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = randomItems(arena, n * size, fmt.hashCode());
            List<Exporter> layouts = new ArrayList<>(both("0-d", arena, data, 3 * size, format, new long[0],
                    new long[0]));
            for (int step = -5; step < 5; step++) {
                if (step == 0) {
                    continue;
                }
                long count = (n - 1) / Math.abs(step) + 1; // len(items[::step])
                long offset = step < 0 ? (n - 1) * size : 0;
                layouts.addAll(both("step " + step, arena, data, offset, format, new long[] {count},
                        new long[] {step * size}));
            }
            for (Exporter e : layouts) {
                try (BufferView v = e.lend().apply(BufferRequest.FULL)) {
                    checkEveryIndex(e, v);
                }
            }
        }
    }

    private static void checkEveryIndex(Exporter e, BufferView v) {
        String what = "'" + e.format() + "' " + e;
        byte[] before = e.contiguousBytes('C');
        int[] k = {0};
        LayoutReferenceFixture.forEachIndex(e.shape(), 'C', index -> {
            String where = what + " index " + Arrays.toString(index);
            MemorySegment item = v.elementAt(index);
            assertThat(item.address()).as(where).isEqualTo(e.itemAddress(index));
            assertThat(item.toArray(ValueLayout.JAVA_BYTE)).as(where).isEqualTo(Arrays.copyOfRange(before,
                    (int) (k[0] * e.itemSize()), (int) ((k[0] + 1) * e.itemSize())));
            if (roundTrips(v, item, index)) {
                // the setter wrote this item only: every other item is as before
                byte[] after = e.contiguousBytes('C');
                System.arraycopy(before, (int) (k[0] * e.itemSize()), after, (int) (k[0] * e.itemSize()),
                        (int) e.itemSize());
                assertThat(after).as("%s: the other items after a write", where).isEqualTo(before);
                MemorySegment.copy(MemorySegment.ofArray(before), k[0] * e.itemSize(), item, 0, e.itemSize());
            }
            k[0]++;
        });
        for (char order : ORDERS) {
            assertThat(v.toBytes(order)).as("%s toBytes('%s')", what, order).isEqualTo(e.contiguousBytes(order));
        }
        if (e.shape().length == 1) {
            for (long bad : new long[] {-1, e.shape()[0], Long.MIN_VALUE}) {
                assertThatThrownBy(() -> v.elementAt(bad)).as("%s index %d", what, bad)
                        .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("dimension 0");
            }
        } else {
            assertThatThrownBy(() -> v.elementAt(0)).as("%s: an index for a 0-d view", what)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 dimensions");
        }
    }

    /** Reads the item with the format's typed getter, writes a new value with its setter, reads that back. */
    private static boolean roundTrips(BufferView v, MemorySegment item, long[] index) {
        Format f = v.format();
        String code = f.source().replaceAll("[@=<>!]", "");
        ByteOrder order = f.byteOrder();
        switch (code) {
            case "d" -> {
                // bit for bit: random bytes are often NaN
                assertThat(Double.doubleToRawLongBits(v.getDouble(index)))
                        .isEqualTo(item.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), 0));
                v.setDouble(-2.5, index);
                assertThat(item.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), 0)).isEqualTo(-2.5);
            }
            case "f" -> {
                assertThat(Float.floatToRawIntBits(v.getFloat(index)))
                        .isEqualTo(item.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), 0));
                v.setFloat(0.75f, index);
                assertThat(item.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), 0)).isEqualTo(0.75f);
            }
            case "e" -> {
                v.setFloat(1.5f, index);
                assertThat(item.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), 0))
                        .isEqualTo(Float.floatToFloat16(1.5f));
                assertThat(v.getFloat(index)).isEqualTo(1.5f);
            }
            case "q", "Q", "n", "N", "l", "L" -> {
                assertThat(v.getLong(index)).isEqualTo(item.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), 0));
                v.setLong(0x0102030405060708L, index);
                assertThat(item.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), 0)).isEqualTo(0x0102030405060708L);
            }
            case "i", "I" -> {
                assertThat(v.getInt(index)).isEqualTo(item.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), 0));
                v.setInt(-123456789, index);
                assertThat(item.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), 0)).isEqualTo(-123456789);
            }
            case "h", "H" -> {
                assertThat(v.getShort(index))
                        .isEqualTo(item.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), 0));
                v.setShort((short) -300, index);
                assertThat(item.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), 0)).isEqualTo((short) -300);
            }
            case "b", "B", "c" -> {
                assertThat(v.getByte(index)).isEqualTo(item.get(ValueLayout.JAVA_BYTE, 0));
                v.setByte((byte) 0x9C, index);
                assertThat(item.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x9C);
            }
            default -> {
                // '?', 'P' and structs are read through elementAt only (docs/decisions.md, "Typed access")
                assertThatThrownBy(() -> v.getLong(index)).isInstanceOf(BufferException.class);
                assertThatThrownBy(() -> v.getByte(index)).isInstanceOf(BufferException.class);
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ strides 0

    /**
     * test_ndarray_zero_strides, test_memoryview_compare_zero_strides and _multidim_zero_strides: a stride of 0
     * repeats one item (direct and PIL); such a view is contiguous in no order, gathers the item once per index, and
     * equals an array holding the item at every index.
     */
    @Test
    void zeroStridesRepeatOneItem() {
        Format q = Format.parse("q");
        try (Arena arena = Arena.ofConfined();
             MemoryBuffer five = MemoryBuffer.wrap(new long[] {900, 900, 900, 900, 900});
             MemoryBuffer eighty = MemoryBuffer.wrap(filled(80, 900), 'C', 4, 5, 4);
             BufferView fiveView = five.getBuffer(BufferRequest.FULL_RO);
             BufferView eightyView = eighty.getBuffer(BufferRequest.FULL_RO)) {
            MemorySegment one = arena.allocate(8, 8);
            one.set(ValueLayout.JAVA_LONG, 0, 900);
            List<Exporter> layouts = new ArrayList<>(both("[5] strides [0]", arena, one, 0, q, new long[] {5},
                    new long[] {0}));
            layouts.addAll(both("[4,5,4] strides [0,0,0]", arena, one, 0, q, new long[] {4, 5, 4},
                    new long[] {0, 0, 0}));
            for (Exporter e : layouts) {
                try (BufferView v = e.lend().apply(BufferRequest.FULL_RO)) {
                    LayoutReferenceFixture.forEachIndex(e.shape(), 'C', index ->
                            assertThat(v.elementAt(index).address()).as("%s %s", e, Arrays.toString(index))
                                    .isEqualTo(one.address()));
                    long[] items = new long[(int) (v.len() / 8)];
                    Arrays.fill(items, 900);
                    for (char order : ORDERS) {
                        assertThat(v.toBytes(order)).as("%s toBytes('%s')", e, order).isEqualTo(bytes(items));
                        assertThat(v.isContiguous(order)).as("%s isContiguous('%s')", e, order).isFalse();
                    }
                    BufferView full = e.shape().length == 1 ? fiveView : eightyView;
                    assertThat(Kernels.equal(v, full)).as("%s == the array of 900s", e).isTrue();
                    assertThat(Kernels.equal(full, v)).as("the array of 900s == %s", e).isTrue();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ extents 0

    /**
     * test_ndarray_zero_shape, test_memoryview_compare_zero_shape and _multidim_zero_shape, and the zeros-in-shape
     * parts of test_py_buffer_to_contiguous and test_memoryview_get_contiguous: a 0 anywhere in the shape is an
     * empty view (direct and PIL) that keeps its shape, gathers nothing in any order, refuses every index, equals any
     * other empty view of the same shape whatever its memory holds, and differs from one of another shape; an
     * exporter of such a shape honours every request.
     */
    @Test
    void zeroExtentsAreEmptyViews() {
        Format i = Format.parse("i");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = randomItems(arena, 64, 1);
            MemorySegment other = randomItems(arena, 64, 2);
            for (long[] shape : new long[][] {{0}, {0, 3, 3}, {3, 0, 3}, {3, 3, 0}, {0, 3, 2}, {5, 0, 2}}) {
                long[] strides = BufferView.contiguousStrides(shape, 4, 'C');
                for (Exporter e : both(Arrays.toString(shape), arena, data, 0, i, shape, strides)) {
                    Exporter twin = RequestMatrixTest.make("twin", other, 0, i, shape, strides, null, true);
                    try (BufferView v = e.lend().apply(BufferRequest.FULL_RO);
                         BufferView w = twin.lend().apply(BufferRequest.FULL_RO)) {
                        assertThat(v.len()).isZero();
                        assertThat(v.shape()).isEqualTo(shape);
                        for (char order : ORDERS) {
                            assertThat(v.toBytes(order)).as("%s toBytes('%s')", e, order).isEmpty();
                            // CPython's rule: empty and direct is contiguous; following a pointer never is
                            assertThat(v.isContiguous(order)).as("%s isContiguous('%s')", e, order)
                                    .isEqualTo(!e.indirect());
                        }
                        assertThatThrownBy(() -> v.elementAt(new long[shape.length])).as("%s", e)
                                .isInstanceOf(IndexOutOfBoundsException.class);
                        assertThat(Kernels.equal(v, w)).as("%s == an empty view of other memory", e).isTrue();
                        try (MemoryBuffer b = MemoryBuffer.allocate(i, 'C', 5, 0, 2);
                             BufferView x = b.getBuffer(BufferRequest.FULL_RO)) {
                            assertThat(Kernels.equal(v, x)).as("%s == [5, 0, 2]", e)
                                    .isEqualTo(Arrays.equals(shape, new long[] {5, 0, 2}));
                        }
                    }
                }
            }
            try (MemoryBuffer empty = MemoryBuffer.allocate(Format.parse("q"), 'C', 2, 0, 7)) {
                for (int flags = 0; flags < 0x200; flags++) {
                    if ((flags & ~0x1FD) != 0 || flags == 0x100) {
                        continue;
                    }
                    int f = flags;
                    if (!BufferRequest.requestsShape(flags) && BufferRequest.requestsFormat(flags)) {
                        // CPython refuses FORMAT without ND too
                        assertThatThrownBy(() -> empty.getBuffer(f)).isInstanceOf(BufferException.class);
                        continue;
                    }
                    try (BufferView v = empty.getBuffer(flags)) {
                        for (char order : ORDERS) {
                            assertThat(v.toBytes(order)).as("%s", BufferRequest.describe(flags)).isEmpty();
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ 0-d

    /**
     * test_ndarray_index_scalar, test_memoryview_index and _assign (ndim 0), test_memoryview_compare_ndim_zero and
     * the scalar parts of test_py_buffer_to_contiguous and test_memoryview_get_contiguous: a 0-d view has one item,
     * read and written with no index; any index is refused; it gathers to its item in every order and compares
     * equal to another scalar with the same value (also of an equivalent format) until one is changed.
     */
    @Test
    void zeroDimensionalViewsHoldOneItem() {
        try (MemoryBuffer a = MemoryBuffer.allocate(Format.parse("@q"), 'C');
             MemoryBuffer b = MemoryBuffer.allocate(Format.parse("q"), 'F')) {
            try (BufferView v = a.getBuffer(BufferRequest.FULL);
                 BufferView w = b.getBuffer(BufferRequest.FULL)) {
                assertThat(v.ndim()).isZero();
                assertThat(v.shape()).isEmpty();
                assertThat(v.strides()).isEmpty();
                assertThat(v.len()).isEqualTo(8);
                v.setLong(1729);
                w.setLong(1729);
                assertThat(v.getLong()).isEqualTo(1729);
                assertThat(v.elementAt().address()).isEqualTo(v.buf().address());
                for (char order : ORDERS) {
                    assertThat(v.toBytes(order)).isEqualTo(bytes(new long[] {1729}));
                    assertThat(v.isContiguous(order)).isTrue();
                }
                assertThatThrownBy(() -> v.getLong(0)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("index [0] has 1 entries; the view has 0 dimensions, shape []");
                assertThatThrownBy(() -> v.setLong(9, 0)).isInstanceOf(IllegalArgumentException.class);
                assertThat(Kernels.equal(v, w)).isTrue();
                assertThat(Kernels.equal(w, v)).isTrue();
                w.setLong(1728);
                assertThat(Kernels.equal(v, w)).isFalse();
                v.copyFrom(MemorySegment.ofArray(bytes(new long[] {1728})), 'F');
                assertThat(Kernels.equal(v, w)).isTrue();
            }
            for (int flags : new int[] {BufferRequest.SIMPLE, BufferRequest.ND, BufferRequest.CONTIG_RO}) {
                try (BufferView v = a.getBuffer(flags)) {
                    assertThat(v.toBytes('F')).as(BufferRequest.describe(flags)).isEqualTo(bytes(new long[] {1728}));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ equality

    /**
     * test_memoryview_compare_ndim_one, _multidim_c, _multidim_fortran, _multidim_mixed, _multidim_suboffsets and
     * _not_equal: {@link Kernels#equal} compares items at equal indices whatever the layout (C, Fortran, strided,
     * reversed, PIL), needs equal shapes, and finds one differing item deep in a 5-d array, in every byte order.
     */
    @Test
    void equalityComparesItemsAtEqualIndicesWhateverTheLayout() {
        Format l = Format.parse("q");
        try (Arena arena = Arena.ofConfined()) {
            // [-529, 576, -625, 676, -729] and every other item of it, forwards and backwards, direct and PIL
            MemorySegment five = segment(arena, -529, 576, -625, 676, -729);
            MemorySegment three = segment(arena, -529, -625, -729);
            for (Exporter w : both("five", arena, five, 0, l, new long[] {5}, new long[] {8})) {
                for (Exporter v : both("three", arena, three, 0, l, new long[] {3}, new long[] {8})) {
                    Exporter everyOther = RequestMatrixTest.make("w[::2]", w.memory(), w.bufOffset(), l,
                            new long[] {3}, new long[] {2 * w.strides()[0]}, w.suboffsets(), false);
                    Exporter backwards = RequestMatrixTest.make("w[::-2]", w.memory(),
                            w.bufOffset() + 4 * w.strides()[0], l, new long[] {3}, new long[] {-2 * w.strides()[0]},
                            w.suboffsets(), false);
                    Exporter reversed = RequestMatrixTest.make("v[::-1]", v.memory(),
                            v.bufOffset() + 2 * v.strides()[0], l, new long[] {3}, new long[] {-v.strides()[0]},
                            v.suboffsets(), false);
                    assertEqual(v, everyOther, true);
                    assertEqual(reversed, backwards, true);
                    assertEqual(v, backwards, false);
                    assertEqual(v, w, false); // shapes differ
                }
            }
            // the same logical [3, 2, 5] array in C and in Fortran order, direct and PIL
            long[] shape = {3, 2, 5};
            long[] c = new long[30];
            long[] f = new long[30];
            for (int k = 0; k < 30; k++) {
                c[k] = k - 15;
            }
            LayoutReferenceFixture.forEachIndex(shape, 'C', new Consumer<>() {
                int k;

                @Override
                public void accept(long[] index) {
                    f[(int) (index[0] + 3 * index[1] + 6 * index[2])] = c[k++];
                }
            });
            List<Exporter> cs = both("C", arena, segment(arena, c), 0, l, shape,
                    BufferView.contiguousStrides(shape, 8, 'C'));
            List<Exporter> fs = both("F", arena, segment(arena, f), 0, l, shape,
                    BufferView.contiguousStrides(shape, 8, 'F'));
            for (Exporter x : cs) {
                for (Exporter y : fs) {
                    assertEqual(x, y, true);
                }
            }
            // the same bytes as [2, 3, 5]: another shape, so not equal
            assertEqual(cs.getFirst(), RequestMatrixTest.make("[2,3,5]", cs.getFirst().memory(), 0, l,
                    new long[] {2, 3, 5}, BufferView.contiguousStrides(new long[] {2, 3, 5}, 8, 'C'), null, false),
                    false);
        }
        // one item of 120 differs, at [2][3][1][1][1], between a C and a Fortran array, in each byte order
        long[] shape = {3, 5, 2, 2, 2};
        for (String order : new String[] {"=", "<", ">", "!"}) {
            Format q = Format.parse(order + "Q");
            try (MemoryBuffer x = MemoryBuffer.allocate(q, 'C', shape);
                 MemoryBuffer y = MemoryBuffer.allocate(q, 'F', shape);
                 BufferView a = x.getBuffer(BufferRequest.FULL);
                 BufferView b = y.getBuffer(BufferRequest.FULL)) {
                LayoutReferenceFixture.forEachIndex(shape, 'C', index -> {
                    a.setLong(Long.MIN_VALUE, index); // 2**63
                    b.setLong(Long.MIN_VALUE, index);
                });
                assertThat(Kernels.equal(a, b)).as("'%s'", q).isTrue();
                b.setLong(1, 2, 3, 1, 1, 1);
                assertThat(Kernels.equal(a, b)).as("'%s' after one change", q).isFalse();
                assertThat(Kernels.equal(b, a)).as("'%s' after one change", q).isFalse();
            }
        }
    }

    private static void assertEqual(Exporter x, Exporter y, boolean expected) {
        try (BufferView a = x.lend().apply(BufferRequest.FULL_RO);
             BufferView b = y.lend().apply(BufferRequest.FULL_RO)) {
            assertThat(Kernels.equal(a, b)).as("%s == %s", x, y).isEqualTo(expected);
            assertThat(Kernels.equal(b, a)).as("%s == %s", y, x).isEqualTo(expected);
        }
    }

    // ------------------------------------------------------------------------------------------------ alignment

    /**
     * test_bytearray_alignment and test_array_alignment (gh-140557): memory the library allocates is aligned for
     * its items, empty allocations included: every item of a {@link MemoryBuffer}, every row of an {@link
     * IndirectMemory2D} in both placements.
     */
    @Test
    void allocatedItemsAreAlignedEvenWhenEmpty() {
        for (String fmt : new String[] {"B", "h", "i", "q", "f", "d", "e", "P", "dd", "T{bq}", "g"}) {
            Format format = Format.parse(fmt);
            long alignment = format.alignment();
            for (long n : new long[] {0, 1, 3, 16}) {
                try (MemoryBuffer b = MemoryBuffer.allocate(format, 'C', n);
                     BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(v.buf().address() % alignment).as("'%s' x %d", fmt, n).isZero();
                }
            }
            if (format.itemSize() > 8 && !format.isSingleElement()) {
                continue;
            }
            for (RowPlacement placement : RowPlacement.values()) {
                for (long cols : new long[] {1, 3, 16}) {
                    try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, cols, fmt, false, placement)) {
                        for (long r = 0; r < 3; r++) {
                            assertThat(m.row(r).address() % alignment).as("'%s' %s row %d of %d columns", fmt,
                                    placement, r, cols).isZero();
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ errors

    /**
     * test_ndarray_exceptions, the constructor part, for the two ways a descriptor enters the library ({@link
     * BufferView#wrap} and {@link MemoryBuffer#wrapStrided}): each invalid descriptor is the documented exception,
     * with a message that names the value.
     */
    @Test
    void invalidDescriptorsAreTheDocumentedExceptions() {
        Format q = Format.parse("q");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ten = arena.allocate(80, 8);
            record Bad(String what, long bufOffset, long[] shape, long[] strides, Class<?> type, String message) {
            }
            List<Bad> bad = List.of(
                    new Bad("ndim 65", 0, new long[65], new long[65], IllegalArgumentException.class, "65 dimensions"),
                    new Bad("a negative extent", 0, new long[] {-1}, new long[] {8}, IllegalArgumentException.class,
                            "shape[0] = -1"),
                    new Bad("an extent whose bytes overflow", 0, new long[] {1L << 62, 4}, new long[] {32, 8},
                            IllegalArgumentException.class, "overflow"),
                    new Bad("a stride whose reach overflows", 0, new long[] {2}, new long[] {Long.MAX_VALUE},
                            IllegalArgumentException.class, "overflow"),
                    new Bad("strides of another length", 0, new long[] {2, 1}, new long[] {8},
                            BufferException.class, "strides has 1 entries"),
                    new Bad("striding out of the memory", 40, new long[] {2, 3}, new long[] {-24, -16},
                            BufferException.class, "reaches bytes [-16, 48)"),
                    new Bad("an offset past the memory", 80, new long[] {3}, new long[] {8}, BufferException.class,
                            "bufOffset 80"),
                    new Bad("an offset before the memory", -8, new long[] {1}, new long[] {8},
                            BufferException.class, "bufOffset -8"));
            for (Bad b : bad) {
                assertThatThrownBy(() -> BufferView.wrap(ten, b.bufOffset(), q, b.shape(), b.strides(), null, true))
                        .as("wrap: %s", b.what()).isInstanceOf(b.type()).hasMessageContaining(b.message());
                assertThatThrownBy(() -> MemoryBuffer.wrapStrided(ten, b.bufOffset(), q, b.shape(), b.strides()))
                        .as("wrapStrided: %s", b.what()).isInstanceOf(b.type()).hasMessageContaining(b.message());
            }
            // formats: "" has items of 0 bytes, "@#$" does not parse
            assertThatThrownBy(() -> BufferView.wrap(ten, Format.parse(""), new long[] {3}, null, null, true))
                    .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("item size 0");
            assertThatThrownBy(() -> Format.parse("@#$")).isInstanceOf(FormatException.class)
                    .hasMessageContaining("'@#$'");
            // prod(shape) * itemsize != len
            assertThatThrownBy(() -> MemoryBuffer.wrap(ten.asSlice(0, 40), q, 'C', 2, 2))
                    .isInstanceOf(BufferException.class).hasMessageContaining("needs 32");
            // a stride that is no multiple of the item size: _testbuffer refuses it, PEP 3118 does not (kept)
            try (BufferView v = BufferView.wrap(ten, q, new long[] {2}, new long[] {3}, null, true)) {
                assertThat(v.elementAt(1).address()).isEqualTo(ten.address() + 3);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static long[] filled(int n, long value) {
        long[] a = new long[n];
        Arrays.fill(a, value);
        return a;
    }

    private static byte[] bytes(long[] items) {
        byte[] out = new byte[items.length * 8];
        MemorySegment.copy(items, 0, MemorySegment.ofArray(out), ValueLayout.JAVA_LONG_UNALIGNED, 0, items.length);
        return out;
    }

    private static MemorySegment segment(Arena arena, long... items) {
        MemorySegment s = arena.allocate(8L * items.length, 8);
        MemorySegment.copy(items, 0, s, ValueLayout.JAVA_LONG, 0, items.length);
        return s;
    }
}
