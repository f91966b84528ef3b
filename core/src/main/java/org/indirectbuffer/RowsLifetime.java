package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.indirectbuffer.internal.SharedCleaner;

/**
 * The memory scope of one {@link RaggedRows}: an arena closed deterministically by {@link #close()} or, for shared
 * memory, by a Cleaner when the owner becomes unreachable (the cleaning action captures the arena, never the owner);
 * the pins (holds of dependents, native calls in progress) and the counted row exports that make {@code close()}
 * refuse with "buffer is locked". Kept small on purpose: the library's shared lifetime core takes it over. Thread-safe.
 */
final class RowsLifetime {
    private static final Cleaner CLEANER = SharedCleaner.CLEANER;

    private final Object lock = new Object();
    private final Arena arena;
    private final ArenaCloser closer;
    /** Null for confined memory, which only its owner thread can close. */
    private final Cleaner.Cleanable cleanable;
    private final List<Pin> pins = new ArrayList<>();
    private final ExportCounter exports;
    private final Supplier<String> describe;
    /** The thread confined memory is confined to; null for shared memory. */
    private final Thread owner;
    private volatile boolean closed;

    RowsLifetime(Object owner, Arena arena, Sharing sharing, Supplier<String> describe) {
        this.arena = arena;
        this.closer = new ArenaCloser(arena);
        this.describe = describe;
        this.exports = new ExportCounter(owner);
        this.cleanable = sharing == Sharing.SHARED ? CLEANER.register(owner, closer) : null;
        this.owner = sharing == Sharing.CONFINED ? Thread.currentThread() : null;
    }

    /**
     * Refuses a thread that confined memory is not confined to.
     *
     * @param operation what was called, for the message
     * @throws WrongThreadException if the memory is confined to another thread
     */
    void checkOwner(String operation) {
        Thread o = owner;
        if (o != null && o != Thread.currentThread()) {
            throw new WrongThreadException(operation + ": " + describe.get() + " is confined to thread '"
                    + o.getName() + "'; this is '" + Thread.currentThread().getName() + "'");
        }
    }

    Arena arena() {
        return arena;
    }

    /** The counter of row views lent; {@link #close()} refuses while one is open. */
    ExportCounter exports() {
        return exports;
    }

    boolean isClosed() {
        return closed;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(describe.get() + " is closed");
        }
    }

    /**
     * Pins the memory: {@link #close()} refuses until the pin is released.
     *
     * @param holder who holds it, for messages
     * @return the pin; running it releases it (once)
     * @throws IllegalStateException if closed
     */
    Pin pin(String holder) {
        synchronized (lock) {
            ensureOpen();
            Pin p = new Pin(this, holder);
            pins.add(p);
            return p;
        }
    }

    int pinCount() {
        synchronized (lock) {
            return pins.size();
        }
    }

    private void unpin(Pin p) {
        synchronized (lock) {
            pins.remove(p);
        }
    }

    /**
     * Frees the memory unless a pin is held or a row view is exported. Closing twice is harmless.
     *
     * @throws BufferException       if pinned or exported ("buffer is locked"), naming the holders or the count
     * @throws IllegalStateException if an FFM downcall is using the memory right now (closing later works)
     * @throws WrongThreadException  if the memory is confined to another thread
     */
    void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (!pins.isEmpty()) {
                List<String> holders = pins.stream().map(p -> p.holder).toList();
                throw new BufferException("buffer is locked: cannot close " + describe.get() + " while "
                        + pins.size() + (pins.size() == 1 ? " hold is" : " holds are") + " open: " + holders);
            }
            exports.whileUnlocked("close " + describe.get(), () -> {
                closer.run();
                closed = true;
            });
        }
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    /** The Cleaner's action: closes the arena (its cleanups free adopted memory). */
    private static final class ArenaCloser implements Runnable {
        private final Arena arena;

        ArenaCloser(Arena arena) {
            this.arena = arena;
        }

        @Override
        public void run() {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }

    /** One hold on the memory; releasing it twice is harmless. */
    static final class Pin implements Runnable {
        private final RowsLifetime lifetime;
        private final String holder;
        private final AtomicBoolean released = new AtomicBoolean();

        Pin(RowsLifetime lifetime, String holder) {
            this.lifetime = lifetime;
            this.holder = holder;
        }

        @Override
        public void run() {
            if (released.compareAndSet(false, true)) {
                lifetime.unpin(this);
            }
        }

        boolean isReleased() {
            return released.get();
        }

        String holder() {
            return holder;
        }
    }
}
