package org.indirectbuffer.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Kernels} over every kind of layout, against a plain reference computed item by item with the typed getters
 * of {@link BufferView}: direct (C, Fortran, strided, negative strides, heap and native, misaligned), indirect 2-D
 * ({@link IndirectMemory2D} and hand-built pointer tables with suboffsets, reversed and strided rows), 3-D with two
 * indirect dimensions, an indirect last dimension, many short rows, empty views and ndim 0; in each format the kernels
 * handle, in both byte orders. Fill, scale and scatter must change the items and no other byte of the memory.
 *
 * <p>Runs under whichever kernels are selected: the build runs the suite with and without {@code
 * jdk.incubator.vector}.
 */
@SuppressWarnings("restricted") // hand-built pointer tables; test code only
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelsOverViewsTest {
    private static final long P = ValueLayout.ADDRESS.byteSize();
    /** Every layout is tried in these formats... */
    private static final String[] FORMATS = {"d", "f", "q", "i", ">d", ">i"};
    /** ...and a few layouts in these too. */
    private static final String[] MORE_FORMATS = {">f", ">q", "l", "<l"};
    private static final List<String> SOME_LAYOUTS = List.of("negative strides 5x7", "IndirectMemory2D 6x13",
            "table: suboffset 24, misaligned rows, table stride 16, 7x11", "3-D, two indirect dimensions 3x4x5");
    private static final double RELATIVE = 1e-12;

    private enum Kind {
        DOUBLE, FLOAT, LONG, INT;

        boolean floating() {
            return this == DOUBLE || this == FLOAT;
        }
    }

    private static Kind kind(Format f) {
        return switch (f.elementType()) {
            case FLOAT64 -> Kind.DOUBLE;
            case FLOAT32 -> Kind.FLOAT;
            default -> f.itemSize() == 8 ? Kind.LONG : Kind.INT;
        };
    }

    // ------------------------------------------------------------------------------------------------ subjects

    /** A view under test, the blocks of memory its items and pointers lie in, and what to close after it. */
    private static final class Subject implements AutoCloseable {
        final String name;
        final BufferView view;
        final Format format;
        final Kind kind;
        final List<MemorySegment> blocks;
        final List<AutoCloseable> owners;

        Subject(String name, BufferView view, List<MemorySegment> blocks, AutoCloseable... owners) {
            this.name = name;
            this.view = view;
            this.format = view.format();
            this.kind = kind(format);
            this.blocks = blocks;
            this.owners = List.of(owners);
        }

        @Override
        public void close() throws Exception {
            view.close();
            for (AutoCloseable owner : owners) {
                owner.close();
            }
        }

        @Override
        public String toString() {
            return name + " '" + format + "' " + view;
        }
    }

    private static final List<String> LAYOUTS = List.of(
            "direct C 5x7",
            "direct 1-D 4099, misaligned by 3",
            "direct C on a heap long[] 6x9",
            "direct 3-D on a heap byte[], misaligned by 1",
            "Fortran order 6x5",
            "strided: every other column 4x9",
            "negative strides 5x7",
            "negative row stride 5x7",
            "IndirectMemory2D 6x13",
            "IndirectMemory2D row by row 5x17",
            "IndirectMemory2D 1000 rows of 3",
            "table: suboffset 24, misaligned rows, table stride 16, 7x11",
            "table: reversed rows and columns, suboffset 8, 4x6",
            "table: reversed rows, suboffset 40, 9x10",
            "table: every other item of each row, suboffset 16, 4x6",
            "item pointers: last dimension indirect 3x5",
            "3-D, two indirect dimensions 3x4x5",
            "empty 1-D",
            "empty: IndirectMemory2D 0x4",
            "empty: IndirectMemory2D 3x0",
            "ndim 0");

    static Stream<Arguments> subjects() {
        List<Arguments> list = new ArrayList<>();
        for (String layout : LAYOUTS) {
            for (String format : FORMATS) {
                list.add(Arguments.of(layout, format));
            }
        }
        for (String layout : SOME_LAYOUTS) {
            for (String format : MORE_FORMATS) {
                list.add(Arguments.of(layout, format));
            }
        }
        return list.stream();
    }

    private static Subject build(String layout, String formatString, Arena arena) {
        Format f = Format.parse(formatString);
        long s = f.itemSize();
        switch (layout) {
            case "direct C 5x7" -> {
                MemorySegment m = arena.allocate(35 * s, 8);
                return new Subject(layout, BufferView.wrap(m, f, new long[] {5, 7}, null, null, false), List.of(m));
            }
            case "direct 1-D 4099, misaligned by 3" -> {
                MemorySegment m = arena.allocate(4099 * s + 3, 8);
                return new Subject(layout, BufferView.wrap(m, 3, f, new long[] {4099}, null, null, false),
                        List.of(m));
            }
            case "direct C on a heap long[] 6x9" -> {
                MemorySegment m = MemorySegment.ofArray(new long[(int) (54 * s / 8)]);
                return new Subject(layout, BufferView.wrap(m, f, new long[] {6, 9}, null, null, false), List.of(m));
            }
            case "direct 3-D on a heap byte[], misaligned by 1" -> {
                MemorySegment m = MemorySegment.ofArray(new byte[(int) (60 * s + 1)]);
                return new Subject(layout, BufferView.wrap(m, 1, f, new long[] {3, 4, 5}, null, null, false),
                        List.of(m));
            }
            case "Fortran order 6x5" -> {
                MemoryBuffer buffer = MemoryBuffer.allocate(f, 'F', 6, 5);
                BufferView v = buffer.getBuffer(BufferRequest.FULL);
                return new Subject(layout, v, List.of(v.memory()), buffer);
            }
            case "strided: every other column 4x9" -> {
                MemorySegment m = arena.allocate(4 * 18 * s, 8);
                return new Subject(layout, BufferView.wrap(m, 0, f, new long[] {4, 9}, new long[] {18 * s, 2 * s},
                        null, false), List.of(m));
            }
            case "negative strides 5x7" -> {
                MemorySegment m = arena.allocate(35 * s, 8);
                return new Subject(layout, BufferView.wrap(m, 34 * s, f, new long[] {5, 7}, new long[] {-7 * s, -s},
                        null, false), List.of(m));
            }
            case "negative row stride 5x7" -> {
                MemorySegment m = arena.allocate(35 * s, 8);
                return new Subject(layout, BufferView.wrap(m, 28 * s, f, new long[] {5, 7}, new long[] {-7 * s, s},
                        null, false), List.of(m));
            }
            case "IndirectMemory2D 6x13" -> {
                return indirect(layout, IndirectMemory2D.createMemory(6, 13, formatString, false));
            }
            case "IndirectMemory2D row by row 5x17" -> {
                return indirect(layout, IndirectMemory2D.createMemory(5, 17, formatString, false,
                        IndirectMemory2D.RowPlacement.ROW_BY_ROW));
            }
            case "IndirectMemory2D 1000 rows of 3" -> {
                return indirect(layout, IndirectMemory2D.createMemory(1000, 3, formatString, false));
            }
            case "table: suboffset 24, misaligned rows, table stride 16, 7x11" -> {
                return table(layout, f, arena, 7, 11, 16, 24, 1, false, -1);
            }
            case "table: reversed rows and columns, suboffset 8, 4x6" -> {
                return table(layout, f, arena, 4, 6, P, 8, -1, true, -1);
            }
            case "table: reversed rows, suboffset 40, 9x10" -> {
                return table(layout, f, arena, 9, 10, P, 40, 1, true, -1);
            }
            case "table: every other item of each row, suboffset 16, 4x6" -> {
                return table(layout, f, arena, 4, 6, P, 16, 2, false, -1);
            }
            case "item pointers: last dimension indirect 3x5" -> {
                long rows = 3;
                long cols = 5;
                long pitch = s + 3;
                MemorySegment items = arena.allocate(rows * cols * pitch, 8);
                MemorySegment table = arena.allocate(rows * cols * P, 8);
                for (long i = 0; i < rows * cols; i++) {
                    // items in reverse order, misaligned
                    table.set(ValueLayout.ADDRESS, i * P, items.asSlice((rows * cols - 1 - i) * pitch + 1, s));
                }
                return new Subject(layout, BufferView.wrap(table, 0, f, new long[] {rows, cols},
                        new long[] {cols * P, P}, new long[] {-1, 0}, false), List.of(table, items));
            }
            case "3-D, two indirect dimensions 3x4x5" -> {
                return threeD(layout, f, arena, -1, -1);
            }
            case "empty 1-D" -> {
                MemorySegment m = arena.allocate(8, 8);
                return new Subject(layout, BufferView.wrap(m, f, new long[] {0}, null, null, false), List.of(m));
            }
            case "empty: IndirectMemory2D 0x4" -> {
                return indirect(layout, IndirectMemory2D.createMemory(0, 4, formatString, false));
            }
            case "empty: IndirectMemory2D 3x0" -> {
                return indirect(layout, IndirectMemory2D.createMemory(3, 0, formatString, false));
            }
            case "ndim 0" -> {
                MemorySegment m = arena.allocate(s + 16, 8);
                return new Subject(layout, BufferView.wrap(m, 8, f, new long[0], null, null, false), List.of(m));
            }
            default -> throw new IllegalArgumentException(layout);
        }
    }

    private static Subject indirect(String name, IndirectMemory2D memory) {
        List<MemorySegment> blocks = new ArrayList<>();
        blocks.add(memory.pointerTable());
        for (long r = 0; r < memory.rows(); r++) {
            blocks.add(memory.row(r));
        }
        return new Subject(name, memory.getBuffer(BufferRequest.FULL), blocks, memory);
    }

    /**
     * A hand-built {@code T**}: {@code rows} pointers {@code tableStride} bytes apart (from the last to the first when
     * {@code reversedRows}), each {@code suboffset} bytes before its row's item 0; items {@code step} items apart
     * (item 0 is the last in memory when {@code step < 0}); rows misaligned by different amounts. Row {@code nullRow}
     * (if {@code >= 0}) gets a NULL pointer.
     */
    private static Subject table(String name, Format f, Arena arena, long rows, long cols, long tableStride,
                                 long suboffset, long step, boolean reversedRows, long nullRow) {
        long s = f.itemSize();
        long itemStride = step * s;
        long span = (cols - 1) * Math.abs(itemStride) + s;
        long pitch = suboffset + span + 11;
        MemorySegment rowBlock = arena.allocate(rows * pitch + 8, 8);
        long tableOffset = 4; // misaligned pointers
        MemorySegment table = arena.allocate(tableOffset + rows * tableStride + P, 8);
        long bufOffset = reversedRows ? tableOffset + (rows - 1) * tableStride : tableOffset;
        long rowStride = reversedRows ? -tableStride : tableStride;
        for (long r = 0; r < rows; r++) {
            long lowest = r * pitch + r % 8 + suboffset;
            long item0 = lowest + (itemStride < 0 ? (cols - 1) * -itemStride : 0);
            MemorySegment pointer = r == nullRow ? MemorySegment.NULL : rowBlock.asSlice(item0 - suboffset);
            table.set(ValueLayout.ADDRESS_UNALIGNED, bufOffset + r * rowStride, pointer);
        }
        BufferView view = BufferView.wrap(table, bufOffset, f, new long[] {rows, cols},
                new long[] {rowStride, itemStride}, new long[] {suboffset, -1}, false);
        return new Subject(name, view, List.of(table, rowBlock));
    }

    /**
     * 3x4x5 items behind two levels of pointers: a table of 3 pointers (suboffset 16) to tables of 4 pointers
     * (suboffset 8) to rows of 5 items. Pointer {@code [nullA][nullB]} of the second level is NULL if given.
     */
    private static Subject threeD(String name, Format f, Arena arena, long nullA, long nullB) {
        long s = f.itemSize();
        long a = 3;
        long b = 4;
        long c = 5;
        MemorySegment level0 = arena.allocate(a * P, 8);
        long level1Pitch = 16 + b * P;
        MemorySegment level1 = arena.allocate(a * level1Pitch, 8);
        long rowPitch = 8 + c * s + 5;
        MemorySegment rows = arena.allocate(a * b * rowPitch, 8);
        for (long i = 0; i < a; i++) {
            level0.set(ValueLayout.ADDRESS, i * P, level1.asSlice(i * level1Pitch));
            for (long j = 0; j < b; j++) {
                long row = (a * b - 1) - (i * b + j); // rows in reverse order
                MemorySegment pointer = i == nullA && j == nullB ? MemorySegment.NULL
                        : rows.asSlice(row * rowPitch + row % 4);
                level1.set(ValueLayout.ADDRESS, i * level1Pitch + 16 + j * P, pointer);
            }
        }
        BufferView view = BufferView.wrap(level0, 0, f, new long[] {a, b, c}, new long[] {P, P, s},
                new long[] {16, 8, -1}, false);
        return new Subject(name, view, List.of(level0, level1, rows));
    }

    // ------------------------------------------------------------------------------------------------ reference

    /** Every index of {@code shape}, in C order (one empty index for ndim 0). */
    private static List<long[]> indices(long[] shape) {
        List<long[]> all = new ArrayList<>();
        for (long n : shape) {
            if (n == 0) {
                return all;
            }
        }
        long[] index = new long[shape.length];
        while (true) {
            all.add(index.clone());
            int d = shape.length - 1;
            while (d >= 0 && ++index[d] == shape[d]) {
                index[d] = 0;
                d--;
            }
            if (d < 0) {
                return all;
            }
        }
    }

    private static double real(Subject s, long[] index) {
        return s.kind == Kind.DOUBLE ? s.view.getDouble(index) : s.view.getFloat(index);
    }

    private static long integer(Subject s, long[] index) {
        return s.kind == Kind.LONG ? s.view.getLong(index) : s.view.getInt(index);
    }

    private static void setReal(Subject s, double value, long[] index) {
        if (s.kind == Kind.DOUBLE) {
            s.view.setDouble(value, index);
        } else {
            s.view.setFloat((float) value, index);
        }
    }

    private static void setInteger(Subject s, long value, long[] index) {
        if (s.kind == Kind.LONG) {
            s.view.setLong(value, index);
        } else {
            s.view.setInt((int) value, index);
        }
    }

    /** Random items: finite floating-point values in (-100, 100), integers over their whole range. */
    private static void randomize(Subject s, List<long[]> indices, Random rnd) {
        for (long[] index : indices) {
            switch (s.kind) {
                case DOUBLE, FLOAT -> setReal(s, (rnd.nextDouble() * 2 - 1) * 100, index);
                case LONG -> setInteger(s, rnd.nextLong(), index);
                case INT -> setInteger(s, rnd.nextInt(), index);
            }
        }
    }

    /** The bytes of every block, and which of them are item bytes (which fill, scale and scatter may change). */
    private record Snapshot(byte[][] before, boolean[][] items) {
    }

    private static Snapshot snapshot(Subject s, List<long[]> indices) {
        byte[][] before = new byte[s.blocks.size()][];
        boolean[][] items = new boolean[s.blocks.size()][];
        for (int b = 0; b < before.length; b++) {
            before[b] = s.blocks.get(b).toArray(ValueLayout.JAVA_BYTE);
            items[b] = new boolean[before[b].length];
        }
        int last = 0; // consecutive items mostly lie in the same block: look there first
        for (long[] index : indices) {
            MemorySegment item = s.view.elementAt(index);
            boolean found = false;
            for (int k = 0; k < before.length && !found; k++) {
                int b = (last + k) % before.length;
                MemorySegment block = s.blocks.get(b);
                long offset = item.address() - block.address();
                if (item.heapBase().orElse(null) == block.heapBase().orElse(null) && offset >= 0
                        && offset + item.byteSize() <= block.byteSize()) {
                    Arrays.fill(items[b], (int) offset, (int) (offset + item.byteSize()), true);
                    found = true;
                    last = b;
                }
            }
            if (!found) {
                throw new AssertionError("item " + Arrays.toString(index) + " of " + s + " lies in no known block");
            }
        }
        return new Snapshot(before, items);
    }

    private static void assertOnlyItemsChanged(Subject s, Snapshot snapshot, String operation) {
        for (int b = 0; b < snapshot.before.length; b++) {
            byte[] now = s.blocks.get(b).toArray(ValueLayout.JAVA_BYTE);
            for (int k = 0; k < now.length; k++) {
                if (!snapshot.items[b][k] && now[k] != snapshot.before[b][k]) {
                    throw new AssertionError(operation + " changed byte " + k + " of block " + b
                            + ", which is not an item byte, of " + s);
                }
            }
        }
    }

    /** The items' bytes in C order, one resolved item at a time. */
    private static byte[] expectedBytes(Subject s, List<long[]> indices) {
        byte[] bytes = new byte[Math.toIntExact(s.view.len())];
        int at = 0;
        for (long[] index : indices) {
            byte[] item = s.view.elementAt(index).toArray(ValueLayout.JAVA_BYTE);
            System.arraycopy(item, 0, bytes, at, item.length);
            at += item.length;
        }
        return bytes;
    }

    private static long seed(String layout, String format) {
        return (layout + "/" + format).hashCode();
    }

    // ------------------------------------------------------------------------------------------------ arithmetic

    @ParameterizedTest(name = "{0} ''{1}''")
    @MethodSource("subjects")
    void sumMinAndMaxMatchTheReference(String layout, String format) throws Exception {
        try (Arena arena = Arena.ofShared(); Subject s = build(layout, format, arena)) {
            BufferView v = s.view;
            List<long[]> indices = indices(v.shape());
            randomize(s, indices, new Random(seed(layout, format)));
            boolean empty = indices.isEmpty();
            if (s.kind.floating()) {
                double sum = 0;
                double sumAbs = 0;
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (long[] index : indices) {
                    double x = real(s, index);
                    sum += x;
                    sumAbs += Math.abs(x);
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
                assertThat(Kernels.sum(v)).describedAs("sum of %s", s).isCloseTo(sum, within(sumAbs * RELATIVE));
                if (empty) {
                    assertThat(Kernels.sum(v)).isZero();
                    assertThatThrownBy(() -> Kernels.min(v)).isInstanceOf(BufferException.class);
                    assertThatThrownBy(() -> Kernels.max(v)).isInstanceOf(BufferException.class);
                } else {
                    assertThat(Kernels.min(v)).describedAs("min of %s", s).isEqualTo(min);
                    assertThat(Kernels.max(v)).describedAs("max of %s", s).isEqualTo(max);
                }
                assertThatThrownBy(() -> Kernels.sumLong(v)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("floating-point");
                assertThatThrownBy(() -> Kernels.minLong(v)).isInstanceOf(BufferException.class);
                assertThatThrownBy(() -> Kernels.maxLong(v)).isInstanceOf(BufferException.class);
                if (!empty) {
                    long[] last = indices.getLast();
                    long[] middle = indices.get(indices.size() / 2);
                    // a NaN anywhere makes sum, min and max NaN (Math.min semantics)
                    setReal(s, Double.NaN, last);
                    assertThat(Kernels.sum(v)).describedAs("sum with NaN of %s", s).isNaN();
                    assertThat(Kernels.min(v)).describedAs("min with NaN of %s", s).isNaN();
                    assertThat(Kernels.max(v)).describedAs("max with NaN of %s", s).isNaN();
                    // -0.0 is less than 0.0
                    Kernels.fill(v, 0.0);
                    setReal(s, -0.0, middle);
                    assertThat(Double.doubleToRawLongBits(Kernels.min(v))).describedAs("min of zeros of %s", s)
                            .isEqualTo(Double.doubleToRawLongBits(-0.0));
                    assertThat(Double.doubleToRawLongBits(Kernels.max(v))).describedAs("max of zeros of %s", s)
                            .isEqualTo(indices.size() == 1 ? Double.doubleToRawLongBits(-0.0) : 0L);
                    // infinities
                    setReal(s, Double.NEGATIVE_INFINITY, last);
                    setReal(s, Double.POSITIVE_INFINITY, indices.getFirst());
                    if (indices.size() > 1) {
                        assertThat(Kernels.min(v)).isEqualTo(Double.NEGATIVE_INFINITY);
                        assertThat(Kernels.max(v)).isEqualTo(Double.POSITIVE_INFINITY);
                        assertThat(Kernels.sum(v)).isNaN();
                    }
                }
            } else {
                long sum = 0;
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (long[] index : indices) {
                    long x = integer(s, index);
                    sum += x;
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
                assertThat(Kernels.sumLong(v)).describedAs("sumLong of %s", s).isEqualTo(sum);
                assertThat(Kernels.sum(v)).describedAs("sum of %s", s).isEqualTo((double) sum);
                if (empty) {
                    for (ThrowingCallable call : new ThrowingCallable[] {() -> Kernels.min(v), () -> Kernels.max(v),
                            () -> Kernels.minLong(v), () -> Kernels.maxLong(v)}) {
                        assertThatThrownBy(call).isInstanceOf(BufferException.class)
                                .hasMessageContaining("no items");
                    }
                } else {
                    assertThat(Kernels.minLong(v)).describedAs("minLong of %s", s).isEqualTo(min);
                    assertThat(Kernels.maxLong(v)).describedAs("maxLong of %s", s).isEqualTo(max);
                    assertThat(Kernels.min(v)).describedAs("min of %s", s).isEqualTo((double) min);
                    assertThat(Kernels.max(v)).describedAs("max of %s", s).isEqualTo((double) max);
                    long lowest = s.kind == Kind.LONG ? Long.MIN_VALUE : Integer.MIN_VALUE;
                    long highest = s.kind == Kind.LONG ? Long.MAX_VALUE : Integer.MAX_VALUE;
                    setInteger(s, lowest, indices.getLast());
                    assertThat(Kernels.minLong(v)).describedAs("minLong of %s", s).isEqualTo(lowest);
                    setInteger(s, highest, indices.getLast());
                    assertThat(Kernels.maxLong(v)).describedAs("maxLong of %s", s).isEqualTo(highest);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ fill, scale

    @ParameterizedTest(name = "{0} ''{1}''")
    @MethodSource("subjects")
    void fillAndScaleChangeEveryItemAndNothingElse(String layout, String format) throws Exception {
        try (Arena arena = Arena.ofShared(); Subject s = build(layout, format, arena)) {
            BufferView v = s.view;
            List<long[]> indices = indices(v.shape());
            Random rnd = new Random(seed(layout, format) + 1);
            randomize(s, indices, rnd);
            Snapshot snapshot = snapshot(s, indices);
            if (s.kind.floating()) {
                double third = 1.0 / 3;
                Kernels.fill(v, third);
                double expected = s.kind == Kind.FLOAT ? (float) third : third;
                eachItem(indices, index -> assertThat(real(s, index)).describedAs("fill(1/3) of %s at %s", s,
                        Arrays.toString(index)).isEqualTo(expected));
                assertOnlyItemsChanged(s, snapshot, "fill(double)");

                randomize(s, indices, rnd);
                double[] before = indices.stream().mapToDouble(index -> real(s, index)).toArray();
                double factor = -2.5;
                Kernels.scale(v, factor);
                for (int k = 0; k < before.length; k++) {
                    double want = s.kind == Kind.FLOAT ? (float) before[k] * (float) factor : before[k] * factor;
                    assertThat(real(s, indices.get(k))).describedAs("scale(-2.5) of %s at %s", s,
                            Arrays.toString(indices.get(k))).isEqualTo(want);
                }
                assertOnlyItemsChanged(s, snapshot, "scale(double)");

                Kernels.fill(v, Double.NaN);
                eachItem(indices, index -> assertThat(real(s, index)).isNaN());
                assertOnlyItemsChanged(s, snapshot, "fill(NaN)");

                assertThatThrownBy(() -> Kernels.fill(v, 1L)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("floating-point");
                assertThatThrownBy(() -> Kernels.scale(v, 2L)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("floating-point");
            } else {
                long value = 0x1234_5678_9abc_def0L;
                Kernels.fill(v, value);
                long expected = s.kind == Kind.LONG ? value : (int) value;
                eachItem(indices, index -> assertThat(integer(s, index)).describedAs("fill of %s at %s", s,
                        Arrays.toString(index)).isEqualTo(expected));
                assertOnlyItemsChanged(s, snapshot, "fill(long)");

                for (long factor : new long[] {-3, 0x1_0000_0003L, Long.MIN_VALUE}) {
                    randomize(s, indices, rnd);
                    long[] before = indices.stream().mapToLong(index -> integer(s, index)).toArray();
                    Kernels.scale(v, factor);
                    for (int k = 0; k < before.length; k++) {
                        long want = s.kind == Kind.LONG ? before[k] * factor : (int) before[k] * (int) factor;
                        assertThat(integer(s, indices.get(k))).describedAs("scale(%d) of %s at %s", factor, s,
                                Arrays.toString(indices.get(k))).isEqualTo(want);
                    }
                    assertOnlyItemsChanged(s, snapshot, "scale(long)");
                }

                assertThatThrownBy(() -> Kernels.fill(v, 1.0)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("integer");
                assertThatThrownBy(() -> Kernels.scale(v, 2.0)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("integer");
            }
        }
    }

    private static void eachItem(List<long[]> indices, Consumer<long[]> check) {
        indices.forEach(check);
    }

    // ------------------------------------------------------------------------------------------------ copies

    @ParameterizedTest(name = "{0} ''{1}''")
    @MethodSource("subjects")
    void gatherAndScatterRoundTrip(String layout, String format) throws Exception {
        try (Arena arena = Arena.ofShared(); Subject s = build(layout, format, arena)) {
            BufferView v = s.view;
            List<long[]> indices = indices(v.shape());
            Random rnd = new Random(seed(layout, format) + 2);
            randomize(s, indices, rnd);
            byte[] expected = expectedBytes(s, indices);
            assertThat(v.toBytes('C')).describedAs("toBytes('C') of %s", s).isEqualTo(expected);

            // gather into native memory with guard bytes after, and into a heap array
            int len = expected.length;
            MemorySegment dst = arena.allocate(len + 16, 8).fill((byte) 0x5a);
            Kernels.gather(v, dst);
            assertThat(dst.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE)).describedAs("gather of %s", s)
                    .isEqualTo(expected);
            assertThat(dst.asSlice(len).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0x5a);
            byte[] heap = new byte[len];
            Kernels.gather(v, MemorySegment.ofArray(heap));
            assertThat(heap).isEqualTo(expected);
            if (len > 0) {
                assertThatThrownBy(() -> Kernels.gather(v, MemorySegment.ofArray(new byte[len - 1])))
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> Kernels.scatter(MemorySegment.ofArray(new byte[len - 1]), v))
                        .isInstanceOf(IndexOutOfBoundsException.class);
            }

            // scatter random bytes: every item receives its slice, nothing else changes, gather gives them back
            Snapshot snapshot = snapshot(s, indices);
            byte[] source = new byte[len];
            rnd.nextBytes(source);
            Kernels.scatter(MemorySegment.ofArray(source), v);
            long itemSize = v.itemSize();
            for (int k = 0; k < indices.size(); k++) {
                byte[] item = v.elementAt(indices.get(k)).toArray(ValueLayout.JAVA_BYTE);
                assertThat(item).describedAs("item %s of %s after scatter", Arrays.toString(indices.get(k)), s)
                        .isEqualTo(Arrays.copyOfRange(source, (int) (k * itemSize), (int) ((k + 1) * itemSize)));
            }
            assertOnlyItemsChanged(s, snapshot, "scatter");
            Kernels.gather(v, MemorySegment.ofArray(heap));
            assertThat(heap).isEqualTo(source);
        }
    }

    // ------------------------------------------------------------------------------------------------ equality

    @ParameterizedTest(name = "{0} ''{1}''")
    @MethodSource("subjects")
    void equalAgainstDirectCopies(String layout, String format) throws Exception {
        try (Arena arena = Arena.ofShared(); Subject s = build(layout, format, arena);
             MemoryBuffer cCopy = MemoryBuffer.allocate(s.format, 'C', s.view.shape());
             BufferView c = cCopy.getBuffer(BufferRequest.FULL);
             MemoryBuffer fCopy = MemoryBuffer.allocate(s.format, 'F', s.view.shape());
             BufferView fortran = fCopy.getBuffer(BufferRequest.FULL)) {
            BufferView v = s.view;
            List<long[]> indices = indices(v.shape());
            Random rnd = new Random(seed(layout, format) + 3);
            randomize(s, indices, rnd);
            byte[] bytes = v.toBytes('C');
            Kernels.scatter(MemorySegment.ofArray(bytes), c);
            Kernels.scatter(MemorySegment.ofArray(bytes), fortran);
            Subject cs = new Subject("C copy", c, List.of());
            for (BufferView copy : new BufferView[] {c, fortran}) {
                assertEqual(v, copy, true, s + " against an equal copy");
            }
            assertEqual(v, v, true, s + " against itself");
            if (!indices.isEmpty()) {
                List<long[]> at = List.of(indices.getFirst(), indices.get(rnd.nextInt(indices.size())),
                        indices.getLast());
                for (long[] index : at) {
                    String where = s + " at " + Arrays.toString(index);
                    if (s.kind.floating()) {
                        double old = real(cs, index);
                        setReal(cs, old + 1, index);
                        assertEqual(v, c, false, "one item differs, " + where);
                        // NaN is unequal to itself
                        setReal(cs, Double.NaN, index);
                        setReal(s, Double.NaN, index);
                        assertEqual(v, c, false, "NaN in both, " + where);
                        assertEqual(v, v, false, "NaN, against itself, " + where);
                        // -0.0 equals 0.0
                        setReal(cs, 0.0, index);
                        setReal(s, -0.0, index);
                        assertEqual(v, c, true, "-0.0 against 0.0, " + where);
                        setReal(cs, old, index);
                        setReal(s, old, index);
                    } else {
                        long old = integer(cs, index);
                        setInteger(cs, old ^ (1L << rnd.nextInt(s.kind == Kind.LONG ? 64 : 32)), index);
                        assertEqual(v, c, false, "one item differs, " + where);
                        setInteger(cs, old, index);
                    }
                    assertEqual(v, c, true, "restored, " + where);
                }
            }
            // the same bytes in another shape
            long[] other = otherShape(v.shape());
            try (MemoryBuffer reshaped = MemoryBuffer.wrap(MemorySegment.ofArray(bytes), s.format, 'C', other);
                 BufferView r = reshaped.getBuffer(BufferRequest.FULL)) {
                assertEqual(v, r, false, s + " against shape " + Arrays.toString(other));
            }
            // a format that is not equivalent
            Format different = Format.parse(switch (format) {
                case "d" -> "q";
                case "q", "l" -> "d"; // native 'l' is equivalent to 'q', standard '<l' to 'i'
                case "f" -> "i";
                case "i", "<l" -> "f";
                default -> format.substring(1); // '>x' against native little-endian 'x'
            });
            try (MemoryBuffer otherFormat = MemoryBuffer.allocate(different, 'C', v.shape());
                 BufferView o = otherFormat.getBuffer(BufferRequest.FULL)) {
                assertThatThrownBy(() -> Kernels.equal(v, o)).describedAs("%s against '%s'", s, different)
                        .isInstanceOf(BufferException.class).hasMessageContaining("not equivalent")
                        .hasMessageContaining("'" + different + "'");
                assertThatThrownBy(() -> Kernels.equal(o, v)).isInstanceOf(BufferException.class);
            }
        }
    }

    private static void assertEqual(BufferView a, BufferView b, boolean expected, String what) {
        assertThat(Kernels.equal(a, b)).describedAs("equal(a, b): %s", what).isEqualTo(expected);
        assertThat(Kernels.equal(b, a)).describedAs("equal(b, a): %s", what).isEqualTo(expected);
    }

    /** A different shape with as many items: reversed, or with a trailing 1. */
    private static long[] otherShape(long[] shape) {
        long[] reversed = shape.clone();
        for (int i = 0; i < shape.length; i++) {
            reversed[i] = shape[shape.length - 1 - i];
        }
        if (!Arrays.equals(reversed, shape)) {
            return reversed;
        }
        long[] longer = Arrays.copyOf(shape, shape.length + 1);
        longer[shape.length] = 1;
        return longer;
    }

    @Test
    void equivalentFormatsCompareEqual() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(8 * 10, 8);
            for (int i = 0; i < 10; i++) {
                m.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i * 1.5);
            }
            String nativeOrder = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? "<d" : ">d";
            BufferView plain = BufferView.wrap(m, Format.parse("d"), new long[] {10}, null, null, true);
            for (String equivalent : new String[] {nativeOrder, "=d", "@d"}) {
                BufferView other = BufferView.wrap(m, Format.parse(equivalent), new long[] {10}, null, null, true);
                assertThat(Kernels.equal(plain, other)).describedAs("'d' against '%s'", equivalent).isTrue();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ big rows

    /** Runs last, so that the kernels it calls over 16 million items are compiled by then. */
    @Test
    @Order(Integer.MAX_VALUE)
    void sixteenRowsOfAMillionAndOneDoubles() {
        long rows = 16;
        int cols = 1_000_001;
        Random rnd = new Random(16);
        double sum = 0;
        double sumAbs = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(rows, cols, "d", false)) {
            double[] row = new double[cols];
            for (long r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double x = rnd.nextDouble() * 2 - 1;
                    row[c] = x;
                    sum += x;
                    sumAbs += Math.abs(x);
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
                MemorySegment.copy(row, 0, m.row(r), ValueLayout.JAVA_DOUBLE, 0, cols);
            }
            try (BufferView v = m.getBuffer(BufferRequest.FULL);
                 MemoryBuffer direct = MemoryBuffer.allocate(Format.parse("d"), 'C', rows, cols);
                 BufferView d = direct.getBuffer(BufferRequest.FULL)) {
                assertThat(v.getDouble(rows - 1, cols - 1)).isEqualTo(row[cols - 1]);
                assertThat(Kernels.sum(v)).isCloseTo(sum, within(sumAbs * RELATIVE));
                assertThat(Kernels.min(v)).isEqualTo(min);
                assertThat(Kernels.max(v)).isEqualTo(max);

                Kernels.gather(v, d.buf());
                for (long r = 0; r < rows; r++) {
                    assertThat(d.buf().asSlice(r * cols * 8L, cols * 8L).mismatch(m.row(r))).isEqualTo(-1);
                }
                assertThat(Kernels.equal(v, d)).isTrue();
                double last = d.getDouble(rows - 1, cols - 1);
                d.setDouble(last + 1, rows - 1, cols - 1);
                assertThat(Kernels.equal(v, d)).isFalse();
                d.setDouble(last, rows - 1, cols - 1);

                Kernels.scale(v, 2.0);
                for (long r = 0; r < rows; r++) {
                    for (long c : new long[] {0, 1, cols / 2, cols - 2, cols - 1}) {
                        assertThat(v.getDouble(r, c)).isEqualTo(2 * d.getDouble(r, c));
                    }
                }

                Kernels.fill(v, 0.25);
                MemorySegment expectedRow = MemorySegment.ofArray(new double[cols]);
                for (int c = 0; c < cols; c++) {
                    expectedRow.setAtIndex(ValueLayout.JAVA_DOUBLE, c, 0.25);
                }
                for (long r = 0; r < rows; r++) {
                    assertThat(m.row(r).mismatch(expectedRow)).describedAs("row %d after fill", r).isEqualTo(-1);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ errors

    /** Every operation, to check they all refuse the same way. */
    private static List<ThrowingCallable> allOperations(BufferView v, BufferView other) {
        return List.of(() -> Kernels.sum(v), () -> Kernels.sumLong(v), () -> Kernels.min(v), () -> Kernels.max(v),
                () -> Kernels.minLong(v), () -> Kernels.maxLong(v), () -> Kernels.fill(v, 1.0),
                () -> Kernels.fill(v, 1L), () -> Kernels.scale(v, 2.0), () -> Kernels.scale(v, 2L),
                () -> Kernels.equal(v, other), () -> Kernels.equal(other, v));
    }

    @Test
    void unsupportedFormatsAreRefusedNamingTheFormat() {
        try (Arena arena = Arena.ofConfined()) {
            // unsigned 4- and 8-byte integers: bitwise operations only
            for (String unsigned : new String[] {"Q", "I", "L", "N", "<L", ">Q"}) {
                Format f = Format.parse(unsigned);
                BufferView v = BufferView.wrap(arena.allocate(f.itemSize() * 6, 8), f, new long[] {2, 3}, null,
                        null, false);
                for (ThrowingCallable arithmetic : List.<ThrowingCallable>of(() -> Kernels.sum(v),
                        () -> Kernels.sumLong(v), () -> Kernels.min(v), () -> Kernels.max(v),
                        () -> Kernels.minLong(v), () -> Kernels.maxLong(v), () -> Kernels.scale(v, 2L),
                        () -> Kernels.scale(v, 2.0))) {
                    assertThatThrownBy(arithmetic).describedAs("arithmetic on '%s'", f)
                            .isInstanceOf(BufferException.class).hasMessageContaining("'" + f + "'");
                }
                Kernels.fill(v, -1L);
                if (f.itemSize() == 8) {
                    assertThat(v.getLong(1, 2)).isEqualTo(-1L);
                } else {
                    assertThat(v.getInt(1, 2)).isEqualTo(-1);
                }
                assertThat(Kernels.equal(v, v)).isTrue();
                assertThatThrownBy(() -> Kernels.fill(v, 1.0)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("'" + f + "'");
            }
            // formats the kernels do not handle at all
            for (String unsupported : new String[] {"B", "b", "h", "H", "e", "?", "c", "dd", "2i", "Zd", "T{d}i"}) {
                Format f = Format.parse(unsupported);
                BufferView v = BufferView.wrap(arena.allocate(f.itemSize() * 4, 8), f, new long[] {4}, null, null,
                        false);
                for (ThrowingCallable call : allOperations(v, v)) {
                    assertThatThrownBy(call).describedAs("format '%s'", f).isInstanceOf(BufferException.class)
                            .hasMessageContaining("'" + f + "'");
                }
                // bytes move whatever the format
                byte[] bytes = new byte[(int) v.len()];
                Kernels.scatter(MemorySegment.ofArray(bytes), v);
                Kernels.gather(v, MemorySegment.ofArray(bytes));
            }
        }
    }

    @Test
    void otherSignedIntegerFormatsAreHandled() {
        try (Arena arena = Arena.ofConfined()) {
            for (String signed : new String[] {"n", "=q", "!q", "<i", "=l", "!l", ">l"}) {
                Format f = Format.parse(signed);
                BufferView v = BufferView.wrap(arena.allocate(f.itemSize() * 5, 8), f, new long[] {5}, null, null,
                        false);
                Kernels.fill(v, 7L);
                Kernels.scale(v, -3L);
                assertThat(Kernels.sumLong(v)).describedAs("'%s'", f).isEqualTo(-105);
                assertThat(Kernels.minLong(v)).isEqualTo(-21);
            }
        }
    }

    @Test
    void readOnlyViewsRefuseFillScaleAndScatter() throws Exception {
        try (Arena arena = Arena.ofConfined();
             IndirectMemory2D m = IndirectMemory2D.createMemory(3, 4, "d", true);
             BufferView d = m.getBuffer(BufferRequest.FULL_RO)) {
            MemorySegment longs = arena.allocate(8 * 6, 8);
            for (int i = 0; i < 6; i++) {
                longs.setAtIndex(ValueLayout.JAVA_LONG, i, i);
            }
            BufferView q = BufferView.wrap(longs, Format.parse("q"), new long[] {2, 3}, null, null, true);
            for (BufferView v : new BufferView[] {d, q}) {
                byte[] before = v.toBytes('C');
                List<ThrowingCallable> writes = v == d
                        ? List.of(() -> Kernels.fill(v, 1.0), () -> Kernels.scale(v, 2.0))
                        : List.of(() -> Kernels.fill(v, 1L), () -> Kernels.scale(v, 2L));
                for (ThrowingCallable write : writes) {
                    assertThatThrownBy(write).describedAs("%s", v).isInstanceOf(ReadOnlyBufferException.class);
                }
                assertThatThrownBy(() -> Kernels.scatter(MemorySegment.ofArray(new byte[(int) v.len()]), v))
                        .isInstanceOf(ReadOnlyBufferException.class);
                assertThat(v.toBytes('C')).isEqualTo(before);
                // reading is fine
                assertThatCode(() -> Kernels.sum(v)).doesNotThrowAnyException();
                assertThat(Kernels.equal(v, v)).isTrue();
            }
            assertThat(Kernels.sumLong(q)).isEqualTo(15);
            assertThat(Kernels.max(d)).isEqualTo(0.0);
        }
    }

    @Test
    void viewsWithoutFormatAreRefused() throws Exception {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, 4, "d", false);
             BufferView v = m.getBuffer(BufferRequest.STRIDES | BufferRequest.INDIRECT);
             BufferView full = m.getBuffer(BufferRequest.FULL)) {
            assertThat(v.format()).isNull();
            for (ThrowingCallable call : allOperations(v, full)) {
                assertThatThrownBy(call).isInstanceOf(BufferException.class).hasMessageContaining("no format");
            }
            // bytes still move
            byte[] bytes = new byte[(int) v.len()];
            Kernels.gather(v, MemorySegment.ofArray(bytes));
            assertThat(bytes).isEqualTo(full.toBytes('C'));
        }
    }

    @Test
    void emptyViewsHaveASumButNoMinimum() throws Exception {
        try (Arena arena = Arena.ofConfined();
             IndirectMemory2D noRows = IndirectMemory2D.createMemory(0, 4, "q", false);
             IndirectMemory2D noCols = IndirectMemory2D.createMemory(3, 0, "d", false);
             BufferView a = noRows.getBuffer(BufferRequest.FULL);
             BufferView b = noCols.getBuffer(BufferRequest.FULL)) {
            BufferView c = BufferView.wrap(arena.allocate(8), Format.parse("i"), new long[] {0}, null, null, false);
            for (BufferView v : new BufferView[] {a, b, c}) {
                assertThat(Kernels.sum(v)).isZero();
                for (ThrowingCallable call : List.<ThrowingCallable>of(() -> Kernels.min(v), () -> Kernels.max(v))) {
                    assertThatThrownBy(call).isInstanceOf(BufferException.class).hasMessageContaining("no items")
                            .hasMessageContaining(Arrays.toString(v.shape()));
                }
                assertThat(Kernels.equal(v, v)).isTrue();
            }
            assertThat(Kernels.sumLong(a)).isZero();
            assertThatThrownBy(() -> Kernels.minLong(a)).isInstanceOf(BufferException.class);
            assertThatThrownBy(() -> Kernels.maxLong(c)).isInstanceOf(BufferException.class);
            Kernels.fill(b, 1.0);
            Kernels.scale(a, 3L);
            Kernels.gather(b, MemorySegment.ofArray(new byte[0]));
            Kernels.scatter(MemorySegment.ofArray(new byte[0]), a);
            // same number of items (none), different shapes
            assertThat(Kernels.equal(a, noRowsLike(arena))).isFalse();
        }
    }

    /** An empty view of format 'q' and shape {4, 0}: as many items as shape {0, 4}, but another shape. */
    private static BufferView noRowsLike(Arena arena) {
        return BufferView.wrap(arena.allocate(8), Format.parse("q"), new long[] {4, 0}, null, null, false);
    }

    @Test
    void closedViewsAreRefused() throws Exception {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, 4, "d", false);
             BufferView open = m.getBuffer(BufferRequest.FULL)) {
            BufferView closed = m.getBuffer(BufferRequest.FULL);
            closed.close();
            List<ThrowingCallable> calls = new ArrayList<>(allOperations(closed, open));
            calls.add(() -> Kernels.gather(closed, MemorySegment.ofArray(new byte[96])));
            calls.add(() -> Kernels.scatter(MemorySegment.ofArray(new byte[96]), closed));
            for (ThrowingCallable call : calls) {
                assertThatThrownBy(call).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            }
        }
    }

    @Test
    void nullPointersAreRefusedNamingTheDimension() throws Exception {
        try (Arena arena = Arena.ofShared();
             Subject table = table("table with a NULL row 2", Format.parse("d"), arena, 4, 5, P, 8, 1, false, 2);
             Subject deep = threeD("3-D with a NULL second-level pointer [1][2]", Format.parse("q"), arena, 1, 2)) {
            for (Subject s : new Subject[] {table, deep}) {
                BufferView v = s.view;
                String dimension = s == table ? "dimension 0" : "dimension 1";
                String index = s == table ? "[2]" : "[1, 2]";
                try (MemoryBuffer copy = MemoryBuffer.allocate(s.format, 'C', v.shape());
                     BufferView c = copy.getBuffer(BufferRequest.FULL)) {
                    List<ThrowingCallable> calls = new ArrayList<>(List.of(() -> Kernels.sum(v),
                            () -> Kernels.min(v), () -> Kernels.max(v), () -> Kernels.equal(v, c),
                            () -> Kernels.equal(c, v),
                            () -> Kernels.gather(v, MemorySegment.ofArray(new byte[(int) v.len()])),
                            () -> Kernels.scatter(MemorySegment.ofArray(new byte[(int) v.len()]), v)));
                    if (s.kind.floating()) {
                        calls.addAll(List.of(() -> Kernels.fill(v, 1.0), () -> Kernels.scale(v, 2.0)));
                    } else {
                        calls.addAll(List.of(() -> Kernels.sumLong(v), () -> Kernels.minLong(v),
                                () -> Kernels.maxLong(v), () -> Kernels.fill(v, 1L), () -> Kernels.scale(v, 2L)));
                    }
                    for (ThrowingCallable call : calls) {
                        assertThatThrownBy(call).describedAs("%s", s).isInstanceOf(IllegalStateException.class)
                                .hasMessageContaining("NULL").hasMessageContaining(dimension)
                                .hasMessageContaining(index);
                    }
                }
            }
        }
    }
}
