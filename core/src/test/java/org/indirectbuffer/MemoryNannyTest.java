package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MemoryNanny}: each kind frees what it owns exactly once, on close or adopted by {@link IndirectMemory2D},
 * observed through a free function that records the addresses instead of freeing them.
 */
@SuppressWarnings("restricted") // a downcall to malloc, in test code only
class MemoryNannyTest {
    /** Addresses the recording free function was called with, in order. */
    private static final List<Long> FREED = new ArrayList<>();
    private static final MethodHandle RECORDING_FREE;

    static {
        try {
            RECORDING_FREE = MethodHandles.lookup().findStatic(MemoryNannyTest.class, "recordFree",
                    MethodType.methodType(void.class, MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A free function of type (MemorySegment)void that only records the address. */
    static void recordFree(MemorySegment pointer) {
        synchronized (FREED) {
            FREED.add(pointer.address());
        }
    }

    private static List<Long> freed() {
        synchronized (FREED) {
            return List.copyOf(FREED);
        }
    }

    @BeforeEach
    @AfterEach
    void clear() {
        synchronized (FREED) {
            FREED.clear();
        }
    }

    /** The same address as foreign code hands it over: a segment with no owner in Java. */
    private static MemorySegment foreign(MemorySegment owned) {
        return MemorySegment.ofAddress(owned.address());
    }

    /** A table of {@code rows} row pointers to {@code cols} doubles each (value r * 10 + c), all in {@code arena}. */
    private static MemorySegment tableOfRows(Arena arena, int rows, int cols) {
        MemorySegment table = arena.allocate(ValueLayout.ADDRESS, Math.max(rows, 1)).asSlice(0,
                rows * ValueLayout.ADDRESS.byteSize());
        for (int r = 0; r < rows; r++) {
            MemorySegment row = arena.allocate(ValueLayout.JAVA_DOUBLE, cols);
            for (int c = 0; c < cols; c++) {
                row.setAtIndex(ValueLayout.JAVA_DOUBLE, c, r * 10 + c);
            }
            table.setAtIndex(ValueLayout.ADDRESS, r, row);
        }
        return table;
    }

    private static List<Long> expectedRowsThenTable(MemorySegment table, int rows) {
        List<Long> expected = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            long p = table.getAtIndex(ValueLayout.ADDRESS, r).address();
            if (p != 0) {
                expected.add(p);
            }
        }
        expected.add(table.address());
        return expected;
    }

    @Test
    void freeingRowsAndTableFreesEveryRowThenTheTableExactlyOnce() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 4, 3);
            List<Long> expected = expectedRowsThenTable(table, 4);
            MemoryNanny nanny = MemoryNanny.freeingRowsAndTable(foreign(table), 4, RECORDING_FREE);
            assertThat(nanny.isFreed()).isFalse();
            assertThat(freed()).isEmpty();
            assertThat(nanny.toString()).contains(Long.toHexString(table.address())).doesNotContain("freed");

            nanny.close();
            assertThat(nanny.isFreed()).isTrue();
            assertThat(freed()).containsExactlyElementsOf(expected);
            assertThat(nanny.toString()).contains("freed");
            nanny.close();
            assertThat(freed()).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void freeingRowsAndTableReadsTheRowsWhenItFreesAndSkipsNullRows() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 3, 2);
            MemoryNanny nanny = MemoryNanny.freeingRowsAndTable(foreign(table), 3, RECORDING_FREE);
            // C swaps row 0 and NULLs row 2 after the nanny was made.
            MemorySegment swapped = arena.allocate(16);
            table.setAtIndex(ValueLayout.ADDRESS, 0, swapped);
            table.setAtIndex(ValueLayout.ADDRESS, 2, MemorySegment.NULL);
            long row1 = table.getAtIndex(ValueLayout.ADDRESS, 1).address();
            nanny.close();
            assertThat(freed()).containsExactly(swapped.address(), row1, table.address());
        }
    }

    @Test
    void freeingRowsAndTableOfNothing() {
        MemoryNanny none = MemoryNanny.freeingRowsAndTable(MemorySegment.NULL, 3, RECORDING_FREE);
        none.close();
        assertThat(none.isFreed()).isTrue();
        assertThat(freed()).isEmpty();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = arena.allocate(8);
            MemoryNanny zero = MemoryNanny.freeingRowsAndTable(foreign(table), 0, RECORDING_FREE);
            zero.close();
            assertThat(freed()).containsExactly(table.address());
        }
    }

    @Test
    void freeingTableFreesOnlyTheBlock() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 3, 2);
            MemoryNanny nanny = MemoryNanny.freeingTable(foreign(table), RECORDING_FREE);
            assertThat(freed()).isEmpty();
            nanny.close();
            nanny.close();
            assertThat(freed()).containsExactly(table.address());
            assertThat(nanny.isFreed()).isTrue();
        }
    }

    @Test
    void theDefaultFreeFunctionFreesMemoryFromCsMalloc() {
        Linker linker = Linker.nativeLinker();
        MethodHandle malloc = linker.downcallHandle(linker.defaultLookup().find("malloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        MemorySegment table;
        MemorySegment block;
        try {
            table = ((MemorySegment) malloc.invokeExact(2 * ValueLayout.ADDRESS.byteSize()))
                    .reinterpret(2 * ValueLayout.ADDRESS.byteSize());
            table.setAtIndex(ValueLayout.ADDRESS, 0, (MemorySegment) malloc.invokeExact(24L));
            table.setAtIndex(ValueLayout.ADDRESS, 1, (MemorySegment) malloc.invokeExact(24L));
            block = (MemorySegment) malloc.invokeExact(64L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        MemoryNanny rowsAndTable = MemoryNanny.freeingRowsAndTable(foreign(table), 2);
        try (IndirectMemory2D m = IndirectMemory2D.adopt(table, 2, 3, "d", false, rowsAndTable)) {
            m.setDouble(1, 2, 4.5);
            assertThat(m.getDouble(1, 2)).isEqualTo(4.5);
        }
        assertThat(rowsAndTable.isFreed()).isTrue();
        MemoryNanny one = MemoryNanny.freeingTable(block);
        one.close();
        one.close();
        assertThat(one.isFreed()).isTrue();
        // No recording happened: the C free was used (a double free would have aborted the JVM).
        assertThat(freed()).isEmpty();
    }

    @Test
    void closingClosesTheArena() {
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(32);
        MemoryNanny nanny = MemoryNanny.closing(arena);
        assertThat(arena.scope().isAlive()).isTrue();
        segment.set(ValueLayout.JAVA_INT, 0, 7);
        nanny.close();
        assertThat(nanny.isFreed()).isTrue();
        assertThat(arena.scope().isAlive()).isFalse();
        assertThatThrownBy(() -> segment.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
        nanny.close();

        // An arena its owner closed already is no error.
        Arena closedBefore = Arena.ofShared();
        MemoryNanny late = MemoryNanny.closing(closedBefore);
        closedBefore.close();
        late.close();
        assertThat(late.isFreed()).isTrue();
    }

    @Test
    void runningRunsTheActionOnce() {
        AtomicInteger runs = new AtomicInteger();
        MemoryNanny nanny = MemoryNanny.running("free_matrix(m, 3)", runs::incrementAndGet);
        assertThat(nanny.toString()).contains("free_matrix(m, 3)");
        assertThat(runs).hasValue(0);
        nanny.close();
        nanny.close();
        assertThat(runs).hasValue(1);
        assertThat(nanny.isFreed()).isTrue();
    }

    @Test
    void concurrentClosesFreeOnce() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 200; round++) {
                AtomicInteger runs = new AtomicInteger();
                MemoryNanny nanny = MemoryNanny.running("race", runs::incrementAndGet);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        nanny.close();
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : futures) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertThat(runs).as("round %d", round).hasValue(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badArgumentsAreRefused() {
        MethodHandle wrongType = MethodHandles.dropArguments(MethodHandles.constant(int.class, 0), 0,
                MemorySegment.class);
        assertThatThrownBy(() -> MemoryNanny.freeingRowsAndTable(MemorySegment.NULL, 1, wrongType))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(MemorySegment)int")
                .hasMessageContaining("(MemorySegment)void");
        assertThatThrownBy(() -> MemoryNanny.freeingTable(MemorySegment.NULL, wrongType))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemoryNanny.freeingRowsAndTable(MemorySegment.NULL, -1, RECORDING_FREE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> MemoryNanny.freeingTable(null, RECORDING_FREE))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> MemoryNanny.closing(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> MemoryNanny.running("x", null)).isInstanceOf(NullPointerException.class);
        assertThat(freed()).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ adopted

    @Test
    void adoptedRowsAndTableAreFreedOnlyAfterASuccessfulClose() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 3, 2);
            List<Long> expected = expectedRowsThenTable(table, 3);
            MemoryNanny nanny = MemoryNanny.freeingRowsAndTable(foreign(table), 3, RECORDING_FREE);
            IndirectMemory2D m = IndirectMemory2D.adopt(table, 3, 2, "d", false, nanny);
            assertThat(m.getDouble(2, 1)).isEqualTo(21.0);
            assertThat(m.toString()).contains("adopted");

            BufferView v = m.getBuffer(BufferRequest.FULL_RO);
            assertThatThrownBy(m::close).isInstanceOf(BufferException.class)
                    .hasMessage("buffer is locked: cannot close while 1 view is exported");
            assertThat(nanny.isFreed()).isFalse();
            assertThat(freed()).isEmpty();
            assertThat(v.getDouble(1, 1)).isEqualTo(11.0);
            v.close();

            m.close();
            assertThat(nanny.isFreed()).isTrue();
            assertThat(freed()).containsExactlyElementsOf(expected);
            m.close();
            nanny.close();
            assertThat(freed()).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void adoptedTableOnlyIsFreedOnClose() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 2, 2);
            MemoryNanny nanny = MemoryNanny.freeingTable(foreign(table), RECORDING_FREE);
            IndirectMemory2D m = IndirectMemory2D.adopt(table, 2, 2, "d", true, nanny);
            assertThat(m.getDouble(1, 0)).isEqualTo(10.0);
            assertThat(freed()).isEmpty();
            m.close();
            assertThat(freed()).containsExactly(table.address());
        }
    }

    @Test
    void adoptedArenaIsClosedOnClose() {
        Arena arena = Arena.ofShared();
        MemorySegment table = tableOfRows(arena, 2, 2);
        MemoryNanny nanny = MemoryNanny.closing(arena);
        IndirectMemory2D m = IndirectMemory2D.adopt(table, 2, 2, "d", false, nanny);
        assertThat(m.getDouble(1, 1)).isEqualTo(11.0);
        assertThat(arena.scope().isAlive()).isTrue();
        m.close();
        assertThat(arena.scope().isAlive()).isFalse();
        assertThat(nanny.isFreed()).isTrue();
    }

    @Test
    void aNannyClosedFirstIsNotFreedAgainByTheMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 1, 1);
            MemoryNanny nanny = MemoryNanny.freeingTable(foreign(table), RECORDING_FREE);
            IndirectMemory2D m = IndirectMemory2D.adopt(table, 1, 1, "d", false, nanny);
            nanny.close();
            m.close();
            assertThat(freed()).containsExactly(table.address());
        }
    }

    @Test
    void aFreeThatThrowsLeavesTheNannyNotFreedAndIsNotRunAgain() {
        AtomicInteger runs = new AtomicInteger();
        MemoryNanny nanny = MemoryNanny.running("free_matrix(m)", () -> {
            runs.incrementAndGet();
            throw new IllegalStateException("free_matrix failed");
        });
        assertThatThrownBy(nanny::close).isInstanceOf(IllegalStateException.class).hasMessage("free_matrix failed");
        assertThat(nanny.isFreed()).as("nothing was freed").isFalse();
        assertThat(nanny.toString()).contains("free failed").contains("free_matrix failed");
        nanny.close(); // not run again: it may have freed part of the memory
        assertThat(runs).hasValue(1);
        assertThat(nanny.isFreed()).isFalse();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 1, 1);
            assertThatThrownBy(() -> IndirectMemory2D.adopt(table, 1, 1, "d", false, nanny))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed to free its memory")
                    .hasMessageContaining("free_matrix failed");
        }
    }

    @Test
    void anAdoptedNannyWhoseFreeThrowsIsNotFreedAndItsMemoryIsStillEnded() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = tableOfRows(arena, 1, 1);
            MemoryNanny nanny = MemoryNanny.running("free_matrix(m)", () -> {
                throw new IllegalStateException("free_matrix failed");
            });
            IndirectMemory2D m = IndirectMemory2D.adopt(table, 1, 1, "d", false, nanny);
            MemorySegment row = m.row(0);
            assertThatThrownBy(m::close).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("free_matrix failed");
            assertThat(nanny.isFreed()).isFalse();
            assertThat(row.scope().isAlive()).as("the memory is ended before the free is tried").isFalse();
            assertThatThrownBy(() -> m.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void isFreedIsFalseWhileTheFreeRuns() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MemoryNanny nanny = MemoryNanny.running("slow free", () -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread closer = new Thread(nanny::close);
        closer.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(nanny.isFreed()).isFalse();
        release.countDown();
        closer.join(10_000);
        assertThat(nanny.isFreed()).isTrue();
    }
}
