package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.internal.NativeHeap;
import org.junit.jupiter.api.Test;

/**
 * Handing a {@code T**} or {@code char**} to C that takes ownership: the memory stays allocated and filled, Java's
 * handles die, and C frees what it took with the process's free (through libc's {@code free} here, or a nanny, as
 * C's own free would), while close frees the rest. What is freed is seen in the process's mappings: rows too big for
 * anything but a mapping of their own vanish from {@code /proc/self/maps} when freed ({@link ProcessMappings}); a
 * part freed twice would abort the process.
 */
class HandOffTest {
    @Test
    void handedOffMemoryStaysFilledAndIsFreedByCRowByRowThenTheTable() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(3, 4, "d", false, RowPlacement.ROW_BY_ROW);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                m.setDouble(r, c, 10 * r + c);
            }
        }
        MemorySegment row = m.row(1);
        IndirectMemory2D view = m.narrowed(Access.READ_ONLY);
        MemorySegment table = m.handOffToC();
        assertThat(table.byteSize()).as("a bare C pointer").isZero();
        assertThatThrownBy(() -> row.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> view.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        m.close(); // a no-op now: nothing is freed twice
        // C's side: the table and rows are intact, and C frees every row, then the table.
        try (IndirectMemory2D c = IndirectMemory2D.adopt(table, 3, 4, "d", true,
                MemoryNanny.freeingRowsAndTable(table, 3))) {
            assertThat(c.getDouble(2, 3)).isEqualTo(23.0);
            assertThat(c.getDouble(1, 0)).isEqualTo(10.0);
        }
    }

    @Test
    void onlyUnexportedRowByRowMemoryOnItsPrimaryHandleCanBeHandedOff() throws Exception {
        try (IndirectMemory2D oneBlock = IndirectMemory2D.createMemory(2, 2, "d", false)) {
            assertThatThrownBy(oneBlock::handOffToC).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("ROW_BY_ROW").hasMessageContaining("one aligned block");
            assertThat(oneBlock.getDouble(1, 1)).as("still usable").isZero();
        }
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false, RowPlacement.ROW_BY_ROW)) {
            IndirectMemory2D view = m.narrowed(Access.READ_ONLY);
            assertThatThrownBy(view::handOffToC).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("a view of");
            try (BufferView exported = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(m::handOffToC).isInstanceOf(BufferException.class).hasMessageContaining("locked");
                assertThat(exported.getDouble(0, 0)).isZero();
            }
        }
        try (IndirectMemory2D viewed = IndirectMemory2D.tableOverRows(MemoryBuffer.wrap(
                java.lang.foreign.Arena.global().allocate(32, 8), org.indirectbuffer.format.Format.parse("d"), 'C',
                2, 2))) {
            assertThatThrownBy(viewed::handOffToC).isInstanceOf(UnsupportedOperationException.class);
        }
        IndirectMemory2D closed = IndirectMemory2D.createMemory(1, 1, "d", false, RowPlacement.ROW_BY_ROW);
        closed.close();
        assertThatThrownBy(closed::handOffToC).isInstanceOf(IllegalStateException.class);
        try (IndirectMemory2D confined = IndirectMemory2D.createMemory(1, 1, "d", false, RowPlacement.ROW_BY_ROW,
                Sharing.CONFINED)) {
            Throwable other = null;
            try {
                CompletableFuture.runAsync(confined::handOffToC).get();
            } catch (ExecutionException e) {
                other = e.getCause();
            }
            assertThat(other).isInstanceOf(WrongThreadException.class);
        }
    }

    @Test
    void confinedMemoryCanBeHandedOffByItsThread() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "i", false, RowPlacement.ROW_BY_ROW,
                Sharing.CONFINED);
        m.setInt(1, 2, 42);
        MemorySegment table = m.handOffToC();
        try (IndirectMemory2D c = IndirectMemory2D.adopt(table, 2, 3, "i", true,
                MemoryNanny.freeingRowsAndTable(table, 2))) {
            assertThat(c.getInt(1, 2)).isEqualTo(42);
        }
    }

    // ---------------------------------------------------------------------------------------- partial hand-off

    /** C's {@code free}, as the process's C code finds it. */
    private static final MethodHandle FREE = java.lang.foreign.Linker.nativeLinker().downcallHandle(
            NativeHeap.find("free"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    /** Rows of a mapping each: glibc serves a block above its largest mmap threshold (32 MiB) with one. */
    private static final long BIG_ROW = ProcessMappings.BIG_BLOCK;

    /** The addresses of {@code m}'s rows, read while Java may still read them. */
    private static long[] rowAddresses(IndirectMemory2D m) {
        long[] addresses = new long[(int) m.rows()];
        for (int r = 0; r < addresses.length; r++) {
            addresses[r] = m.row(r).address();
        }
        return addresses;
    }

    private static void cFree(long address) throws Throwable {
        FREE.invokeExact(MemorySegment.ofAddress(address));
    }

    /** Three 40 MiB rows, row r starting with byte r + 1; skips the test unless frees can be seen. */
    private static IndirectMemory2D bigRows(Sharing sharing) {
        ProcessMappings.assumeGlibcAndProcMaps();
        IndirectMemory2D m = IndirectMemory2D.createMemory(3, BIG_ROW, "b", false, RowPlacement.ROW_BY_ROW, sharing);
        for (int r = 0; r < 3; r++) {
            m.setByte(r, 0, (byte) (r + 1));
        }
        return m;
    }

    @Test
    void cTakesTheRowsAndCloseFreesOnlyTheTable() throws Throwable {
        IndirectMemory2D m = bigRows(Sharing.SHARED);
        long[] rows = rowAddresses(m);
        MemorySegment row = m.row(2);
        MemorySegment table = m.handOffToC(HandOff.ROWS_ONLY);
        assertThat(table.byteSize()).isZero();
        // Java's access ended: the handle, the row segment handed out before, a second hand-off.
        assertThatThrownBy(() -> m.getByte(0, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("handed to C (ROWS_ONLY)");
        assertThatThrownBy(() -> row.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.handOffToC(HandOff.ALL)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(m::pointerTable).isInstanceOf(IllegalStateException.class);
        assertThat(m.isClosed()).as("the table is still to be freed").isFalse();
        // C's side: the table is valid (the library's); C takes each row, reads it, frees it.
        MemorySegment pointers = table.reinterpret(3 * ValueLayout.ADDRESS.byteSize());
        for (int r = 0; r < 3; r++) {
            MemorySegment cRow = pointers.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(BIG_ROW);
            assertThat(cRow.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) (r + 1));
            cFree(cRow.address());
        }
        assertThat(ProcessMappings.noneMapped(rows)).as("C freed the three rows").isTrue();
        m.close(); // frees the table; freeing a row again would abort the process (munmap_chunk)
        m.close();
        assertThat(m.isClosed()).isTrue();
    }

    @Test
    void cTakesTheTableAndCloseFreesEveryRow() throws Throwable {
        IndirectMemory2D m = bigRows(Sharing.SHARED);
        long[] rows = rowAddresses(m);
        IndirectMemory2D view = m.narrowed(Access.READ_ONLY);
        MemorySegment table = m.handOffToC(HandOff.TABLE_ONLY);
        assertThatThrownBy(() -> view.getByte(1, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TABLE_ONLY");
        // C's side: read the rows through the table, then free the table only.
        try (IndirectMemory2D c = IndirectMemory2D.wrap(table, 3, BIG_ROW, "b", true)) {
            assertThat(c.getByte(1, 0)).isEqualTo((byte) 2);
            assertThat(c.getByte(2, 0)).isEqualTo((byte) 3);
        }
        cFree(table.address());
        assertThat(ProcessMappings.allMapped(rows)).as("the rows are still allocated").isTrue();
        m.close();
        assertThat(ProcessMappings.noneMapped(rows)).as("close freed the three rows").isTrue();
    }

    @Test
    void whatCDidNotTakeIsFreedByTheCleanerWhenTheHandleIsDropped() throws Throwable {
        IndirectMemory2D m = bigRows(Sharing.CONFINED);
        long[] rows = rowAddresses(m);
        cFree(m.handOffToC(HandOff.TABLE_ONLY).address());
        m = null; // dropped unclosed
        assertThat(IndirectMemory2DLifetimeTest.gcUntil(() -> ProcessMappings.noneMapped(rows)))
                .as("the Cleaner freed the rows").isTrue();
    }

    @Test
    void partialHandOffsHaveTheChecksOfAFullOne() {
        try (IndirectMemory2D oneBlock = IndirectMemory2D.createMemory(2, 2, "d", false)) {
            assertThatThrownBy(() -> oneBlock.handOffToC(HandOff.TABLE_ONLY))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("ROW_BY_ROW");
        }
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false, RowPlacement.ROW_BY_ROW)) {
            assertThatThrownBy(() -> m.handOffToC(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("part");
            try (BufferView exported = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(() -> m.handOffToC(HandOff.ROWS_ONLY)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("locked");
                assertThat(exported.getDouble(1, 1)).as("nothing changed").isZero();
            }
            m.setDouble(1, 1, 5.0);
            assertThat(m.getDouble(1, 1)).isEqualTo(5.0);
        }
    }

    @Test
    void cTakesTheStringsOfACStringTableAndCloseFreesTheTable() throws Throwable {
        CStringTable t = CStringTable.create(java.nio.charset.StandardCharsets.UTF_8, "alpha", "beta", "gamma");
        MemorySegment table = t.handOffToC(HandOff.ROWS_ONLY);
        assertThatThrownBy(() -> t.get(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("handed to C (ROWS_ONLY)");
        assertThatThrownBy(t::pointerTable).isInstanceOf(IllegalStateException.class);
        assertThat(t.isClosed()).isFalse();
        assertThat(t.toString()).contains("handed to C");
        // C's side: the table is still valid; C takes each string and frees it.
        assertThat(CStringTable.read(table, java.nio.charset.StandardCharsets.UTF_8))
                .containsExactly("alpha", "beta", "gamma");
        MemorySegment pointers = table.reinterpret(4 * ValueLayout.ADDRESS.byteSize());
        for (int i = 0; i < 3; i++) {
            cFree(pointers.getAtIndex(ValueLayout.ADDRESS, i).address());
        }
        assertThat(pointers.getAtIndex(ValueLayout.ADDRESS, 3).address()).as("NULL-terminated").isZero();
        t.close(); // frees the table only: freeing a string again would abort the process (double free)
        assertThat(t.isClosed()).isTrue();
        assertThatThrownBy(() -> t.handOffToC(HandOff.ALL)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void cTakesTheTableOfACStringTableAndCloseFreesTheStrings() throws Throwable {
        ProcessMappings.assumeGlibcAndProcMaps();
        CStringTable t = CStringTable.create(java.nio.charset.StandardCharsets.ISO_8859_1, "x".repeat((int) BIG_ROW),
                "short");
        long big = t.pointerTable().reinterpret(ValueLayout.ADDRESS.byteSize())
                .get(ValueLayout.ADDRESS, 0).address();
        MemorySegment table = t.handOffToC(HandOff.TABLE_ONLY);
        assertThat(CStringTable.read(table, java.nio.charset.StandardCharsets.ISO_8859_1)[1]).isEqualTo("short");
        cFree(table.address());
        assertThat(ProcessMappings.allMapped(big)).as("the strings are still allocated").isTrue();
        t.close();
        assertThat(ProcessMappings.noneMapped(big)).as("close freed the strings").isTrue();
    }

    @Test
    void aStringTableHandedWholeEndsAsClosed() {
        CStringTable t = CStringTable.create(java.nio.charset.StandardCharsets.UTF_8, "a");
        MemorySegment table = t.handOffToC(HandOff.ALL);
        assertThat(t.isClosed()).isTrue();
        assertThatThrownBy(() -> t.get(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        t.close(); // a no-op: nothing is freed twice
        MemoryNanny.freeingRowsAndTable(table, 1).close(); // C's g_strfreev
        try (CStringTable kept = CStringTable.create(java.nio.charset.StandardCharsets.UTF_8, "b")) {
            assertThatThrownBy(() -> kept.handOffToC(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("part");
            assertThat(kept.get(0)).isEqualTo("b");
        }
    }
}
