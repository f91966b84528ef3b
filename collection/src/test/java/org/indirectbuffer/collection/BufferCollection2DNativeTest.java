package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/** Round trips through C (src/test/c/collection_test.c): C reads and writes the caller's rows through the table. */
class BufferCollection2DNativeTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = SymbolLookup.libraryLookup(
            Path.of(System.getProperty("indirectbuffer.collection.testlib")), Arena.global());
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final MethodHandle FILL_COORDINATES = bind("ct_fill_coordinates",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, INT, INT));
    private static final MethodHandle SUM = bind("ct_sum",
            FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS, INT, INT));
    private static final MethodHandle ADD_FLOAT = bind("ct_add_float",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, INT, INT, ValueLayout.JAVA_FLOAT));
    private static final MethodHandle ADD_INT = bind("ct_add_int",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, INT, INT, INT));
    private static final MethodHandle ROW_ADDRESSES = bind("ct_row_addresses",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, INT, ValueLayout.ADDRESS));

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(), descriptor);
    }

    private static double coordinate(int i, int j) {
        return i * 1000.0 + j + 0.5;
    }

    private static void fillCoordinates(BufferView v) throws Throwable {
        FILL_COORDINATES.invokeExact(v.buf(), (int) v.shape()[0], (int) v.shape()[1]);
    }

    private static double cSum(BufferView v) throws Throwable {
        return (double) SUM.invokeExact(v.buf(), (int) v.shape()[0], (int) v.shape()[1]);
    }

    @Test
    void cWritesReachTheCallersArraysWhenTheViewIsClosed() throws Throwable {
        double[][] data = new double[3][4];
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of((Object[]) data))) {
            try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                fillCoordinates(v);
                assertThat(cSum(v)).isEqualTo(expectedSum(3, 4));
                // Staged: the arrays do not see C's writes yet.
                assertThat(data[2][3]).isZero();
                assertThat(col.getDouble(2, 3)).isZero();
            }
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    assertThat(data[i][j]).isEqualTo(coordinate(i, j));
                }
            }
            assertThat(col.sum()).isEqualTo(expectedSum(3, 4));
        }
    }

    @Test
    void aConfinedExportRoundTripsThroughCAndRefusesOtherThreads() throws Throwable {
        double[][] data = new double[3][4];
        DoubleBuffer direct = ByteBuffer.allocateDirect(4 * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(data[0], direct, data[2]))) {
            BufferView v = col.getBuffer(BufferRequest.FULL, Sharing.CONFINED);
            fillCoordinates(v);
            assertThat(direct.get(3)).isEqualTo(coordinate(1, 3)); // in place, at once
            MemorySegment table = v.buf();
            // Another thread can neither read the table and staged rows nor close the view.
            Throwable[] seen = new Throwable[3];
            Thread other = new Thread(() -> {
                seen[0] = catching(() -> table.get(ValueLayout.JAVA_LONG, 0));
                seen[1] = catching(() -> v.getDouble(0, 1));
                seen[2] = catching(v::close);
            });
            other.start();
            other.join();
            assertThat(seen).allSatisfy(t -> assertThat(t).isInstanceOf(WrongThreadException.class));
            assertThat(seen[2]).hasMessageContaining("close it on that thread");
            assertThat(v.isClosed()).isFalse();
            assertThat(col.exportCount()).isEqualTo(1);
            assertThat(data[2][3]).isZero(); // not copied back by the refused close
            v.close();
            assertThat(col.exportCount()).isZero();
            assertThat(data[0][1]).isEqualTo(coordinate(0, 1));
            assertThat(data[2][3]).isEqualTo(coordinate(2, 3));
            assertThatThrownBy(() -> table.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
            // A read-only confined export is not copied back.
            try (BufferView ro = col.getBuffer(BufferRequest.FULL_RO, Sharing.CONFINED)) {
                fillZeros(ro);
            }
            assertThat(data[2][3]).isEqualTo(coordinate(2, 3));
        }
    }

    private static Throwable catching(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Writes zeros through the table, as a misbehaving C function could into a read-only view. */
    private static void fillZeros(BufferView v) {
        long rows = v.shape()[0];
        long cols = v.shape()[1];
        MemorySegment table = v.buf().reinterpret(rows * 8);
        for (long r = 0; r < rows; r++) {
            table.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(cols * 8).fill((byte) 0);
        }
    }

    @Test
    void cWritesLandInDirectBuffersAtOnce() throws Throwable {
        List<DoubleBuffer> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rows.add(ByteBuffer.allocateDirect(5 * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer());
        }
        try (BufferCollection2D col = BufferCollection2D.wrap(rows);
             BufferView v = col.getBuffer(BufferRequest.FULL)) {
            fillCoordinates(v);
            assertThat(rows.get(1).get(4)).isEqualTo(coordinate(1, 4));
            assertThat(rows.get(2).get(0)).isEqualTo(coordinate(2, 0));
            long[] seen = rowAddressesSeenByC(v, 3);
            for (int i = 0; i < 3; i++) {
                assertThat(seen[i]).isEqualTo(MemorySegment.ofBuffer(rows.get(i)).address());
            }
        }
    }

    @Test
    void aMixedCollectionRoundTripsThroughC() throws Throwable {
        int cols = 6;
        double[] array = new double[cols];
        double[] wrapped = new double[cols];
        double[] heapExporterItems = new double[cols];
        DoubleBuffer direct = ByteBuffer.allocateDirect(cols * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        try (Arena arena = Arena.ofConfined();
             MemoryBuffer heapExporter = MemoryBuffer.wrap(heapExporterItems);
             MemoryBuffer nativeExporter = MemoryBuffer.allocate(Format.parse("d"), 'C', 2, 3);
             IndirectMemory2D m = IndirectMemory2D.createMemory(2, cols, "d", false)) {
            MemorySegment nat = arena.allocate(ValueLayout.JAVA_DOUBLE, cols);
            List<Object> rows = List.of(array, direct, DoubleBuffer.wrap(wrapped), nat, heapExporter,
                    nativeExporter, m.row(1), new TestExporters.MatrixRow(m, 0));
            boolean[] staged = {true, false, true, false, true, false, false, false};
            try (BufferCollection2D col = BufferCollection2D.wrap(rows)) {
                for (int i = 0; i < rows.size(); i++) {
                    assertThat(col.isStaged(i)).as("row %d", i).isEqualTo(staged[i]);
                }
                try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                    fillCoordinates(v);
                    long[] seen = rowAddressesSeenByC(v, rows.size());
                    assertThat(seen[1]).isEqualTo(MemorySegment.ofBuffer(direct).address());
                    assertThat(seen[3]).isEqualTo(nat.address());
                    assertThat(seen[6]).isEqualTo(m.row(1).address());
                    assertThat(seen[7]).isEqualTo(m.row(0).address());
                    // In place at once; staged ones not yet.
                    assertThat(direct.get(5)).isEqualTo(coordinate(1, 5));
                    assertThat(nat.getAtIndex(ValueLayout.JAVA_DOUBLE, 2)).isEqualTo(coordinate(3, 2));
                    assertThat(m.getDouble(1, 0)).isEqualTo(coordinate(6, 0));
                    assertThat(m.getDouble(0, 3)).isEqualTo(coordinate(7, 3));
                    assertThat(array[0]).isZero();
                    assertThat(wrapped[0]).isZero();
                    assertThat(heapExporterItems[0]).isZero();
                    assertThat(cSum(v)).isEqualTo(expectedSum(rows.size(), cols));
                }
                assertThat(array[5]).isEqualTo(coordinate(0, 5));
                assertThat(wrapped[5]).isEqualTo(coordinate(2, 5));
                assertThat(heapExporterItems[5]).isEqualTo(coordinate(4, 5));
                try (BufferView nv = nativeExporter.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(nv.getDouble(1, 2)).isEqualTo(coordinate(5, 5));
                }
                assertThat(col.sum()).isEqualTo(expectedSum(rows.size(), cols));
            }
            // Every exporter row released.
            assertThat(heapExporter.exportCount()).isZero();
            assertThat(nativeExporter.exportCount()).isZero();
            assertThat(m.exportCount()).isZero();
        }
    }

    @Test
    void cSeesJavaWritesMadeBeforeTheExport() throws Throwable {
        Random random = new Random(20240611L);
        int rows = 17;
        int cols = 9;
        List<Object> data = new ArrayList<>();
        double expected = 0;
        for (int i = 0; i < rows; i++) {
            double[] row = new double[cols];
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextInt(1000) - 500;
                expected += row[j];
            }
            if (i % 3 == 0) {
                DoubleBuffer d = ByteBuffer.allocateDirect(cols * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
                d.put(0, row);
                data.add(d);
            } else {
                data.add(row);
            }
        }
        try (BufferCollection2D col = BufferCollection2D.wrap(data)) {
            col.setDouble(4, 4, col.getDouble(4, 4) + 1000);
            col.setDouble(3, 0, col.getDouble(3, 0) - 10);
            try (BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(cSum(v)).isEqualTo(expected + 990);
            }
        }
    }

    @Test
    void aReadOnlyCollectionIsNotCopiedBack() throws Throwable {
        double[] heap = {1, 2, 3};
        DoubleBuffer direct = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, direct))) {
            col.makeReadOnly();
            try (BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
                // C ignores read-only, as C does.
                fillCoordinates(v);
                assertThat(cSum(v)).isEqualTo(expectedSum(2, 3));
            }
            // The staged copy C wrote is dropped; an off-heap row has no copy, so C wrote the caller's memory.
            assertThat(heap).containsExactly(1, 2, 3);
            assertThat(direct.get(2)).isEqualTo(coordinate(1, 2));
        }
    }

    @Test
    void floatRowsRoundTrip() throws Throwable {
        float[] a = {1, 2};
        float[] b = {3, 4};
        FloatBuffer c = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asFloatBuffer();
        c.put(0, 5).put(1, 6);
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a, b, c))) {
            try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                ADD_FLOAT.invokeExact(v.buf(), 3, 2, 0.5f);
                assertThat(c.get(1)).isEqualTo(6.5f);
                assertThat(a[0]).isEqualTo(1f);
            }
            assertThat(a).containsExactly(1.5f, 2.5f);
            assertThat(b).containsExactly(3.5f, 4.5f);
            assertThat(col.sum()).isEqualTo(1.5 + 2.5 + 3.5 + 4.5 + 5.5 + 6.5);
        }
    }

    @Test
    void intRowsAndUnravelledRowsRoundTrip() throws Throwable {
        int[] flat = {1, 2, 3, 4};
        int[] matrix = {10, 20, 30, 40};
        try (MemoryBuffer twoByTwo = MemoryBuffer.wrap(matrix, 'C', 2, 2);
             BufferCollection2D col = BufferCollection2D.wrap(List.of(flat, twoByTwo))) {
            try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                ADD_INT.invokeExact(v.buf(), 2, 4, 100);
            }
            assertThat(flat).containsExactly(101, 102, 103, 104);
            assertThat(matrix).containsExactly(110, 120, 130, 140);
        }
    }

    private static long[] rowAddressesSeenByC(BufferView v, int rows) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG, Math.max(rows, 1));
            ROW_ADDRESSES.invokeExact(v.buf(), rows, out);
            return out.asSlice(0, rows * 8L).toArray(ValueLayout.JAVA_LONG);
        }
    }

    private static double expectedSum(int rows, int cols) {
        double s = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                s += coordinate(i, j);
            }
        }
        return s;
    }
}
