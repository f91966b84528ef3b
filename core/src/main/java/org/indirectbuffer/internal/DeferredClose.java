package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closes, a little later, a shared arena the Cleaner found in use by a native call.
 *
 * <p>An FFM downcall keeps the scope of every segment passed to it acquired until it returns, and the JDK refuses to
 * close an acquired shared arena ({@code IllegalStateException}). The owner of the memory may be unreachable by
 * then (the caller's last use of it was {@code pointerTable()}), so the Cleaner's close of a dropped owner can meet
 * a call in flight. Before this class, that close failed on the Cleaner's thread, silently, and the memory was never
 * freed. Now the close is retried here, 1 ms later, then at doubling intervals up to {@value #MAX_DELAY_MILLIS} ms,
 * until the arena closes (its cleanups free the memory) or someone else closed it. C keeps reading valid memory
 * meanwhile: the arena cannot close while the call holds it.
 *
 * <p>One daemon thread, started when first needed and ended after a second without work. Internal: exported only to
 * the sibling modules. Thread-safe.
 */
public final class DeferredClose {
    private static final long FIRST_DELAY_MILLIS = 1;
    private static final long MAX_DELAY_MILLIS = 100;
    private static final AtomicLong DEFERRED = new AtomicLong();
    private static final AtomicLong COMPLETED = new AtomicLong();

    private DeferredClose() {
    }

    /** The retrying thread, made on first use. */
    private static final class Retrier {
        static final ScheduledThreadPoolExecutor EXECUTOR = executor();

        private static ScheduledThreadPoolExecutor executor() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "indirectbuffer-deferred-close");
                t.setDaemon(true);
                return t;
            });
            e.setKeepAliveTime(1, TimeUnit.SECONDS);
            e.allowCoreThreadTimeOut(true);
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }

    /**
     * Retries {@code end} until it closes {@code arena}. For a Cleaner action whose close of {@code arena} just
     * failed with {@code IllegalStateException} while the arena is still alive.
     *
     * @param arena the shared arena to close (only its liveness is read here)
     * @param end   closes the arena and runs what must follow; throws {@code IllegalStateException} while a native
     *              call still holds it. It must not reference the owner
     */
    public static void retry(Arena arena, Runnable end) {
        DEFERRED.incrementAndGet();
        schedule(arena, end, FIRST_DELAY_MILLIS);
    }

    private static void schedule(Arena arena, Runnable end, long delayMillis) {
        Retrier.EXECUTOR.schedule(() -> attempt(arena, end, delayMillis), delayMillis, TimeUnit.MILLISECONDS);
    }

    private static void attempt(Arena arena, Runnable end, long delayMillis) {
        try {
            end.run();
            COMPLETED.incrementAndGet();
        } catch (IllegalStateException e) {
            if (arena.scope().isAlive()) {
                schedule(arena, end, Math.min(MAX_DELAY_MILLIS, delayMillis * 2));
            } else {
                COMPLETED.incrementAndGet(); // closed meanwhile, by whoever: nothing left to do
            }
        }
    }

    /** {@return how many closes the Cleaner has deferred since the JVM started (for tests)} */
    public static long deferred() {
        return DEFERRED.get();
    }

    /** {@return how many deferred closes have completed since the JVM started (for tests)} */
    public static long completed() {
        return COMPLETED.get();
    }
}
