package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.indirectbuffer.BorrowingTest.onAnotherThread;
import static org.indirectbuffer.BorrowingTest.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * A confined borrow (a {@link PointerBorrower} borrow, or {@code wrap} with {@link Sharing#CONFINED}) starts
 * without its lifetime objects and makes them only when it lends a view or is reformatted: whichever way it goes,
 * it must behave as every other handle — locked while a view is open, dead after close, confined to its thread.
 */
class LightBorrowTest {
    private static final PointerBorrower READ_ONLY = PointerBorrower.of("i", true, Sharing.CONFINED);
    private static final PointerBorrower WRITABLE = PointerBorrower.of("i", false, Sharing.CONFINED);

    @Test
    void everyUseAfterCloseIsAnIllegalStateExceptionAndClosingAgainIsHarmless() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = table(arena, 2, 3);
            IndirectMemory2D m = READ_ONLY.borrow(table, 2, 3);
            MemorySegment row = m.row(1);
            MemorySegment pointers = m.pointerTable();
            IndirectMemory2D view = m.narrowed(Access.READ_ONLY);
            assertThat(m.isClosed()).isFalse();
            m.close();
            m.close();
            assertThat(m.isClosed()).isTrue();
            assertThat(view.isClosed()).isTrue();
            assertThatThrownBy(() -> row.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pointers.get(ValueLayout.ADDRESS, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> m.getInt(0, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("IndirectMemory2D is closed: 2 x 3 'i' (borrowed)");
            assertThatThrownBy(() -> m.row(0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.getInt(0, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> m.getBuffer(BufferRequest.FULL_RO)).isInstanceOf(IllegalStateException.class);
            assertThat(m.exportCount()).isZero();
            assertThat(m.toString()).contains("closed");
        }
    }

    @Test
    void otherThreadsGetWrongThreadExceptionAndChangeNothing() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = table(arena, 2, 3);
            try (IndirectMemory2D m = WRITABLE.borrow(table, 2, 3)) {
                MemorySegment row = m.row(0);
                assertThat(onAnotherThread(() -> m.getInt(1, 2))).isInstanceOf(WrongThreadException.class);
                assertThat(onAnotherThread(() -> row.get(ValueLayout.JAVA_INT, 0)))
                        .isInstanceOf(WrongThreadException.class);
                assertThat(onAnotherThread(() -> m.getBuffer(BufferRequest.FULL)))
                        .isInstanceOf(WrongThreadException.class)
                        .hasMessageContaining("getBuffer: 2 x 3 'i' (borrowed) is confined to thread '"
                                + Thread.currentThread().getName() + "'");
                assertThat(onAnotherThread(() -> {
                    m.reinterpretData("4B");
                    return null;
                })).isInstanceOf(WrongThreadException.class);
                assertThat(onAnotherThread(() -> {
                    m.close();
                    return null;
                })).isInstanceOf(WrongThreadException.class).hasMessageStartingWith("close: ");
                assertThat(m.isClosed()).isFalse();
                assertThat(m.exportCount()).isZero();
                assertThat(m.format().toString()).isEqualTo("i");
                assertThat(m.getInt(1, 2)).isEqualTo(1002);
                // still closable after the refusals: the other threads started nothing
                m.close();
                assertThat(m.isClosed()).isTrue();
                assertThatThrownBy(() -> row.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void aViewLentLocksTheBorrowUntilItIsClosed() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = table(arena, 3, 2);
            IndirectMemory2D m = WRITABLE.borrow(table, 3, 2);
            MemorySegment row = m.row(2);
            BufferView v = m.getBuffer(BufferRequest.FULL);
            assertThat(m.exportCount()).isEqualTo(1);
            assertThat(v.getInt(2, 1)).isEqualTo(2001);
            assertThatThrownBy(m::close).isInstanceOf(BufferException.class)
                    .hasMessageContaining("buffer is locked: cannot close while 1 view is exported");
            assertThat(m.isClosed()).isFalse();
            assertThat(row.get(ValueLayout.JAVA_INT, 4)).as("a refused close changes nothing").isEqualTo(2001);
            v.close();
            assertThat(m.exportCount()).isZero();
            m.close();
            assertThat(m.isClosed()).isTrue();
            assertThatThrownBy(() -> row.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> v.getInt(0, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> m.getBuffer(BufferRequest.FULL)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aViewLentAfterAnotherWasClosedAndReformattingKeepTheBorrowWhole() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = table(arena, 2, 2);
            IndirectMemory2D m = IndirectMemory2D.wrap(table, 2, 2, "i", false, Sharing.CONFINED);
            try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                assertThat(v.getInt(1, 0)).isEqualTo(1000);
                m.reinterpretData("<i"); // equivalent: allowed while exported
                assertThatThrownBy(() -> m.reinterpretData("B")).isInstanceOf(BufferException.class)
                        .hasMessageContaining("buffer is locked");
            }
            m.reinterpretData("B");
            assertThat(m.cols()).isEqualTo(8);
            assertThat(m.getByte(1, 0) & 0xff).isEqualTo(1000 & 0xff);
            m.close();
            assertThatThrownBy(() -> m.getByte(0, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void readOnlyRowsAreHandedOutWithoutACopyAndWritableOnesStayWritable() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = table(arena, 2, 3);
            try (IndirectMemory2D ro = READ_ONLY.borrow(table, 2, 3)) {
                MemorySegment row = ro.row(1);
                assertThat(row.isReadOnly()).isTrue();
                assertThat(ro.row(1).isReadOnly()).as("made read-only, as every row of the borrow").isTrue();
                assertThat(ro.row(1).address()).isEqualTo(row.address());
                assertThat(ro.narrowed(Access.READ_ONLY).row(1).isReadOnly()).isTrue();
                assertThatThrownBy(() -> row.set(ValueLayout.JAVA_INT, 0, 1))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> ro.setInt(0, 0, 1)).isInstanceOf(java.nio.ReadOnlyBufferException.class);
            }
            try (IndirectMemory2D rw = WRITABLE.borrow(table, 2, 3)) {
                assertThat(rw.row(0).isReadOnly()).isFalse();
                assertThat(rw.narrowed(Access.READ_ONLY).row(0).isReadOnly()).as("a read-only view's row").isTrue();
                assertThat(rw.row(0).isReadOnly()).as("the cache is not made read-only by the view").isFalse();
                rw.row(0).set(ValueLayout.JAVA_INT, 0, -5);
                assertThat(rw.getInt(0, 0)).isEqualTo(-5);
            }
        }
    }

    @Test
    void aNullRowIsAnIllegalStateExceptionNamingIt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(ValueLayout.ADDRESS, 2);
            t.setAtIndex(ValueLayout.ADDRESS, 0, arena.allocate(ValueLayout.JAVA_INT, 1));
            try (IndirectMemory2D m = READ_ONLY.borrow(MemorySegment.ofAddress(t.address()), 2, 1)) {
                assertThat(m.getInt(0, 0)).isZero();
                assertThatThrownBy(() -> m.row(1)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("row 1 of 2 x 1 'i' (borrowed) is NULL");
                assertThatThrownBy(m::validate).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void rowPointersAreReadEachTimeAndEachRowSegmentIsMadeWhenAskedFor() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bare = table(arena, 3, 2);
            MemorySegment pointers = bare.reinterpret(3 * ValueLayout.ADDRESS.byteSize());
            try (IndirectMemory2D m = WRITABLE.borrow(bare, 3, 2)) {
                MemorySegment first = m.row(0);
                MemorySegment second = m.row(1);
                // none kept (a kept segment would keep escape analysis from removing the borrow): made again
                MemorySegment again = m.row(0);
                assertThat(again).as("the first row, asked for again").isNotSameAs(first);
                assertThat(again.address()).isEqualTo(first.address());
                assertThat(again.byteSize()).isEqualTo(first.byteSize()).isEqualTo(8);
                assertThat(again.scope()).isEqualTo(second.scope());
                assertThat(first.get(ValueLayout.JAVA_INT, 0)).as("a segment handed out stays usable").isEqualTo(0);
                // C points row 0 at row 2's items: the borrow follows the table, the segment handed out stays
                pointers.setAtIndex(ValueLayout.ADDRESS, 0, pointers.getAtIndex(ValueLayout.ADDRESS, 2));
                assertThat(m.row(0).address()).isEqualTo(pointers.getAtIndex(ValueLayout.ADDRESS, 2).address());
                assertThat(m.getInt(0, 1)).isEqualTo(2001);
                assertThat(first.get(ValueLayout.JAVA_INT, 4)).isEqualTo(1);
                assertThat(m.pointerTable().getAtIndex(ValueLayout.ADDRESS, 0).address())
                        .isEqualTo(m.row(0).address());
                assertThat(onAnotherThread(() -> m.pointerTable().get(ValueLayout.ADDRESS, 0)))
                        .isInstanceOf(WrongThreadException.class);
            }
        }
    }

    @Test
    void theTableIsReachableOnlyFromTheOwnerThreadBeforeAndAfterItIsHandedOut() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = table(arena, 2, 3);
            try (IndirectMemory2D m = READ_ONLY.borrow(table, 2, 3)) {
                assertThat(onAnotherThread(() -> m.row(1))).isInstanceOf(WrongThreadException.class);
                assertThat(onAnotherThread(m::validate)).isInstanceOf(WrongThreadException.class);
                assertThat(onAnotherThread(() -> m.pointerTable().get(ValueLayout.ADDRESS, 0)))
                        .isInstanceOf(WrongThreadException.class);
                MemorySegment pointers = m.pointerTable();
                assertThat(onAnotherThread(() -> m.row(1))).isInstanceOf(WrongThreadException.class);
                assertThat(onAnotherThread(() -> pointers.get(ValueLayout.ADDRESS, 0)))
                        .isInstanceOf(WrongThreadException.class);
                assertThat(m.getInt(1, 2)).isEqualTo(1002);
            }
        }
    }

    @Test
    void sizesWhoseByteCountsOverflowAreRefusedAsFromPointerRefusesThem() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = table(arena, 2, 3);
            for (long[] dims : new long[][] {{2, Long.MAX_VALUE / 4}, {2, Long.MAX_VALUE / 8 - 8},
                    {Long.MAX_VALUE / 8, 1}, {1L << 31, 1L << 31}, {-1, 1}, {1, -1},
                    {0, Long.MAX_VALUE / 2}}) { // no rows, but a row's byte count overflows
                IllegalArgumentException expected = null;
                try {
                    IndirectMemory2D.wrap(table, dims[0], dims[1], "i", true, Sharing.CONFINED).close();
                } catch (IllegalArgumentException e) {
                    expected = e;
                }
                assertThat(expected).as("wrap with %s x %s", dims[0], dims[1]).isNotNull();
                assertThatThrownBy(() -> READ_ONLY.borrow(table, dims[0], dims[1]))
                        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(expected.getMessage());
            }
            try (IndirectMemory2D m = READ_ONLY.borrow(table, 2, Long.MAX_VALUE / 8 - 16)) {
                assertThat(m.cols()).as("the largest row that fits").isEqualTo(Long.MAX_VALUE / 8 - 16);
            }
        }
    }

    @Test
    void manyBorrowsOneAfterAnotherEachEndWithTheirClose() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = table(arena, 2, 4);
            MemorySegment[] rows = new MemorySegment[100];
            for (int i = 0; i < rows.length; i++) {
                try (IndirectMemory2D m = READ_ONLY.borrow(table, 2, 1 + i % 4)) {
                    rows[i] = m.row(i % 2);
                    assertThat(rows[i].get(ValueLayout.JAVA_INT, 0)).isEqualTo(1000 * (i % 2));
                    if (i > 0) {
                        MemorySegment previous = rows[i - 1];
                        assertThatThrownBy(() -> previous.get(ValueLayout.JAVA_INT, 0))
                                .isInstanceOf(IllegalStateException.class);
                    }
                }
            }
        }
    }
}
