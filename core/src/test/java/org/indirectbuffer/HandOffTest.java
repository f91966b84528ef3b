package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.junit.jupiter.api.Test;

/**
 * Handing a {@code T**} to C that takes ownership: the memory stays allocated and filled, Java's handles die, and C
 * frees each row and the table with the process's free (here through a nanny, as C's own free would).
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
        IndirectMemory2D view = m.view(Access.READ_ONLY);
        MemorySegment table = m.handOffToC();
        assertThat(table.byteSize()).as("a bare C pointer").isZero();
        assertThatThrownBy(() -> row.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> view.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        m.close(); // a no-op now: nothing is freed twice
        // C's side: the table and rows are intact, and C frees every row, then the table.
        try (IndirectMemory2D c = IndirectMemory2D.fromPointer(table, 3, 4, "d", true,
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
            IndirectMemory2D view = m.view(Access.READ_ONLY);
            assertThatThrownBy(view::handOffToC).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("a view of");
            try (BufferView exported = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(m::handOffToC).isInstanceOf(BufferException.class).hasMessageContaining("locked");
                assertThat(exported.getDouble(0, 0)).isZero();
            }
        }
        try (IndirectMemory2D viewed = IndirectMemory2D.viewOfRows(MemoryBuffer.wrap(
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
        try (IndirectMemory2D c = IndirectMemory2D.fromPointer(table, 2, 3, "i", true,
                MemoryNanny.freeingRowsAndTable(table, 2))) {
            assertThat(c.getInt(1, 2)).isEqualTo(42);
        }
    }
}
