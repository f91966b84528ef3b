package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * Copying borrowed rows into Java arrays in bulk needs no method of its own: {@code MemorySegment.copy} from {@link
 * IndirectMemory2D#row(long)} (one row, or a column range of it, into any primitive array), and {@link
 * IndirectMemory2D#copyTo(BufferExporter)} into a {@link MemoryBuffer} over a flat array (the whole table). The row
 * segment is bounded to the row, so a copy past its end is an {@link IndexOutOfBoundsException}, never a read past
 * C's memory.
 */
class RowBulkCopyTest {
    /**
     * A bare C table of {@code rows} rows of {@code cols} items of {@code layout}; every byte of item c of row r
     * holds {@code r * 16 + c}.
     */
    private static MemorySegment table(Arena arena, ValueLayout layout, int rows, int cols) {
        MemorySegment t = arena.allocate(ValueLayout.ADDRESS, rows);
        for (int r = 0; r < rows; r++) {
            MemorySegment row = arena.allocate(layout, cols);
            for (int c = 0; c < cols; c++) {
                row.asSlice(c * layout.byteSize(), layout.byteSize()).fill((byte) (r * 16 + c));
            }
            t.setAtIndex(ValueLayout.ADDRESS, r, row);
        }
        return MemorySegment.ofAddress(t.address());
    }

    @Test
    void aBorrowedIntRowAndAColumnRangeOfItCopyIntoJavaArrays() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = table(arena, ValueLayout.JAVA_INT, 2, 6);
            PointerBorrower borrower = PointerBorrower.of("i", true, Sharing.CONFINED);
            int[][] out = new int[2][8];
            try (IndirectMemory2D pcm = borrower.borrow(c, 2, 6)) {
                // Whole row r into out[r] at index 2 (as a decoder's write callback appends a block at a position).
                for (int r = 0; r < 2; r++) {
                    MemorySegment.copy(pcm.row(r), ValueLayout.JAVA_INT, 0, out[r], 2, (int) pcm.cols());
                }
                // Columns [3, 5) of row 1: the source offset is in bytes.
                int[] range = new int[2];
                MemorySegment.copy(pcm.row(1), ValueLayout.JAVA_INT, 3 * Integer.BYTES, range, 0, 2);
                assertThat(range).containsExactly(pcm.getInt(1, 3), pcm.getInt(1, 4));
                assertThat(range[0]).isEqualTo(0x13131313);
                // Past the row's end: refused, not read.
                assertThatThrownBy(() -> MemorySegment.copy(pcm.row(0), ValueLayout.JAVA_INT, 4 * Integer.BYTES,
                        new int[3], 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            }
            for (int r = 0; r < 2; r++) {
                assertThat(out[r][0]).isZero();
                assertThat(out[r][1]).isZero();
                for (int col = 0; col < 6; col++) {
                    assertThat(out[r][2 + col]).as("row %d column %d", r, col)
                            .isEqualTo((r * 16 + col) * 0x01010101);
                }
            }
        }
    }

    @Test
    void everyPrimitiveTypeCopiesWithItsLayout() {
        try (Arena arena = Arena.ofConfined()) {
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, ValueLayout.JAVA_DOUBLE, 2, 3), 2, 3,
                    "d", true)) {
                double[] d = new double[3];
                MemorySegment.copy(m.row(1), ValueLayout.JAVA_DOUBLE, 0, d, 0, 3);
                assertThat(d).containsExactly(m.getDouble(1, 0), m.getDouble(1, 1), m.getDouble(1, 2));
            }
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, ValueLayout.JAVA_FLOAT, 2, 3), 2, 3,
                    "f", true)) {
                float[] f = new float[3];
                MemorySegment.copy(m.row(1), ValueLayout.JAVA_FLOAT, 0, f, 0, 3);
                assertThat(f).containsExactly(m.getFloat(1, 0), m.getFloat(1, 1), m.getFloat(1, 2));
            }
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, ValueLayout.JAVA_LONG, 2, 3), 2, 3,
                    "q", true)) {
                long[] q = new long[3];
                MemorySegment.copy(m.row(1), ValueLayout.JAVA_LONG, 0, q, 0, 3);
                assertThat(q).containsExactly(0x1010101010101010L, 0x1111111111111111L, 0x1212121212121212L);
            }
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, ValueLayout.JAVA_SHORT, 2, 3), 2, 3,
                    "h", true)) {
                short[] h = new short[3];
                MemorySegment.copy(m.row(1), ValueLayout.JAVA_SHORT, 0, h, 0, 3);
                assertThat(h).containsExactly((short) 0x1010, (short) 0x1111, (short) 0x1212);
            }
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, ValueLayout.JAVA_CHAR, 2, 3), 2, 3,
                    "H", true)) {
                char[] u = new char[3];
                MemorySegment.copy(m.row(0), ValueLayout.JAVA_CHAR, 0, u, 0, 3);
                assertThat(u).containsExactly((char) 0x0000, (char) 0x0101, (char) 0x0202);
            }
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, ValueLayout.JAVA_BYTE, 2, 3), 2, 3,
                    "b", true)) {
                byte[] b = new byte[3];
                MemorySegment.copy(m.row(1), ValueLayout.JAVA_BYTE, 0, b, 0, 3);
                assertThat(b).containsExactly(0x10, 0x11, 0x12);
            }
        }
    }

    @Test
    void theWholeTableCopiesIntoAFlatArrayThroughAMemoryBuffer() {
        try (Arena arena = Arena.ofConfined();
             IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, ValueLayout.JAVA_INT, 3, 4), 3, 4, "i",
                     true, Sharing.CONFINED)) {
            int[] flat = new int[12];
            m.copyTo(MemoryBuffer.wrap(flat, 'C', 3, 4));
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 4; c++) {
                    assertThat(flat[r * 4 + c]).isEqualTo(m.getInt(r, c)).isEqualTo((r * 16 + c) * 0x01010101);
                }
            }
            assertThatThrownBy(() -> m.copyTo(MemoryBuffer.wrap(new int[12], 'C', 4, 3)))
                    .isInstanceOf(BufferException.class);
        }
    }
}
