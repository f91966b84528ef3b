package org.indirectbuffer.contract;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;

/**
 * Garbage-collector pressure from another thread, for the GC timing and Cleaner tests of every module: a daemon
 * thread allocates 16 KiB arrays into a ring of 64 (about 1 MiB live, the rest garbage at once) and calls
 * {@link System#gc()} every {@code gcEveryMillis} milliseconds (or, when a collection takes longer than a third of
 * that, 3 times as long as the last one took after it), until closed. What it measures is only how many
 * collections it asked for, so a test can assert that pressure really was applied.
 *
 * <p>Thread-safety: start and close from one thread; {@link #collections()} from any.
 */
public final class GcPressure implements AutoCloseable {
    private static final int RING = 64;
    private static final int CHUNK = 16 * 1024;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong allocated = new AtomicLong();
    private final Thread thread;

    private GcPressure(long gcEveryNanos) {
        thread = Thread.ofPlatform().daemon().name("gc-pressure").start(() -> churn(gcEveryNanos));
    }

    /**
     * Starts the pressure: allocation churn and a {@code System.gc()} every {@code gcEveryMillis} ms.
     *
     * @param gcEveryMillis the period of the forced collections, {@code >= 1}
     * @return the running pressure; close it to stop the thread
     */
    public static GcPressure start(long gcEveryMillis) {
        if (gcEveryMillis < 1) {
            throw new IllegalArgumentException("gcEveryMillis = " + gcEveryMillis + ": expected >= 1");
        }
        return new GcPressure(gcEveryMillis * 1_000_000L);
    }

    private void churn(long gcEveryNanos) {
        Object[] keep = new Object[RING];
        long lastGc = System.nanoTime();
        long wait = gcEveryNanos;
        int i = 0;
        while (!stop.get()) {
            keep[i++ & (RING - 1)] = new byte[CHUNK];
            allocated.addAndGet(CHUNK);
            long now = System.nanoTime();
            if (now - lastGc >= wait) {
                System.gc();
                collections.incrementAndGet();
                lastGc = System.nanoTime();
                // A forced collection is a full one: on a loaded machine it can take longer than the period, and the
                // other threads would then be stopped most of the time. Waiting 3 times its length keeps them
                // running at least three quarters of the time.
                wait = Math.max(gcEveryNanos, 3 * (lastGc - now));
            }
        }
    }

    /**
     * What a GC timing test compares: the results of every round without pressure and with it, and how many
     * collections the pressure forced.
     *
     * @param quiet       the results without pressure
     * @param pressed     the results under pressure
     * @param collections the collections forced from the other thread during the pressed run reported
     */
    public record Comparison(long[] quiet, long[] pressed, long collections) {
    }

    /**
     * Runs {@code rounds} rounds quietly, then again under pressure (a collection forced every 20 ms). On a loaded
     * machine a short pressed run can end before the pressure thread is first scheduled; the pressed run is then
     * repeated (up to 50 times) until a collection was forced during it, or its results differ from the quiet ones.
     *
     * @param rounds  how many rounds each run has
     * @param quiet   round {@code i} without pressure (and without collections forced inside it)
     * @param pressed round {@code i} under pressure (the test may force collections inside it too)
     * @return both runs' results
     */
    public static Comparison compare(int rounds, IntToLongFunction quiet, IntToLongFunction pressed) {
        long[] q = run(rounds, quiet);
        try (GcPressure pressure = start(20)) {
            long[] p;
            long during;
            int attempts = 0;
            do {
                long before = pressure.collections();
                p = run(rounds, pressed);
                during = pressure.collections() - before;
            } while (during == 0 && Arrays.equals(p, q) && ++attempts < 50);
            return new Comparison(q, p, during);
        }
    }

    /**
     * Runs {@code rounds} rounds.
     *
     * @param rounds how many
     * @param round  round {@code i}'s result
     * @return the results
     */
    public static long[] run(int rounds, IntToLongFunction round) {
        long[] results = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            results[i] = round.applyAsLong(i);
        }
        return results;
    }

    /** {@return how many collections the thread has forced so far} */
    public long collections() {
        return collections.get();
    }

    /** {@return how many bytes of garbage the thread has allocated so far} */
    public long allocatedBytes() {
        return allocated.get();
    }

    /** Stops the thread and waits for it. */
    @Override
    public void close() {
        stop.set(true);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
