package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random layouts, direct and indirect, actually allocated, checked against {@link LayoutReferenceFixture}'s naive
 * walker. Each seed builds ndim 1..5 dimensions of extent 0..4, items of one of 'd', 'i', 'h', 'B', 'q', strides of
 * random sign, order and padding (or exactly C- or Fortran-contiguous), and random indirect dimensions: each cell of
 * an indirect dimension holds a pointer to its own separately allocated block, whose dimension's random suboffset
 * the pointer accounts for (the pointer is {@code suboffset} bytes before the block's position of index 0). Bytes
 * around the items are random garbage, so a read or write off by a byte shows.
 */
@SuppressWarnings("restricted") // absolute addresses, in test code only
class RandomLayoutTest {
    private static final String[] FORMATS = {"d", "i", "h", "B", "q"};
    private static final long POINTER_SIZE = ValueLayout.ADDRESS.byteSize();
    private static final char[] ORDERS = {'C', 'F', 'A'};

    static IntStream seeds() {
        return IntStream.range(0, 200);
    }

    /** Where a pointer cell is, the dimension it belongs to, and the index (up to that dimension) that reaches it. */
    record Cell(long address, int dim, long[] prefix) {
    }

    /** A layout allocated in an arena, with everything the generator knows about it. */
    static final class Layout {
        final Format format;
        final long itemSize;
        final long[] shape;
        final long[] strides;
        /** As passed to wrap: null, all negative, or with the indirect dimensions' suboffsets. */
        final long[] suboffsets;
        final boolean[] indirect;
        /** The first level's memory, exactly: every byte the first level reaches, and no more. */
        MemorySegment firstLevel;
        long bufOffset;
        /** Every allocated block, garbage and all. */
        final List<MemorySegment> blocks = new ArrayList<>();
        /** Item addresses in C order, as the generator placed them. */
        final List<Long> items = new ArrayList<>();
        final List<Cell> cells = new ArrayList<>();
        final Random random;

        Layout(Random random, Format format, long[] shape, long[] strides, long[] suboffsets, boolean[] indirect) {
            this.random = random;
            this.format = format;
            this.itemSize = format.itemSize();
            this.shape = shape;
            this.strides = strides;
            this.suboffsets = suboffsets;
            this.indirect = indirect;
        }

        long buf() {
            return firstLevel.address() + bufOffset;
        }

        long len() {
            return itemSize * Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        BufferView wrap(boolean readOnly) {
            return BufferView.wrap(firstLevel, bufOffset, format, shape, strides, suboffsets, readOnly);
        }

        byte[] expected(char order) {
            char resolved = order == 'A'
                    ? LayoutReferenceFixture.resolveA(itemSize, shape, strides, suboffsets) : order;
            return LayoutReferenceFixture.contiguousBytes(buf(), itemSize, shape, strides, suboffsets, resolved);
        }

        List<byte[]> snapshot() {
            return blocks.stream().map(b -> b.toArray(ValueLayout.JAVA_BYTE)).toList();
        }

        void zeroItems() {
            for (long a : items) {
                MemorySegment.ofAddress(a).reinterpret(itemSize).fill((byte) 0);
            }
        }

        @Override
        public String toString() {
            return "layout of format '" + format.source() + "', shape " + Arrays.toString(shape) + ", strides "
                    + Arrays.toString(strides) + ", suboffsets " + Arrays.toString(suboffsets) + ", bufOffset "
                    + bufOffset + " in " + firstLevel.byteSize() + " bytes";
        }
    }

    // ------------------------------------------------------------------------------------------------ generator

    static Layout generate(int seed, Arena arena) {
        Random random = new Random(0x5EED_0000L + seed);
        int ndim = 1 + random.nextInt(5);
        Format format = Format.parse(FORMATS[random.nextInt(FORMATS.length)]);
        long itemSize = format.itemSize();
        long[] shape = new long[ndim];
        for (int i = 0; i < ndim; i++) {
            shape[i] = random.nextInt(20) == 0 ? 0 : 1 + random.nextInt(4);
        }
        boolean[] indirect = new boolean[ndim];
        boolean anyIndirect = false;
        if (random.nextInt(4) != 0) {
            for (int i = 0; i < ndim; i++) {
                indirect[i] = random.nextInt(3) == 0;
                anyIndirect |= indirect[i];
            }
        }
        long[] suboffsets = null;
        if (anyIndirect || random.nextBoolean()) {
            suboffsets = new long[ndim];
            for (int i = 0; i < ndim; i++) {
                suboffsets[i] = indirect[i] ? random.nextInt(25) : random.nextBoolean() ? -1 : -1 - random.nextInt(100);
            }
        }
        // Strides, level by level: a level is the run of dimensions up to and including the next indirect one.
        long[] strides = new long[ndim];
        int mode = random.nextInt(6); // 0, 1: C-contiguous levels; 2: Fortran-contiguous levels; else random
        for (int a = 0; a < ndim; a = levelEnd(indirect, a) + 1) {
            int b = levelEnd(indirect, a);
            long cell = indirect[b] ? POINTER_SIZE : itemSize;
            List<Integer> dims = new ArrayList<>();
            for (int i = a; i <= b; i++) {
                dims.add(i);
            }
            if (mode <= 1) {
                Collections.reverse(dims); // innermost first: the last dimension
            } else if (mode >= 3) {
                Collections.shuffle(dims, random);
            }
            long step = cell;
            for (int d : dims) {
                if (shape[d] == 1 && random.nextInt(3) == 0) {
                    strides[d] = random.nextInt(61) - 30; // extent 1: any stride, even 0 or a stray one
                    continue;
                }
                long pad = mode >= 3 && random.nextInt(3) == 0 ? 1 + random.nextInt((int) cell + 3) : 0;
                long s = step + pad;
                strides[d] = mode >= 3 && random.nextInt(5) < 2 ? -s : s;
                step = s * Math.max(shape[d], 1);
            }
        }
        Layout layout = new Layout(random, format, shape, strides, suboffsets, indirect);
        // The first level: a block with garbage around it; the view's memory is exactly the part the level reaches.
        long[] reach = levelReach(layout, 0);
        long front = random.nextInt(6);
        MemorySegment block = allocateBlock(layout, arena, front + reach[1] - reach[0] + random.nextInt(6));
        layout.firstLevel = block.asSlice(front, reach[1] - reach[0]);
        layout.bufOffset = -reach[0];
        long[] index = new long[ndim];
        build(layout, arena, 0, layout.buf(), index, new long[] {0});
        return layout;
    }

    /** The last dimension of the level starting at {@code a}: the first indirect one from {@code a}, or the last. */
    private static int levelEnd(boolean[] indirect, int a) {
        int b = a;
        while (b < indirect.length - 1 && !indirect[b]) {
            b++;
        }
        return b;
    }

    /**
     * Bytes {@code [low, high)} the level starting at dimension {@code a} reaches relative to its index-0 position
     * (for {@code a == ndim}, after a pointer of the last dimension: one item). Empty dimensions count as extent 1.
     */
    private static long[] levelReach(Layout layout, int a) {
        int ndim = layout.shape.length;
        if (a == ndim) {
            return new long[] {0, layout.itemSize};
        }
        int b = levelEnd(layout.indirect, a);
        long low = 0;
        long high = layout.indirect[b] ? POINTER_SIZE : layout.itemSize;
        for (int i = a; i <= b; i++) {
            long span = layout.strides[i] * Math.max(layout.shape[i] - 1, 0);
            if (span < 0) {
                low += span;
            } else {
                high += span;
            }
        }
        return new long[] {low, high};
    }

    private static MemorySegment allocateBlock(Layout layout, Arena arena, long size) {
        MemorySegment block = arena.allocate(Math.max(size, 1), 1 + layout.random.nextInt(2) * 15);
        byte[] garbage = new byte[(int) block.byteSize()];
        layout.random.nextBytes(garbage);
        MemorySegment.copy(garbage, 0, block, ValueLayout.JAVA_BYTE, 0, garbage.length);
        layout.blocks.add(block);
        return block;
    }

    /** Fills dimensions {@code d..} from position {@code p}, allocating a block behind every pointer cell. */
    private static void build(Layout layout, Arena arena, int d, long p, long[] index, long[] counter) {
        if (d == layout.shape.length) {
            writeItem(layout, p, counter[0]++);
            layout.items.add(p);
            return;
        }
        for (long i = 0; i < layout.shape[d]; i++) {
            index[d] = i;
            long q = p + layout.strides[d] * i;
            if (layout.indirect[d]) {
                long suboffset = layout.suboffsets[d];
                long[] reach = levelReach(layout, d + 1);
                // the pointer is suboffset bytes before index 0 of the block, and still inside the block
                long front = suboffset + layout.random.nextInt(6);
                MemorySegment block = allocateBlock(layout, arena,
                        front + reach[1] - reach[0] + layout.random.nextInt(6));
                long zero = block.address() + front - reach[0];
                MemorySegment.ofAddress(q).reinterpret(POINTER_SIZE)
                        .set(ValueLayout.ADDRESS_UNALIGNED, 0, MemorySegment.ofAddress(zero - suboffset));
                layout.cells.add(new Cell(q, d, Arrays.copyOf(index, d + 1)));
                build(layout, arena, d + 1, zero, index, counter);
            } else {
                build(layout, arena, d + 1, q, index, counter);
            }
        }
    }

    private static void writeItem(Layout layout, long address, long n) {
        MemorySegment item = MemorySegment.ofAddress(address).reinterpret(layout.itemSize);
        switch (layout.format.source()) {
            case "d" -> item.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, n + 0.5);
            case "i" -> item.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) (n * 100_003 - 77));
            case "h" -> item.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (n * 7 - 3000));
            case "B" -> item.set(ValueLayout.JAVA_BYTE, 0, (byte) (n * 13 + 5));
            case "q" -> item.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, n * 1_000_000_007L - 123_456_789_012L);
            default -> throw new IllegalStateException(layout.format.source());
        }
    }

    // ------------------------------------------------------------------------------------------------ tests

    /**
     * Every item (elementAt, typed getters), the contiguous copies in 'C', 'F', 'A', copyFrom in each order, and
     * isContiguous, against the reference.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void layoutMatchesTheReference(int seed) {
        try (Arena arena = Arena.ofConfined()) {
            Layout layout = generate(seed, arena);
            checkItemsAndContiguousCopies(layout);
            checkIsContiguous(layout);
            checkCopyFromWritesEveryItemAndNothingElse(layout);
        }
    }

    /** Out-of-range indices, a NULL pointer planted in a table, and first-level memory one byte too short. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void badInputsAreRefusedNamingWhatWasWrong(int seed) {
        try (Arena arena = Arena.ofConfined()) {
            Layout layout = generate(seed, arena);
            checkWrapRefusesShortMemory(layout);
            checkBadIndicesAndNullPointers(layout, seed);
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    private static void checkItemsAndContiguousCopies(Layout layout) {
        BufferView view = layout.wrap(true);
        assertThat(view.len()).as("%s", layout).isEqualTo(layout.len());
        // the reference walker agrees with where the generator put the items
        List<Long> walked = new ArrayList<>();
        LayoutReferenceFixture.forEachIndex(layout.shape, 'C', index -> walked.add(
                LayoutReferenceFixture.itemAddress(layout.buf(), layout.strides, layout.suboffsets, index)));
        assertThat(walked).as("reference walk of %s", layout).isEqualTo(layout.items);

        LayoutReferenceFixture.forEachIndex(layout.shape, 'C', index -> {
            long address = LayoutReferenceFixture.itemAddress(layout.buf(), layout.strides, layout.suboffsets,
                    index);
            MemorySegment item = view.elementAt(index);
            String where = "elementAt" + Arrays.toString(index);
            assertThat(item.address()).as("%s of %s", where, layout).isEqualTo(address);
            assertThat(item.byteSize()).as("%s of %s", where, layout).isEqualTo(layout.itemSize);
            assertThat(item.toArray(ValueLayout.JAVA_BYTE)).as("%s of %s", where, layout)
                    .isEqualTo(LayoutReferenceFixture.bytesAt(address, layout.itemSize));
            MemorySegment raw = MemorySegment.ofAddress(address).reinterpret(layout.itemSize);
            switch (layout.format.source()) {
                case "d" -> assertThat(view.getDouble(index)).as("%s of %s", where, layout)
                        .isEqualTo(raw.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 0));
                case "i" -> assertThat(view.getInt(index)).as("%s of %s", where, layout)
                        .isEqualTo(raw.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
                case "h" -> assertThat(view.getShort(index)).as("%s of %s", where, layout)
                        .isEqualTo(raw.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
                case "B" -> assertThat(view.getByte(index)).as("%s of %s", where, layout)
                        .isEqualTo(raw.get(ValueLayout.JAVA_BYTE, 0));
                case "q" -> assertThat(view.getLong(index)).as("%s of %s", where, layout)
                        .isEqualTo(raw.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                default -> throw new IllegalStateException(layout.format.source());
            }
        });
        for (char order : ORDERS) {
            assertThat(view.toBytes(order)).as("toBytes('%s') of %s", order, layout)
                    .isEqualTo(layout.expected(order));
        }
    }

    private static void checkCopyFromWritesEveryItemAndNothingElse(Layout layout) {
        List<byte[]> before = layout.snapshot();
        BufferView readOnly = layout.wrap(true);
        assertThatThrownBy(() -> readOnly.copyFrom(MemorySegment.ofArray(new byte[(int) layout.len()]), 'C'))
                .isInstanceOf(ReadOnlyBufferException.class);
        BufferView view = layout.wrap(false);
        if (layout.len() > 0) {
            assertThat(view.elementAt(new long[layout.shape.length]).isReadOnly()).isFalse();
            assertThat(readOnly.elementAt(new long[layout.shape.length]).isReadOnly()).isTrue();
        }
        for (char order : ORDERS) {
            byte[] contiguous = layout.expected(order);
            layout.zeroItems();
            view.copyFrom(MemorySegment.ofArray(contiguous), order);
            List<byte[]> after = layout.snapshot();
            for (int k = 0; k < before.size(); k++) {
                assertThat(after.get(k)).as("block %d after copyFrom('%s') into %s", k, order, layout)
                        .isEqualTo(before.get(k));
            }
        }
    }

    private static void checkIsContiguous(Layout layout) {
        BufferView view = layout.wrap(true);
        for (char order : ORDERS) {
            assertThat(view.isContiguous(order)).as("isContiguous('%s') of %s", order, layout).isEqualTo(
                    LayoutReferenceFixture.cpythonIsContiguous(layout.itemSize, layout.shape, layout.strides,
                            layout.suboffsets, order));
        }
    }

    private static void checkBadIndicesAndNullPointers(Layout layout, int seed) {
        BufferView view = layout.wrap(true);
        Random random = new Random(seed);
        int ndim = layout.shape.length;
        // out of range: every index valid but one (for an empty layout: the first empty dimension)
        int dim = random.nextInt(ndim);
        for (int i = 0; i < ndim; i++) {
            if (layout.shape[i] == 0) {
                dim = i;
                break;
            }
        }
        long[] index = new long[ndim];
        for (int i = 0; i < ndim; i++) {
            index[i] = layout.shape[i] == 0 ? 0 : random.nextInt((int) layout.shape[i]);
        }
        long[] bads = seed % 4 == 0 ? new long[] {layout.shape[dim], -1, Long.MAX_VALUE, Long.MIN_VALUE}
                : new long[] {seed % 2 == 0 ? -1 : layout.shape[dim]};
        for (long bad : bads) {
            index[dim] = bad;
            assertThatThrownBy(() -> view.elementAt(index)).as("elementAt%s of %s", Arrays.toString(index), layout)
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("dimension " + dim);
        }
        // a NULL pointer planted in a table (every cell is on the way to some item when the layout is not empty)
        if (layout.cells.isEmpty() || layout.len() == 0) {
            return;
        }
        Cell cell = layout.cells.get(random.nextInt(layout.cells.size()));
        MemorySegment at = MemorySegment.ofAddress(cell.address()).reinterpret(POINTER_SIZE);
        long saved = at.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        at.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0L);
        long[] through = Arrays.copyOf(cell.prefix(), ndim);
        String where = "NULL at dimension " + cell.dim() + " index " + Arrays.toString(cell.prefix()) + " of "
                + layout;
        assertThatThrownBy(() -> view.elementAt(through)).as(where)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dimension " + cell.dim());
        for (char order : new char[] {'C', 'F'}) {
            assertThatThrownBy(() -> view.toBytes(order)).as(where + ", toBytes('%s')", order)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("dimension " + cell.dim());
        }
        BufferView writable = layout.wrap(false);
        byte[] zeros = new byte[(int) layout.len()];
        assertThatThrownBy(() -> writable.copyFrom(MemorySegment.ofArray(zeros), 'C')).as(where + ", copyFrom")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dimension " + cell.dim());
        at.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, saved);
    }

    private static void checkWrapRefusesShortMemory(Layout layout) {
        if (layout.len() == 0) {
            return;
        }
        MemorySegment exact = layout.firstLevel;
        long size = exact.byteSize();
        // one byte short at the end
        assertThatThrownBy(() -> BufferView.wrap(exact.asSlice(0, size - 1), layout.bufOffset, layout.format,
                layout.shape, layout.strides, layout.suboffsets, true)).as("short end, %s", layout)
                .isInstanceOf(BufferException.class);
        // one byte short at the start: bufOffset too small for the negative strides (or negative)
        assertThatThrownBy(() -> BufferView.wrap(exact.asSlice(1), layout.bufOffset - 1, layout.format,
                layout.shape, layout.strides, layout.suboffsets, true)).as("short start, %s", layout)
                .isInstanceOf(BufferException.class);
        // the same memory, exactly: accepted (the view of the other tests)
        assertThat(BufferView.wrap(exact, layout.bufOffset, layout.format, layout.shape, layout.strides,
                layout.suboffsets, true).toBytes('C')).isEqualTo(layout.expected('C'));
    }

    /**
     * An empty view reaches no byte, but its {@code buf} is still an offset in {@code memory}: {@code wrap} accepts a
     * {@code bufOffset} outside {@code [0, memory.byteSize()]} when some dimension is 0, and {@code buf()} then fails
     * with the FFM's own IndexOutOfBoundsException ("Out of bound access on segment ...; new offset = -5").
     */
    @Test
    void anEmptyViewsBufOffsetMustStillLieInItsMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(16);
            for (long bufOffset : new long[] {-5, 17, 100}) {
                assertThatThrownBy(() -> BufferView.wrap(memory, bufOffset, Format.parse("d"), new long[] {3, 0},
                        null, null, true)).as("bufOffset %d", bufOffset).isInstanceOf(BufferException.class)
                        .hasMessageContaining(String.valueOf(bufOffset));
            }
            for (long bufOffset : new long[] {0, 16}) {
                BufferView view = BufferView.wrap(memory, bufOffset, Format.parse("d"), new long[] {3, 0}, null,
                        null, true);
                assertThat(view.buf().address()).isEqualTo(memory.address() + bufOffset);
            }
        }
    }

    @Test
    void generatorCoversTheCasesThatMatter() {
        // not a check of BufferView: keeps the generator honest about what the 200 seeds cover
        int indirect = 0;
        int multiLevel = 0;
        int empty = 0;
        int contiguous = 0;
        int negative = 0;
        int allNegativeSuboffsets = 0;
        int lastIndirect = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int s = 0; s < 200; s++) {
                Layout l = generate(s, arena);
                long nIndirect = IntStream.range(0, l.shape.length).filter(i -> l.indirect[i]).count();
                indirect += nIndirect > 0 ? 1 : 0;
                multiLevel += nIndirect > 1 ? 1 : 0;
                lastIndirect += l.indirect[l.shape.length - 1] ? 1 : 0;
                empty += l.len() == 0 ? 1 : 0;
                negative += Arrays.stream(l.strides).anyMatch(x -> x < 0) ? 1 : 0;
                allNegativeSuboffsets += l.suboffsets != null && nIndirect == 0 ? 1 : 0;
                contiguous += nIndirect == 0 && l.len() > 0
                        && LayoutReferenceFixture.cpythonIsContiguous(l.itemSize, l.shape, l.strides, l.suboffsets,
                        'A') ? 1 : 0;
            }
        }
        assertThat(indirect).isGreaterThan(60);
        assertThat(multiLevel).isGreaterThan(20);
        assertThat(lastIndirect).isGreaterThan(10);
        assertThat(empty).isBetween(5, 60);
        assertThat(negative).isGreaterThan(40);
        assertThat(allNegativeSuboffsets).isGreaterThan(10);
        assertThat(contiguous).isGreaterThan(15);
    }
}
