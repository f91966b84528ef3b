package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The consumer side: wrapping foreign descriptors, the resolver, typed access, copies. */
class BufferViewTest {
    private static final Format D = Format.parse("d");
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** A rows x cols double** with cell (i, j) = i * 100 + j. */
    private MemorySegment doubleTable(int rows, int cols) {
        MemorySegment table = arena.allocate(ValueLayout.ADDRESS, rows);
        for (int i = 0; i < rows; i++) {
            MemorySegment row = arena.allocate(ValueLayout.JAVA_DOUBLE, cols);
            for (int j = 0; j < cols; j++) {
                row.setAtIndex(ValueLayout.JAVA_DOUBLE, j, i * 100 + j);
            }
            table.setAtIndex(ValueLayout.ADDRESS, i, row);
        }
        return table;
    }

    private static BufferView pointerTable(MemorySegment table, long rows, long cols, boolean readOnly) {
        return BufferView.wrap(table, D, new long[] {rows, cols}, new long[] {8, 8}, new long[] {0, -1}, readOnly);
    }

    @Test
    void resolvesRowsThroughTheTable() {
        try (BufferView v = pointerTable(doubleTable(3, 5), 3, 5, false)) {
            assertThat(v.isIndirect()).isTrue();
            assertThat(v.isContiguous('C')).isFalse();
            assertThat(v.isContiguous('A')).isFalse();
            assertThat(v.len()).isEqualTo(120);
            assertThat(v.getDouble(2, 4)).isEqualTo(204.0);
            v.setDouble(-7, 1, 0);
            assertThat(v.elementAt(1, 0).get(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(-7.0);
            double[] c = new double[15];
            v.copyTo(MemorySegment.ofArray(c), 'C');
            assertThat(c).containsExactly(0, 1, 2, 3, 4, -7, 101, 102, 103, 104, 200, 201, 202, 203, 204);
            double[] f = new double[15];
            v.copyTo(MemorySegment.ofArray(f), 'F');
            assertThat(f).startsWith(0, -7, 200, 1, 101, 201);
            // copyFrom writes every row through its pointer
            double[] ones = new double[15];
            java.util.Arrays.fill(ones, 1);
            v.copyFrom(MemorySegment.ofArray(ones), 'C');
            assertThat(v.getDouble(2, 3)).isEqualTo(1.0);
        }
    }

    @Test
    void rowsAreBoundedToWhatTheShapeReaches() {
        try (BufferView v = pointerTable(doubleTable(2, 4), 2, 4, true)) {
            MemorySegment item = v.elementAt(1, 3);
            assertThat(item.byteSize()).isEqualTo(8);
            assertThat(item.isReadOnly()).isTrue();
            assertThatThrownBy(() -> item.set(ValueLayout.JAVA_DOUBLE, 0, 1.0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
            assertThatThrownBy(() -> v.setDouble(1, 0, 0)).isInstanceOf(ReadOnlyBufferException.class);
        }
    }

    @Test
    void copiesOverATableMergeOnlyRowsThatContinueOneAnother() {
        // Rows in one block, the table pointing at them out of order and twice at one: 2, 3, 0, 1, 1, 4 (of 5).
        int cols = 3;
        MemorySegment block = arena.allocate(ValueLayout.JAVA_DOUBLE, 5L * cols);
        for (int k = 0; k < 5 * cols; k++) {
            block.setAtIndex(ValueLayout.JAVA_DOUBLE, k, k);
        }
        int[] order = {2, 3, 0, 1, 1, 4};
        MemorySegment table = arena.allocate(ValueLayout.ADDRESS, order.length);
        for (int r = 0; r < order.length; r++) {
            table.setAtIndex(ValueLayout.ADDRESS, r, block.asSlice(order[r] * cols * 8L));
        }
        try (BufferView v = pointerTable(table, order.length, cols, false)) {
            double[] c = new double[order.length * cols];
            v.copyTo(MemorySegment.ofArray(c), 'C');
            for (int r = 0; r < order.length; r++) {
                for (int j = 0; j < cols; j++) {
                    assertThat(c[r * cols + j]).as("row %d col %d", r, j).isEqualTo(order[r] * cols + j);
                }
            }
            double[] in = new double[order.length * cols];
            for (int k = 0; k < in.length; k++) {
                in[k] = -k;
            }
            v.copyFrom(MemorySegment.ofArray(in), 'C');
            // row 4 (block row 1) is written after row 3 (the same block row): the later copy wins
            assertThat(v.getDouble(3, 0)).isEqualTo(-12.0);
            assertThat(block.getAtIndex(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(-6.0); // row 2 -> block row 0
            assertThat(block.getAtIndex(ValueLayout.JAVA_DOUBLE, 12)).isEqualTo(-15.0); // row 5 -> block row 4
        }
        // a negative table stride walks the table backwards
        try (BufferView v = BufferView.wrap(table, 8L * (order.length - 1), D, new long[] {order.length, cols},
                new long[] {-8, 8}, new long[] {0, -1}, true)) {
            double[] c = new double[order.length * cols];
            v.copyTo(MemorySegment.ofArray(c), 'C');
            assertThat(c[0]).isEqualTo(block.getAtIndex(ValueLayout.JAVA_DOUBLE, 4L * cols));
            assertThat(c[(order.length - 1) * cols]).isEqualTo(block.getAtIndex(ValueLayout.JAVA_DOUBLE, 2L * cols));
        }
    }

    @Test
    void nullRowIsAnIllegalStateNamingTheRow() {
        MemorySegment table = doubleTable(4, 2);
        table.setAtIndex(ValueLayout.ADDRESS, 2, MemorySegment.NULL);
        try (BufferView v = pointerTable(table, 4, 2, true)) {
            assertThat(v.getDouble(1, 1)).isEqualTo(101.0);
            assertThatThrownBy(() -> v.getDouble(2, 1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("NULL pointer at dimension 0 reached by index [2] of view of format 'd',"
                            + " shape [4, 2]");
            assertThatThrownBy(() -> v.toBytes('C')).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("index [2]");
            assertThatThrownBy(() -> v.toBytes('F')).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void indicesAreCheckedPerDimension() {
        try (BufferView v = pointerTable(doubleTable(3, 5), 3, 5, true)) {
            assertThatThrownBy(() -> v.getDouble(3, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessage("index 3 out of range [0, 3) for dimension 0 of shape [3, 5] (index [3, 0])");
            assertThatThrownBy(() -> v.elementAt(0, -1))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessage("index -1 out of range [0, 5) for dimension 1 of shape [3, 5] (index [0, -1])");
            assertThatThrownBy(() -> v.getDouble(1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("index [1] has 1 entries; the view has 2 dimensions, shape [3, 5]");
        }
    }

    @Test
    void negativeStridesStartBufInsideMemory() {
        double[] data = {0, 1, 2, 3, 4, 5};
        // reversed 2 x 3: buf is item 5 (offset 40), strides (-24, -8)
        try (BufferView v = BufferView.wrap(MemorySegment.ofArray(data), 40, D, new long[] {2, 3},
                new long[] {-24, -8}, null, false)) {
            assertThat(v.getDouble(0, 0)).isEqualTo(5.0);
            assertThat(v.getDouble(1, 2)).isEqualTo(0.0);
            assertThat(v.buf().byteSize()).isEqualTo(8);
            assertThat(v.toBytes('C')).isEqualTo(bytesOf(5, 4, 3, 2, 1, 0));
            assertThat(v.isContiguous('A')).isFalse();
        }
        assertThatThrownBy(() -> BufferView.wrap(MemorySegment.ofArray(data), 32, D, new long[] {2, 3},
                new long[] {-24, -8}, null, false))
                .isInstanceOf(BufferException.class)
                .hasMessage("descriptor with bufOffset 32, shape [2, 3], strides [-24, -8] and item size 8 reaches"
                        + " bytes [-8, 40) of memory, but memory holds bytes [0, 48)");
    }

    @Test
    void threeLevelsOfPointersWithSuboffsetsAndNegativeStrides() {
        // shape (2, 2, 3): dimension 0 and 1 are tables of pointers; the rows of ints are read backwards.
        int rows = 2;
        int cols = 3;
        MemorySegment top = arena.allocate(ValueLayout.ADDRESS, 2);
        for (int a = 0; a < 2; a++) {
            MemorySegment mid = arena.allocate(ValueLayout.ADDRESS, rows + 1); // slot 0 unused: suboffset 8
            for (int b = 0; b < rows; b++) {
                MemorySegment row = arena.allocate(ValueLayout.JAVA_INT, cols);
                for (int c = 0; c < cols; c++) {
                    row.setAtIndex(ValueLayout.JAVA_INT, c, a * 100 + b * 10 + c);
                }
                mid.setAtIndex(ValueLayout.ADDRESS, b + 1, row);
            }
            top.setAtIndex(ValueLayout.ADDRESS, a, mid);
        }
        // dimension 2 reads backwards: suboffset 8 points at the last int of the row, stride -4.
        try (BufferView v = BufferView.wrap(top, Format.parse("i"), new long[] {2, rows, cols},
                new long[] {8, 8, -4}, new long[] {8, 8, -1}, false)) {
            assertThat(v.getInt(1, 0, 0)).isEqualTo(102);
            assertThat(v.getInt(0, 1, 2)).isEqualTo(10);
            int[] all = new int[12];
            v.copyTo(MemorySegment.ofArray(all), 'C');
            assertThat(all).containsExactly(2, 1, 0, 12, 11, 10, 102, 101, 100, 112, 111, 110);
            v.setInt(-1, 1, 1, 1);
            assertThat(v.getInt(1, 1, 1)).isEqualTo(-1);
        }
    }

    @Test
    void scalarViewHasNoDimensions() {
        try (BufferView v = BufferView.wrap(MemorySegment.ofArray(new double[] {2.5}), D, new long[0], null, null,
                true)) {
            assertThat(v.ndim()).isZero();
            assertThat(v.len()).isEqualTo(8);
            assertThat(v.getDouble()).isEqualTo(2.5);
            assertThat(v.toBytes('C')).isEqualTo(bytesOf(2.5));
        }
    }

    @Test
    void typedAccessMatchesTheFormat() {
        MemorySegment m = arena.allocate(16);
        try (BufferView ints = BufferView.wrap(m, Format.parse("<i"), new long[] {4}, null, null, false)) {
            ints.setInt(0x01020304, 1);
            assertThat(m.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4))
                    .isEqualTo(0x01020304);
            assertThatThrownBy(() -> ints.getLong(0)).isInstanceOf(BufferException.class)
                    .hasMessage("getLong: view format '<i' is not a single item of a type read as long");
        }
        try (BufferView big = BufferView.wrap(m, Format.parse(">q"), new long[] {2}, null, null, false)) {
            big.setLong(0x0102030405060708L, 0);
            assertThat(m.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
            assertThat(big.getLong(0)).isEqualTo(0x0102030405060708L);
        }
        try (BufferView halves = BufferView.wrap(m, Format.parse("e"), new long[] {8}, null, null, false)) {
            halves.setFloat(1.5f, 3);
            assertThat(halves.getFloat(3)).isEqualTo(1.5f);
            assertThat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6)).isEqualTo(Float.floatToFloat16(1.5f));
            assertThatThrownBy(() -> halves.getShort(0)).isInstanceOf(BufferException.class);
        }
        try (BufferView shorts = BufferView.wrap(m, Format.parse("H"), new long[] {8}, null, null, false)) {
            shorts.setShort((short) -2, 7);
            assertThat(shorts.getShort(7)).isEqualTo((short) -2);
        }
        try (BufferView bytes = BufferView.wrap(m, Format.parse("B"), new long[] {16}, null, null, false)) {
            bytes.setByte((byte) 9, 15);
            assertThat(bytes.getByte(15)).isEqualTo((byte) 9);
            assertThatThrownBy(() -> bytes.getDouble(0)).isInstanceOf(BufferException.class);
        }
        try (BufferView floats = BufferView.wrap(m, Format.parse("f"), new long[] {4}, null, null, false)) {
            floats.setFloat(0.25f, 2);
            assertThat(floats.getFloat(2)).isEqualTo(0.25f);
        }
        try (BufferView pairs = BufferView.wrap(m, Format.parse("dd"), new long[] {1}, null, null, false)) {
            assertThatThrownBy(() -> pairs.getDouble(0)).isInstanceOf(BufferException.class)
                    .hasMessage("getDouble: view format 'dd' is not a single item of a type read as double");
            assertThat(pairs.elementAt(0).byteSize()).isEqualTo(16);
        }
    }

    @Test
    void inconsistentDescriptorsAreRefused() {
        MemorySegment m = arena.allocate(64);
        assertThatThrownBy(() -> BufferView.wrap(m, D, new long[] {2, 4}, new long[] {8}, null, false))
                .isInstanceOf(BufferException.class)
                .hasMessage("strides has 1 entries, but shape [2, 4] has 2 dimensions");
        assertThatThrownBy(() -> BufferView.wrap(m, D, new long[] {2, 4}, null, new long[] {0, -1, -1}, false))
                .hasMessage("suboffsets has 3 entries, but shape [2, 4] has 2 dimensions");
        // values wrong on their own are IllegalArgumentExceptions (issue 14); inconsistencies stay BufferExceptions
        assertThatThrownBy(() -> BufferView.wrap(m, D, new long[] {2, -4}, null, null, false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape[1] = -4: expected a size >= 0 in shape [2, -4]");
        assertThatThrownBy(() -> BufferView.wrap(m, D, new long[65], null, null, false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("descriptor has 65 dimensions; at most 64 are allowed");
        assertThatThrownBy(() -> BufferView.wrap(m, Format.parse("0i"), new long[] {2}, null, null, false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("format '0i' has item size 0; a buffer needs items of at least one byte");
        assertThatThrownBy(() -> BufferView.wrap(m.asReadOnly(), D, new long[] {8}, null, null, false))
                .isInstanceOf(BufferException.class)
                .hasMessage("memory is read-only, but readOnly = false was given");
        assertThatThrownBy(() -> BufferView.wrap(m, D, new long[] {3, 3}, null, null, false))
                .hasMessage("descriptor with bufOffset 0, shape [3, 3], strides [24, 8] and item size 8 reaches"
                        + " bytes [0, 72) of memory, but memory holds bytes [0, 64)");
        assertThatThrownBy(() -> BufferView.wrap(m, D, new long[] {Long.MAX_VALUE / 4, 8}, null, null, false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflows a 64-bit byte count");
        // an empty shape reaches nothing, so any memory will do
        try (BufferView empty = BufferView.wrap(MemorySegment.ofArray(new byte[0]), D, new long[] {0, 5}, null,
                null, false)) {
            assertThat(empty.len()).isZero();
            assertThat(empty.toBytes('C')).isEmpty();
            assertThat(empty.isContiguous('C')).isTrue();
        }
    }

    /** Found by DescriptorFuzzTest: [MAX_VALUE, 0] holds no item, but its byte count overflowed on the way to 0. */
    @Test
    void anEmptyShapeWithAHugeExtentIsAnEmptyViewNotAnOverflow() {
        Format h = Format.parse("h");
        MemorySegment none = MemorySegment.ofArray(new byte[0]);
        for (long[] shape : new long[][] {{Long.MAX_VALUE, 0}, {Long.MAX_VALUE, 0, 5}, {Long.MAX_VALUE, 3, 0}}) {
            try (BufferView empty = BufferView.wrap(none, h, shape, null, null, true);
                 MemoryBuffer allocated = MemoryBuffer.allocate(h, 'C', shape);
                 MemoryBuffer wrapped = MemoryBuffer.wrap(none, h, 'C', shape);
                 BufferView a = allocated.getBuffer(BufferRequest.FULL_RO);
                 BufferView w = wrapped.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(empty.len()).isZero();
                assertThat(empty.toBytes('C')).isEmpty();
                assertThat(a.len()).isZero();
                assertThat(a.shape()).containsExactly(shape);
                assertThat(w.len()).isZero();
            }
        }
        // Only strides are computed, not the product of all extents after them.
        assertThat(BufferView.contiguousStrides(new long[] {Long.MAX_VALUE, 0}, 2, 'C')).containsExactly(2, 2);
        assertThat(BufferView.contiguousStrides(new long[] {0, Long.MAX_VALUE}, 2, 'F')).containsExactly(2, 2);
        assertThatThrownBy(() -> BufferView.contiguousStrides(new long[] {0, Long.MAX_VALUE, 2}, 2, 'C'))
                .isInstanceOf(ArithmeticException.class);
        // Strides that do not fit are still refused, as the documented IllegalArgumentException.
        assertThatThrownBy(() -> BufferView.wrap(none, h, new long[] {0, Long.MAX_VALUE, 2}, null, null, true))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflows a 64-bit byte count");
        assertThatThrownBy(() -> MemoryBuffer.allocate(h, 'C', 0, Long.MAX_VALUE, 2))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflow a 64-bit byte count");
    }

    @Test
    void contiguousStridesAsCPythonFillsThem() {
        assertThat(BufferView.contiguousStrides(new long[] {2, 3, 4}, 8, 'C')).containsExactly(96, 32, 8);
        assertThat(BufferView.contiguousStrides(new long[] {2, 3, 4}, 8, 'F')).containsExactly(8, 16, 48);
        long[] strides = new long[2];
        BufferView.fillContiguousStrides(new long[] {5, 7}, strides, 2, 'F');
        assertThat(strides).containsExactly(2, 10);
        assertThatThrownBy(() -> BufferView.fillContiguousStrides(new long[] {5, 7}, new long[1], 2, 'C'))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strides has 1 entries; expected 2 for shape [5, 7]");
    }

    @Test
    void copyChecksTheOtherSidesSize() {
        try (BufferView v = pointerTable(doubleTable(2, 2), 2, 2, false)) {
            assertThatThrownBy(() -> v.copyTo(MemorySegment.ofArray(new double[3]), 'C'))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessage("destination holds 24 bytes; the view needs 32");
            assertThatThrownBy(() -> v.copyFrom(MemorySegment.ofArray(new double[3]), 'C'))
                    .hasMessage("source holds 24 bytes; the view needs 32");
            assertThatThrownBy(() -> v.toBytes('Z'))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("order 'Z': expected 'C', 'F' or 'A'");
        }
    }

    private static byte[] bytesOf(double... values) {
        byte[] out = new byte[values.length * 8];
        MemorySegment.copy(values, 0, MemorySegment.ofArray(out), ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, values.length);
        return out;
    }
}
