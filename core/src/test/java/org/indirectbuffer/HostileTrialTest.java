package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproductions of issue 16's hostile trial that need only core: each one killed the JVM (SIGSEGV), read or
 * wrote memory it must not, or threw an exception no contract names, before the dereferences were bounded and
 * scoped to their owners. Each test asserts the documented outcome instead.
 */
class HostileTrialTest {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    // ----------------------------------------------------------------------------------- 1: Runs.segment()

    @Test
    void aRunsSegmentIsBoundedToItsRowAndCannotReachAnotherObject() {
        try (IndirectMemory2D victim = IndirectMemory2D.createMemory(1, 1, "d", true);
             IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false);
             BufferView v = m.getBuffer(BufferRequest.FULL)) {
            BufferView.Runs r = v.runs();
            assertThat(r.next()).isTrue();
            MemorySegment run = r.segment();
            // Exactly one row of two doubles, not the address space.
            assertThat(run.byteSize()).isEqualTo(16);
            assertThat(run.get(ValueLayout.JAVA_DOUBLE, r.offset())).isZero();
            long victimAddress = victim.row(0).address();
            assertThatThrownBy(() -> run.set(ValueLayout.JAVA_DOUBLE, victimAddress, 42.0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> run.get(ValueLayout.JAVA_LONG, 16)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(victim.getDouble(0, 0)).isZero();
            // The first level is the table, read-only: its pointers cannot be rewritten from Java.
            assertThat(v.memory().byteSize()).isEqualTo(2 * POINTER);
            assertThat(v.memory().isReadOnly()).isTrue();
            assertThat(v.buf().isReadOnly()).isTrue();
        }
    }

    @Test
    void segmentsReachedThroughPointersDieWithTheirOwner() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(3, 4, "d", false, RowPlacement.ROW_BY_ROW);
        MemorySegment run;
        MemorySegment item;
        try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
            BufferView.Runs r = v.runs();
            r.next();
            run = r.segment();
            item = v.elementAt(2, 3);
        }
        assertThat(run.byteSize()).isEqualTo(32);
        assertThat(item.byteSize()).isEqualTo(8);
        m.close();
        assertThatThrownBy(() -> run.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> item.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
    }

    // ----------------------------------------------------------------------------------- 2: a source freed

    @Test
    void aViewOfRowsWhoseSourceArenaIsClosedThrowsInsteadOfReadingUnmappedMemory() {
        Arena a = Arena.ofShared();
        MemorySegment seg = a.allocate(8L * 8 * 1024, 8);
        IndirectMemory2D v = IndirectMemory2D.tableOverRows(MemoryBuffer.wrap(seg, Format.parse("d"), 'C', 8, 1024));
        v.setDouble(7, 1023, 5.0);
        assertThat(v.getDouble(7, 1023)).isEqualTo(5.0);
        a.close();
        assertThatThrownBy(() -> v.getDouble(7, 1023)).isInstanceOf(IllegalStateException.class);
        try (BufferView view = v.getBuffer(BufferRequest.FULL_RO)) {
            assertThatThrownBy(() -> Kernels.sum(view)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.toBytes('C')).isInstanceOf(IllegalStateException.class);
        }
        v.close();
    }

    @Test
    void closingTheOwnerOnAnotherThreadInTheMiddleOfAKernelIsAnIllegalStateException() throws Exception {
        for (int round = 0; round < 20; round++) {
            IndirectMemory2D m = IndirectMemory2D.createMemory(512, 512, "d", false, RowPlacement.ROW_BY_ROW);
            Arena a = Arena.ofShared();
            MemorySegment block = a.allocate(8L * 256 * 256, 8);
            IndirectMemory2D rows = IndirectMemory2D.tableOverRows(MemoryBuffer.wrap(block, Format.parse("d"), 'C',
                    256, 256));
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try (BufferView view = rows.getBuffer(BufferRequest.FULL_RO)) {
                    started.countDown();
                    for (int i = 0; i < 10_000; i++) {
                        Kernels.sum(view);
                    }
                } catch (IllegalStateException expected) {
                    // the source's arena was closed under the kernel
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            started.await();
            a.close(); // the source's owner, bypassing the export lock
            reader.join();
            assertThat(failure.get()).isNull();
            m.close();
            rows.close();
        }
    }

    // ----------------------------------------------------------------------------------- 5: nanny closed by hand

    @Test
    void aNannyClosedByHandEndsTheAdoptedMemoryBeforeFreeing() {
        Arena arena = Arena.ofShared();
        MemorySegment row0 = arena.allocate(16, 8);
        MemorySegment row1 = arena.allocate(16, 8);
        MemorySegment table = arena.allocate(2 * POINTER, POINTER);
        table.setAtIndex(ValueLayout.ADDRESS, 0, row0);
        table.setAtIndex(ValueLayout.ADDRESS, 1, row1);
        row1.set(ValueLayout.JAVA_DOUBLE, 8, 3.5);
        MemoryNanny nanny = MemoryNanny.closing(arena);
        IndirectMemory2D m = IndirectMemory2D.adopt(table, 2, 2, "d", true, nanny);
        MemorySegment row = m.row(1);
        assertThat(m.getDouble(1, 1)).isEqualTo(3.5);
        nanny.close();
        assertThat(arena.scope().isAlive()).isFalse();
        assertThatThrownBy(() -> m.getDouble(1, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nanny");
        assertThatThrownBy(() -> row.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
        m.close();
    }

    @Test
    void aNannyIsAdoptedOnceAndNotAfterItFreed() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = arena.allocate(POINTER, POINTER);
            table.setAtIndex(ValueLayout.ADDRESS, 0, arena.allocate(8));
            MemoryNanny nanny = MemoryNanny.running("nothing", () -> { });
            IndirectMemory2D m = IndirectMemory2D.adopt(table, 1, 1, "d", true, nanny);
            assertThatThrownBy(() -> IndirectMemory2D.adopt(table, 1, 1, "d", true, nanny))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already adopted");
            m.close();
            assertThat(nanny.isFreed()).isTrue();
            MemoryNanny freed = MemoryNanny.running("nothing", () -> { });
            freed.close();
            assertThatThrownBy(() -> IndirectMemory2D.adopt(table, 1, 1, "d", true, freed))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already freed");
        }
    }

    // ----------------------------------------------------------------------------------- 6, 7: descriptors

    @Test
    void heapMemoryIsNeverFollowedAsPointers() {
        MemorySegment heap = MemorySegment.ofArray(new long[] {0x1000});
        assertThatThrownBy(() -> BufferView.wrap(heap, Format.parse("d"), new long[] {1, 1}, new long[] {8, 8},
                new long[] {0, -1}, true))
                .isInstanceOf(BufferException.class).hasMessageContaining("Java heap")
                .hasMessageContaining("suboffsets [0, -1]");
        assertThatThrownBy(() -> IndirectMemory2D.wrap(heap, 1, 1, "d", true))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("Java heap");
    }

    @Test
    void descriptorsWhoseExtentAfterAPointerOverflowsAreRefusedAtWrap() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocate(64, 8);
            MemorySegment table = arena.allocate(POINTER, POINTER);
            table.set(ValueLayout.ADDRESS, 0, row);
            // 3 items, 2^62 bytes apart after the pointer: the span overflows, although len = 24 does not.
            assertThatThrownBy(() -> BufferView.wrap(table, Format.parse("d"), new long[] {1, 3},
                    new long[] {8, 1L << 62}, new long[] {0, -1}, true))
                    .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflows");
            // A suboffset that takes pointer + suboffset + extent past 2^63.
            assertThatThrownBy(() -> BufferView.wrap(table, Format.parse("d"), new long[] {1, 1},
                    new long[] {8, 8}, new long[] {Long.MAX_VALUE - 4, -1}, true))
                    .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflows");
            // A pointer that the suboffset takes past the end of the address space: refused when followed.
            table.set(ValueLayout.JAVA_LONG, 0, Long.MAX_VALUE - 100);
            BufferView far = BufferView.wrap(table, Format.parse("d"), new long[] {1, 1}, new long[] {8, 8},
                    new long[] {200, -1}, true);
            assertThatThrownBy(() -> far.getDouble(0, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("leave the address space");
        }
    }

    @Test
    void aForeignViewReachesExactlyTheExtentOfTheRemainingDimensionsInTheMemorysScope() {
        Arena arena = Arena.ofShared();
        MemorySegment row = arena.allocate(64, 8);
        MemorySegment table = arena.allocate(2 * POINTER, POINTER);
        table.setAtIndex(ValueLayout.ADDRESS, 0, row);
        table.setAtIndex(ValueLayout.ADDRESS, 1, row.asSlice(32));
        // Row r: 4 doubles at pointer + 8, stepping backwards from the last one (negative stride).
        BufferView v = BufferView.wrap(table, 0, Format.parse("d"), new long[] {2, 3}, new long[] {POINTER, -8},
                new long[] {16, -1}, false);
        BufferView.Runs runs = v.runs();
        runs.next();
        assertThat(runs.segment().byteSize()).isEqualTo(24);
        assertThat(runs.segment().address()).isEqualTo(row.address());
        assertThat(runs.offset()).isEqualTo(16);
        v.setDouble(9.0, 1, 2);
        assertThat(row.get(ValueLayout.JAVA_DOUBLE, 32)).isEqualTo(9.0);
        arena.close();
        assertThatThrownBy(() -> v.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> runs.segment().get(ValueLayout.JAVA_DOUBLE, 0))
                .isInstanceOf(IllegalStateException.class);
    }

    // ----------------------------------------------------------------------------------- 11: the lent table

    @Test
    void theLentTableIsReadOnlyAndJavaReadsNeverFollowARewrittenOne() {
        for (RowPlacement placement : RowPlacement.values()) {
            try (IndirectMemory2D a = IndirectMemory2D.createMemory(2, 2, "d", false, placement);
                 IndirectMemory2D b = IndirectMemory2D.createMemory(1, 2, "d", false)) {
                a.setDouble(0, 1, 1.5);
                MemorySegment lent = a.pointerTable();
                assertThat(lent.isReadOnly()).isTrue();
                assertThatThrownBy(() -> lent.set(ValueLayout.JAVA_LONG, 0, 0xdead_0000L))
                        .isInstanceOf(IllegalArgumentException.class);
                // Foreign code rewrites it anyway (as C may): Java keeps reading the rows the library made.
                MemorySegment asC = MemorySegment.ofAddress(lent.address()).reinterpret(lent.byteSize());
                asC.set(ValueLayout.JAVA_LONG, 0, 0xdead_0000L);
                asC.set(ValueLayout.JAVA_LONG, POINTER, b.row(0).address());
                assertThat(a.getDouble(0, 1)).isEqualTo(1.5);
                try (BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(Kernels.sum(v)).isEqualTo(1.5);
                    assertThat(v.getDouble(0, 1)).isEqualTo(1.5);
                    byte[] bytes = v.toBytes('C');
                    assertThat(MemorySegment.ofArray(bytes).get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 8)).isEqualTo(1.5);
                }
                a.setDouble(1, 0, 2.0);
                assertThat(b.getDouble(0, 0)).as("a write to a's row 1 must not land in b").isZero();
            }
        }
    }

    // ----------------------------------------------------------------------------------- 12: nannies

    @Test
    void aFreeingNannyRefusesMemoryThatJavaOwns() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> MemoryNanny.freeingTable(m.row(0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arena");
            assertThatThrownBy(() -> MemoryNanny.freeingRowsAndTable(m.pointerTable(), 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arena");
            assertThatThrownBy(() -> MemoryNanny.freeingTable(arena.allocate(8)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MemoryNanny.freeingTable(MemorySegment.ofArray(new byte[8])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heap");
        }
    }

    // ----------------------------------------------------------------------------------- 15: sizes and faults

    @Test
    void hugeDimensionsAreIllegalArgumentsNamingTheSizes() {
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(1, 1152921504606846974L, "d", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 x 1152921504606846974");
        assertThatThrownBy(() -> IndirectMemory2D.createMemory(Integer.MAX_VALUE, 1, "d", false,
                RowPlacement.ROW_BY_ROW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Integer.MAX_VALUE + " rows");
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false, RowPlacement.ROW_BY_ROW)) {
            m.setDouble(1, 1, 4.0);
            assertThatThrownBy(() -> m.resize(Integer.MAX_VALUE, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Integer.MAX_VALUE + " rows");
            assertThatThrownBy(() -> m.resize(1, Long.MAX_VALUE / 4))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflow");
            assertThat(m.getDouble(1, 1)).isEqualTo(4.0);
        }
    }

    @Test
    void aMappedFileTruncatedUnderAViewIsAMemoryFaultException(@TempDir Path dir) throws IOException {
        // Compile the vector kernels first (C2): a C2-compiled Vector API load that faults on a truncated file kills
        // the JVM with SIGBUS, so mapped memory must be read by scalar kernels only (internal.MappedScopes).
        try (IndirectMemory2D warm = IndirectMemory2D.createMemory(8, 1024, "d", false);
             BufferView w = warm.getBuffer(BufferRequest.FULL_RO)) {
            double s = 0;
            for (int i = 0; i < 30_000; i++) {
                s += Kernels.sum(w);
            }
            assertThat(s).isZero();
        }
        Path file = dir.resolve("rows.bin");
        Files.write(file, new byte[1 << 16]);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 1 << 16, arena);
            MemoryBuffer buffer = MemoryBuffer.wrap(mapped, Format.parse("d"), 'C', 8, 1024);
            IndirectMemory2D rows = IndirectMemory2D.tableOverRows(buffer);
            channel.truncate(4096); // someone else shortens the file
            try (BufferView v = rows.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(() -> Kernels.sum(v)).isInstanceOf(MemoryFaultException.class)
                        .hasMessageContaining("Kernels.sum").hasMessageContaining("faulted");
                assertThatThrownBy(() -> v.getDouble(7, 1000)).isInstanceOf(MemoryFaultException.class)
                        .hasMessageContaining("BufferView.getDouble");
                assertThatThrownBy(() -> v.toBytes('C')).isInstanceOf(MemoryFaultException.class);
            }
            assertThatThrownBy(() -> rows.getDouble(7, 1000)).isInstanceOf(MemoryFaultException.class)
                    .hasMessageContaining("IndirectMemory2D.getDouble");
            assertThat(rows.getDouble(0, 0)).isZero(); // the bytes still in the file read as before
            rows.close();
            buffer.close();
        }
    }

    // ----------------------------------------------------------------------------------- 14: dropped views

    @Test
    void aViewDroppedUnclosedIsReleasedByTheCleaner() throws InterruptedException {
        IndirectMemory2D m = IndirectMemory2D.createMemory(4, 4, "d", false);
        for (int i = 0; i < 1000; i++) {
            m.getBuffer(BufferRequest.FULL_RO); // dropped: never closed
        }
        assertThat(m.exportCount()).isPositive();
        for (int tries = 0; tries < 100 && m.exportCount() > 0; tries++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(m.exportCount()).isZero();
        m.resize(2, 2); // unlocked again
        m.close();
    }
}
