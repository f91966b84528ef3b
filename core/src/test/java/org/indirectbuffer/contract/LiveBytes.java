package org.indirectbuffer.contract;

import java.util.function.LongSupplier;

import org.indirectbuffer.LeakDetection;

/** Measures the library's live native bytes around an action, for tests in every module. */
public final class LiveBytes {
    private LiveBytes() {
    }

    /**
     * The change in live native bytes {@code action} makes, measured until two runs agree: the Cleaner may free
     * other tests' garbage meanwhile, and a wrong count never agrees with itself by chance twice in a row.
     *
     * @param action what to measure; run up to 20 times
     * @return the change in {@link LeakDetection#liveNativeBytes()}
     */
    public static long delta(Runnable action) {
        return delta(LeakDetection::liveNativeBytes, action);
    }

    /**
     * The change in {@code measure} that {@code action} makes, measured as {@link #delta(Runnable)} does.
     *
     * @param measure what to measure (live native bytes, C's live allocations, an export count)
     * @param action  what to measure; run up to 20 times
     * @return the change in {@code measure}
     */
    public static long delta(LongSupplier measure, Runnable action) {
        long previous = Long.MIN_VALUE;
        for (int attempt = 0; attempt < 20; attempt++) {
            long before = measure.getAsLong();
            action.run();
            long d = measure.getAsLong() - before;
            if (d == previous) {
                return d;
            }
            previous = d;
        }
        return previous;
    }

    /**
     * The live native bytes once the Cleaner has freed what was dropped: collects until two readings agree.
     *
     * @return {@link LeakDetection#liveNativeBytes()}, settled
     */
    public static long settled() {
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < 200; i++) {
            collect(1);
            long now = LeakDetection.liveNativeBytes();
            if (now == previous) {
                return now;
            }
            previous = now;
        }
        return previous;
    }

    /**
     * Collects until the live native bytes are at most {@code target}, for at most about 10 s (the Cleaner and a
     * deferred close may need a few collections).
     *
     * @param target the count to come back to, say a {@link #settled()} one taken before
     * @return the last count read
     */
    public static long backTo(long target) {
        long now = LeakDetection.liveNativeBytes();
        for (int i = 0; i < 2_000 && now > target; i++) {
            collect(5);
            now = LeakDetection.liveNativeBytes();
        }
        return now;
    }

    private static void collect(long sleepMillis) {
        System.gc();
        try {
            Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
