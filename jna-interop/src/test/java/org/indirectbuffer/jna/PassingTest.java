package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.LeakDetection;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/** Passing the toolkit's objects to C: keep-alive Pointers, the type mapper, and the FFM route. */
class PassingTest {
    private static final TestNative.Typed LIB = TestNative.TYPED;
    private static final TestNative.Raw RAW = TestNative.RAW;

    private static double[][] coordinates(int rows, int cols) {
        double[][] d = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                d[i][j] = i * 1000.0 + j;
            }
        }
        return d;
    }

    private static double sum(double[][] d) {
        double s = 0;
        for (double[] row : d) {
            for (double v : row) {
                s += v;
            }
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------------ pointers

    @Test
    void pointerOfIndirectMemoryIsItsTableAndHoldsIt() {
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(coordinates(3, 5))) {
            IndirectPointer p = JnaIndirect.pointer(m);
            assertThat(p.address()).isEqualTo(m.pointerTable().address());
            assertThat(p.owner()).isSameAs(m);
            assertThat(p.holdsExport()).isFalse();
            assertThat(RAW.jt_sum(p, 3, 5)).isEqualTo(sum(coordinates(3, 5)));
            assertThat(m.exportCount()).isZero();
            p.close(); // nothing to release, but the Pointer has ended: NULL to JNA, refused by the library
            assertThat(p.isClosed()).isTrue();
            assertThat(com.sun.jna.Pointer.nativeValue(p)).isZero();
            assertThatThrownBy(() -> LIB.jt_sum(p, 3, 5)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("it was closed");
            assertThat(m.isClosed()).as("the owner is untouched").isFalse();
            assertThat(RAW.jt_sum(JnaIndirect.pointer(m), 3, 5)).isEqualTo(sum(coordinates(3, 5)));
        }
    }

    @Test
    void pointerOfAViewIsItsBuf() {
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(new float[][] {{1, 2}, {3, 4}});
             BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
            IndirectPointer p = JnaIndirect.pointer(v);
            assertThat(p.owner()).isSameAs(v);
            assertThat(RAW.jt_sum_float(p, 2, 2)).isEqualTo(10.0);
            v.close();
            assertThatThrownBy(() -> JnaIndirect.pointer(v)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
        try (MemoryBuffer heap = MemoryBuffer.wrap(new double[] {1, 2, 3});
             BufferView v = heap.getBuffer(BufferRequest.FULL_RO)) {
            assertThatThrownBy(() -> JnaIndirect.pointer(v)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("Java heap");
        }
    }

    @Test
    void pointerOfACollectionStagesHeapRowsAndWritesBackOnClose() {
        double[][] rows = new double[3][4];
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(rows[0], rows[1], rows[2]))) {
            try (IndirectPointer p = JnaIndirect.export(c)) {
                assertThat(p.holdsExport()).isTrue();
                assertThat(c.exportCount()).isEqualTo(1);
                RAW.jt_fill(p, 3, 4);
                assertThat(rows[2][3]).isZero(); // C wrote the staged copy; not yet copied back
                assertThatThrownBy(c::close).isInstanceOf(BufferException.class).hasMessageContaining("locked");
            }
            assertThat(rows).isDeepEqualTo(coordinates(3, 4));
            assertThat(c.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ mapper

    @Test
    void interfaceTakesIndirectMemoryDirectly() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(4, 6, "d", false)) {
            LIB.jt_fill(m, 4, 6);
            assertThat(m.getDouble(3, 5)).isEqualTo(3005.0);
            assertThat(LIB.jt_sum(m, 4, 6)).isEqualTo(sum(coordinates(4, 6)));
            assertThat(m.exportCount()).as("export released after each call").isZero();
        }
        try (IndirectMemory2D f = IndirectMemory2D.createFrom(new float[][] {{0.5f, 1.5f}, {2, 3}})) {
            assertThat(LIB.jt_sum_float(f, 2, 2)).isEqualTo(7.0);
        }
    }

    @Test
    void heapStagedCollectionIsWrittenBackAfterTheCall() {
        double[] r0 = new double[5];
        double[] r1 = new double[5];
        java.nio.DoubleBuffer direct = java.nio.ByteBuffer.allocateDirect(5 * 8)
                .order(java.nio.ByteOrder.nativeOrder()).asDoubleBuffer();
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(r0, direct, r1))) {
            assertThat(c.isStaged(0)).isTrue();
            assertThat(c.isStaged(1)).isFalse();
            LIB.jt_fill(c, 3, 5);
            assertThat(r0).containsExactly(0, 1, 2, 3, 4);
            assertThat(direct.get(4)).isEqualTo(1004.0);
            assertThat(r1).containsExactly(2000, 2001, 2002, 2003, 2004);
            assertThat(c.exportCount()).isZero();
            assertThat(LIB.jt_sum(c, 3, 5)).isEqualTo(sum(coordinates(3, 5)));
        }
    }

    @Test
    void readOnlyCollectionIsPassedButNotWrittenBack() {
        double[] r0 = {1, 2};
        double[] r1 = {3, 4};
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(r0, r1))) {
            c.makeReadOnly();
            LIB.jt_fill(c, 2, 2); // C may write its staged copy; nothing comes back
            assertThat(r0).containsExactly(1, 2);
            assertThat(LIB.jt_sum(c, 2, 2)).isEqualTo(10.0);
        }
    }

    @Test
    void twoArgumentsOneStagedOneNative() {
        double[][] a = {{1, 1}, {1, 1}};
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(a[0], a[1]));
             IndirectMemory2D b = IndirectMemory2D.createFrom(new double[][] {{1, 2}, {3, 4}})) {
            LIB.jt_add(c, b, 2, 2);
            assertThat(a).isDeepEqualTo(new double[][] {{2, 3}, {4, 5}});
            assertThat(c.exportCount() + b.exportCount()).isZero();
        }
    }

    @Test
    void argumentsAreLockedWhileCIsUsingThem() {
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(coordinates(4, 3))) {
            AtomicReference<Throwable> duringCall = new AtomicReference<>();
            double s = LIB.jt_sum_with_callback(m, 4, 3, () -> {
                try {
                    m.close();
                } catch (Throwable t) {
                    duringCall.set(t);
                }
            });
            assertThat(s).isEqualTo(sum(coordinates(4, 3)));
            assertThat(duringCall.get()).isInstanceOf(BufferException.class)
                    .hasMessageContaining("buffer is locked: cannot close while 1 view is exported");
            assertThat(m.exportCount()).isZero();
        }
        double[][] rows = coordinates(2, 2);
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(rows[0], rows[1]))) {
            AtomicReference<Throwable> duringCall = new AtomicReference<>();
            LIB.jt_sum_with_callback(c, 2, 2, () -> {
                try {
                    c.makeReadOnly();
                } catch (Throwable t) {
                    duringCall.set(t);
                }
            });
            assertThat(duringCall.get()).isInstanceOf(BufferException.class).hasMessageContaining("locked");
        }
    }

    @Test
    void aFailingCallStillWritesBackAndReleases() {
        double[][] rows = new double[2][3];
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(rows[0], rows[1]))) {
            assertThatThrownBy(() -> LIB.jt_fill_then_fail(c, 2, 3)).isInstanceOf(LastErrorException.class);
            assertThat(c.exportCount()).as("released in finally, not left to the Cleaner").isZero();
            assertThat(rows).isDeepEqualTo(coordinates(2, 3));
        }
    }

    @Test
    void withTheBareTypeMapperAFailedCallIsReleasedByTheCleaner() throws InterruptedException {
        BareLib bare = Native.load(TestNative.PATH, BareLib.class, IndirectLibrary.options());
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 7, "d", false)) {
            assertThat(bare.jt_sum(m, 2, 7)).isZero();
            assertThat(m.exportCount()).as("PostCallRead released it").isZero();
            assertThatThrownBy(() -> bare.jt_fill_then_fail(m, 2, 7)).isInstanceOf(LastErrorException.class);
            for (int i = 0; i < 200 && m.exportCount() > 0; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertThat(m.exportCount()).isZero();
            // The Cleaner's release is a leak of the argument's export, reported as every other one.
            assertThat(LeakDetection.recentReports()).filteredOn(r -> r.contains("CallPointer was never closed"))
                    .last().asString().startsWith("LEAK: CallPointer was never closed: export for a native call"
                            + " (thread '" + Thread.currentThread().getName() + "') of IndirectMemory2D[2 x 7 'd'")
                    .contains("what it held was released");
            assertThat(LeakDetection.openResources()).noneMatch(r -> r.contains("CallPointer"));
        }
    }

    /** Loaded with Native.load and IndirectLibrary.options(): the mapper without the proxy. */
    public interface BareLib extends com.sun.jna.Library {
        double jt_sum(IndirectMemory2D m, int rows, int cols);

        void jt_fill_then_fail(IndirectMemory2D m, int rows, int cols) throws LastErrorException;
    }

    @Test
    void anyExporterIsPassedAsItsBufReadOnlyWhenWritableIsRefused() {
        try (MemoryBuffer flat = MemoryBuffer.allocate(Format.parse("d"), 'C', 2, 3)) {
            try (BufferView v = flat.getBuffer(BufferRequest.FULL)) {
                for (int i = 0; i < 6; i++) {
                    v.setDouble(i + 1, i / 3, i % 3);
                }
            }
            assertThat(LIB.jt_sum_flat(flat, 6)).isEqualTo(21.0);
            flat.makeReadOnly();
            assertThat(LIB.jt_sum_flat(flat, 6)).isEqualTo(21.0);
            assertThat(flat.exportCount()).isZero();
        }
        try (MemoryBuffer heap = MemoryBuffer.wrap(new double[] {1, 2})) {
            assertThatThrownBy(() -> LIB.jt_sum_flat(heap, 2)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("Java heap");
            assertThat(heap.exportCount()).isZero();
        }
    }

    @Test
    void closedArgumentsAndImpossibleReturnTypesFailBeforeCIsCalled() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false);
        m.close();
        assertThatThrownBy(() -> LIB.jt_sum(m, 2, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        int live = RAW.jt_live_matrices();
        assertThatThrownBy(() -> LIB.jt_new_matrix(2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IndirectMemory2D cannot be the return type")
                .hasMessageContaining("JnaIndirect.wrap");
        assertThat(RAW.jt_live_matrices()).as("C was not called").isEqualTo(live);
        assertThat(LIB.jt_sum((IndirectMemory2D) null, 0, 0)).isZero();
        assertThat(LIB.toString()).contains("IndirectLibrary");
        assertThat(LIB).isEqualTo(LIB).hasSameHashCodeAs(LIB);
    }

    @Test
    void aMissingLibraryIsReportedAsAbsentNotAsACrash() {
        assertThat(IndirectLibrary.loadIfPresent("libindirectbuffer-no-such-library.so.9", BareLib.class)).isEmpty();
        assertThatThrownBy(() -> IndirectLibrary.load("libindirectbuffer-no-such-library.so.9", BareLib.class))
                .isInstanceOf(UnsatisfiedLinkError.class);
    }

    // ------------------------------------------------------------------------------------------------ FFM

    @Test
    void theSameObjectsGoToAnFfmDowncallAsAddress() throws Throwable {
        double[][] data = coordinates(3, 4);
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, 4, "d", false)) {
            TestNative.Ffm.FILL.invokeExact(m.pointerTable(), 3, 4);
            assertThat(m.getDouble(2, 3)).isEqualTo(2003.0);
            assertThat((double) TestNative.Ffm.SUM.invokeExact(m.pointerTable(), 3, 4)).isEqualTo(sum(data));
            // A JNA keep-alive Pointer and an FFM address are the same number.
            IndirectPointer p = JnaIndirect.pointer(m);
            assertThat((double) TestNative.Ffm.SUM.invokeExact(MemorySegment.ofAddress(p.address()), 3, 4))
                    .isEqualTo(sum(data));
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThat((double) TestNative.Ffm.SUM.invokeExact(v.buf(), 3, 4)).isEqualTo(sum(data));
            }
        }
        double[][] heap = new double[3][4];
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(heap[0], heap[1], heap[2]))) {
            try (BufferView v = c.getBuffer(BufferRequest.FULL)) {
                TestNative.Ffm.FILL.invokeExact(v.buf(), 3, 4);
            }
            assertThat(heap).isDeepEqualTo(data);
        }
        try (RaggedRows nodes = RaggedRowsTest.nodes(new long[] {1, 2}, "i4xd")) {
            assertThat((double) TestNative.Ffm.SUM_NODES.invokeExact(nodes.pointerTable(), 2))
                    .isEqualTo(RaggedRowsTest.expectedNodeSum(new long[] {1, 2}));
        }
        try (CStringArray s = CStringArray.create(java.nio.charset.StandardCharsets.UTF_8, "ab", "αβ")) {
            assertThat((long) TestNative.Ffm.TOTAL_STRLEN.invokeExact(s.pointerTable(), -1)).isEqualTo(6L);
        }
    }

    @Test
    void aTableSegmentOfClosedMemoryIsRefusedByTheDowncall() {
        IndirectMemory2D m = IndirectMemory2D.createFrom(coordinates(2, 2));
        MemorySegment table = m.pointerTable();
        m.close();
        assertThatThrownBy(() -> {
            double ignored = (double) TestNative.Ffm.SUM.invokeExact(table, 2, 2);
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
