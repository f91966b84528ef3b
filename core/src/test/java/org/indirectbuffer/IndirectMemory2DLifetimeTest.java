package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lifetime of {@link IndirectMemory2D} under the garbage collector and under races: what a view keeps alive, what the
 * Cleaner frees, and that a read racing a close or a resize fails only with {@link IllegalStateException}, never a
 * crash or a read of freed memory.
 */
@SuppressWarnings("restricted") // foreign tables built by hand, in test code only
class IndirectMemory2DLifetimeTest {
    private static final long GC_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    // ------------------------------------------------------------------------------------------------ GC helpers

    /** Runs GCs until {@code condition} holds, for at most {@link #GC_LIMIT_NANOS}; returns whether it held. */
    static boolean gcUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + GC_LIMIT_NANOS;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            System.gc();
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    /**
     * Runs a few full GCs, giving Cleaners time to run after each, without waiting for anything: an object
     * unreachable at the first would have its cleaning action run long before the last.
     */
    private static void gcSeveralTimes() throws InterruptedException {
        for (int i = 0; i < 6; i++) {
            System.gc();
            Thread.sleep(20);
        }
    }

    /** A foreign 3 x 4 T** of doubles (value r * 10 + c) in {@code arena}. */
    private static MemorySegment foreignTable(Arena arena) {
        MemorySegment table = arena.allocate(ValueLayout.ADDRESS, 3);
        for (int r = 0; r < 3; r++) {
            MemorySegment row = arena.allocate(ValueLayout.JAVA_DOUBLE, 4);
            for (int c = 0; c < 4; c++) {
                row.setAtIndex(ValueLayout.JAVA_DOUBLE, c, r * 10 + c);
            }
            table.setAtIndex(ValueLayout.ADDRESS, r, row);
        }
        return table;
    }

    /** What the adopting helper hands back: only a view and weak references to the rest. */
    private static final class Exported {
        BufferView view;
        final WeakReference<MemoryNanny> nanny;
        final WeakReference<IndirectMemory2D> handle;

        Exported(BufferView view, MemoryNanny nanny, IndirectMemory2D handle) {
            this.view = view;
            this.nanny = new WeakReference<>(nanny);
            this.handle = new WeakReference<>(handle);
        }
    }

    /**
     * Adopts a foreign table with a nanny that counts its frees (and closes the arena holding the memory, as a real
     * free would), exports a view, and lets every other reference go when it returns.
     */
    private static Exported adoptAndExport(AtomicInteger frees) {
        Arena arena = Arena.ofShared();
        MemorySegment table = foreignTable(arena);
        MemoryNanny nanny = MemoryNanny.running("gc test", () -> {
            frees.incrementAndGet();
            arena.close();
        });
        IndirectMemory2D m = IndirectMemory2D.adopt(table, 3, 4, "d", false, nanny);
        return new Exported(m.getBuffer(BufferRequest.FULL), nanny, m);
    }

    // ------------------------------------------------------------------------------------------------ GC

    @Test
    @Timeout(60)
    void anExportedViewKeepsTheNannyReachableAndItIsFreedOnceTheViewIsGone() throws Exception {
        AtomicInteger frees = new AtomicInteger();
        Exported e = adoptAndExport(frees);

        gcSeveralTimes();
        assertThat(frees).as("freed while a view is strongly reachable").hasValue(0);
        assertThat(e.nanny.get()).as("nanny collected while a view is strongly reachable").isNotNull();
        // The view still reads the foreign memory, and writes to it.
        assertThat(e.view.getDouble(2, 3)).isEqualTo(23.0);
        e.view.setDouble(-1.0, 0, 0);
        assertThat(Kernels.sum(e.view)).isEqualTo(3 * (0 + 1 + 2 + 3) + 4 * (0 + 10 + 20) - 1.0);
        Reference.reachabilityFence(e.view);

        e.view.close();
        e.view = null;
        assertThat(gcUntil(() -> frees.get() > 0)).as("nanny freed after the view was closed and dropped").isTrue();
        assertThat(gcUntil(() -> e.nanny.get() == null && e.handle.get() == null)).isTrue();
        gcSeveralTimes();
        assertThat(frees).as("freed exactly once").hasValue(1);
    }

    @Test
    @Timeout(60)
    void anUnclosedButExportedViewKeepsEverythingAlive() throws Exception {
        AtomicInteger frees = new AtomicInteger();
        Exported e = adoptAndExport(frees);
        // The view is never closed: only dropping it lets the memory go.
        for (int round = 0; round < 2; round++) {
            gcSeveralTimes();
            assertThat(frees).hasValue(0);
            assertThat(e.view.getDouble(1, 2)).isEqualTo(12.0);
        }
        Reference.reachabilityFence(e.view);
        e.view = null;
        assertThat(gcUntil(() -> frees.get() > 0)).isTrue();
        gcSeveralTimes();
        assertThat(frees).hasValue(1);
    }

    /** Adopts with a nanny the caller keeps; only a read-only view handle is returned. */
    private static IndirectMemory2D adoptAndHandOutAViewHandle(MemoryNanny nanny, MemorySegment table) {
        IndirectMemory2D m = IndirectMemory2D.adopt(table, 3, 4, "d", false, nanny);
        return m.narrowed(Access.READ_ONLY);
    }

    @Test
    @Timeout(60)
    void theMemorysCleanerClosesAStronglyHeldNannyOnceNothingReachesTheMemory() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = foreignTable(arena);
            AtomicInteger frees = new AtomicInteger();
            // The test holds the nanny itself: only the memory's own Cleaner can free it.
            MemoryNanny nanny = MemoryNanny.running("held", frees::incrementAndGet);
            IndirectMemory2D[] handle = {adoptAndHandOutAViewHandle(nanny, table)};

            gcSeveralTimes();
            assertThat(nanny.isFreed()).as("freed while a view handle is reachable").isFalse();
            assertThat(handle[0].getDouble(2, 1)).isEqualTo(21.0);

            handle[0] = null;
            assertThat(gcUntil(nanny::isFreed)).as("freed by the Cleaner").isTrue();
            gcSeveralTimes();
            assertThat(frees).hasValue(1);
            // Borrowed-from arena memory is the test's: still there.
            assertThat(table.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(32).get(ValueLayout.JAVA_DOUBLE, 8))
                    .isEqualTo(1.0);
        }
    }

    /** Owned memory of which only one row segment is returned. */
    private static MemorySegment ownedAndDropped(RowPlacement placement) {
        IndirectMemory2D m = IndirectMemory2D.createMemory(4, 16, "d", false, placement);
        m.setDouble(1, 3, 2.5);
        return m.row(1);
    }

    @Test
    @Timeout(60)
    void aRowSegmentHeldAloneBecomesUnusableOnceTheOwnerIsCollected() throws Exception {
        for (RowPlacement placement : RowPlacement.values()) {
            MemorySegment row = ownedAndDropped(placement);
            assertThat(row.get(ValueLayout.JAVA_DOUBLE, 24)).isEqualTo(2.5);
            boolean dead = gcUntil(() -> {
                try {
                    row.get(ValueLayout.JAVA_DOUBLE, 24);
                    return false;
                } catch (IllegalStateException expected) {
                    return true;
                }
            });
            assertThat(dead).as("%s: row unusable after the owner was collected", placement).isTrue();
            assertThat(row.scope().isAlive()).isFalse();
        }
    }

    /** Owned memory of which only an exported view is returned. */
    private static BufferView ownedAndExported(RowPlacement placement) {
        IndirectMemory2D m = IndirectMemory2D.createMemory(5, 9, "d", false, placement);
        for (long r = 0; r < 5; r++) {
            for (long c = 0; c < 9; c++) {
                m.setDouble(r, c, r + c);
            }
        }
        return m.getBuffer(BufferRequest.FULL_RO);
    }

    @Test
    @Timeout(60)
    void anExportedViewOfOwnedMemoryKeepsItAlive() throws Exception {
        for (RowPlacement placement : RowPlacement.values()) {
            BufferView view = ownedAndExported(placement);
            MemorySegment item = view.elementAt(4, 8);
            gcSeveralTimes();
            double expected = 9 * (0 + 1 + 2 + 3 + 4) + 5 * 36;
            assertThat(Kernels.sum(view)).as(placement.toString()).isEqualTo(expected);
            assertThat(item.get(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(12.0);
            view.close();
            Reference.reachabilityFence(view);
        }
    }

    // ------------------------------------------------------------------------------------------------ threads

    @Test
    @Timeout(60)
    void manyThreadsReadTheSameMemoryConsistently() throws Exception {
        int threads = 8;
        int rows = 64;
        int cols = 33;
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(rows, cols, "d", false, RowPlacement.ROW_BY_ROW)) {
            double expectedSum = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    m.setDouble(r, c, r * 1000 + c);
                    expectedSum += r * 1000 + c;
                }
            }
            double total = expectedSum;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long seed = 1000L + t;
                    futures.add(pool.submit(() -> {
                        Random random = new Random(seed);
                        IndirectMemory2D ro = m.narrowed(Access.READ_ONLY);
                        start.await();
                        int checks = 0;
                        for (int i = 0; i < 3000; i++) {
                            int r = random.nextInt(rows);
                            int c = random.nextInt(cols);
                            double want = r * 1000 + c;
                            switch (i % 5) {
                                case 0 -> assertThat(m.getDouble(r, c)).isEqualTo(want);
                                case 1 -> assertThat(ro.row(r).getAtIndex(ValueLayout.JAVA_DOUBLE, c))
                                        .isEqualTo(want);
                                case 2 -> {
                                    try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                                        assertThat(v.getDouble(r, c)).isEqualTo(want);
                                        if (i % 50 == 2) {
                                            assertThat(Kernels.sum(v)).isEqualTo(total);
                                        }
                                    }
                                }
                                case 3 -> assertThat(m.pointerTable().getAtIndex(ValueLayout.ADDRESS, r).address())
                                        .isEqualTo(m.row(r).address());
                                default -> assertThat(ro.getDouble(r, c)).isEqualTo(want);
                            }
                            checks++;
                        }
                        return checks;
                    }));
                }
                start.countDown();
                for (Future<Integer> f : futures) {
                    assertThat(f.get(50, TimeUnit.SECONDS)).isEqualTo(3000);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(m.exportCount()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------ races

    /** One memory handed to the reader: the reader reads it until something fails. */
    private static final class Job {
        final IndirectMemory2D memory;
        final double base;
        final int mode;
        volatile boolean started;
        int reads;

        Job(IndirectMemory2D memory, double base, int mode) {
            this.memory = memory;
            this.base = base;
            this.mode = mode;
        }
    }

    /**
     * The one reader thread, reused for every job. The main thread publishes each new memory in {@link #job} and
     * closes it a moment later without waiting for the reader (so that no iteration pays a thread hand-over); the
     * reader reads the latest job until it fails, files the failure, and moves to the next. Its tallies are read by
     * the main thread only after the reader's task has ended.
     */
    private static final class Reader implements Runnable {
        volatile Job job;
        volatile boolean stop;
        final Map<String, Integer> kinds = new LinkedHashMap<>();
        int jobs;
        int jobsWithReads;
        long reads;
        Throwable unexpected;

        @Override
        public void run() {
            Job last = null;
            while (!stop) {
                Job j = job;
                if (j == null || j == last) {
                    Thread.onSpinWait();
                    continue;
                }
                last = j;
                j.started = true;
                Throwable failure = readUntilFailure(j, -1);
                jobs++;
                reads += j.reads;
                if (j.reads > 0) {
                    jobsWithReads++;
                }
                String kind = kind(failure);
                kinds.merge(kind, 1, Integer::sum);
                if (kind.startsWith("UNEXPECTED") && unexpected == null) {
                    unexpected = failure;
                }
            }
        }

        /**
         * Reads in a rotation of ways until something fails; returns what stopped it (a wrong value is an
         * AssertionError). One read in 16 exports a view (and one in those sums it with Kernels), so that the main
         * thread's close is refused now and then but mostly races plain reads. With a {@code limit} >= 0, stops
         * after that many reads and returns null.
         */
        static Throwable readUntilFailure(Job j, int limit) {
            IndirectMemory2D m = j.memory;
            int n = j.mode;
            try {
                MemorySegment earlyRow = m.row(1);
                IndirectMemory2D handle = (j.mode & 1) == 0 ? m : m.narrowed(Access.READ_ONLY);
                while (limit < 0 || j.reads < limit) {
                    int op = n++ & 15;
                    if (op == 15) {
                        try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                            check(j, Kernels.sum(v), 2 * j.base + 1);
                        }
                    } else if (op == 7) {
                        try (BufferView v = handle.getBuffer(BufferRequest.FULL_RO)) {
                            check(j, v.getDouble(1, 1), j.base + 1);
                        }
                    } else {
                        switch (op & 7) {
                            case 0 -> check(j, m.getDouble(0, 0), j.base);
                            case 1 -> check(j, m.row(1).get(ValueLayout.JAVA_DOUBLE, 8), j.base + 1);
                            case 2 -> check(j, earlyRow.get(ValueLayout.JAVA_DOUBLE, 8), j.base + 1);
                            case 3 -> check(j, m.pointerTable().get(ValueLayout.ADDRESS, 8).address() == 0 ? -1 : 0,
                                    0);
                            case 4 -> check(j, handle.getDouble(1, 1), j.base + 1);
                            case 5 -> check(j, m.rows() == 2 && handle.cols() == 2 ? 0 : -1, 0);
                            default -> check(j, handle.row(0).get(ValueLayout.JAVA_DOUBLE, 0), j.base);
                        }
                    }
                    j.reads++;
                }
                return null;
            } catch (Throwable t) {
                return t;
            }
        }

        private static void check(Job j, double actual, double expected) {
            if (actual != expected) {
                throw new AssertionError("read " + actual + ", expected " + expected + " (job base " + j.base
                        + ", after " + j.reads + " reads)");
            }
        }

        String report() {
            return jobs + " jobs read, " + jobsWithReads + " with reads before the failure, " + reads + " reads; "
                    + kinds;
        }
    }

    /** Buckets a reader's failure by where it came from, for the report and the checks. */
    private static String kind(Throwable t) {
        if (!(t instanceof IllegalStateException)) {
            return "UNEXPECTED " + t;
        }
        String message = String.valueOf(t.getMessage());
        if (message.startsWith("IndirectMemory2D is closed")) {
            return "closed (handle check)";
        }
        if (message.startsWith("stale view")) {
            return "stale (handle check)";
        }
        return "scope closed (FFM)";
    }

    /**
     * Runs {@code action} (a close or a resize), retrying while the reader has a view open; anything but "buffer is
     * locked" is a failure. Waits for the export count to drop first, so that refusals (each an exception) stay rare.
     */
    private static void retryWhileLocked(IndirectMemory2D m, String operation, Runnable action,
                                         AtomicInteger refusals) {
        while (true) {
            while (m.exportCount() > 0) {
                Thread.onSpinWait();
            }
            try {
                action.run();
                return;
            } catch (BufferException e) {
                assertThat(e.getMessage()).startsWith("buffer is locked: cannot " + operation + " while");
                refusals.incrementAndGet();
            }
        }
    }

    /** Gives the reader up to {@code micros} to pick the job up, then spins a random moment more. */
    private static void letTheReaderStart(Job job, long micros, Random random) {
        long deadline = System.nanoTime() + micros * 1000;
        while (!job.started && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        for (int i = random.nextInt(200); i > 0; i--) {
            Thread.onSpinWait();
        }
    }

    /**
     * Runs the reader's code in this thread, without races, until the JIT has compiled it (Kernels included): the
     * races then measure closes, not the interpreter.
     */
    private static void warmUpReader() {
        for (int round = 0; round < 4; round++) {
            for (RowPlacement placement : RowPlacement.values()) {
                try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false, placement)) {
                    m.setDouble(0, 0, 3);
                    m.setDouble(1, 1, 4);
                    for (int mode = 0; mode < 2; mode++) {
                        assertThat(Reader.readUntilFailure(new Job(m, 3, mode), 20_000)).isNull();
                    }
                }
            }
        }
    }

    private static ExecutorService readerExecutor(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops the reader, waits for its task, and checks that every failure it saw was an IllegalStateException. */
    private static void stopAndCheck(Reader reader, Future<?> task, String what, int iterations, long startNanos)
            throws Exception {
        reader.stop = true;
        task.get(30, TimeUnit.SECONDS);
        System.out.printf("%s: %d iterations in %d ms; reader: %s%n", what, iterations,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), reader.report());
        if (reader.unexpected != null) {
            throw new AssertionError(what + ": a reader failed with something other than IllegalStateException: "
                    + reader.report(), reader.unexpected);
        }
        assertThat(reader.kinds.keySet()).allMatch(k -> !k.startsWith("UNEXPECTED"));
        // The races were real: the reader read memories before they were closed under it, many times over (a
        // loaded machine may starve the reader of some iterations, so the bar is low).
        assertThat(reader.jobsWithReads).as(reader.report()).isGreaterThan(iterations / 100);
    }

    @Test
    @Timeout(120)
    void readsRacingCloseFailOnlyWithIllegalState() throws Exception {
        int iterations = 100_000;
        Random random = new Random(0x1D1EC7L);
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger nannyFrees = new AtomicInteger();
        int adopted = 0;
        Reader reader = new Reader();
        warmUpReader();
        ExecutorService executor = readerExecutor("im2d-close-race-reader");
        long startNanos = System.nanoTime();
        try (Arena callers = Arena.ofShared()) {
            // Foreign memory borrowed and adopted by half the iterations: (0,0) = 7, (1,1) = 8.
            MemorySegment table = callers.allocate(ValueLayout.ADDRESS, 2);
            for (int r = 0; r < 2; r++) {
                MemorySegment row = callers.allocate(ValueLayout.JAVA_DOUBLE, 2);
                row.setAtIndex(ValueLayout.JAVA_DOUBLE, r, 7 + r);
                table.setAtIndex(ValueLayout.ADDRESS, r, row);
            }
            Future<?> task = executor.submit(reader);
            for (int i = 0; i < iterations; i++) {
                int flavour = i & 3;
                IndirectMemory2D m;
                double base;
                if (flavour < 2) {
                    m = IndirectMemory2D.createMemory(2, 2, "d", false,
                            flavour == 0 ? RowPlacement.ONE_BLOCK : RowPlacement.ROW_BY_ROW);
                    base = i;
                    m.setDouble(0, 0, base);
                    m.setDouble(1, 1, base + 1);
                } else if (flavour == 2) {
                    m = IndirectMemory2D.wrap(table, 2, 2, "d", true);
                    base = 7;
                } else {
                    m = IndirectMemory2D.adopt(table, 2, 2, "d", true,
                            MemoryNanny.running("race", nannyFrees::incrementAndGet));
                    adopted++;
                    base = 7;
                }
                Job job = new Job(m, base, random.nextInt(16));
                reader.job = job;
                letTheReaderStart(job, 20, random);
                retryWhileLocked(m, "close", m::close, refusals);
                assertThat(m.isClosed()).isTrue();
            }
            stopAndCheck(reader, task, "close race (" + refusals + " closes refused while exported)", iterations,
                    startNanos);
            // The borrowed memory is the caller's, untouched by 50 000 closes.
            assertThat(table.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(16).get(ValueLayout.JAVA_DOUBLE, 8))
                    .isEqualTo(8.0);
        } finally {
            reader.stop = true;
            executor.shutdownNow();
        }
        assertThat(nannyFrees).as("each adopted nanny freed exactly once").hasValue(adopted);
    }

    @Test
    @Timeout(120)
    void readsRacingResizeFailOnlyWithIllegalStateAndNeverSeeTornData() throws Exception {
        int iterations = 10_000;
        Random random = new Random(0x5E512EL);
        AtomicInteger refusals = new AtomicInteger();
        Reader reader = new Reader();
        warmUpReader();
        ExecutorService executor = readerExecutor("im2d-resize-race-reader");
        long startNanos = System.nanoTime();
        try {
            Future<?> task = executor.submit(reader);
            for (int i = 0; i < iterations; i++) {
                IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false,
                        (i & 1) == 0 ? RowPlacement.ONE_BLOCK : RowPlacement.ROW_BY_ROW);
                m.setDouble(0, 0, i);
                m.setDouble(1, 1, i + 1);
                Job job = new Job(m, i, random.nextInt(16));
                reader.job = job;
                letTheReaderStart(job, 20, random);
                // Same shape, new memory: the primary handle reads the same values after it; view handles go stale.
                retryWhileLocked(m, "resize", () -> m.resize(2, 2), refusals);
                for (int s = random.nextInt(200); s > 0; s--) {
                    Thread.onSpinWait();
                }
                retryWhileLocked(m, "close", m::close, refusals);
            }
            stopAndCheck(reader, task, "resize race (" + refusals + " refused while exported)", iterations,
                    startNanos);
        } finally {
            reader.stop = true;
            executor.shutdownNow();
        }
    }
}
