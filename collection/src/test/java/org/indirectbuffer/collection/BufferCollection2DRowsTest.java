package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.List;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.format.FormatException;
import org.junit.jupiter.api.Test;

/** What rows the collection accepts, what it detects, and what it refuses (with the row named). */
class BufferCollection2DRowsTest {
    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    /** The byte-order prefix of the order that is not native: what a foreign-order NIO buffer is detected as. */
    private static final String FOREIGN = LITTLE ? ">" : "<";

    // ------------------------------------------------------------------------------------------------ Java arrays

    @Test
    void everyPrimitiveArrayTypeIsARowWithItsFormat() {
        record Case(List<?> rows, String format) {
        }
        List<Case> cases = List.of(
                new Case(List.of(new double[] {1, 2, 3}, new double[] {4, 5, 6}), "d"),
                new Case(List.of(new float[] {1, 2, 3}, new float[] {4, 5, 6}), "f"),
                new Case(List.of(new long[] {1, 2, 3}, new long[] {4, 5, 6}), "q"),
                new Case(List.of(new int[] {1, 2, 3}, new int[] {4, 5, 6}), "i"),
                new Case(List.of(new short[] {1, 2, 3}, new short[] {4, 5, 6}), "h"),
                new Case(List.of(new byte[] {1, 2, 3}, new byte[] {4, 5, 6}), "b"),
                new Case(List.of(new char[] {1, 2, 3}, new char[] {4, 5, 6}), "H"));
        for (Case c : cases) {
            try (BufferCollection2D col = BufferCollection2D.wrap(c.rows)) {
                assertThat(col.format().toString()).as(c.format).isEqualTo(c.format);
                assertThat(col.rows()).isEqualTo(2);
                assertThat(col.cols()).isEqualTo(3);
                assertThat(col.isReadOnly()).isFalse();
                assertThat(col.isStaged(0)).isTrue();
                assertThat(col.isStaged(1)).isTrue();
                // Item (1, 2) is 6 whatever the type: read it through the row's own bytes.
                try (BufferView rv = col.rowView(1)) {
                    long item = switch (c.format) {
                        case "d" -> (long) rv.getDouble(2);
                        case "f" -> (long) rv.getFloat(2);
                        case "q" -> rv.getLong(2);
                        case "i" -> rv.getInt(2);
                        case "h", "H" -> rv.getShort(2);
                        case "b" -> rv.getByte(2);
                        default -> throw new AssertionError(c.format);
                    };
                    assertThat(item).as(c.format).isEqualTo(6);
                }
            }
        }
    }

    @Test
    void rowsAreTheCallersArraysNotCopies() {
        double[] a = {1, 2};
        double[] b = {3, 4};
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a, b))) {
            col.setDouble(1, 0, 30);
            assertThat(b[0]).isEqualTo(30);
            a[1] = 20;
            assertThat(col.getDouble(0, 1)).isEqualTo(20);
            assertThat(col.row(0).heapBase()).containsSame(a);
        }
    }

    // ------------------------------------------------------------------------------------------------ NIO buffers

    @Test
    void typedHeapNioBuffersAreDetectedByTypeAndOrder() {
        try (BufferCollection2D d = BufferCollection2D.wrap(List.of(DoubleBuffer.wrap(new double[] {1, 2}),
                DoubleBuffer.wrap(new double[] {3, 4})))) {
            assertThat(d.format().toString()).isEqualTo("d");
            assertThat(d.getDouble(1, 1)).isEqualTo(4);
            assertThat(d.isStaged(0)).isTrue();
        }
        assertThat(formatOf(FloatBuffer.wrap(new float[] {1}))).isEqualTo("f");
        assertThat(formatOf(LongBuffer.wrap(new long[] {1}))).isEqualTo("q");
        assertThat(formatOf(IntBuffer.wrap(new int[] {1}))).isEqualTo("i");
        assertThat(formatOf(ShortBuffer.wrap(new short[] {1}))).isEqualTo("h");
        assertThat(formatOf(CharBuffer.wrap(new char[] {'x'}))).isEqualTo("H");
        assertThat(formatOf(ByteBuffer.wrap(new byte[] {1}))).isEqualTo("B");
    }

    @Test
    void typedViewsOfByteBuffersCarryTheirByteOrder() {
        // A view of a heap ByteBuffer is big-endian unless ordered otherwise.
        ByteBuffer bigBytes = ByteBuffer.allocate(16);
        DoubleBuffer big = bigBytes.asDoubleBuffer();
        big.put(0, 1.5).put(1, -2.5);
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(big))) {
            assertThat(col.format().toString()).isEqualTo(LITTLE ? ">d" : "d");
            assertThat(col.cols()).isEqualTo(2);
            try (BufferView rv = col.rowView(0)) {
                assertThat(rv.getDouble(0)).isEqualTo(1.5);
                assertThat(rv.getDouble(1)).isEqualTo(-2.5);
            }
        }
        // Direct, explicitly in each order.
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            DoubleBuffer view = ByteBuffer.allocateDirect(24).order(order).asDoubleBuffer();
            view.put(2, 7.25);
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(view))) {
                String expected = order.equals(ByteOrder.nativeOrder()) ? "d" : FOREIGN + "d";
                assertThat(col.format().toString()).as(order.toString()).isEqualTo(expected);
                assertThat(col.isStaged(0)).isFalse();
                try (BufferView rv = col.rowView(0)) {
                    assertThat(rv.getDouble(2)).isEqualTo(7.25);
                }
            }
        }
        IntBuffer ints = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asIntBuffer();
        assertThat(formatOf(ints)).isEqualTo("i");
    }

    @Test
    void foreignOrderRowsDoNotMixWithNativeOrderRows() {
        DoubleBuffer foreign = ByteBuffer.allocate(16)
                .order(LITTLE ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[] {1, 2}, foreign)))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 1: expected format 'd', found '" + FOREIGN + "d'");
    }

    @Test
    void directBuffersAreRowsInPlace() {
        ByteBuffer bytes = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder());
        DoubleBuffer d = bytes.asDoubleBuffer();
        DoubleBuffer e = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(d, e))) {
            assertThat(col.isStaged(0)).isFalse();
            assertThat(col.isStaged(1)).isFalse();
            assertThat(col.row(0).address()).isEqualTo(MemorySegment.ofBuffer(bytes).address());
            col.setDouble(0, 2, 9.5);
            assertThat(d.get(2)).isEqualTo(9.5);
        }
    }

    @Test
    void onlyTheRemainingElementsOfABufferAreTheRow() {
        double[] backing = {0, 1, 2, 3, 4, 5};
        DoubleBuffer middle = DoubleBuffer.wrap(backing, 1, 3); // position 1, limit 4
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(middle, new double[] {7, 8, 9}))) {
            assertThat(col.cols()).isEqualTo(3);
            assertThat(col.getDouble(0, 0)).isEqualTo(1);
            assertThat(col.getDouble(0, 2)).isEqualTo(3);
            col.setDouble(0, 0, 10);
            assertThat(backing).containsExactly(0, 10, 2, 3, 4, 5);
        }
    }

    @Test
    void byteBuffersAreUntypedAndTakeTheCollectionsFormat() {
        ByteBuffer heap = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        heap.putDouble(0, 3.5).putDouble(8, 4.5);
        ByteBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        direct.putDouble(0, 5.5).putDouble(8, 6.5);
        // Alone, bytes are unsigned bytes.
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, direct))) {
            assertThat(col.format().toString()).isEqualTo("B");
            assertThat(col.cols()).isEqualTo(16);
        }
        // With a typed row, they take its format.
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, new double[] {1, 2}, direct))) {
            assertThat(col.format().toString()).isEqualTo("d");
            assertThat(col.cols()).isEqualTo(2);
            assertThat(col.getDouble(0, 1)).isEqualTo(4.5);
            assertThat(col.getDouble(2, 0)).isEqualTo(5.5);
            assertThat(col.isStaged(0)).isTrue();
            assertThat(col.isStaged(2)).isFalse();
        }
        // With an explicit format.
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, direct), -1, "d", false)) {
            assertThat(col.getDouble(1, 1)).isEqualTo(6.5);
        }
    }

    @Test
    void bytesThatAreNotWholeItemsAreRefusedNamingTheRow() {
        ByteBuffer twelve = ByteBuffer.allocate(12);
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[] {1, 2}, twelve)))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 1: 12 bytes is not a whole number of 'd' items (8 bytes each)");
    }

    // ------------------------------------------------------------------------------------------------ segments

    @Test
    void heapAndNativeSegmentsAreRows() {
        double[] heapItems = {1, 2, 3};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nat = arena.allocate(ValueLayout.JAVA_DOUBLE, 3);
            nat.setAtIndex(ValueLayout.JAVA_DOUBLE, 1, 20);
            MemorySegment heap = MemorySegment.ofArray(heapItems);
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, nat), 3, "d", true)) {
                assertThat(col.isStaged(0)).isTrue();
                assertThat(col.isStaged(1)).isFalse();
                assertThat(col.getDouble(0, 2)).isEqualTo(3);
                assertThat(col.getDouble(1, 1)).isEqualTo(20);
                assertThat(col.row(1).address()).isEqualTo(nat.address());
                col.setDouble(1, 0, 10);
                assertThat(nat.getAtIndex(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(10);
            }
            // Untyped alone: unsigned bytes.
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, nat))) {
                assertThat(col.format().toString()).isEqualTo("B");
                assertThat(col.cols()).isEqualTo(24);
            }
            // Next to a typed row: its format.
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(nat, new double[] {0, 0, 0}))) {
                assertThat(col.format().toString()).isEqualTo("d");
                assertThat(col.cols()).isEqualTo(3);
            }
        }
    }

    @Test
    void rowsOfAnIndirectMemory2DAreRowsInPlace() {
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(new double[][] {{1, 2, 3}, {4, 5, 6}})) {
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(m.row(1), m.row(0)), -1, "d", false)) {
                assertThat(col.getDouble(0, 0)).isEqualTo(4);
                assertThat(col.getDouble(1, 2)).isEqualTo(3);
                assertThat(col.isStaged(0)).isFalse();
                assertThat(col.row(0).address()).isEqualTo(m.row(1).address());
                col.setDouble(1, 1, 20);
                assertThat(m.getDouble(0, 1)).isEqualTo(20);
            }
            // The same rows through exporters: the format comes from the exporter.
            MemoryBuffer r0 = MemoryBuffer.wrap(m.row(0), m.format(), 'C', m.cols());
            MemoryBuffer r1 = MemoryBuffer.wrap(m.row(1), m.format(), 'C', m.cols());
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(r0, r1))) {
                assertThat(col.format().toString()).isEqualTo("d");
                assertThat(col.getDouble(1, 2)).isEqualTo(6);
                assertThat(r0.exportCount()).isEqualTo(1);
            }
            assertThat(r0.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ exporters

    @Test
    void exportersAreRowsWithTheirFormatHeapOrNative() {
        double[] heapItems = {1, 2};
        try (MemoryBuffer heap = MemoryBuffer.wrap(heapItems);
             MemoryBuffer nat = MemoryBuffer.allocate(Format.parse("d"), 'C', 2)) {
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, nat))) {
                assertThat(col.format().toString()).isEqualTo("d");
                assertThat(col.isStaged(0)).isTrue();
                assertThat(col.isStaged(1)).isFalse();
                col.setDouble(1, 1, 8);
                try (BufferView v = nat.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(v.getDouble(1)).isEqualTo(8);
                }
                col.setDouble(0, 0, 9);
                assertThat(heapItems[0]).isEqualTo(9);
            }
        }
    }

    @Test
    void exportersOfEquivalentFormatsMix() {
        assumeTrue(LITTLE, "'<d' is 'd' only on little-endian machines");
        try (Arena arena = Arena.ofConfined()) {
            MemoryBuffer le = MemoryBuffer.wrap(arena.allocate(16), Format.parse("<d"), 'C', 2);
            MemoryBuffer eq = MemoryBuffer.wrap(arena.allocate(16), Format.parse("=d"), 'C', 2);
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(le, new double[] {1, 2}, eq))) {
                assertThat(col.format().isEquivalentTo(Format.parse("d"))).isTrue();
                assertThat(col.rows()).isEqualTo(3);
            }
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[] {1, 2}, le), 2, "<d", false)) {
                assertThat(col.format().toString()).isEqualTo("<d");
            }
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[] {1, 2}), 2, "=d", false)) {
                assertThat(col.getDouble(0, 1)).isEqualTo(2);
            }
        }
    }

    @Test
    void aZeroDimensionalExporterIsOneColumnWhenUnravelled() {
        double[] one = {42};
        try (MemoryBuffer scalar = MemoryBuffer.wrap(one, 'C');
             BufferCollection2D col = BufferCollection2D.wrap(List.of(scalar, new double[] {1}))) {
            assertThat(col.cols()).isEqualTo(1);
            assertThat(col.getDouble(0, 0)).isEqualTo(42);
        }
        try (MemoryBuffer scalar = MemoryBuffer.wrap(one, 'C')) {
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(scalar), -1, null, false))
                    .isInstanceOf(BufferException.class)
                    .hasMessage("row 0: expected a 1-D buffer, found shape []; pass unravel = true to flatten"
                            + " C-contiguous rows");
            assertThat(scalar.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ unravel

    @Test
    void unravelFlattensCOrderRowsInCOrder() {
        double[] items = {0, 1, 2, 10, 11, 12};
        try (MemoryBuffer c = MemoryBuffer.wrap(items, 'C', 2, 3);
             MemoryBuffer c3 = MemoryBuffer.wrap(new double[] {5, 4, 3, 2, 1, 0}, 'C', 1, 2, 3);
             BufferCollection2D col = BufferCollection2D.wrap(List.of(c, c3, new double[6]), -1, null, true)) {
            assertThat(col.cols()).isEqualTo(6);
            for (int j = 0; j < 6; j++) {
                assertThat(col.getDouble(0, j)).isEqualTo(items[j]);
                assertThat(col.getDouble(1, j)).isEqualTo(5 - j);
            }
            assertThat(c.exportCount()).isEqualTo(1);
        }
    }

    @Test
    void unravelTakesNativeCOrderRowsInPlace() {
        try (MemoryBuffer c = MemoryBuffer.allocate(Format.parse("f"), 'C', 2, 2);
             BufferCollection2D col = BufferCollection2D.wrap(List.of(c, new float[4]))) {
            assertThat(col.cols()).isEqualTo(4);
            assertThat(col.isStaged(0)).isFalse();
            col.setFloat(0, 2, 1.5f);
            try (BufferView v = c.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.getFloat(1, 0)).isEqualTo(1.5f);
                assertThat(col.row(0).address()).isEqualTo(v.buf().address());
            }
        }
    }

    @Test
    void unravelRefusesFortranOrderRows() {
        try (MemoryBuffer f = MemoryBuffer.wrap(new double[6], 'F', 2, 3);
             MemoryBuffer fNative = MemoryBuffer.allocate(Format.parse("d"), 'F', 3, 2)) {
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[6], f), -1, null, true))
                    .isInstanceOf(BufferException.class)
                    .hasMessage("row 1: the buffer (shape [2, 3], strides [8, 16]) is not C-contiguous, so it"
                            + " cannot be unravelled");
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(fNative)))
                    .isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("row 0: ")
                    .hasMessageContaining("not C-contiguous");
            assertThat(f.exportCount()).isZero();
            assertThat(fNative.exportCount()).isZero();
        }
        // A Fortran-order array with one row or one column is also C-contiguous: accepted.
        try (MemoryBuffer f = MemoryBuffer.wrap(new double[] {1, 2, 3}, 'F', 1, 3);
             BufferCollection2D col = BufferCollection2D.wrap(List.of(f))) {
            assertThat(col.cols()).isEqualTo(3);
            assertThat(col.getDouble(0, 2)).isEqualTo(3);
        }
    }

    @Test
    void withoutUnravelOnlyOneDimensionalRowsAreAccepted() {
        try (MemoryBuffer c = MemoryBuffer.wrap(new double[6], 'C', 2, 3);
             MemoryBuffer f = MemoryBuffer.wrap(new double[6], 'F', 2, 3);
             MemoryBuffer flat = MemoryBuffer.wrap(new double[6])) {
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(flat, c), -1, null, false))
                    .isInstanceOf(BufferException.class)
                    .hasMessage("row 1: expected a 1-D buffer, found shape [2, 3]; pass unravel = true to flatten"
                            + " C-contiguous rows");
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(f), -1, null, false))
                    .isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("row 0: expected a 1-D buffer, found shape [2, 3]");
            // The first row, accepted before the second was refused, is released.
            assertThat(flat.exportCount()).isZero();
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(flat), -1, null, false)) {
                assertThat(col.cols()).isEqualTo(6);
            }
        }
    }

    @Test
    void nonContiguousOneDimensionalRowsAreRefusedEvenWithUnravel() {
        double[] items = {1, 0, 2, 0, 3, 0};
        MemorySegment seg = MemorySegment.ofArray(items);
        try (MemoryBuffer every2nd = MemoryBuffer.wrapStrided(seg, 0, Format.parse("d"), new long[] {3},
                new long[] {16});
             MemoryBuffer reversed = MemoryBuffer.wrapStrided(seg, 40, Format.parse("d"), new long[] {6},
                     new long[] {-8})) {
            for (boolean unravel : new boolean[] {true, false}) {
                assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(every2nd), -1, null, unravel))
                        .isInstanceOf(BufferException.class)
                        .hasMessage("row 0: the buffer (shape [3], strides [16]) is not C-contiguous");
                assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[6], reversed), -1, null, unravel))
                        .isInstanceOf(BufferException.class)
                        .hasMessage("row 1: the buffer (shape [6], strides [-8]) is not C-contiguous");
            }
            assertThat(every2nd.exportCount()).isZero();
            assertThat(reversed.exportCount()).isZero();
        }
    }

    @Test
    void anIndirectBufferIsNotARowEvenWithUnravel() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", false)) {
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(m)))
                    .isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("row 0: the buffer (shape [2, 3], strides [8, 8], suboffsets [0, -1])")
                    .hasMessageEndingWith("is not C-contiguous, so it cannot be unravelled");
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(m), -1, null, false))
                    .isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("row 0: expected a 1-D buffer, found shape [2, 3]");
            assertThat(m.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ detection

    @Test
    void columnCountAndFormatAreDetectedFromTheRows() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new int[5], IntBuffer.allocate(5),
                ByteBuffer.allocate(20)))) {
            assertThat(col.format().toString()).isEqualTo("i");
            assertThat(col.cols()).isEqualTo(5);
            assertThat(col.rows()).isEqualTo(3);
        }
        // -1 and null mean "detect" in the full form too.
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new float[4]), -1, null, false)) {
            assertThat(col.format().toString()).isEqualTo("f");
            assertThat(col.cols()).isEqualTo(4);
        }
    }

    @Test
    void explicitValuesThatFitAreAccepted() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[3], new double[3]), 3, "d", false)) {
            assertThat(col.cols()).isEqualTo(3);
        }
        // Bytes may be read as any format whose items they fill.
        try (Arena arena = Arena.ofConfined();
             BufferCollection2D col = BufferCollection2D.wrap(List.of(arena.allocate(8), ByteBuffer.allocate(8)), 2,
                     "i", false)) {
            assertThat(col.cols()).isEqualTo(2);
            assertThat(col.format().toString()).isEqualTo("i");
        }
        // A byte[] is typed (signed bytes), so it is not read as other items.
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new byte[8]), 2, "i", false))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 0: expected format 'i', found 'b'");
    }

    @Test
    void aColumnMismatchNamesTheRowAndTheCounts() {
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[2], new double[3])))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 1: expected 2 columns, found 3");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[4], new double[4], new double[3])))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 2: expected 4 columns, found 3");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[3]), 2, null, false))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 0: expected 2 columns, found 3");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[0], new double[1])))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 1: expected 0 columns, found 1");
    }

    @Test
    void aFormatMismatchNamesTheRowAndTheFormats() {
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new int[2]), -1, "d", false))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 0: expected format 'd', found 'i'");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[2], new float[2])))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 1: expected format 'd', found 'f'");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(ByteBuffer.allocate(8), new long[1], new int[2])))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 2: expected format 'q', found 'i'");
        // Same size is not the same format.
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new long[1]), 1, "d", false))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 0: expected format 'd', found 'q'");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[1]), 1, FOREIGN + "d", false))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 0: expected format '" + FOREIGN + "d', found 'd'");
    }

    @Test
    void badArgumentsAreRefusedWithWhatWasWrong() {
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[1]), -2, null, false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("columnCount = -2: expected -1 (detect) or a count >= 0");
        assertThatThrownBy(() -> BufferCollection2D.wrap(Arrays.asList(new double[1], null)))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 1 is null");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[1], "text")))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("row 1: unsupported row type java.lang.String");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[1], new boolean[1])))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("row 1: unsupported row type");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[1]), 1, "d(", false))
                .isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new double[1]), 1, "0d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("format '0d' has item size 0; rows need items of at least one byte");
        assertThatThrownBy(() -> BufferCollection2D.wrap((List<?>) null)).isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------------------------------------ empty

    @Test
    void anEmptyListNeedsAnExplicitFormatAndColumnCount() {
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of()))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty collection needs an explicit format and column count");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(), 4, null, false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format null");
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(), -1, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("columnCount -1");
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(), 4, "d", false)) {
            assertThat(col.rows()).isZero();
            assertThat(col.cols()).isEqualTo(4);
            assertThat(col.format().toString()).isEqualTo("d");
            assertThat(col.sum()).isZero();
            try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                assertThat(v.ndim()).isEqualTo(2);
                assertThat(v.shape()).containsExactly(0, 4);
                assertThat(v.suboffsets()).containsExactly(0, -1);
                assertThat(v.len()).isZero();
            }
            assertThatThrownBy(col::min).isInstanceOf(BufferException.class).hasMessageContaining("no items");
        }
    }

    private static String formatOf(Object row) {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(row))) {
            return col.format().toString();
        }
    }
}
