package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Native memory made for one export (a collection's pointer table and staged rows) and freed when that export
 * ends: when its arena is closed, or, if the export was dropped unclosed, when the {@link SharedCleaner} finds the
 * arena's scope unreachable — which happens only once no segment of that memory is left, so the free can never
 * pull memory from under a live segment, whatever thread the arena was confined to.
 *
 * <p>Because garbage collection is driven by the Java heap and a dropped export is small there, a loop that drops
 * exports could grow native memory without bound before a collection happens. The bytes staged and not yet freed are
 * therefore counted process-wide against a soft limit (as NIO counts direct buffers): an allocation that would pass it
 * asks for a collection ({@link System#gc()}) and waits for the Cleaner (until half the limit is free, or two rounds
 * free nothing; at most about a second), and when the memory is still in use after that (exports open on purpose), the
 * limit moves to twice what is in use, so that open exports pay for a wait only each time their total doubles. Under
 * {@code -XX:+DisableExplicitGC} the wait is wasted and only the Cleaner's own pace bounds dropped exports.
 *
 * <p>Internal: exported only to the sibling modules. Thread-safe.
 */
public final class StagedMemory {
    /** The limit the count starts with and never goes below: 64 MiB. */
    public static final long INITIAL_LIMIT = 64L << 20;
    /** Sleeps of 1, 2, 4, … ms after a collection request, at most this many (about a second in all). */
    private static final int MAX_WAITS = 10;

    private static final Cleaner CLEANER = SharedCleaner.CLEANER;
    private static final AtomicLong OUTSTANDING = new AtomicLong();
    private static final Object WAITING = new Object();
    private static volatile long limit = INITIAL_LIMIT;

    private StagedMemory() {
    }

    /**
     * Allocates {@code bytes} of native memory for the life of {@code arena}.
     *
     * @param bytes    how many bytes; at least 1
     * @param arena    the export's arena: its scope is the segment's, and closing it frees the memory
     * @param allocate returns the address of {@code bytes} fresh bytes (for example from C's {@code malloc})
     * @param free     gives an address {@code allocate} returned back; run exactly once, on the thread that closes
     *                 {@code arena} or on the Cleaner's thread. It must not capture {@code arena} or any segment
     *                 of it, or the memory would never be found unreachable
     * @return a segment of {@code bytes} bytes in {@code arena}'s scope
     * @throws IllegalArgumentException if {@code bytes < 1}
     * @throws IllegalStateException    if {@code arena} is already closed (nothing stays allocated)
     */
    public static MemorySegment allocate(long bytes, Arena arena, LongSupplier allocate, LongConsumer free) {
        if (bytes < 1) {
            throw new IllegalArgumentException("staged memory of " + bytes + " bytes; expected at least 1");
        }
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(free, "free");
        reserve(bytes);
        long address;
        try {
            address = allocate.getAsLong();
        } catch (RuntimeException | Error e) {
            OUTSTANDING.addAndGet(-bytes);
            throw e;
        }
        Cleaner.Cleanable freeing = CLEANER.register(arena.scope(), new Free(address, bytes, free));
        try {
            return MemorySegment.ofAddress(address).reinterpret(bytes, arena, ignored -> freeing.clean());
        } catch (RuntimeException | Error e) {
            freeing.clean();
            throw e;
        }
    }

    /**
     * Returns the bytes allocated through {@link #allocate} and not yet freed, in this process.
     *
     * @return the outstanding bytes
     */
    public static long outstandingBytes() {
        return OUTSTANDING.get();
    }

    /**
     * Counts {@code bytes}; when that passes the limit while other staged memory is outstanding, asks for a
     * collection and waits for the Cleaner to free dropped exports, then sets the limit to twice what is still in use
     * (never below {@link #INITIAL_LIMIT}).
     */
    private static void reserve(long bytes) {
        long now = OUTSTANDING.addAndGet(bytes);
        if (now <= limit || now == bytes) {
            return;
        }
        synchronized (WAITING) { // one thread waits for the Cleaner; the others find the count lowered after it
            long last = OUTSTANDING.get();
            if (last <= limit) {
                return; // another thread's wait made room
            }
            int idle = 0;
            try {
                // Until half the limit is free, or two rounds in a row freed nothing (the rest is in use). The first
                // round runs the dropped views' cleaners, a later one frees the memory their arenas held.
                for (int wait = 0; wait < MAX_WAITS && last > limit / 2 && idle < 2; wait++) {
                    System.gc();
                    Thread.sleep(1L << wait);
                    long after = OUTSTANDING.get();
                    idle = wait > 0 && after >= last ? idle + 1 : 0;
                    last = after;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stop waiting; the allocation goes ahead
            }
            limit = Math.max(INITIAL_LIMIT, 2 * OUTSTANDING.get()); // follows what is in use, up or down
        }
    }

    /** Frees one allocation once; holds no reference to its arena or segment. */
    private record Free(long address, long bytes, LongConsumer free) implements Runnable {
        @Override
        public void run() {
            try {
                free.accept(address);
            } finally {
                OUTSTANDING.addAndGet(-bytes);
            }
        }
    }
}
