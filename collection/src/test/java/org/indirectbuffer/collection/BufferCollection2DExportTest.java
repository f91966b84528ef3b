package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/** The collection as an exporter: the view, staging, read-only, locks held on rows, close. */
class BufferCollection2DExportTest {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    // ------------------------------------------------------------------------------------------------ the view

    @Test
    void theViewIsTwoDimensionalIndirect() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new float[] {1, 2, 3}, new float[] {4, 5, 6}));
             BufferView v = col.getBuffer(BufferRequest.FULL)) {
            assertThat(v.ndim()).isEqualTo(2);
            assertThat(v.shape()).containsExactly(2, 3);
            assertThat(v.strides()).containsExactly(POINTER, 4);
            assertThat(v.suboffsets()).containsExactly(0, -1);
            assertThat(v.isIndirect()).isTrue();
            assertThat(v.format().toString()).isEqualTo("f");
            assertThat(v.itemSize()).isEqualTo(4);
            assertThat(v.isReadOnly()).isFalse();
            assertThat(v.getFloat(1, 2)).isEqualTo(6f);
            assertThat(Kernels.sum(v)).isEqualTo(21.0);
            assertThat(col.exportCount()).isEqualTo(1);
        }
    }

    @Test
    void aRequestWithoutIndirectIsRefused() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[2], new double[2]))) {
            for (int flags : new int[] {BufferRequest.SIMPLE, BufferRequest.CONTIG, BufferRequest.STRIDED,
                                        BufferRequest.RECORDS, BufferRequest.RECORDS_RO}) {
                assertThatThrownBy(() -> col.getBuffer(flags)).as(BufferRequest.describe(flags))
                        .isInstanceOf(BufferException.class)
                        .hasMessageContaining("INDIRECT was not requested");
            }
            // A table of pointers is never contiguous.
            for (int flags : new int[] {BufferRequest.C_CONTIGUOUS, BufferRequest.ANY_CONTIGUOUS,
                                        BufferRequest.INDIRECT | BufferRequest.C_CONTIGUOUS}) {
                assertThatThrownBy(() -> col.getBuffer(flags)).as(BufferRequest.describe(flags))
                        .isInstanceOf(BufferException.class)
                        .hasMessageContaining("contiguous");
            }
            assertThat(col.exportCount()).isZero();
            // INDIRECT alone is enough: no format then, as in CPython.
            try (BufferView v = col.getBuffer(BufferRequest.INDIRECT)) {
                assertThat(v.format()).isNull();
                assertThat(v.suboffsets()).containsExactly(0, -1);
            }
            assertThatThrownBy(() -> col.getBuffer(0x1000)).isInstanceOf(IllegalArgumentException.class);
            assertThat(col.exportCount()).isZero();
        }
    }

    @Test
    void rowsWithoutColumnsExportAnEmptyTable() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[0], new double[0]));
             BufferView v = col.getBuffer(BufferRequest.FULL)) {
            assertThat(v.shape()).containsExactly(2, 0);
            assertThat(v.len()).isZero();
            assertThat(Kernels.sum(v)).isZero();
        }
    }

    @Test
    void aViewMayBeClosedOnAnotherThread() throws Exception {
        double[] a = {1, 2};
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a))) {
            BufferView v = col.getBuffer(BufferRequest.FULL);
            v.setDouble(5, 0, 1);
            Thread closer = Thread.ofPlatform().start(v::close);
            closer.join();
            assertThat(a).containsExactly(1, 5);
            assertThat(col.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ in place

    @Test
    void offHeapRowsAreReferencedInPlace() {
        DoubleBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        try (Arena arena = Arena.ofConfined();
             MemoryBuffer owned = MemoryBuffer.allocate(Format.parse("d"), 'C', 2);
             IndirectMemory2D m = IndirectMemory2D.createMemory(3, 2, "d", false)) {
            MemorySegment nat = arena.allocate(ValueLayout.JAVA_DOUBLE, 2);
            long ownedAddress;
            try (BufferView ov = owned.getBuffer(BufferRequest.FULL_RO)) {
                ownedAddress = ov.buf().address();
            }
            List<Object> rows = List.of(direct, nat, owned, m.row(2));
            long[] addresses = {MemorySegment.ofBuffer(direct).address(), nat.address(), ownedAddress,
                                m.row(2).address()};
            try (BufferCollection2D col = BufferCollection2D.wrap(rows)) {
                for (int i = 0; i < rows.size(); i++) {
                    assertThat(col.isStaged(i)).as("row %d", i).isFalse();
                }
                for (int export = 0; export < 2; export++) {
                    try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                        for (int i = 0; i < rows.size(); i++) {
                            assertThat(v.elementAt(i, 0).address()).as("row %d", i).isEqualTo(addresses[i]);
                            assertThat(v.buf().getAtIndex(ValueLayout.JAVA_LONG, i)).isEqualTo(addresses[i]);
                        }
                        // A write through the view lands in the caller's memory at once.
                        v.setDouble(1.25, 0, 1);
                        v.setDouble(2.5, 3, 0);
                        assertThat(direct.get(1)).isEqualTo(1.25);
                        assertThat(m.getDouble(2, 0)).isEqualTo(2.5);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ staging

    @Test
    void heapRowsAreStagedPerExportAndCopiedBackOnClose() {
        double[] a = {1, 2, 3};
        double[] b = {4, 5, 6};
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a, b))) {
            BufferView v = col.getBuffer(BufferRequest.FULL);
            // The table points at native copies, not at the arrays.
            assertThat(v.elementAt(0, 0).isNative()).isTrue();
            assertThat(v.getDouble(1, 2)).isEqualTo(6);
            v.setDouble(50, 1, 0);
            v.setDouble(10, 0, 0);
            // Not before the view is closed.
            assertThat(a[0]).isEqualTo(1);
            assertThat(b[0]).isEqualTo(4);
            assertThat(col.getDouble(1, 0)).isEqualTo(4);
            v.close();
            assertThat(a).containsExactly(10, 2, 3);
            assertThat(b).containsExactly(50, 5, 6);
            assertThat(col.exportCount()).isZero();
            // Closing again copies nothing again.
            a[0] = -1;
            v.close();
            assertThat(a[0]).isEqualTo(-1);

            // The next export stages the arrays as they are now.
            b[2] = 60;
            try (BufferView w = col.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(w.getDouble(1, 2)).isEqualTo(60);
                assertThat(w.getDouble(0, 0)).isEqualTo(-1);
            }
        }
    }

    @Test
    void stagedMemoryDiesWithTheView() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[] {1, 2}))) {
            BufferView v = col.getBuffer(BufferRequest.FULL);
            MemorySegment item = v.elementAt(0, 1);
            MemorySegment table = v.buf();
            v.close();
            assertThatThrownBy(() -> item.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> table.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> v.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void everyKindOfHeapRowIsStagedAndCopiedBack() {
        double[] array = {1, 2};
        double[] wrapped = {3, 4};
        double[] segmentItems = {5, 6};
        double[] exporterItems = {7, 8};
        ByteBuffer heapBytes = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        try (MemoryBuffer exporter = MemoryBuffer.wrap(exporterItems)) {
            List<Object> rows = List.of(array, DoubleBuffer.wrap(wrapped), MemorySegment.ofArray(segmentItems),
                    exporter, heapBytes);
            try (BufferCollection2D col = BufferCollection2D.wrap(rows)) {
                for (int i = 0; i < rows.size(); i++) {
                    assertThat(col.isStaged(i)).as("row %d", i).isTrue();
                }
                try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                    for (int i = 0; i < rows.size(); i++) {
                        v.setDouble(100 + i, i, 1);
                    }
                }
            }
            assertThat(array[1]).isEqualTo(100);
            assertThat(wrapped[1]).isEqualTo(101);
            assertThat(segmentItems[1]).isEqualTo(102);
            assertThat(exporterItems[1]).isEqualTo(103);
            assertThat(heapBytes.getDouble(8)).isEqualTo(104);
        }
    }

    @Test
    void onlyStagedRowsAreCopiedBackAndMixedCollectionsWork() {
        double[] heap = {1, 2};
        DoubleBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        direct.put(0, 3).put(1, 4);
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(heap, direct))) {
            assertThat(col.isStaged(0)).isTrue();
            assertThat(col.isStaged(1)).isFalse();
            try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
                assertThat(Kernels.sum(v)).isEqualTo(10);
                v.setDouble(20, 0, 0);
                v.setDouble(40, 1, 0);
                assertThat(heap[0]).isEqualTo(1);
                assertThat(direct.get(0)).isEqualTo(40);
                // A Java-side write to the in-place row is seen by the view at once.
                col.setDouble(1, 1, 41);
                assertThat(v.getDouble(1, 1)).isEqualTo(41);
            }
            assertThat(heap[0]).isEqualTo(20);
            assertThat(col.sum()).isEqualTo(20 + 2 + 40 + 41);
        }
    }

    @Test
    void twoWritableViewsEachCopyBackWhenClosed() {
        double[] a = {0, 0};
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a))) {
            BufferView first = col.getBuffer(BufferRequest.FULL);
            BufferView second = col.getBuffer(BufferRequest.FULL);
            assertThat(col.exportCount()).isEqualTo(2);
            first.setDouble(1, 0, 0);
            second.setDouble(2, 0, 1);
            // Each view has its own native copy.
            assertThat(second.getDouble(0, 0)).isZero();
            first.close();
            assertThat(a).containsExactly(1, 0);
            second.close();
            assertThat(a).containsExactly(0, 2);
            assertThat(col.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ read-only

    @Test
    void anyReadOnlyRowMakesTheCollectionReadOnly() {
        double[] items = {1, 2};
        List<Consumer<List<Object>>> readOnlyRows = new ArrayList<>();
        readOnlyRows.add(rows -> rows.add(DoubleBuffer.wrap(new double[] {1, 2}).asReadOnlyBuffer()));
        readOnlyRows.add(rows -> rows.add(ByteBuffer.allocateDirect(16).asReadOnlyBuffer()));
        readOnlyRows.add(rows -> rows.add(MemorySegment.ofArray(new double[2]).asReadOnly()));
        readOnlyRows.add(rows -> {
            MemoryBuffer ro = MemoryBuffer.wrap(new double[2]);
            ro.makeReadOnly();
            rows.add(ro);
        });
        for (int k = 0; k < readOnlyRows.size(); k++) {
            List<Object> rows = new ArrayList<>();
            rows.add(items);
            readOnlyRows.get(k).accept(rows);
            try (BufferCollection2D col = BufferCollection2D.wrap(rows)) {
                assertThat(col.isReadOnly()).as("case %d", k).isTrue();
                assertThat(col.row(0).isReadOnly()).isTrue();
                assertThat(col.getDouble(0, 1)).isEqualTo(2);
                assertThatThrownBy(() -> col.setDouble(0, 0, 5)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> col.fill(5)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> col.scale(2)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> col.getBuffer(BufferRequest.FULL))
                        .isInstanceOf(BufferException.class)
                        .hasMessageContaining("read-only");
                try (BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(v.isReadOnly()).isTrue();
                    assertThatThrownBy(() -> v.setDouble(5, 0, 0)).isInstanceOf(ReadOnlyBufferException.class);
                }
                assertThat(items).containsExactly(1, 2);
            }
        }
    }

    @Test
    void makeReadOnlyIsRefusedWhileExportedAndThenStopsCopyBack() {
        double[] a = {1, 2};
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a))) {
            try (BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(col::makeReadOnly)
                        .isInstanceOf(BufferException.class)
                        .hasMessage("buffer is locked: cannot make read-only while 1 view is exported");
                assertThat(col.isReadOnly()).isFalse();
                assertThat(v.isClosed()).isFalse();
            }
            col.makeReadOnly();
            assertThat(col.isReadOnly()).isTrue();
            assertThatThrownBy(() -> col.setDouble(0, 0, 3)).isInstanceOf(ReadOnlyBufferException.class);
            try (BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.isReadOnly()).isTrue();
                // Written behind the view's back (as C would through the table): never copied back.
                MemorySegment staged = MemorySegment.ofAddress(v.buf().asReadOnly()
                        .get(ValueLayout.JAVA_LONG, 0)).reinterpret(16);
                staged.set(ValueLayout.JAVA_DOUBLE, 0, 99);
                assertThat(v.getDouble(0, 0)).isEqualTo(99);
                // Already read-only: a no-op while exported.
                assertThatCode(col::makeReadOnly).doesNotThrowAnyException();
            }
            assertThat(a).containsExactly(1, 2);
        }
    }

    @Test
    void makeReadOnlyOfAReadOnlyCollectionIsANoOpWhileExported() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(DoubleBuffer.wrap(new double[2])
                .asReadOnlyBuffer()));
             BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
            col.makeReadOnly();
            assertThat(col.isReadOnly()).isTrue();
            assertThat(v.isClosed()).isFalse();
        }
    }

    // ------------------------------------------------------------------------------------------------ locks on rows

    @Test
    void exporterRowsStayLockedUntilTheCollectionIsClosed() {
        double[] items = {1, 2};
        MemoryBuffer mb = MemoryBuffer.wrap(items);
        BufferCollection2D col = BufferCollection2D.wrap(List.of(mb));
        assertThat(mb.exportCount()).isEqualTo(1);
        assertThatThrownBy(mb::close).isInstanceOf(BufferException.class).hasMessageContaining("buffer is locked");
        assertThatThrownBy(mb::makeReadOnly).isInstanceOf(BufferException.class)
                .hasMessageContaining("buffer is locked");
        col.close();
        assertThat(mb.exportCount()).isZero();
        mb.makeReadOnly();
        mb.close();
    }

    @Test
    void anIndirectMemory2DRowSourceCannotResizeOrCloseWhileHeld() {
        IndirectMemory2D m = IndirectMemory2D.createFrom(new double[][] {{1, 2}, {3, 4}});
        TestExporters.MatrixRow r0 = new TestExporters.MatrixRow(m, 0);
        TestExporters.MatrixRow r1 = new TestExporters.MatrixRow(m, 1);
        BufferCollection2D col = BufferCollection2D.wrap(List.of(r1, r0));
        assertThat(col.isStaged(0)).isFalse();
        assertThat(col.getDouble(0, 1)).isEqualTo(4);
        assertThat(m.exportCount()).isEqualTo(2);
        assertThatThrownBy(() -> m.resize(3, 3)).isInstanceOf(BufferException.class)
                .hasMessageContaining("buffer is locked");
        assertThatThrownBy(() -> m.reinterpretData("q")).isInstanceOf(BufferException.class)
                .hasMessageContaining("buffer is locked");
        assertThatThrownBy(m::close).isInstanceOf(BufferException.class).hasMessageContaining("buffer is locked");
        assertThat(m.getDouble(1, 1)).isEqualTo(4);
        try (BufferView v = col.getBuffer(BufferRequest.FULL)) {
            assertThat(v.elementAt(1, 0).address()).isEqualTo(m.row(0).address());
        }
        col.close();
        assertThat(m.exportCount()).isZero();
        m.resize(3, 3);
        assertThat(m.getDouble(1, 1)).isEqualTo(4);
        m.close();
    }

    @Test
    void aRowAcceptedBeforeARefusedOneIsReleased() {
        try (MemoryBuffer first = MemoryBuffer.wrap(new double[2]);
             MemoryBuffer second = MemoryBuffer.wrap(new double[3])) {
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(first, second)))
                    .isInstanceOf(BufferException.class)
                    .hasMessage("row 1: expected 2 columns, found 3");
            assertThat(first.exportCount()).isZero();
            assertThat(second.exportCount()).isZero();
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(first, new int[2], second)))
                    .isInstanceOf(BufferException.class)
                    .hasMessage("row 1: expected format 'd', found 'i'");
            assertThat(first.exportCount()).isZero();
            assertThat(second.exportCount()).isZero();
            assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(first, second, 42)))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("row 2: unsupported row type java.lang.Integer");
            assertThat(first.exportCount()).isZero();
            assertThat(second.exportCount()).isZero();
        }
    }

    @Test
    void closeReleasesEveryRowEvenWhenReleasesThrow() {
        Arena arena = Arena.ofAuto();
        TestExporters.SegmentExporter bad0 = new TestExporters.SegmentExporter(arena.allocate(16), "d", () -> {
            throw new IllegalStateException("release of row 0 failed");
        });
        TestExporters.SegmentExporter good1 = new TestExporters.SegmentExporter(arena.allocate(16), "d", null);
        TestExporters.SegmentExporter bad2 = new TestExporters.SegmentExporter(arena.allocate(16), "d", () -> {
            throw new UnsupportedOperationException("release of row 2 failed");
        });
        TestExporters.SegmentExporter good3 = new TestExporters.SegmentExporter(arena.allocate(16), "d", null);
        BufferCollection2D col = BufferCollection2D.wrap(List.of(bad0, good1, bad2, good3));
        assertThat(good1.exports.count()).isEqualTo(1);
        assertThatThrownBy(col::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("release of row 0 failed")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .isInstanceOf(UnsupportedOperationException.class)
                        .extracting(Throwable::getMessage).isEqualTo("release of row 2 failed"));
        for (TestExporters.SegmentExporter e : List.of(bad0, good1, bad2, good3)) {
            assertThat(e.releases).isEqualTo(1);
            assertThat(e.exports.count()).isZero();
        }
        // Closed all the same; closing again releases nothing again.
        assertThatThrownBy(col::rows).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatCode(col::close).doesNotThrowAnyException();
        assertThat(bad0.releases).isEqualTo(1);
    }

    @Test
    void aReleaseThatThrowsWhileBuildingIsSuppressedByTheRefusal() {
        Arena arena = Arena.ofAuto();
        TestExporters.SegmentExporter bad = new TestExporters.SegmentExporter(arena.allocate(16), "d", () -> {
            throw new IllegalStateException("release failed");
        });
        TestExporters.SegmentExporter good = new TestExporters.SegmentExporter(arena.allocate(16), "d", null);
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(bad, good, new int[2])))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 2: expected format 'd', found 'i'")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .extracting(Throwable::getMessage).isEqualTo("release failed"));
        assertThat(bad.exports.count()).isZero();
        assertThat(good.exports.count()).isZero();
    }

    @Test
    void collectionsSharingAnExporterReleaseItInAnyOrder() {
        try (MemoryBuffer shared = MemoryBuffer.wrap(new double[] {1, 2})) {
            BufferCollection2D a = BufferCollection2D.wrap(List.of(shared, new double[2]));
            BufferCollection2D b = BufferCollection2D.wrap(List.of(new double[2], shared, shared));
            assertThat(shared.exportCount()).isEqualTo(3);
            a.close();
            assertThat(shared.exportCount()).isEqualTo(2);
            assertThat(b.getDouble(2, 1)).isEqualTo(2);
            b.close();
            assertThat(shared.exportCount()).isZero();
        }
    }

    @Test
    void closeIsRefusedWhileAViewIsOpenAndReleasesNothing() {
        try (MemoryBuffer mb = MemoryBuffer.wrap(new double[] {1, 2})) {
            BufferCollection2D col = BufferCollection2D.wrap(List.of(mb));
            BufferView v = col.getBuffer(BufferRequest.FULL);
            assertThatThrownBy(col::close)
                    .isInstanceOf(BufferException.class)
                    .hasMessage("buffer is locked: cannot close while 1 view is exported");
            assertThat(mb.exportCount()).isEqualTo(1);
            assertThat(col.getDouble(0, 1)).isEqualTo(2);
            v.close();
            col.close();
            assertThat(mb.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ closed

    @Test
    void aClosedCollectionRefusesEverythingWithIllegalStateException() {
        BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[] {1, 2}));
        col.close();
        List<Runnable> uses = List.of(col::rows, col::cols, col::format, col::isReadOnly, () -> col.isStaged(0),
                () -> col.row(0), () -> col.rowView(0), () -> col.getDouble(0, 0), () -> col.setDouble(0, 0, 1),
                () -> col.getInt(0, 0), col::sum, col::min, col::max, () -> col.fill(1), () -> col.scale(2),
                () -> col.gather(MemorySegment.ofArray(new double[2])), () -> col.getBuffer(BufferRequest.FULL_RO),
                col::makeReadOnly);
        for (int i = 0; i < uses.size(); i++) {
            assertThatThrownBy(uses.get(i)::run).as("use %d", i)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("BufferCollection2D is closed");
        }
        assertThat(col.exportCount()).isZero();
        assertThat(col.toString()).contains("closed");
        assertThatCode(col::close).doesNotThrowAnyException();
    }

    @Test
    void rowIndicesAreChecked() {
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(new double[] {1, 2}))) {
            assertThatThrownBy(() -> col.isStaged(1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("row 1 out of range [0, 1)");
            assertThatThrownBy(() -> col.row(-1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> col.getDouble(0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
            try (BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(() -> v.getDouble(1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> v.getDouble(0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
            }
        }
    }
}
