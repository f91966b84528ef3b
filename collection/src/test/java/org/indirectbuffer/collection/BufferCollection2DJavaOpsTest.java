package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.MemoryBuffer;
import org.junit.jupiter.api.Test;

/** Java-side operations work on the rows where they are, without staging and without exports. */
class BufferCollection2DJavaOpsTest {
    /** Awkward row lengths for the kernels: empty, single, around vector lane counts, odd. */
    private static final int[] COLS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127};

    /** Rows of {@code cols} doubles, every third one a direct buffer, every fifth a heap exporter. */
    private static List<Object> mixedRows(double[][] data) {
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < data.length; i++) {
            if (i % 3 == 1) {
                DoubleBuffer d = ByteBuffer.allocateDirect(data[i].length * 8).order(ByteOrder.nativeOrder())
                        .asDoubleBuffer();
                d.put(0, data[i]);
                rows.add(d);
            } else if (i % 5 == 4) {
                rows.add(MemoryBuffer.wrap(data[i]));
            } else {
                rows.add(data[i]);
            }
        }
        return rows;
    }

    private static double[][] randomData(Random random, int rows, int cols) {
        double[][] data = new double[rows][cols];
        for (double[] row : data) {
            for (int j = 0; j < cols; j++) {
                // Small integers: every sum is exact, whatever the order of additions.
                row[j] = random.nextInt(2001) - 1000;
            }
        }
        return data;
    }

    @Test
    void sumMinMaxMatchAPlainLoopOverAwkwardSizes() {
        Random random = new Random(7);
        for (int cols : COLS) {
            for (int rows : new int[] {1, 2, 7, 13}) {
                double[][] data = randomData(random, rows, cols);
                double sum = 0;
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (double[] row : data) {
                    for (double x : row) {
                        sum += x;
                        min = Math.min(min, x);
                        max = Math.max(max, x);
                    }
                }
                try (BufferCollection2D col = BufferCollection2D.wrap(mixedRows(data))) {
                    assertThat(col.sum()).as("%d x %d", rows, cols).isEqualTo(sum);
                    if (cols > 0) {
                        assertThat(col.min()).as("%d x %d", rows, cols).isEqualTo(min);
                        assertThat(col.max()).as("%d x %d", rows, cols).isEqualTo(max);
                    } else {
                        assertThatThrownBy(col::max).isInstanceOf(BufferException.class)
                                .hasMessageContaining("no items");
                    }
                    assertThat(col.exportCount()).isZero();
                }
            }
        }
    }

    @Test
    void fillScaleAndSetWriteTheCallersRowsDirectly() {
        Random random = new Random(11);
        for (int cols : COLS) {
            double[][] data = randomData(random, 6, cols);
            double[][] original = new double[data.length][];
            for (int i = 0; i < data.length; i++) {
                original[i] = data[i].clone();
            }
            List<Object> rows = mixedRows(data);
            try (BufferCollection2D col = BufferCollection2D.wrap(rows)) {
                col.scale(3);
                for (int i = 0; i < data.length; i++) {
                    for (int j = 0; j < cols; j++) {
                        assertThat(col.getDouble(i, j)).isEqualTo(original[i][j] * 3);
                        if (!(rows.get(i) instanceof DoubleBuffer)) {
                            // Heap rows: the caller's array itself, with no export.
                            assertThat(data[i][j]).isEqualTo(original[i][j] * 3);
                        }
                    }
                }
                // Heap rows changed without any export: the arrays themselves.
                if (cols > 0) {
                    col.setDouble(0, cols - 1, 12345);
                    assertThat(data[0][cols - 1]).isEqualTo(12345);
                }
                col.fill(2.5);
                for (int i = 0; i < data.length; i++) {
                    Object row = rows.get(i);
                    for (int j = 0; j < cols; j++) {
                        double item = row instanceof DoubleBuffer d ? d.get(j) : data[i][j];
                        assertThat(item).isEqualTo(2.5);
                    }
                }
                assertThat(col.sum()).isEqualTo(2.5 * 6 * cols);
                assertThat(col.exportCount()).isZero();
            }
        }
    }

    @Test
    void gatherCopiesRowAfterRow() {
        Random random = new Random(13);
        for (int cols : COLS) {
            double[][] data = randomData(random, 5, cols);
            try (BufferCollection2D col = BufferCollection2D.wrap(mixedRows(data))) {
                double[] out = new double[5 * cols + 1];
                out[5 * cols] = 777;
                col.gather(MemorySegment.ofArray(out));
                for (int i = 0; i < 5; i++) {
                    for (int j = 0; j < cols; j++) {
                        assertThat(out[i * cols + j]).isEqualTo(data[i][j]);
                    }
                }
                assertThat(out[5 * cols]).isEqualTo(777);
                if (cols > 0) {
                    assertThatThrownBy(() -> col.gather(MemorySegment.ofArray(new double[5 * cols - 1])))
                            .isInstanceOf(IndexOutOfBoundsException.class)
                            .hasMessageContaining("needs " + 5 * cols * 8);
                }
            }
        }
    }

    @Test
    void typedAccessorsWorkOnEachFormat() {
        float[] f = {1.5f, 2.5f};
        FloatBuffer fd = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asFloatBuffer();
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(f, fd))) {
            col.setFloat(1, 1, 7.5f);
            assertThat(fd.get(1)).isEqualTo(7.5f);
            assertThat(col.getFloat(0, 1)).isEqualTo(2.5f);
            col.scale(2);
            assertThat(f).containsExactly(3f, 5f);
            assertThat(col.sum()).isEqualTo(3 + 5 + 0 + 15);
            assertThat(col.max()).isEqualTo(15);
        }
        long[] q = {1, -2, 3};
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(q, new long[] {4, 5, 6}))) {
            col.setLong(0, 1, -20);
            assertThat(q[1]).isEqualTo(-20);
            assertThat(col.getLong(1, 2)).isEqualTo(6);
            assertThat(col.sum()).isEqualTo(1 - 20 + 3 + 4 + 5 + 6);
            assertThat(col.min()).isEqualTo(-20);
            assertThatThrownBy(() -> col.fill(1.0)).isInstanceOf(BufferException.class);
            assertThatThrownBy(() -> col.getDouble(0, 0)).isInstanceOf(BufferException.class);
        }
        int[] i = {1, 2};
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(i, ByteBuffer.allocate(8)))) {
            col.setInt(1, 0, 9);
            assertThat(col.getInt(1, 0)).isEqualTo(9);
            col.setInt(0, 1, 20);
            assertThat(i[1]).isEqualTo(20);
            assertThat(col.sum()).isEqualTo(30);
        }
        // Formats the kernels do not handle are refused by name, not misread.
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new short[] {1, 2}))) {
            assertThatThrownBy(col::sum).isInstanceOf(BufferException.class).hasMessageContaining("'h'");
        }
    }

    @Test
    void foreignOrderRowsAreReadInTheirOrder() {
        ByteOrder foreign = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN
                : ByteOrder.LITTLE_ENDIAN;
        DoubleBuffer a = ByteBuffer.allocate(24).order(foreign).asDoubleBuffer();
        DoubleBuffer b = ByteBuffer.allocateDirect(24).order(foreign).asDoubleBuffer();
        a.put(0, 1).put(1, 2).put(2, 3);
        b.put(0, 4).put(1, 5).put(2, 6);
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a, b))) {
            assertThat(col.sum()).isEqualTo(21);
            assertThat(col.max()).isEqualTo(6);
            col.scale(2);
            assertThat(a.get(2)).isEqualTo(6);
            assertThat(b.get(0)).isEqualTo(8);
            double[] out = new double[6];
            col.gather(MemorySegment.ofArray(out));
            // gather copies bytes as they are: foreign-order items stay in their order.
            assertThat(MemorySegment.ofArray(out).get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(foreign), 8))
                    .isEqualTo(4);
        }
    }

    /** A write to a read-only collection says what was written, where, and that the collection is read-only. */
    @Test
    void readOnlyWritesNameTheCallAndTheCell() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[] {1, 2}, new double[] {3, 4}))) {
            col.makeReadOnly();
            assertThatThrownBy(() -> col.setDouble(1, 0, 4.5)).isInstanceOf(ReadOnlyBufferException.class)
                    .hasMessageStartingWith("setDouble(4.5) at row 1, column 0: BufferCollection2D[")
                    .hasMessageEndingWith(" is read-only; nothing was written");
            assertThatThrownBy(() -> col.fill(2.0)).isInstanceOf(ReadOnlyBufferException.class)
                    .hasMessageStartingWith("fill(2.0) at every item: BufferCollection2D[");
            assertThatThrownBy(() -> col.scale(2.0)).isInstanceOf(ReadOnlyBufferException.class)
                    .hasMessageStartingWith("scale(2.0) at every item: ");
            assertThat(col.getDouble(1, 0)).isEqualTo(3.0);
        }
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new float[] {1}, new float[] {2}))) {
            col.makeReadOnly();
            assertThatThrownBy(() -> col.setFloat(0, 0, 1f)).hasMessageStartingWith("setFloat(1.0) at row 0, column 0");
        }
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new long[] {1}))) {
            col.makeReadOnly();
            assertThatThrownBy(() -> col.setLong(0, 0, 9)).hasMessageStartingWith("setLong(9) at row 0, column 0");
        }
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new int[] {1}))) {
            col.makeReadOnly();
            assertThatThrownBy(() -> col.setInt(0, 0, 9)).hasMessageStartingWith("setInt(9) at row 0, column 0");
        }
    }

    /**
     * The typed accessors read and write the rows where they are, and check the collection, both indices, the
     * format and read-only access on every call, naming the values.
     */
    @Test
    void typedDoublesCheckEveryCallAndNameTheValues() {
        double[][] data = {{1, 2, 3}, {4, 5, 6}};
        BufferCollection2D c = BufferCollection2D.wrap(data);
        c.setDouble(1, 2, 60);
        assertThat(data[1][2]).isEqualTo(60);
        assertThat(c.getDouble(0, 1)).isEqualTo(2);
        assertThatThrownBy(() -> c.getDouble(2, 0)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("row 2 out of range [0, 2)");
        assertThatThrownBy(() -> c.getDouble(0, 3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("getDouble: column 3 out of range [0, 3)");
        assertThatThrownBy(() -> c.setDouble(0, -1, 0)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("setDouble: column -1 out of range [0, 3)");
        c.makeReadOnly();
        assertThatThrownBy(() -> c.setDouble(0, 0, 9)).isInstanceOf(ReadOnlyBufferException.class)
                .hasMessageContaining("setDouble(9.0)");
        assertThat(data[0][0]).isEqualTo(1);
        c.close();
        assertThatThrownBy(() -> c.getDouble(0, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");

        BufferCollection2D floats = BufferCollection2D.wrap(new float[][] {{1, 2}});
        assertThatThrownBy(() -> floats.getDouble(0, 0)).isInstanceOf(BufferException.class)
                .hasMessageContaining("getDouble: format 'f' is not a single item of a type read as double");
        floats.close();
    }
}
