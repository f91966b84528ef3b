package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Owned memory {@linkplain Sharing#CONFINED confined} to its creating thread: other threads are refused with {@link
 * WrongThreadException} and change nothing; the owner closes and resizes as with shared memory; memory never closed is
 * freed by the Cleaner once nothing (no handle, view or segment) reaches it, observed through glibc's count of
 * mmap-ed bytes.
 */
class IndirectMemory2DConfinedTest {

    /** Runs {@code action} on a new thread and returns what it threw (null if nothing). */
    private static Throwable onAnotherThread(Runnable action) throws InterruptedException {
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "intruder");
        t.start();
        t.join();
        return thrown[0];
    }

    @Test
    void theOwnerUsesItLikeSharedMemory() {
        double[][] data = {{1, 2, 3}, {4, 5, 6}};
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(data, Sharing.CONFINED)) {
            assertThat(m.sharing()).isEqualTo(Sharing.CONFINED);
            assertThat(m.getDouble(1, 2)).isEqualTo(6.0);
            try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                assertThat(Kernels.sum(v)).isEqualTo(21.0);
            }
            m.resize(3, 4);
            assertThat(m.getDouble(1, 2)).isEqualTo(6.0);
            assertThat(m.getDouble(2, 3)).isZero();
            m.reinterpretData("q");
            assertThat(m.getLong(0, 0)).isEqualTo(Double.doubleToLongBits(1.0));
        }
        for (RowPlacement placement : RowPlacement.values()) {
            try (IndirectMemory2D m = IndirectMemory2D.createMemory(4, 5, "i", false, placement, Sharing.CONFINED)) {
                assertThat(m.sharing()).isEqualTo(Sharing.CONFINED);
                m.setInt(3, 4, 7);
                assertThat(m.row(3).get(ValueLayout.JAVA_INT, 16)).isEqualTo(7);
                if (placement == RowPlacement.ONE_BLOCK) {
                    assertThat(m.pointerTable().get(ValueLayout.ADDRESS, 0).address() % 64)
                            .as("one block starts on a cache line").isZero();
                }
            }
        }
        assertThat(IndirectMemory2D.createFrom(new int[][] {{1}}).sharing()).isEqualTo(Sharing.SHARED);
    }

    @Test
    void anotherThreadIsRefusedAndChangesNothing() throws InterruptedException {
        IndirectMemory2D m = IndirectMemory2D.createFrom(new long[][] {{1, 2}, {3, 4}}, Sharing.CONFINED);
        MemorySegment row = m.row(1);
        BufferView view = m.getBuffer(BufferRequest.FULL_RO);
        List<Runnable> attempts = List.of(
                () -> m.getLong(0, 0),
                () -> m.setLong(0, 0, 9),
                () -> m.row(0),
                () -> row.get(ValueLayout.JAVA_LONG, 0),
                () -> Kernels.sumLong(view),
                () -> view.getLong(1, 1),
                () -> m.resize(5, 5),
                () -> m.reinterpretData("d"));
        for (Runnable attempt : attempts) {
            assertThat(onAnotherThread(attempt)).isInstanceOf(WrongThreadException.class);
        }
        view.close(); // a view of owned memory releases nothing native: any thread may close it
        assertThat(onAnotherThread(m::close)).isInstanceOf(WrongThreadException.class)
                .hasMessageContaining("close").hasMessageContaining("confined to thread '"
                        + Thread.currentThread().getName() + "'").hasMessageContaining("'intruder'");
        assertThat(m.isClosed()).isFalse();
        assertThat(m.rows()).isEqualTo(2);
        assertThat(m.getLong(1, 1)).isEqualTo(4L);
        m.close();
        assertThatThrownBy(() -> row.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.getLong(0, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(onAnotherThread(m::close)).as("closing closed memory is harmless anywhere").isNull();
    }

    @Test
    void resizeKeepsItConfinedAndMakesOldSegmentsStale() throws InterruptedException {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false, RowPlacement.ROW_BY_ROW,
                Sharing.CONFINED)) {
            MemorySegment before = m.row(0);
            m.resize(3, 3);
            assertThatThrownBy(() -> before.get(ValueLayout.JAVA_DOUBLE, 0))
                    .isInstanceOf(IllegalStateException.class);
            MemorySegment after = m.row(2);
            assertThat(onAnotherThread(() -> after.get(ValueLayout.JAVA_DOUBLE, 0)))
                    .isInstanceOf(WrongThreadException.class);
        }
    }

    // ------------------------------------------------------------------------------------------------ Cleaner

    private static final long BIG = 64L << 20; // well above malloc's mmap threshold: mapped and unmapped whole

    /** Confined memory, dropped unclosed; returns its block's address, and in {@code kept} a row if asked to. */
    private static long createAndDrop(List<MemorySegment> kept) {
        IndirectMemory2D m = IndirectMemory2D.createMemory(1024, BIG / 1024 / 8, "d", false, RowPlacement.ONE_BLOCK,
                Sharing.CONFINED);
        m.setDouble(3, 5, 42);
        if (kept != null) {
            kept.add(m.row(3));
        }
        return m.row(0).address();
    }

    @Test
    @Timeout(60)
    void memoryNeverClosedIsFreedOnceNothingReachesIt() throws InterruptedException {
        ProcessMappings.assumeGlibcAndProcMaps();
        long block = createAndDrop(null);
        assertThat(IndirectMemory2DLifetimeTest.gcUntil(() -> ProcessMappings.noneMapped(block)))
                .as("unmapped by the Cleaner once unreachable").isTrue();

        // A segment held alone keeps the memory alive (and usable) until it too is unreachable.
        List<MemorySegment> kept = new ArrayList<>();
        long held = createAndDrop(kept);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(ProcessMappings.allMapped(held)).as("still mapped while a row segment is held").isTrue();
        assertThat(kept.get(0).get(ValueLayout.JAVA_DOUBLE, 40)).isEqualTo(42.0);
        kept.clear();
        assertThat(IndirectMemory2DLifetimeTest.gcUntil(() -> ProcessMappings.noneMapped(held)))
                .as("unmapped once the segment is gone").isTrue();
    }
}
