package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.format.FormatException;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link IndirectMemory2D}: owned, borrowed, adopted and viewed {@code T**} memory; typed access, the export protocol,
 * reinterpretation, copies, access levels, resizing, and every path after close or resize.
 */
@SuppressWarnings("restricted") // absolute addresses of foreign tables, in test code only
class IndirectMemory2DTest {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();
    private static final Format D = Format.parse("d");
    /** The native-endian spelling of 'd' with an explicit byte order ("<d" on little-endian machines). */
    private static final String EXPLICIT_NATIVE_D = ByteOrder.nativeOrder().equals(ByteOrder.LITTLE_ENDIAN)
            ? "<d" : ">d";
    private static final String OTHER_ENDIAN_D = ByteOrder.nativeOrder().equals(ByteOrder.LITTLE_ENDIAN)
            ? ">d" : "<d";

    // ------------------------------------------------------------------------------------------------ helpers

    /** Value of cell (r, c) used throughout: distinct, exact in double. */
    private static double cell(long r, long c) {
        return r * 100 + c + 0.25;
    }

    private static void fill(IndirectMemory2D m) {
        for (long r = 0; r < m.rows(); r++) {
            for (long c = 0; c < m.cols(); c++) {
                m.setDouble(r, c, cell(r, c));
            }
        }
    }

    private static IndirectMemory2D filled(long rows, long cols, RowPlacement placement) {
        IndirectMemory2D m = IndirectMemory2D.createMemory(rows, cols, "d", false, placement);
        fill(m);
        return m;
    }

    /** A foreign T** in {@code arena}: rows of {@code cols} doubles holding {@link #cell}, and the table. */
    private static MemorySegment[] foreignRows(Arena arena, int rows, int cols) {
        MemorySegment[] out = new MemorySegment[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = arena.allocate(ValueLayout.JAVA_DOUBLE, Math.max(cols, 1));
            for (int c = 0; c < cols; c++) {
                out[r].setAtIndex(ValueLayout.JAVA_DOUBLE, c, cell(r, c));
            }
        }
        return out;
    }

    private static MemorySegment table(Arena arena, MemorySegment... rows) {
        MemorySegment table = arena.allocate(ValueLayout.ADDRESS, Math.max(rows.length, 1))
                .asSlice(0, rows.length * POINTER);
        for (int r = 0; r < rows.length; r++) {
            table.setAtIndex(ValueLayout.ADDRESS, r, rows[r]);
        }
        return table;
    }

    private static void assertCells(IndirectMemory2D m, long rows, long cols) {
        assertThat(m.rows()).isEqualTo(rows);
        assertThat(m.cols()).isEqualTo(cols);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                assertThat(m.getDouble(r, c)).as("cell (%d, %d)", r, c).isEqualTo(cell(r, c));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ owned

    @ParameterizedTest
    @EnumSource(RowPlacement.class)
    void createMemoryIsZeroedAndDescribesItselfAsATableOfRows(RowPlacement placement) {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, 5, "d", false, placement)) {
            assertThat(m.rows()).isEqualTo(3);
            assertThat(m.cols()).isEqualTo(5);
            assertThat(m.format()).isEqualTo(D);
            assertThat(m.access()).isEqualTo(Access.RESIZEABLE);
            assertThat(m.isReadOnly()).isFalse();
            assertThat(m.isClosed()).isFalse();
            for (long r = 0; r < 3; r++) {
                for (long c = 0; c < 5; c++) {
                    assertThat(m.getDouble(r, c)).isEqualTo(0.0);
                }
                MemorySegment row = m.row(r);
                assertThat(row.byteSize()).isEqualTo(40);
                for (long b = 0; b < 40; b++) {
                    assertThat(row.get(ValueLayout.JAVA_BYTE, b)).isZero();
                }
            }

            MemorySegment table = m.pointerTable();
            assertThat(table.byteSize()).isEqualTo(3 * POINTER);
            Set<Long> pointers = new HashSet<>();
            for (long r = 0; r < 3; r++) {
                long p = table.getAtIndex(ValueLayout.ADDRESS, r).address();
                assertThat(p).as("row pointer %d", r).isNotZero();
                assertThat(m.row(r).address()).isEqualTo(p);
                pointers.add(p);
            }
            assertThat(pointers).hasSize(3);
            // Rows do not overlap: each is 40 bytes apart at least.
            List<Long> sorted = pointers.stream().sorted().toList();
            for (int i = 1; i < sorted.size(); i++) {
                assertThat(sorted.get(i) - sorted.get(i - 1)).isGreaterThanOrEqualTo(40);
            }

            try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                assertThat(v.ndim()).isEqualTo(2);
                assertThat(v.shape()).containsExactly(3, 5);
                assertThat(v.strides()).containsExactly(8, 8);
                assertThat(v.suboffsets()).containsExactly(0, -1);
                assertThat(v.itemSize()).isEqualTo(8);
                assertThat(v.format()).isEqualTo(D);
                assertThat(v.isReadOnly()).isFalse();
                assertThat(v.isIndirect()).isTrue();
                assertThat(v.buf().address()).isEqualTo(table.address());
                assertThat(m.exportCount()).isEqualTo(1);
                v.setDouble(7.5, 2, 4);
                assertThat(m.getDouble(2, 4)).isEqualTo(7.5);
                assertThat(v.elementAt(1, 3).address()).isEqualTo(m.row(1).address() + 24);
            }
            assertThat(m.exportCount()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(RowPlacement.class)
    void getBufferWithoutIndirectIsRefused(RowPlacement placement) {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", false, placement)) {
            for (int flags : new int[] {BufferRequest.SIMPLE, BufferRequest.ND, BufferRequest.STRIDED,
                    BufferRequest.RECORDS_RO, BufferRequest.C_CONTIGUOUS | BufferRequest.FORMAT}) {
                assertThatThrownBy(() -> m.getBuffer(flags))
                        .as(BufferRequest.describe(flags))
                        .isInstanceOf(BufferException.class)
                        .hasMessageContaining("refused");
            }
            assertThatThrownBy(() -> m.getBuffer(BufferRequest.RECORDS))
                    .isInstanceOf(BufferException.class)
                    .hasMessageContaining("INDIRECT was not requested");
            assertThat(m.exportCount()).isZero();
            // Refusals leave the memory unlocked.
            m.resize(1, 1);
        }
    }

    static Stream<Arguments> formatsAndPlacements() {
        List<Arguments> out = new ArrayList<>();
        for (String f : new String[] {"d", "f", "q", "i", "h", "b"}) {
            for (RowPlacement p : RowPlacement.values()) {
                out.add(Arguments.of(f, p));
            }
        }
        return out.stream();
    }

    /** Typed access to one format, expressed on long bit patterns so one test covers all six. */
    private record Typed(String format, long itemSize) {
        long canonical(long v) {
            return switch (format) {
                case "d" -> Double.doubleToRawLongBits(v * 0.5);
                case "f" -> Float.floatToRawIntBits((float) (v * 0.5));
                case "q" -> v;
                case "i" -> (int) v;
                case "h" -> (short) v;
                case "b" -> (byte) v;
                default -> throw new AssertionError(format);
            };
        }

        void set(IndirectMemory2D m, long r, long c, long v) {
            switch (format) {
                case "d" -> m.setDouble(r, c, v * 0.5);
                case "f" -> m.setFloat(r, c, (float) (v * 0.5));
                case "q" -> m.setLong(r, c, v);
                case "i" -> m.setInt(r, c, (int) v);
                case "h" -> m.setShort(r, c, (short) v);
                case "b" -> m.setByte(r, c, (byte) v);
                default -> throw new AssertionError(format);
            }
        }

        long get(IndirectMemory2D m, long r, long c) {
            return switch (format) {
                case "d" -> Double.doubleToRawLongBits(m.getDouble(r, c));
                case "f" -> Float.floatToRawIntBits(m.getFloat(r, c));
                case "q" -> m.getLong(r, c);
                case "i" -> m.getInt(r, c);
                case "h" -> m.getShort(r, c);
                case "b" -> m.getByte(r, c);
                default -> throw new AssertionError(format);
            };
        }

        long get(BufferView v, long r, long c) {
            return switch (format) {
                case "d" -> Double.doubleToRawLongBits(v.getDouble(r, c));
                case "f" -> Float.floatToRawIntBits(v.getFloat(r, c));
                case "q" -> v.getLong(r, c);
                case "i" -> v.getInt(r, c);
                case "h" -> v.getShort(r, c);
                case "b" -> v.getByte(r, c);
                default -> throw new AssertionError(format);
            };
        }

        long get(MemorySegment row, long c) {
            long off = c * itemSize;
            return switch (format) {
                case "d" -> Double.doubleToRawLongBits(row.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, off));
                case "f" -> Float.floatToRawIntBits(row.get(ValueLayout.JAVA_FLOAT_UNALIGNED, off));
                case "q" -> row.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
                case "i" -> row.get(ValueLayout.JAVA_INT_UNALIGNED, off);
                case "h" -> row.get(ValueLayout.JAVA_SHORT_UNALIGNED, off);
                case "b" -> row.get(ValueLayout.JAVA_BYTE, off);
                default -> throw new AssertionError(format);
            };
        }

        void set(MemorySegment row, long c, long v) {
            long off = c * itemSize;
            switch (format) {
                case "d" -> row.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, off, v * 0.5);
                case "f" -> row.set(ValueLayout.JAVA_FLOAT_UNALIGNED, off, (float) (v * 0.5));
                case "q" -> row.set(ValueLayout.JAVA_LONG_UNALIGNED, off, v);
                case "i" -> row.set(ValueLayout.JAVA_INT_UNALIGNED, off, (int) v);
                case "h" -> row.set(ValueLayout.JAVA_SHORT_UNALIGNED, off, (short) v);
                case "b" -> row.set(ValueLayout.JAVA_BYTE, off, (byte) v);
                default -> throw new AssertionError(format);
            }
        }

        /** A getter of another Java type, which must be refused for this format. */
        ThrowingCallable wrongGetter(IndirectMemory2D m) {
            return format.equals("d") ? () -> m.getLong(0, 0) : () -> m.getDouble(0, 0);
        }

        ThrowingCallable wrongSetter(IndirectMemory2D m) {
            return format.equals("i") ? () -> m.setShort(0, 0, (short) 1) : () -> m.setInt(0, 0, 1);
        }
    }

    private static Typed typed(String format) {
        long size = Format.parse(format).itemSize();
        return new Typed(format, size);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("formatsAndPlacements")
    void typedGetAndSetReachTheRowsThePointerTableNames(String format, RowPlacement placement) {
        Typed t = typed(format);
        Random random = new Random(format.hashCode() * 31L + placement.ordinal());
        int rows = 4;
        int cols = 7;
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(rows, cols, format, false, placement)) {
            long[][] values = new long[rows][cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    assertThat(t.get(m, r, c)).isEqualTo(t.canonical(0));
                    values[r][c] = random.nextLong() >> random.nextInt(60);
                    t.set(m, r, c, values[r][c]);
                }
            }
            MemorySegment table = m.pointerTable();
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.strides()).containsExactly(8, t.itemSize());
                assertThat(v.suboffsets()).containsExactly(0, -1);
                assertThat(v.shape()).containsExactly(rows, cols);
                for (int r = 0; r < rows; r++) {
                    // The row the table points at, read as raw native memory, holds what the setter wrote.
                    MemorySegment raw = table.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(cols * t.itemSize());
                    for (int c = 0; c < cols; c++) {
                        long expected = t.canonical(values[r][c]);
                        assertThat(t.get(m, r, c)).as("get (%d, %d)", r, c).isEqualTo(expected);
                        assertThat(t.get(m.row(r), c)).as("row (%d, %d)", r, c).isEqualTo(expected);
                        assertThat(t.get(raw, c)).as("raw (%d, %d)", r, c).isEqualTo(expected);
                        assertThat(t.get(v, r, c)).as("view (%d, %d)", r, c).isEqualTo(expected);
                    }
                }
            }
            // Writes through a row segment are seen by the getters.
            long w = random.nextLong();
            t.set(m.row(3), 6, w);
            assertThat(t.get(m, 3, 6)).isEqualTo(t.canonical(w));

            assertThatThrownBy(t.wrongGetter(m)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("format '" + format + "'");
            assertThatThrownBy(t.wrongSetter(m)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("format '" + format + "'");
            assertThatThrownBy(() -> t.get(m, rows, 0)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("row " + rows + " out of range [0, " + rows + ")");
            assertThatThrownBy(() -> t.get(m, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("column -1 out of range [0, " + cols + ")");
            assertThatThrownBy(() -> t.set(m, -1, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("row -1 out of range");
            assertThatThrownBy(() -> m.row(rows)).isInstanceOf(IndexOutOfBoundsException.class);
            // A row segment is bounded to its items.
            assertThatThrownBy(() -> m.row(0).get(ValueLayout.JAVA_BYTE, cols * t.itemSize()))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void readOnlyMemoryRefusesWritesAndWritableRequests() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", true)) {
            assertThat(m.access()).isEqualTo(Access.READ_ONLY);
            assertThat(m.isReadOnly()).isTrue();
            assertThatThrownBy(() -> m.setDouble(0, 0, 1)).isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> m.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("read-only");
            assertThat(m.row(0).isReadOnly()).isTrue();
            assertThat(m.pointerTable().isReadOnly()).isTrue();
            // The JDK refuses writes to a read-only segment (IllegalArgumentException in JDK 25).
            assertThatThrownBy(() -> m.row(0).set(ValueLayout.JAVA_DOUBLE, 0, 1.0))
                    .hasMessageContaining("read-only");
            assertThatThrownBy(() -> m.pointerTable().set(ValueLayout.ADDRESS, 0, MemorySegment.NULL))
                    .hasMessageContaining("read-only");
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.isReadOnly()).isTrue();
                assertThatThrownBy(() -> v.setDouble(1, 0, 0)).isInstanceOf(ReadOnlyBufferException.class);
            }
            assertThatThrownBy(() -> m.resize(3, 3)).isInstanceOf(UnsupportedOperationException.class);
            assertThat(m.getDouble(1, 1)).isZero();
        }
    }

    @Test
    void invalidDimensionsAndFormatsAreRefused() {
        // bad argument values are IllegalArgumentExceptions, as Arena.allocate(-1) is (issue 14)
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(-1, 2, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("dimensions -1 x 2: expected rows >= 0 and cols >= 0");
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(2, -3, "d", false, RowPlacement.ROW_BY_ROW))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimensions 2 x -3");
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(Long.MAX_VALUE / 2, 4, "d", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflow")
                .hasMessageContaining(Long.MAX_VALUE / 2 + " x 4");
        // no rows, but a row's byte count overflows: was a raw ArithmeticException
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(0, Long.MAX_VALUE / 4, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflow")
                .hasMessageContaining("0 x " + Long.MAX_VALUE / 4);
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(2, 2, "0d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("item size 0");
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(2, 2, "dd(", false))
                .isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(2, 2, "double", false))
                .isInstanceOf(FormatException.class).hasMessageContaining("write 'd'");
    }

    @Test
    void createFromCopiesEachKindOfJavaArray() {
        double[][] d = {{1.5, 2.5, 3.5}, {4.5, 5.5, 6.5}};
        float[][] f = {{1.5f, -2f}, {3f, 4f}, {5f, 6.25f}};
        long[][] q = {{Long.MIN_VALUE, Long.MAX_VALUE, 3, 4}};
        int[][] i = {{1}, {-2}, {Integer.MAX_VALUE}};
        try (IndirectMemory2D md = IndirectMemory2D.createFrom(d);
             IndirectMemory2D mf = IndirectMemory2D.createFrom(f);
             IndirectMemory2D mq = IndirectMemory2D.createFrom(q);
             IndirectMemory2D mi = IndirectMemory2D.createFrom(i)) {
            // The arrays are copied: changing them afterwards changes nothing.
            d[1][2] = 0;
            f[2][1] = 0;
            q[0][0] = 0;
            i[2][0] = 0;
            assertThat(md.format().toString()).isEqualTo("d");
            assertThat(mf.format().toString()).isEqualTo("f");
            assertThat(mq.format().toString()).isEqualTo("q");
            assertThat(mi.format().toString()).isEqualTo("i");
            assertThat(md.access()).isEqualTo(Access.RESIZEABLE);
            assertThat(new long[] {md.rows(), md.cols()}).containsExactly(2, 3);
            assertThat(new long[] {mf.rows(), mf.cols()}).containsExactly(3, 2);
            assertThat(new long[] {mq.rows(), mq.cols()}).containsExactly(1, 4);
            assertThat(new long[] {mi.rows(), mi.cols()}).containsExactly(3, 1);
            assertThat(md.getDouble(0, 0)).isEqualTo(1.5);
            assertThat(md.getDouble(1, 2)).isEqualTo(6.5);
            assertThat(md.getDouble(1, 0)).isEqualTo(4.5);
            assertThat(mf.getFloat(0, 1)).isEqualTo(-2f);
            assertThat(mf.getFloat(2, 1)).isEqualTo(6.25f);
            assertThat(mq.getLong(0, 0)).isEqualTo(Long.MIN_VALUE);
            assertThat(mq.getLong(0, 1)).isEqualTo(Long.MAX_VALUE);
            assertThat(mq.getLong(0, 3)).isEqualTo(4);
            assertThat(mi.getInt(1, 0)).isEqualTo(-2);
            assertThat(mi.getInt(2, 0)).isEqualTo(Integer.MAX_VALUE);
            try (BufferView v = md.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(Kernels.sum(v)).isEqualTo(1.5 + 2.5 + 3.5 + 4.5 + 5.5 + 6.5);
            }
        }
    }

    @Test
    void raggedInputIsRefusedNamingTheRow() {
        String message = "row 1: expected 3 columns, found 2";
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new double[][] {{1, 2, 3}, {4, 5}}))
                .isInstanceOf(BufferException.class).hasMessage(message);
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new float[][] {{1, 2, 3}, {4, 5}}))
                .isInstanceOf(BufferException.class).hasMessage(message);
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new long[][] {{1, 2, 3}, {4, 5}}))
                .isInstanceOf(BufferException.class).hasMessage(message);
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new int[][] {{1, 2, 3}, {4, 5}}))
                .isInstanceOf(BufferException.class).hasMessage(message);
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9, 10}}))
                .isInstanceOf(BufferException.class).hasMessage("row 2: expected 3 columns, found 4");
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new int[][] {{1, 2}, {3, 4}, null}, Sharing.CONFINED))
                .isInstanceOf(NullPointerException.class).hasMessage("row 2 is null");
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new long[][] {null, {3, 4}}))
                .isInstanceOf(NullPointerException.class).hasMessage("row 0 is null");
        // rows of 8 doubles: with the Vector API, the kernels' straight-line copy
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(new double[][] {new double[8], null, new double[8]}))
                .isInstanceOf(NullPointerException.class).hasMessage("row 1 is null");
        assertThatThrownBy(() -> IndirectMemory2D.createFrom(
                new double[][] {new double[8], new double[8], new double[9]}, Sharing.CONFINED))
                .isInstanceOf(BufferException.class).hasMessage("row 2: expected 8 columns, found 9");
    }

    @ParameterizedTest
    @MethodSource("createFromColumns")
    void createFromDoublesCopiesEveryRowAndPointsTheTableAtIt(int cols) {
        Random random = new Random(cols);
        double[][] data = new double[7][cols];
        for (double[] row : data) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextDouble();
            }
        }
        for (Sharing sharing : Sharing.values()) {
            try (IndirectMemory2D m = IndirectMemory2D.createFrom(data, sharing)) {
                MemorySegment table = m.pointerTable();
                for (int r = 0; r < data.length; r++) {
                    long pointer = table.getAtIndex(ValueLayout.ADDRESS, r).address();
                    assertThat(pointer).describedAs("row %d pointer, %d columns", r, cols)
                            .isEqualTo(m.row(r).address());
                    assertThat(m.row(r).toArray(ValueLayout.JAVA_DOUBLE))
                            .describedAs("row %d, %d columns, %s", r, cols, sharing).isEqualTo(data[r]);
                }
            }
        }
    }

    static Stream<Integer> createFromColumns() {
        // below one vector, one to four whole vectors with and without a tail (AVX2: 4 doubles; AVX-512: 8), longer
        return Stream.of(0, 1, 3, 4, 5, 8, 11, 12, 16, 17, 19, 32, 33, 1000);
    }

    @ParameterizedTest
    @EnumSource(RowPlacement.class)
    void zeroRowsAndZeroColumnsWork(RowPlacement placement) {
        try (IndirectMemory2D none = IndirectMemory2D.createMemory(0, 5, "d", false, placement);
             IndirectMemory2D empty = IndirectMemory2D.createMemory(4, 0, "d", false, placement)) {
            assertThat(none.rows()).isZero();
            assertThat(none.pointerTable().byteSize()).isZero();
            assertThat(none.validate()).isSameAs(none);
            try (BufferView v = none.getBuffer(BufferRequest.FULL)) {
                assertThat(v.shape()).containsExactly(0, 5);
                assertThat(v.len()).isZero();
                assertThat(Kernels.sum(v)).isZero();
            }
            assertThatThrownBy(() -> none.getDouble(0, 0)).isInstanceOf(IndexOutOfBoundsException.class);

            assertThat(empty.rows()).isEqualTo(4);
            assertThat(empty.cols()).isZero();
            assertThat(empty.pointerTable().byteSize()).isEqualTo(4 * POINTER);
            for (long r = 0; r < 4; r++) {
                assertThat(empty.pointerTable().getAtIndex(ValueLayout.ADDRESS, r).address()).isNotZero();
                assertThat(empty.row(r).byteSize()).isZero();
            }
            try (BufferView v = empty.getBuffer(BufferRequest.FULL)) {
                assertThat(v.shape()).containsExactly(4, 0);
                assertThat(Kernels.sum(v)).isZero();
            }
            assertThatThrownBy(() -> empty.getDouble(0, 0)).isInstanceOf(IndexOutOfBoundsException.class);

            // Growing from nothing works and gives zeros.
            none.resize(2, 3);
            empty.resize(2, 3);
            for (IndirectMemory2D m : List.of(none, empty)) {
                assertThat(m.rows()).isEqualTo(2);
                assertThat(m.cols()).isEqualTo(3);
                assertThat(m.getDouble(1, 2)).isZero();
            }
        }
        try (IndirectMemory2D a = IndirectMemory2D.createFrom(new double[0][]);
             IndirectMemory2D b = IndirectMemory2D.createFrom(new int[3][0])) {
            assertThat(new long[] {a.rows(), a.cols()}).containsExactly(0, 0);
            assertThat(new long[] {b.rows(), b.cols()}).containsExactly(3, 0);
        }
    }

    // ------------------------------------------------------------------------------------------------ borrowed

    @Test
    void wrapBorrowsTheCallersMemoryAndFreesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] rows = foreignRows(arena, 3, 4);
            MemorySegment table = table(arena, rows);
            IndirectMemory2D m = IndirectMemory2D.wrap(table, 3, 4, "d", false);
            assertThat(m.access()).isEqualTo(Access.MODIFIABLE);
            assertThat(m.toString()).contains("borrowed");
            assertCells(m, 3, 4);
            assertThat(m.pointerTable().address()).isEqualTo(table.address());
            for (int r = 0; r < 3; r++) {
                assertThat(m.row(r).address()).isEqualTo(rows[r].address());
            }
            m.setDouble(2, 3, -9.5);
            assertThat(rows[2].getAtIndex(ValueLayout.JAVA_DOUBLE, 3)).isEqualTo(-9.5);
            rows[0].setAtIndex(ValueLayout.JAVA_DOUBLE, 1, 42.0);
            assertThat(m.getDouble(0, 1)).isEqualTo(42.0);
            try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                v.setDouble(13.0, 1, 1);
            }
            assertThat(rows[1].getAtIndex(ValueLayout.JAVA_DOUBLE, 1)).isEqualTo(13.0);
            assertThatThrownBy(() -> m.resize(4, 4)).isInstanceOf(UnsupportedOperationException.class);

            m.close();
            assertThat(m.isClosed()).isTrue();
            // The caller's memory is untouched and still readable.
            assertThat(arena.scope().isAlive()).isTrue();
            assertThat(rows[2].getAtIndex(ValueLayout.JAVA_DOUBLE, 3)).isEqualTo(-9.5);
            assertThat(rows[1].getAtIndex(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(cell(1, 0));
            assertThat(table.getAtIndex(ValueLayout.ADDRESS, 2).address()).isEqualTo(rows[2].address());
        }
    }

    @Test
    void wrapAcceptsABarePointerAndReadOnly() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] rows = foreignRows(arena, 2, 3);
            MemorySegment table = table(arena, rows);
            MemorySegment bare = MemorySegment.ofAddress(table.address());
            try (IndirectMemory2D m = IndirectMemory2D.wrap(bare, 2, 3, "d", true)) {
                assertThat(m.access()).isEqualTo(Access.READ_ONLY);
                assertCells(m, 2, 3);
                assertThat(m.pointerTable().byteSize()).isEqualTo(2 * POINTER);
                assertThatThrownBy(() -> m.setDouble(0, 0, 1)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> m.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class);
            }
            assertThat(rows[0].getAtIndex(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(cell(0, 0));
        }
    }

    @Test
    void wrapRefusesATooSmallOrNullTable() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = table(arena, foreignRows(arena, 2, 3));
            assertThatThrownBy(() -> IndirectMemory2D.wrap(table, 3, 3, "d", false))
                    .isInstanceOf(BufferException.class)
                    .hasMessage("table holds 2 row pointers (16 bytes); expected 3 rows (24 bytes)");
            assertThatThrownBy(() -> IndirectMemory2D.wrap(MemorySegment.NULL, 2, 3, "d", false))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage("table is NULL, but 2 rows were given");
            assertThatThrownBy(() -> IndirectMemory2D.wrap(table, -1, 3, "d", false))
                    .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimensions -1 x 3");
            // Zero rows over NULL is an empty matrix.
            try (IndirectMemory2D m = IndirectMemory2D.wrap(MemorySegment.NULL, 0, 3, "d", false)) {
                assertThat(m.rows()).isZero();
            }
        }
    }

    @Test
    void aNullRowIsAnIllegalStateNamingTheRowOnEveryPath() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] rows = foreignRows(arena, 3, 4);
            rows[1] = MemorySegment.NULL;
            MemorySegment table = table(arena, rows);
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table, 3, 4, "d", false)) {
                assertThatThrownBy(() -> m.getDouble(1, 2)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("row 1 ").hasMessageContaining("NULL");
                assertThatThrownBy(() -> m.setDouble(1, 0, 1.0)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("row 1 ").hasMessageContaining("NULL");
                assertThatThrownBy(() -> m.row(1)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("row 1 ").hasMessageContaining("NULL");
                assertThatThrownBy(m::validate).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("row 1 ").hasMessageContaining("NULL");
                try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                    assertThatThrownBy(() -> v.getDouble(1, 3)).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("NULL").hasMessageContaining("[1]");
                    assertThatThrownBy(() -> v.elementAt(1, 0)).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("NULL").hasMessageContaining("[1]");
                    assertThatThrownBy(() -> Kernels.sum(v)).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("NULL").hasMessageContaining("[1]");
                    // Rows other than the NULL one still work through the view.
                    assertThat(v.getDouble(2, 3)).isEqualTo(cell(2, 3));
                }
                // ... and through the handle.
                assertThat(m.getDouble(0, 3)).isEqualTo(cell(0, 3));
                assertThat(m.getDouble(2, 0)).isEqualTo(cell(2, 0));
                assertThat(m.row(2).address()).isEqualTo(rows[2].address());
                try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                    assertThatThrownBy(() -> Kernels.fill(v, 1.0)).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("NULL").hasMessageContaining("[1]");
                }
                // Once C fills the row in, it works.
                MemorySegment fixed = arena.allocate(ValueLayout.JAVA_DOUBLE, 4);
                fixed.setAtIndex(ValueLayout.JAVA_DOUBLE, 2, 8.0);
                table.setAtIndex(ValueLayout.ADDRESS, 1, fixed);
                assertThat(m.validate()).isSameAs(m);
                assertThat(m.getDouble(1, 2)).isEqualTo(8.0);
            }
        }
    }

    @Test
    void validateNamesTheFirstNullRow() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] rows = foreignRows(arena, 5, 1);
            rows[3] = MemorySegment.NULL;
            rows[4] = MemorySegment.NULL;
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table(arena, rows), 5, 1, "d", true)) {
                assertThatThrownBy(m::validate).isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("row 3 ");
                assertThat(m.getDouble(2, 0)).isEqualTo(cell(2, 0));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ adopted

    /** A nanny that counts how often it frees (and closes the arena holding the memory, as a real one would). */
    private static MemoryNanny countingNanny(AtomicInteger frees, Arena arena) {
        return MemoryNanny.running("test", () -> {
            frees.incrementAndGet();
            arena.close();
        });
    }

    @Test
    void anAdoptedNannyFreesExactlyOnceAfterASuccessfulClose() {
        Arena arena = Arena.ofShared();
        AtomicInteger frees = new AtomicInteger();
        MemoryNanny nanny = countingNanny(frees, arena);
        MemorySegment[] rows = foreignRows(arena, 3, 2);
        IndirectMemory2D m = IndirectMemory2D.adopt(table(arena, rows), 3, 2, "d", false, nanny);
        assertThat(m.access()).isEqualTo(Access.MODIFIABLE);
        assertCells(m, 3, 2);
        m.setDouble(0, 0, 5.0);
        assertThat(rows[0].get(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(5.0);
        assertThat(nanny.isFreed()).isFalse();
        assertThat(frees).hasValue(0);

        BufferView v = m.getBuffer(BufferRequest.FULL_RO);
        assertThatThrownBy(m::close).isInstanceOf(BufferException.class)
                .hasMessage("buffer is locked: cannot close while 1 view is exported");
        assertThat(m.isClosed()).isFalse();
        assertThat(nanny.isFreed()).isFalse();
        assertThat(frees).hasValue(0);
        assertThat(v.getDouble(2, 1)).isEqualTo(cell(2, 1));
        assertThat(m.getDouble(0, 0)).isEqualTo(5.0);
        v.close();

        m.close();
        assertThat(m.isClosed()).isTrue();
        assertThat(nanny.isFreed()).isTrue();
        assertThat(frees).hasValue(1);
        assertThat(arena.scope().isAlive()).isFalse();
        m.close();
        nanny.close();
        assertThat(frees).hasValue(1);
    }

    @Test
    void aKeepAliveObjectIsOnlyKeptReachableNeverRunAndANannyIsNoKeepAlive() {
        try (Arena arena = Arena.ofConfined()) {
            AtomicInteger closes = new AtomicInteger();
            AutoCloseable keeper = closes::incrementAndGet;
            IndirectMemory2D m = IndirectMemory2D.wrapKeepingAlive(table(arena, foreignRows(arena, 2, 2)), 2,
                    2, "d", false, keeper);
            assertCells(m, 2, 2);
            m.close();
            assertThat(closes).hasValue(0);
            MemoryNanny nanny = MemoryNanny.running("rows", () -> { });
            assertThatThrownBy(() -> IndirectMemory2D.wrapKeepingAlive(table(arena, foreignRows(arena, 1, 1)),
                    1, 1, "d", false, nanny))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a nanny kept alive never frees")
                    .hasMessageContaining("adopt(table, rows, cols, format, readOnly, nanny)");
            assertThat(nanny.isFreed()).isFalse();
        }
        assertThatThrownBy(() -> IndirectMemory2D.adopt(MemorySegment.NULL, 0, 0, "d", false,
                (MemoryNanny) null))
                .isInstanceOf(NullPointerException.class).hasMessage("nanny");
        assertThatThrownBy(() -> IndirectMemory2D.wrapKeepingAlive(MemorySegment.NULL, 0, 0, "d", false,
                null)).isInstanceOf(NullPointerException.class).hasMessage("keepAlive");
    }

    // ------------------------------------------------------------------------------------------------ reinterpret

    @Test
    void reinterpretDataRereadsTheRowsBytes() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", false)) {
            m.setDouble(1, 2, Double.longBitsToDouble(0x1122334455667788L));
            m.reinterpretData("i");
            assertThat(m.format().toString()).isEqualTo("i");
            assertThat(m.rows()).isEqualTo(2);
            assertThat(m.cols()).isEqualTo(6);
            boolean little = ByteOrder.nativeOrder().equals(ByteOrder.LITTLE_ENDIAN);
            assertThat(m.getInt(1, 4)).isEqualTo(little ? 0x55667788 : 0x11223344);
            assertThat(m.getInt(1, 5)).isEqualTo(little ? 0x11223344 : 0x55667788);
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.shape()).containsExactly(2, 6);
                assertThat(v.strides()).containsExactly(8, 4);
            }
            m.reinterpretData("B");
            assertThat(m.cols()).isEqualTo(24);
            m.reinterpretData("d");
            assertThat(m.cols()).isEqualTo(3);
            assertThat(Double.doubleToRawLongBits(m.getDouble(1, 2))).isEqualTo(0x1122334455667788L);
        }
    }

    @Test
    void reinterpretDataRefusesToTruncate() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", false)) {
            m.setDouble(0, 0, 1.0);
            assertThatThrownBy(() -> m.reinterpretData("dd"))
                    .isInstanceOf(BufferException.class)
                    .hasMessageContaining("24 bytes")
                    .hasMessageContaining("16");
            assertThatThrownBy(() -> m.reinterpretData("5s"))
                    .isInstanceOf(BufferException.class)
                    .hasMessageContaining("24 bytes").hasMessageContaining("5");
            assertThat(m.format()).isEqualTo(D);
            assertThat(m.cols()).isEqualTo(3);
            assertThat(m.getDouble(0, 0)).isEqualTo(1.0);
        }
    }

    @Test
    void whileExportedOnlyAnEquivalentFormatIsAccepted() {
        try (IndirectMemory2D m = filled(2, 3, RowPlacement.ONE_BLOCK)) {
            IndirectMemory2D before = m.narrowed(Access.MODIFIABLE);
            MemorySegment row = m.row(1);
            BufferView v = m.getBuffer(BufferRequest.FULL);
            m.reinterpretData(EXPLICIT_NATIVE_D);
            assertThat(m.format().isEquivalentTo(D)).isTrue();
            m.reinterpretData("=d");
            assertThat(m.format().isEquivalentTo(D)).isTrue();
            assertThat(m.cols()).isEqualTo(3);

            assertThatThrownBy(() -> m.reinterpretData("i"))
                    .isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("buffer is locked");
            assertThatThrownBy(() -> m.reinterpretData(OTHER_ENDIAN_D))
                    .isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("buffer is locked");
            assertThat(m.format().isEquivalentTo(D)).isTrue();
            assertThat(m.cols()).isEqualTo(3);
            assertCells(m, 2, 3);
            // The exported view and earlier segments still work: the memory did not move.
            assertThat(v.getDouble(1, 2)).isEqualTo(cell(1, 2));
            assertThat(row.get(ValueLayout.JAVA_DOUBLE, 8)).isEqualTo(cell(1, 1));
            // A handle taken before is stale.
            assertThatThrownBy(() -> before.getDouble(0, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stale");
            assertThatThrownBy(before::rows).isInstanceOf(IllegalStateException.class);
            v.close();
            m.reinterpretData("q");
            assertThat(m.getLong(0, 0)).isEqualTo(Double.doubleToRawLongBits(cell(0, 0)));
        }
    }

    @Test
    void reinterpretDataOnAViewHandleIsRefused() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false)) {
            IndirectMemory2D v = m.narrowed(Access.MODIFIABLE);
            assertThatThrownBy(() -> v.reinterpretData("q")).isInstanceOf(IllegalStateException.class);
            assertThat(m.format()).isEqualTo(D);
        }
    }

    // ------------------------------------------------------------------------------------------------ copies

    private static MemoryBuffer matrix(char order, long rows, long cols, String format) {
        MemoryBuffer b = MemoryBuffer.allocate(Format.parse(format), order, rows, cols);
        try (BufferView v = b.getBuffer(BufferRequest.FULL)) {
            for (long r = 0; r < rows; r++) {
                for (long c = 0; c < cols; c++) {
                    if (format.equals("d")) {
                        v.setDouble(cell(r, c), r, c);
                    } else if (format.equals("q")) {
                        v.setLong(r * 1000 + c, r, c);
                    }
                }
            }
        }
        return b;
    }

    @ParameterizedTest
    @EnumSource(RowPlacement.class)
    void copyFromAndToMemoryBuffersInCAndFortranOrder(RowPlacement placement) {
        for (char order : new char[] {'C', 'F'}) {
            MemoryBuffer src = matrix(order, 3, 4, "d");
            try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, 4, "d", false, placement)) {
                m.copyFrom(src);
                assertCells(m, 3, 4);
                m.setDouble(2, 3, -1.0);
                MemoryBuffer dst = MemoryBuffer.allocate(D, order, 3, 4);
                m.copyTo(dst);
                try (BufferView v = dst.getBuffer(BufferRequest.FULL_RO)) {
                    for (long r = 0; r < 3; r++) {
                        for (long c = 0; c < 4; c++) {
                            assertThat(v.getDouble(r, c)).isEqualTo(r == 2 && c == 3 ? -1.0 : cell(r, c));
                        }
                    }
                }
                assertThat(m.exportCount()).isZero();
                assertThat(src.exportCount()).isZero();
                assertThat(dst.exportCount()).isZero();
                dst.close();
            }
            src.close();
        }
    }

    @Test
    void copyBetweenTwoIndirectMemories() {
        try (IndirectMemory2D a = filled(3, 5, RowPlacement.ONE_BLOCK);
             IndirectMemory2D b = IndirectMemory2D.createMemory(3, 5, "d", false, RowPlacement.ROW_BY_ROW);
             IndirectMemory2D c = IndirectMemory2D.createMemory(3, 5, EXPLICIT_NATIVE_D, false);
             IndirectMemory2D ones = IndirectMemory2D.createFrom(new double[][] {{1, 1, 1, 1, 1},
                     {2, 2, 2, 2, 2}, {3, 3, 3, 3, 3}})) {
            b.copyFrom(a);
            assertCells(b, 3, 5);
            a.setDouble(0, 0, 0);
            assertThat(b.getDouble(0, 0)).isEqualTo(cell(0, 0));
            b.copyTo(c); // equivalent formats copy without cast
            assertThat(c.getDouble(2, 4)).isEqualTo(cell(2, 4));
            b.copyTo(a);
            assertCells(a, 3, 5);
            // Through a MODIFIABLE view handle too.
            IndirectMemory2D view = a.narrowed(Access.MODIFIABLE);
            view.copyFrom(ones);
            assertThat(a.getDouble(2, 4)).isEqualTo(3.0);
        }
    }

    @Test
    void copyChecksTargetsShapesAndFormats() {
        try (IndirectMemory2D m = filled(2, 3, RowPlacement.ONE_BLOCK)) {
            MemoryBuffer same = matrix('C', 2, 3, "d");

            // Read-only targets.
            IndirectMemory2D ro = m.narrowed(Access.READ_ONLY);
            assertThatThrownBy(() -> ro.copyFrom(same)).isInstanceOf(ReadOnlyBufferException.class);
            MemoryBuffer roBuffer = MemoryBuffer.allocate(D, 'C', 2, 3);
            roBuffer.makeReadOnly();
            assertThatThrownBy(() -> m.copyTo(roBuffer)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("read-only");
            assertThat(m.exportCount()).isZero();

            // Dimensions.
            MemoryBuffer cube = MemoryBuffer.allocate(D, 'C', 2, 3, 4);
            assertThatThrownBy(() -> m.copyFrom(cube)).isInstanceOf(BufferException.class)
                    .hasMessage("source has 3 dimensions (shape [2, 3, 4]); expected 2");
            assertThatThrownBy(() -> m.copyTo(cube)).isInstanceOf(BufferException.class)
                    .hasMessage("target has 3 dimensions (shape [2, 3, 4]); expected 2");
            MemoryBuffer line = MemoryBuffer.allocate(D, 'C', 6);
            assertThatThrownBy(() -> m.copyFrom(line)).isInstanceOf(BufferException.class)
                    .hasMessage("source has 1 dimensions (shape [6]); expected 2");

            // Shapes.
            MemoryBuffer transposed = MemoryBuffer.allocate(D, 'C', 3, 2);
            assertThatThrownBy(() -> m.copyFrom(transposed)).isInstanceOf(BufferException.class)
                    .hasMessage("shape mismatch: source [3, 2], target [2, 3]");
            assertThatThrownBy(() -> m.copyTo(transposed)).isInstanceOf(BufferException.class)
                    .hasMessage("shape mismatch: source [2, 3], target [3, 2]");

            // Formats.
            MemoryBuffer longs = matrix('C', 2, 3, "q");
            assertThatThrownBy(() -> m.copyFrom(longs)).isInstanceOf(BufferException.class)
                    .hasMessage("format mismatch: source 'q', target 'd'; pass cast = true to copy the bytes anyway");
            MemoryBuffer ints = MemoryBuffer.allocate(Format.parse("i"), 'C', 2, 3);
            assertThatThrownBy(() -> m.copyTo(ints, true)).isInstanceOf(BufferException.class)
                    .hasMessage("item size mismatch: source 'd' has 8 bytes per item, target 'i' has 4");
            assertThatThrownBy(() -> m.copyTo(ints)).isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("format mismatch");

            // Nothing was written by any refusal, and nothing stays exported.
            assertCells(m, 2, 3);
            for (MemoryBuffer b : List.of(same, roBuffer, cube, line, transposed, longs, ints)) {
                assertThat(b.exportCount()).as(b.toString()).isZero();
            }
            assertThat(m.exportCount()).isZero();
            try (BufferView v = ints.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.getInt(1, 2)).isZero();
            }
        }
    }

    @Test
    void castCopiesTheBitsBetweenLongAndDouble() {
        try (IndirectMemory2D m = filled(2, 3, RowPlacement.ROW_BY_ROW)) {
            MemoryBuffer longs = MemoryBuffer.allocate(Format.parse("q"), 'F', 2, 3);
            m.copyTo(longs, true);
            try (BufferView v = longs.getBuffer(BufferRequest.FULL_RO)) {
                for (long r = 0; r < 2; r++) {
                    for (long c = 0; c < 3; c++) {
                        assertThat(v.getLong(r, c)).isEqualTo(Double.doubleToRawLongBits(cell(r, c)));
                    }
                }
            }
            try (IndirectMemory2D q = IndirectMemory2D.createFrom(new long[][] {
                    {Double.doubleToRawLongBits(-1.5), 1L}, {0x7ff8000000000001L, Long.MIN_VALUE}})) {
                try (IndirectMemory2D back = IndirectMemory2D.createMemory(2, 2, "d", false)) {
                    back.copyFrom(q, true);
                    assertThat(back.getDouble(0, 0)).isEqualTo(-1.5);
                    assertThat(Double.doubleToRawLongBits(back.getDouble(0, 1))).isEqualTo(1L);
                    assertThat(Double.doubleToRawLongBits(back.getDouble(1, 0))).isEqualTo(0x7ff8000000000001L);
                    assertThat(Double.doubleToRawLongBits(back.getDouble(1, 1))).isEqualTo(Long.MIN_VALUE);
                    assertThatThrownBy(() -> back.copyFrom(q)).isInstanceOf(BufferException.class)
                            .hasMessage("format mismatch: source 'q', target 'd'; pass cast = true to copy the"
                                    + " bytes anyway");
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ views of rows

    @Test
    void tableOverRowsOverAMemoryBufferWritesThroughAndLocksTheSource() {
        MemoryBuffer source = matrix('C', 3, 4, "d");
        IndirectMemory2D view = IndirectMemory2D.tableOverRows(source);
        assertThat(view.access()).isEqualTo(Access.MODIFIABLE);
        assertThat(view.rows()).isEqualTo(3);
        assertThat(view.cols()).isEqualTo(4);
        assertCells(view, 3, 4);
        view.setDouble(1, 2, -7.0);
        try (BufferView sv = source.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(sv.getDouble(1, 2)).isEqualTo(-7.0);
            assertThat(view.row(1).address()).isEqualTo(sv.elementAt(1, 0).address());
        }
        try (BufferView vv = view.getBuffer(BufferRequest.FULL)) {
            Kernels.fill(vv, 2.0);
        }
        try (BufferView sv = source.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(Kernels.sum(sv)).isEqualTo(24.0);
        }

        assertThat(source.exportCount()).isEqualTo(1);
        assertThatThrownBy(source::close).isInstanceOf(BufferException.class)
                .hasMessage("buffer is locked: cannot close while 1 view is exported");
        assertThatThrownBy(source::makeReadOnly).isInstanceOf(BufferException.class)
                .hasMessageStartingWith("buffer is locked");
        assertThat(source.isReadOnly()).isFalse();

        view.close();
        assertThat(source.exportCount()).isZero();
        source.makeReadOnly();
        try (IndirectMemory2D ro = IndirectMemory2D.tableOverRows(source)) {
            assertThat(ro.access()).isEqualTo(Access.READ_ONLY);
            assertThatThrownBy(() -> ro.setDouble(0, 0, 1)).isInstanceOf(ReadOnlyBufferException.class);
            assertThat(ro.getDouble(2, 3)).isEqualTo(2.0);
        }
        source.close();
    }

    @Test
    void tableOverRowsOverAnotherIndirectMemoryLocksIt() {
        for (RowPlacement placement : RowPlacement.values()) {
            try (IndirectMemory2D source = filled(3, 2, placement)) {
                IndirectMemory2D view = IndirectMemory2D.tableOverRows(source);
                assertCells(view, 3, 2);
                for (long r = 0; r < 3; r++) {
                    assertThat(view.row(r).address()).isEqualTo(source.row(r).address());
                }
                view.setDouble(2, 1, 99.0);
                assertThat(source.getDouble(2, 1)).isEqualTo(99.0);
                assertThat(source.exportCount()).isEqualTo(1);
                assertThatThrownBy(source::close).isInstanceOf(BufferException.class)
                        .hasMessage("buffer is locked: cannot close while 1 view is exported");
                assertThatThrownBy(() -> source.resize(5, 5)).isInstanceOf(BufferException.class)
                        .hasMessage("buffer is locked: cannot resize while 1 view is exported");
                assertThatThrownBy(() -> source.reinterpretData("q")).isInstanceOf(BufferException.class)
                        .hasMessageStartingWith("buffer is locked");
                assertThat(source.isClosed()).isFalse();
                assertThat(source.rows()).isEqualTo(3);
                view.close();
                view.close();
                assertThat(source.exportCount()).isZero();
                source.resize(4, 2);
                assertThat(source.getDouble(2, 1)).isEqualTo(99.0);
            }
        }
    }

    @Test
    void tableOverColumnsOverAFortranMatrixIsTheTranspose() {
        MemoryBuffer source = matrix('F', 3, 5, "d");
        try (IndirectMemory2D t = IndirectMemory2D.tableOverColumns(source)) {
            assertThat(t.rows()).isEqualTo(5);
            assertThat(t.cols()).isEqualTo(3);
            for (long j = 0; j < 5; j++) {
                for (long i = 0; i < 3; i++) {
                    assertThat(t.getDouble(j, i)).isEqualTo(cell(i, j));
                }
            }
            t.setDouble(4, 0, -3.0);
            assertThatThrownBy(source::close).isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("buffer is locked");
        }
        try (BufferView sv = source.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(sv.getDouble(0, 4)).isEqualTo(-3.0);
        }
        source.close();
    }

    @Test
    void tableOverRowsRefusesWhatItCannotPointInto() {
        MemoryBuffer fortran = matrix('F', 3, 4, "d");
        assertThatThrownBy(() -> IndirectMemory2D.tableOverRows(fortran)).isInstanceOf(BufferException.class)
                .hasMessageContaining("rows are not contiguous");
        MemoryBuffer c = matrix('C', 3, 4, "d");
        assertThatThrownBy(() -> IndirectMemory2D.tableOverColumns(c)).isInstanceOf(BufferException.class)
                .hasMessageContaining("columns are not contiguous");
        try (IndirectMemory2D m = filled(2, 2, RowPlacement.ONE_BLOCK)) {
            assertThatThrownBy(() -> IndirectMemory2D.tableOverColumns(m)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("not contiguous");
            assertThat(m.exportCount()).isZero();
        }
        MemoryBuffer heap = MemoryBuffer.wrap(new double[6], 'C', 2, 3);
        assertThatThrownBy(() -> IndirectMemory2D.tableOverRows(heap)).isInstanceOf(BufferException.class)
                .hasMessageContaining("on the Java heap");
        MemoryBuffer cube = MemoryBuffer.allocate(D, 'C', 2, 2, 2);
        assertThatThrownBy(() -> IndirectMemory2D.tableOverRows(cube)).isInstanceOf(BufferException.class)
                .hasMessage("tableOverRows: source has 3 dimensions (shape [2, 2, 2]); expected 2");
        // Every refusal released the source.
        for (MemoryBuffer b : List.of(fortran, c, heap, cube)) {
            assertThat(b.exportCount()).isZero();
            b.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ access

    @Test
    void aReadOnlyViewRefusesWrites() {
        try (IndirectMemory2D m = filled(2, 3, RowPlacement.ONE_BLOCK)) {
            IndirectMemory2D ro = m.narrowed(Access.READ_ONLY);
            assertThat(ro.access()).isEqualTo(Access.READ_ONLY);
            assertThat(ro.isReadOnly()).isTrue();
            assertCells(ro, 2, 3);
            assertThatThrownBy(() -> ro.setDouble(0, 0, 1)).isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> ro.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("read-only");
            assertThat(ro.row(0).isReadOnly()).isTrue();
            assertThat(ro.pointerTable().isReadOnly()).isTrue();
            try (BufferView v = ro.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.isReadOnly()).isTrue();
                assertThatThrownBy(() -> v.setDouble(0, 0, 0)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> Kernels.fill(v, 0.0)).isInstanceOf(ReadOnlyBufferException.class);
                // A view of a view counts on the same memory.
                assertThat(m.exportCount()).isEqualTo(1);
            }
            assertThatThrownBy(() -> ro.narrowed(Access.MODIFIABLE)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cannot widen access from READ_ONLY to MODIFIABLE");
            assertThat(ro.narrowed(Access.READ_ONLY).getDouble(1, 1)).isEqualTo(cell(1, 1));
            assertCells(m, 2, 3);
            // The primary handle still writes, and the view sees it.
            m.setDouble(0, 0, 3.0);
            assertThat(ro.getDouble(0, 0)).isEqualTo(3.0);
        }
    }

    @Test
    void viewsCannotBeResizeableOrWider() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> m.narrowed(Access.RESIZEABLE)).isInstanceOf(IllegalArgumentException.class);
            IndirectMemory2D mod = m.narrowed(Access.MODIFIABLE);
            assertThat(mod.access()).isEqualTo(Access.MODIFIABLE);
            assertThatThrownBy(() -> mod.narrowed(Access.RESIZEABLE)).isInstanceOf(IllegalArgumentException.class);
            mod.setDouble(1, 1, 4.0);
            assertThat(m.getDouble(1, 1)).isEqualTo(4.0);
            assertThatThrownBy(() -> mod.resize(3, 3)).isInstanceOf(UnsupportedOperationException.class);
            assertThat(m.rows()).isEqualTo(2);

            IndirectMemory2D borrowed = IndirectMemory2D.wrap(table(arena, foreignRows(arena, 2, 2)), 2, 2,
                    "d", false);
            assertThatThrownBy(() -> borrowed.narrowed(Access.RESIZEABLE)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> borrowed.resize(3, 3)).isInstanceOf(UnsupportedOperationException.class);
            assertThat(borrowed.narrowed(Access.MODIFIABLE).getDouble(1, 0)).isEqualTo(cell(1, 0));
            assertThat(borrowed.rows()).isEqualTo(2);
            borrowed.close();

            IndirectMemory2D ro = IndirectMemory2D.createMemory(2, 2, "d", true);
            assertThatThrownBy(() -> ro.narrowed(Access.MODIFIABLE)).isInstanceOf(IllegalArgumentException.class);
            ro.close();
        }
    }

    @Test
    void closingAViewHandleEndsOnlyThatHandle() {
        try (IndirectMemory2D m = filled(2, 2, RowPlacement.ONE_BLOCK)) {
            IndirectMemory2D v = m.narrowed(Access.MODIFIABLE);
            MemorySegment row = v.row(0);
            v.close();
            assertThat(v.isClosed()).isTrue();
            assertThatThrownBy(() -> v.getDouble(0, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            v.close();
            assertThat(m.isClosed()).isFalse();
            assertCells(m, 2, 2);
            // Segments belong to the memory, not the handle: still valid.
            assertThat(row.get(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(cell(0, 0));
        }
    }

    // ------------------------------------------------------------------------------------------------ resize

    static Stream<Arguments> resizes() {
        List<Arguments> out = new ArrayList<>();
        long[][] sizes = {{5, 6}, {2, 2}, {5, 2}, {2, 7}, {3, 4}, {0, 0}, {1, 9}};
        for (RowPlacement p : RowPlacement.values()) {
            for (long[] s : sizes) {
                out.add(Arguments.of(p, s[0], s[1]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} 3x4 -> {1}x{2}")
    @MethodSource("resizes")
    void resizeKeepsTheOverlapAndZeroesTheRest(RowPlacement placement, long rows, long cols) {
        try (IndirectMemory2D m = filled(3, 4, placement)) {
            long oldTable = m.pointerTable().address();
            m.resize(rows, cols);
            assertThat(m.rows()).isEqualTo(rows);
            assertThat(m.cols()).isEqualTo(cols);
            assertThat(m.access()).isEqualTo(Access.RESIZEABLE);
            for (long r = 0; r < rows; r++) {
                for (long c = 0; c < cols; c++) {
                    double expected = r < 3 && c < 4 ? cell(r, c) : 0.0;
                    assertThat(m.getDouble(r, c)).as("(%d, %d)", r, c).isEqualTo(expected);
                }
                assertThat(m.row(r).byteSize()).isEqualTo(cols * 8);
                assertThat(m.pointerTable().getAtIndex(ValueLayout.ADDRESS, r).address())
                        .isEqualTo(m.row(r).address());
            }
            try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                assertThat(v.shape()).containsExactly(rows, cols);
                if (rows > 0) {
                    assertThat(v.buf().address()).isNotEqualTo(oldTable);
                }
            }
            assertThat(m.toString()).contains(rows + " x " + cols).contains(placement.toString());
        }
    }

    @Test
    void resizeKeepsIntegerItemsToo() {
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(new int[][] {{1, 2, 3}, {4, 5, 6}})) {
            m.resize(3, 2);
            assertThat(m.getInt(0, 1)).isEqualTo(2);
            assertThat(m.getInt(1, 0)).isEqualTo(4);
            assertThat(m.getInt(1, 1)).isEqualTo(5);
            assertThat(m.getInt(2, 1)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(RowPlacement.class)
    void resizeWhileExportedIsRefusedAndChangesNothing(RowPlacement placement) {
        try (IndirectMemory2D m = filled(3, 4, placement)) {
            MemorySegment row = m.row(2);
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(() -> m.resize(5, 5)).isInstanceOf(BufferException.class)
                        .hasMessage("buffer is locked: cannot resize while 1 view is exported");
                try (BufferView w = m.getBuffer(BufferRequest.FULL_RO)) {
                    assertThatThrownBy(() -> m.resize(1, 1)).isInstanceOf(BufferException.class)
                            .hasMessage("buffer is locked: cannot resize while 2 views are exported");
                    assertThat(w.getDouble(2, 3)).isEqualTo(cell(2, 3));
                }
                assertCells(m, 3, 4);
                assertThat(v.getDouble(2, 3)).isEqualTo(cell(2, 3));
                assertThat(row.get(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(cell(2, 0));
            }
            assertThatThrownBy(() -> m.resize(-1, 2)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dimensions -1 x 2");
            assertCells(m, 3, 4);
            m.resize(3, 5);
            assertThat(m.getDouble(2, 3)).isEqualTo(cell(2, 3));
        }
    }

    @ParameterizedTest
    @EnumSource(RowPlacement.class)
    void afterResizeEarlierViewHandlesAndSegmentsAreStale(RowPlacement placement) {
        try (IndirectMemory2D m = filled(3, 4, placement)) {
            IndirectMemory2D ro = m.narrowed(Access.READ_ONLY);
            IndirectMemory2D mod = m.narrowed(Access.MODIFIABLE);
            MemorySegment table = m.pointerTable();
            MemorySegment row = m.row(1);
            MemorySegment roRow = ro.row(1);
            MemorySegment item;
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                item = v.elementAt(2, 3);
                assertThat(item.get(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(cell(2, 3));
            }

            m.resize(4, 4);

            for (IndirectMemory2D stale : List.of(ro, mod)) {
                assertThatThrownBy(() -> stale.getDouble(0, 0)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("stale");
                assertThatThrownBy(stale::rows).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(stale::pointerTable).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> stale.getBuffer(BufferRequest.FULL_RO))
                        .isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> stale.row(0)).isInstanceOf(IllegalStateException.class);
                assertThat(stale.toString()).contains("stale");
            }
            assertThatThrownBy(() -> mod.setDouble(0, 0, 1)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> table.get(ValueLayout.ADDRESS, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> row.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> row.set(ValueLayout.JAVA_DOUBLE, 0, 1.0))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> roRow.get(ValueLayout.JAVA_DOUBLE, 0))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> item.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);

            // The primary handle follows the resize.
            assertThat(m.rows()).isEqualTo(4);
            for (long r = 0; r < 3; r++) {
                for (long c = 0; c < 4; c++) {
                    assertThat(m.getDouble(r, c)).isEqualTo(cell(r, c));
                }
            }
            assertThat(m.getDouble(3, 3)).isZero();
            m.setDouble(3, 3, 1.0);
            IndirectMemory2D fresh = m.narrowed(Access.READ_ONLY);
            assertThat(fresh.getDouble(3, 3)).isEqualTo(1.0);
        }
    }

    // ------------------------------------------------------------------------------------------------ after close

    /** Every public method of a handle except close, isClosed and toString, each with valid arguments. */
    private static Map<String, ThrowingCallable> everyMethod(IndirectMemory2D m, BufferExporter other) {
        Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
        calls.put("rows", m::rows);
        calls.put("cols", m::cols);
        calls.put("format", m::format);
        calls.put("access", m::access);
        calls.put("isReadOnly", m::isReadOnly);
        calls.put("pointerTable", m::pointerTable);
        calls.put("row", () -> m.row(0));
        calls.put("validate", m::validate);
        calls.put("getDouble", () -> m.getDouble(0, 0));
        calls.put("setDouble", () -> m.setDouble(0, 0, 1));
        calls.put("getFloat", () -> m.getFloat(0, 0));
        calls.put("setFloat", () -> m.setFloat(0, 0, 1));
        calls.put("getLong", () -> m.getLong(0, 0));
        calls.put("setLong", () -> m.setLong(0, 0, 1));
        calls.put("getInt", () -> m.getInt(0, 0));
        calls.put("setInt", () -> m.setInt(0, 0, 1));
        calls.put("getShort", () -> m.getShort(0, 0));
        calls.put("setShort", () -> m.setShort(0, 0, (short) 1));
        calls.put("getByte", () -> m.getByte(0, 0));
        calls.put("setByte", () -> m.setByte(0, 0, (byte) 1));
        calls.put("getBuffer(FULL)", () -> m.getBuffer(BufferRequest.FULL));
        calls.put("getBuffer(FULL_RO)", () -> m.getBuffer(BufferRequest.FULL_RO));
        calls.put("view", () -> m.narrowed(Access.READ_ONLY));
        calls.put("resize", () -> m.resize(3, 3));
        calls.put("reinterpretData", () -> m.reinterpretData("q"));
        calls.put("reinterpretData(equivalent)", () -> m.reinterpretData("=d"));
        calls.put("copyFrom", () -> m.copyFrom(other));
        calls.put("copyFrom(cast)", () -> m.copyFrom(other, true));
        calls.put("copyTo", () -> m.copyTo(other));
        calls.put("copyTo(cast)", () -> m.copyTo(other, true));
        return calls;
    }

    private static void assertEveryMethodThrowsIllegalState(IndirectMemory2D m) {
        MemoryBuffer other = matrix('C', 2, 2, "d");
        for (Map.Entry<String, ThrowingCallable> call : everyMethod(m, other).entrySet()) {
            assertThatThrownBy(call.getValue()).as(call.getKey()).isInstanceOf(IllegalStateException.class);
        }
        assertThat(other.exportCount()).isZero();
        try (BufferView v = other.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(v.getDouble(1, 1)).as("copyTo wrote nothing").isEqualTo(cell(1, 1));
        }
        assertThat(m.isClosed()).isTrue();
        assertThatCode(m::close).doesNotThrowAnyException();
        assertThat(m.toString()).contains("closed");
    }

    /** Segments and items taken before close, each with a read and a write. */
    private static void assertSegmentsAreDead(List<MemorySegment> segments) {
        for (MemorySegment s : segments) {
            assertThat(s.scope().isAlive()).isFalse();
            assertThatThrownBy(() -> s.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
            if (!s.isReadOnly()) {
                assertThatThrownBy(() -> s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1))
                        .isInstanceOf(IllegalStateException.class);
            }
        }
    }

    private static List<MemorySegment> segmentsOf(IndirectMemory2D m) {
        List<MemorySegment> out = new ArrayList<>();
        out.add(m.pointerTable());
        out.add(m.row(0));
        out.add(m.row(m.rows() - 1));
        out.add(m.narrowed(Access.READ_ONLY).row(1));
        try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
            out.add(v.elementAt(0, 0));
            out.add(v.elementAt(1, 1));
            BufferView.Runs runs = v.runs();
            runs.next();
            out.add(runs.segment());
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(RowPlacement.class)
    void afterCloseOwnedMemoryRefusesEveryMethodAndEverySegment(RowPlacement placement) {
        IndirectMemory2D m = filled(2, 2, placement);
        IndirectMemory2D view = m.narrowed(Access.MODIFIABLE);
        List<MemorySegment> segments = segmentsOf(m);
        m.close();
        assertSegmentsAreDead(segments);
        assertEveryMethodThrowsIllegalState(m);
        assertThat(view.isClosed()).isTrue();
        assertThatThrownBy(() -> view.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.getDouble(0, 0)).hasMessageContaining("closed");
    }

    @Test
    void afterCloseBorrowedAndAdoptedMemoryRefuseEveryMethodAndEverySegment() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = table(arena, foreignRows(arena, 2, 2));
            IndirectMemory2D borrowed = IndirectMemory2D.wrap(table, 2, 2, "d", false);
            List<MemorySegment> segments = segmentsOf(borrowed);
            borrowed.close();
            assertSegmentsAreDead(segments);
            assertEveryMethodThrowsIllegalState(borrowed);
            // The caller's memory is alive.
            assertThat(table.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(16).get(ValueLayout.JAVA_DOUBLE, 8))
                    .isEqualTo(cell(1, 1));

            AtomicInteger frees = new AtomicInteger();
            MemoryNanny nanny = MemoryNanny.running("test", frees::incrementAndGet);
            IndirectMemory2D adopted = IndirectMemory2D.adopt(table, 2, 2, "d", false, nanny);
            segments = segmentsOf(adopted);
            adopted.close();
            assertThat(frees).hasValue(1);
            assertSegmentsAreDead(segments);
            assertEveryMethodThrowsIllegalState(adopted);
            assertThat(frees).hasValue(1);
        }
    }

    @Test
    void afterCloseAViewOfRowsRefusesEveryMethodAndReleasesItsSource() {
        MemoryBuffer source = matrix('C', 2, 2, "d");
        IndirectMemory2D view = IndirectMemory2D.tableOverRows(source);
        List<MemorySegment> segments = new ArrayList<>();
        segments.add(view.pointerTable());
        try (BufferView v = view.getBuffer(BufferRequest.FULL_RO)) {
            segments.add(v.elementAt(1, 1));
        }
        view.close();
        // The table dies with the view; the rows belong to the source, and die when it is closed.
        assertSegmentsAreDead(segments.subList(0, 1));
        assertEveryMethodThrowsIllegalState(view);
        assertThat(source.exportCount()).isZero();
        source.close();
        assertSegmentsAreDead(segments);
    }

    @Test
    void afterCloseAViewHandleRefusesEveryMethod() {
        try (IndirectMemory2D m = filled(2, 2, RowPlacement.ONE_BLOCK)) {
            IndirectMemory2D view = m.narrowed(Access.MODIFIABLE);
            view.close();
            // A closed view handle says it is closed, even for what a view may never do (resize, reinterpretData).
            assertEveryMethodThrowsIllegalState(view);
            assertThatThrownBy(() -> view.resize(3, 3)).hasMessageContaining("closed");
            assertThatThrownBy(() -> view.reinterpretData("q")).hasMessageContaining("closed");
            assertCells(m, 2, 2);
        }
    }

    /** A closed handle says it is closed, before saying it may not resize. */
    @Test
    void resizeOnAClosedNonResizeableHandleIsAnIllegalState() {
        IndirectMemory2D ro = IndirectMemory2D.createMemory(2, 2, "d", true);
        ro.close();
        assertThatThrownBy(() -> ro.resize(3, 3)).isInstanceOf(IllegalStateException.class);
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false)) {
            IndirectMemory2D view = m.narrowed(Access.MODIFIABLE);
            view.close();
            assertThatThrownBy(() -> view.resize(3, 3)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aClosedReadOnlyHandleSaysClosedRatherThanReadOnly() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", true);
        m.close();
        assertEveryMethodThrowsIllegalState(m);
        assertThatThrownBy(() -> m.resize(3, 3)).hasMessageContaining("closed");
    }
}
