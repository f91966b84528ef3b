package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/**
 * Borrowing a foreign {@code T**} confined to one thread, by {@code wrap} with {@link Sharing#CONFINED} and by a
 * {@link PointerBorrower}: the result reads the table, frees nothing, dies on close, and belongs to its thread.
 */
class BorrowingTest {
    /** A bare table (as C hands it) of {@code rows} rows of {@code cols} ints, item (r, c) = 1000 r + c. */
    static MemorySegment table(Arena arena, int rows, int cols) {
        MemorySegment t = arena.allocate(ValueLayout.ADDRESS, Math.max(rows, 1));
        for (int r = 0; r < rows; r++) {
            MemorySegment row = arena.allocate(ValueLayout.JAVA_INT, cols);
            for (int c = 0; c < cols; c++) {
                row.setAtIndex(ValueLayout.JAVA_INT, c, 1000 * r + c);
            }
            t.setAtIndex(ValueLayout.ADDRESS, r, row);
        }
        return MemorySegment.ofAddress(t.address());
    }

    static <T> Throwable onAnotherThread(java.util.function.Supplier<T> action) {
        try {
            CompletableFuture.supplyAsync(action).get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aConfinedBorrowReadsTheTableBelongsToItsThreadAndFreesNothing() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = table(arena, 2, 5);
            IndirectMemory2D m = IndirectMemory2D.wrap(table, 2, 5, "i", false, Sharing.CONFINED);
            assertThat(m.sharing()).isEqualTo(Sharing.CONFINED);
            assertThat(m.getInt(1, 4)).isEqualTo(1004);
            m.setInt(0, 0, -7);
            MemorySegment row = m.row(1);
            assertThat(onAnotherThread(() -> m.getInt(0, 0))).isInstanceOf(WrongThreadException.class);
            assertThat(onAnotherThread(() -> row.get(ValueLayout.JAVA_INT, 0)))
                    .isInstanceOf(WrongThreadException.class);
            assertThat(onAnotherThread(() -> {
                m.close();
                return null;
            })).isInstanceOf(WrongThreadException.class);
            m.close();
            assertThatThrownBy(() -> row.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> m.getInt(0, 0)).isInstanceOf(IllegalStateException.class);
            MemorySegment cells = table.reinterpret(16);
            assertThat(cells.get(ValueLayout.ADDRESS, 0).reinterpret(4).get(ValueLayout.JAVA_INT, 0))
                    .as("the borrowed memory is untouched by the close and holds the write").isEqualTo(-7);
        }
    }

    @Test
    void aSharedBorrowIsStillTheDefault() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = table(arena, 1, 1);
            try (IndirectMemory2D m = IndirectMemory2D.wrap(table, 1, 1, "i", true)) {
                assertThat(m.sharing()).isEqualTo(Sharing.SHARED);
                assertThat(onAnotherThread(() -> m.getInt(0, 0))).isNull();
            }
        }
    }

    @Test
    void aBorrowerBorrowsTablesOfItsFormatConfinedToTheBorrowingThread() throws Exception {
        PointerBorrower borrower = PointerBorrower.of("i", true, Sharing.CONFINED);
        assertThat(borrower.format()).isEqualTo(Format.parse("i"));
        assertThat(borrower.isReadOnly()).isTrue();
        assertThat(borrower.toString()).contains("'i'").contains("read-only").contains("CONFINED");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = table(arena, 3, 4);
            for (int cols = 1; cols <= 4; cols++) {
                try (IndirectMemory2D m = borrower.borrow(table, 3, cols)) {
                    assertThat(m.cols()).isEqualTo(cols);
                    assertThat(m.getInt(2, cols - 1)).isEqualTo(2000 + cols - 1);
                    assertThatThrownBy(() -> m.setInt(0, 0, 1)).isInstanceOf(RuntimeException.class);
                    assertThat(m.sharing()).isEqualTo(Sharing.CONFINED);
                }
            }
            // One borrower serves several threads, each result confined to its own.
            Integer other = CompletableFuture.supplyAsync(() -> {
                try (IndirectMemory2D m = borrower.borrow(table, 3, 4)) {
                    return m.getInt(1, 3);
                }
            }).get();
            assertThat(other).isEqualTo(1003);
            IndirectMemory2D m = borrower.borrow(table, 3, 4);
            MemorySegment row = m.row(0);
            m.close();
            assertThatThrownBy(() -> row.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aBorrowerRefusesBadTablesAndSizesAsFromPointerDoes() {
        PointerBorrower borrower = PointerBorrower.of("d", false, Sharing.CONFINED);
        assertThatThrownBy(() -> borrower.borrow(MemorySegment.NULL, 2, 2))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("table is NULL, but 2 rows were given");
        assertThatThrownBy(() -> borrower.borrow(MemorySegment.ofArray(new long[2]), 2, 2))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("Java heap");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment two = arena.allocate(ValueLayout.ADDRESS, 2);
            assertThatThrownBy(() -> borrower.borrow(two, 3, 1)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("holds 2 row pointers");
            assertThatThrownBy(() -> borrower.borrow(two, -1, 1)).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dimensions -1 x 1");
        }
        assertThatThrownBy(() -> PointerBorrower.of("d", false, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> PointerBorrower.of("0i", false, Sharing.CONFINED))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("item size 0");
    }
}
