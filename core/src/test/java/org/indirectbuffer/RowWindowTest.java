package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/**
 * A window over a column range of every row: its table points into the source's rows (no copy), moving rewrites
 * the same table, views read the window's rows, and the source stays locked while the window lives.
 */
class RowWindowTest {
    /** 3 rows x 10 ints, item (r, c) = 100 r + c. */
    private static IndirectMemory2D source() {
        int[][] data = new int[3][10];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 10; c++) {
                data[r][c] = 100 * r + c;
            }
        }
        return IndirectMemory2D.createFrom(data);
    }

    @Test
    void theTablePointsIntoTheSourcesRowsAndMovesInPlace() {
        try (IndirectMemory2D m = source(); RowWindow w = RowWindow.tableOver(m, 2, 4)) {
            MemorySegment table = w.pointerTable();
            assertThat(table.byteSize()).isEqualTo(3 * ValueLayout.ADDRESS.byteSize());
            assertThat(table.isReadOnly()).isTrue();
            for (int r = 0; r < 3; r++) {
                assertThat(table.getAtIndex(ValueLayout.ADDRESS, r).address())
                        .isEqualTo(m.row(r).address() + 2 * 4);
                assertThat(w.row(r).byteSize()).isEqualTo(16);
                assertThat(w.row(r).get(ValueLayout.JAVA_INT, 0)).isEqualTo(100 * r + 2);
            }
            w.moveTo(6);
            assertThat(w.offset()).isEqualTo(6);
            assertThat(w.pointerTable().address()).as("the same table").isEqualTo(table.address());
            for (int r = 0; r < 3; r++) {
                assertThat(table.getAtIndex(ValueLayout.ADDRESS, r).address())
                        .isEqualTo(m.row(r).address() + 6 * 4);
                assertThat(w.row(r).getAtIndex(ValueLayout.JAVA_INT, 3)).isEqualTo(100 * r + 9);
            }
            // Writes go to the source: nothing was copied.
            w.row(1).set(ValueLayout.JAVA_INT, 0, -1);
            assertThat(m.getInt(1, 6)).isEqualTo(-1);
        }
    }

    @Test
    void viewsAreIndirectOverTheWindowAndLockIt() {
        try (IndirectMemory2D m = source(); RowWindow w = RowWindow.tableOver(m, 1, 3)) {
            try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.shape()).containsExactly(3, 3);
                assertThat(v.suboffsets()).containsExactly(0, -1);
                assertThat(v.format()).isEqualTo(Format.parse("i"));
                assertThat(v.getInt(2, 2)).isEqualTo(203);
                assertThat(w.exportCount()).isEqualTo(1);
                assertThatThrownBy(() -> w.moveTo(0)).isInstanceOf(BufferException.class)
                        .hasMessageContaining("moveTo");
                assertThatThrownBy(w::close).isInstanceOf(BufferException.class);
            }
            w.moveTo(7);
            try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.getInt(0, 0)).isEqualTo(7);
                assertThat(v.getInt(2, 2)).isEqualTo(209);
            }
        }
    }

    @Test
    void theSourceIsLockedWhileTheWindowLivesAndReleasedByClose() {
        IndirectMemory2D m = source();
        RowWindow w = RowWindow.tableOver(m, 0, 10);
        assertThat(m.exportCount()).isEqualTo(1);
        assertThatThrownBy(m::close).isInstanceOf(BufferException.class);
        MemorySegment row = w.row(0);
        w.close();
        w.close(); // idempotent
        assertThat(w.isClosed()).isTrue();
        assertThat(m.exportCount()).isZero();
        assertThatThrownBy(w::pointerTable).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> w.moveTo(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.getBuffer(BufferRequest.FULL_RO)).isInstanceOf(IllegalStateException.class);
        assertThat(row.get(ValueLayout.JAVA_INT, 0)).as("rows belong to the source, which lives").isZero();
        m.close();
        assertThatThrownBy(() -> row.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badOffsetsAndLengthsAreRefusedNamingTheValuesAndReleaseTheSource() {
        try (IndirectMemory2D m = source()) {
            assertThatThrownBy(() -> RowWindow.tableOver(m, 0, 11)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("length = 11").hasMessageContaining("10");
            assertThatThrownBy(() -> RowWindow.tableOver(m, -1, 2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset = -1");
            assertThatThrownBy(() -> RowWindow.tableOver(m, 9, 2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset = 9").hasMessageContaining("<= 8");
            assertThat(m.exportCount()).as("refused windows released the source").isZero();
            try (RowWindow w = RowWindow.tableOver(m, 10, 0)) {
                assertThat(w.length()).isZero();
                assertThatThrownBy(() -> w.moveTo(11)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> w.row(3)).isInstanceOf(IndexOutOfBoundsException.class);
            }
        }
    }

    @Test
    void aReadOnlySourceGivesAReadOnlyWindow() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 4, "d", true); RowWindow w = RowWindow.tableOver(m, 1, 2)) {
            assertThat(w.row(0).isReadOnly()).isTrue();
            try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.isReadOnly()).isTrue();
            }
            assertThatThrownBy(() -> w.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class);
        }
    }

    @Test
    void aDirectCOrderBufferCanBeWindowed() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment block = arena.allocate(2 * 6 * 8L, 8);
            for (int i = 0; i < 12; i++) {
                block.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i);
            }
            MemoryBuffer buffer = MemoryBuffer.wrap(block, Format.parse("d"), 'C', 2, 6);
            try (RowWindow w = RowWindow.tableOver(buffer, 3, 3)) {
                assertThat(w.row(1).getAtIndex(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(9.0);
                assertThat(w.pointerTable().getAtIndex(ValueLayout.ADDRESS, 0).address())
                        .isEqualTo(block.address() + 3 * 8);
            }
        }
    }

    @Test
    void aDroppedWindowReleasesItsSource() throws InterruptedException {
        try (IndirectMemory2D m = source()) {
            RowWindow.tableOver(m, 0, 5); // dropped
            for (int i = 0; i < 100 && m.exportCount() != 0; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertThat(m.exportCount()).isZero();
        }
    }

    @Test
    void aWindowShrinksForAShortLastBlockRewritingTheSameTable() {
        try (IndirectMemory2D m = source(); RowWindow w = RowWindow.tableOver(m, 0, 4)) {
            MemorySegment table = w.pointerTable();
            assertThat(w.capacity()).isEqualTo(4);
            // Blocks of 4 over 10 columns: 0..3, 4..7, then a short 8..9.
            int[] lengths = new int[3];
            int blocks = 0;
            for (long at = 0; at < m.cols(); at += w.capacity()) {
                long n = Math.min(w.capacity(), m.cols() - at);
                w.moveTo(at, n);
                lengths[blocks++] = (int) w.length();
            }
            assertThat(lengths).containsExactly(4, 4, 2);
            assertThat(w.offset()).isEqualTo(8);
            assertThat(w.pointerTable().address()).as("the same table").isEqualTo(table.address());
            for (int r = 0; r < 3; r++) {
                assertThat(table.getAtIndex(ValueLayout.ADDRESS, r).address()).isEqualTo(m.row(r).address() + 8 * 4);
                assertThat(w.row(r).byteSize()).as("row %d follows the length", r).isEqualTo(2 * 4);
                assertThat(w.row(r).getAtIndex(ValueLayout.JAVA_INT, 1)).isEqualTo(100 * r + 9);
            }
            try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.shape()).containsExactly(3, 2);
                assertThat(v.getInt(2, 0)).isEqualTo(208);
                assertThat(v.getInt(2, 1)).isEqualTo(209);
                assertThatThrownBy(() -> w.moveTo(0, 4)).as("a view is open").isInstanceOf(BufferException.class)
                        .hasMessageContaining("moveTo");
            }
            assertThat(w.length()).as("the refused move changed nothing").isEqualTo(2);
            assertThat(w.toString()).contains("[8, 10)").contains("capacity 4");
            // moveTo(offset) keeps the current length; growing back to the capacity is a move like any other.
            w.moveTo(1);
            assertThat(w.length()).isEqualTo(2);
            assertThat(w.row(0).getAtIndex(ValueLayout.JAVA_INT, 1)).isEqualTo(2);
            w.moveTo(6, 4);
            assertThat(w.length()).isEqualTo(4);
            assertThat(w.row(2).getAtIndex(ValueLayout.JAVA_INT, 3)).isEqualTo(209);
            assertThatThrownBy(() -> w.moveTo(7)).as("4 columns from 7 pass the end")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset = 7");
        }
    }

    @Test
    void aWindowOfNoColumnsAndBadShrinkingMovesAreDefined() {
        try (IndirectMemory2D m = source(); RowWindow w = RowWindow.tableOver(m, 0, 4)) {
            w.moveTo(10, 0);
            assertThat(w.length()).isZero();
            assertThat(w.offset()).isEqualTo(10);
            assertThat(w.pointerTable().getAtIndex(ValueLayout.ADDRESS, 1).address())
                    .as("pointers at row + offset, to no items").isEqualTo(m.row(1).address() + 10 * 4);
            assertThat(w.row(1).byteSize()).isZero();
            try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.shape()).containsExactly(3, 0);
            }
            assertThatThrownBy(() -> w.moveTo(0, 5)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("window length = 5: expected 0 <= length <= 4 (the window's capacity)");
            assertThatThrownBy(() -> w.moveTo(0, -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("length = -1");
            assertThatThrownBy(() -> w.moveTo(8, 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("window offset = 8: expected 0 <= offset <= 7 (10 columns, window of 3)");
            assertThatThrownBy(() -> w.moveTo(-1, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset = -1");
            assertThat(w.offset()).as("refused moves changed nothing").isEqualTo(10);
            assertThat(w.length()).isZero();
        }
        RowWindow closed;
        try (IndirectMemory2D m = source()) {
            closed = RowWindow.tableOver(m, 0, 4);
            closed.close();
        }
        assertThatThrownBy(() -> closed.moveTo(0, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void rowSegmentsAreTheSourcesAndTheTableAndViewsTheWindows() {
        MemorySegment row;
        MemorySegment table;
        BufferView view;
        try (IndirectMemory2D m = source()) {
            try (RowWindow w = RowWindow.tableOver(m, 2, 4)) {
                row = w.row(1);
                table = w.pointerTable();
                view = w.getBuffer(BufferRequest.FULL_RO);
                view.close();
            }
            // The window is closed: its table and views are gone, its row segments are the source's rows.
            assertThatThrownBy(() -> table.get(ValueLayout.ADDRESS, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.getInt(0, 0)).isInstanceOf(IllegalStateException.class);
            assertThat(row.getAtIndex(ValueLayout.JAVA_INT, 0)).isEqualTo(102);
        }
        assertThatThrownBy(() -> row.getAtIndex(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
    }
}
