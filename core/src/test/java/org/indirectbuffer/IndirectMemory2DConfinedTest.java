package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

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

    /** glibc's {@code mallinfo2().hblkhd}: bytes in blocks {@code malloc} took with {@code mmap}; empty if absent. */
    static Optional<Supplier<Long>> mmapBytes() {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> symbol = linker.defaultLookup().find("mallinfo2");
        if (symbol.isEmpty()) {
            return Optional.empty();
        }
        StructLayout info = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(10, ValueLayout.JAVA_LONG));
        MethodHandle mallinfo2 = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(info));
        return Optional.of(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment result = (MemorySegment) mallinfo2.invokeExact((java.lang.foreign.SegmentAllocator) arena);
                return result.getAtIndex(ValueLayout.JAVA_LONG, 4);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }

    private static final long BIG = 64L << 20; // well above malloc's mmap threshold: mapped and unmapped whole

    /** Confined memory, dropped unclosed; returns a segment of it if asked to keep one. */
    private static MemorySegment createAndDrop(boolean keepRow) {
        IndirectMemory2D m = IndirectMemory2D.createMemory(1024, BIG / 1024 / 8, "d", false, RowPlacement.ONE_BLOCK,
                Sharing.CONFINED);
        m.setDouble(3, 5, 42);
        return keepRow ? m.row(3) : null;
    }

    @Test
    @Timeout(60)
    void memoryNeverClosedIsFreedOnceNothingReachesIt() throws InterruptedException {
        Optional<Supplier<Long>> mapped = mmapBytes();
        assumeTrue(mapped.isPresent(), "needs glibc's mallinfo2 to observe freeing");
        long baseline = mapped.get().get();
        createAndDrop(false);
        assertThat(mapped.get().get()).as("the block is mapped").isGreaterThanOrEqualTo(baseline + BIG);
        assertThat(IndirectMemory2DLifetimeTest.gcUntil(() -> mapped.get().get() < baseline + BIG))
                .as("unmapped by the Cleaner once unreachable").isTrue();

        // A segment held alone keeps the memory alive (and usable) until it too is unreachable.
        long before = mapped.get().get();
        List<MemorySegment> kept = new ArrayList<>();
        kept.add(createAndDrop(true));
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(mapped.get().get()).as("still mapped while a row segment is held").isGreaterThanOrEqualTo(before + BIG);
        assertThat(kept.get(0).get(ValueLayout.JAVA_DOUBLE, 40)).isEqualTo(42.0);
        kept.clear();
        assertThat(IndirectMemory2DLifetimeTest.gcUntil(() -> mapped.get().get() < before + BIG)).as("unmapped once the segment is gone").isTrue();
    }
}
