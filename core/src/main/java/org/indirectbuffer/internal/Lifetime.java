package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.ExportCounter;
import org.indirectbuffer.Sharing;

/**
 * The one lifetime mechanism of every owner of memory in the library, as the JDK's memory session is for its
 * arenas: the owner's arena (its segments die when it closes; its cleanup actions free the memory), the count of
 * views and holds it has lent (an {@link ExportCounter}, refusing close while any is open), the thread a confined
 * owner belongs to, the Cleaner safety net that closes a shared arena once the owner is unreachable, and the owner's
 * {@link LeakTracker.Record}, so that an owner the Cleaner finds unclosed is reported. What holds something without
 * an arena uses it too, with only a release: a JNA Pointer holding an export ({@code IndirectPointer}), a
 * collection's staging.
 *
 * <p>The Cleaner's action never references the owner. A confined arena cannot be closed by the Cleaner's thread: its
 * memory is freed by the Cleaner once the arena's scope is unreachable (the owner registers that itself, see {@code
 * IndirectMemory2D}); this lifetime only reports the leak. The arena may be replaced (a resize moves the memory to
 * a new arena) while the lifetime goes on.
 *
 * <p>Internal: exported only to the sibling modules. Thread-safe; {@link #close} and {@link #replaceArena} run under
 * the export counter's monitor.
 */
public final class Lifetime {
    private static final Cleaner CLEANER = SharedCleaner.CLEANER;

    private final ExportCounter exports;
    /** Open holds, guarded by the export counter's monitor. */
    private final List<Hold> holds = new ArrayList<>();
    private final Thread owner;
    private final Closer closer;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    private Lifetime(Object ownerObject, Arena arena, Sharing sharing, LeakTracker.Record record, Runnable release) {
        this.exports = new ExportCounter(ownerObject);
        this.owner = sharing == Sharing.CONFINED ? Thread.currentThread() : null;
        this.closer = new Closer(arena, sharing == Sharing.SHARED && (arena != null || release != null), record,
                release);
        this.cleanable = closer.closable || record != null ? CLEANER.register(ownerObject, closer) : null;
    }

    /**
     * Starts the lifetime of an owner.
     *
     * @param ownerObject what the Cleaner watches: once it is unreachable, an unclosed shared arena is closed and
     *                    the leak reported. It must be reachable from every handle and view of the memory
     * @param arena       the owner's arena, whose close frees (or releases) what the owner holds; null when there
     *                    is none (memory borrowed from the Java heap, say): then closing only ends the lifetime
     * @param sharing     which threads may use the memory; CONFINED binds it to the calling thread
     * @param holds       whether the owner frees or locks something when closed (owned or adopted memory, a view
     *                    of another exporter); owners that hold nothing (borrowed memory) are tracked only at level
     *                    paranoid
     * @param kind        the owner's kind for reports ("IndirectMemory2D")
     * @param description computed only when the owner is tracked: which one it is, for reports
     * @return the lifetime, open
     */
    public static Lifetime start(Object ownerObject, Arena arena, Sharing sharing, boolean holds, String kind,
                                 Supplier<String> description) {
        return start(ownerObject, arena, sharing, holds, kind, description, null);
    }

    /**
     * Starts the lifetime of an owner that also frees something outside its arena.
     *
     * @param ownerObject what the Cleaner watches (see {@link #start(Object, Arena, Sharing, boolean, String,
     *                    Supplier)})
     * @param arena       the owner's arena, or null
     * @param sharing     which threads may use the memory
     * @param holds       whether the owner frees or locks something when closed
     * @param kind        the owner's kind for reports
     * @param description which one it is, for reports
     * @param release     run once after the arena closed, by {@link #close} or by the Cleaner (for shared owners),
     *                    on whichever thread that is; it must not reference the owner. Null for nothing
     * @return the lifetime, open
     */
    public static Lifetime start(Object ownerObject, Arena arena, Sharing sharing, boolean holds, String kind,
                                 Supplier<String> description, Runnable release) {
        Objects.requireNonNull(ownerObject, "ownerObject");
        LeakTracker.Record record = holds || LeakTracker.paranoid() ? LeakTracker.track(kind, description) : null;
        return new Lifetime(ownerObject, arena, sharing, record, release);
    }

    /** {@return the arena now holding the owner's memory, or null when there is none} */
    public Arena arena() {
        return closer.arena;
    }

    /** {@return the views and holds lent} */
    public ExportCounter exports() {
        return exports;
    }

    /** {@return whether {@link #close} ran} */
    public boolean isClosed() {
        return closed;
    }

    /** {@return the thread a confined owner belongs to, or null when shared} */
    public Thread ownerThread() {
        return owner;
    }

    /**
     * Refuses an operation on confined memory from a thread other than its owner, before anything changes.
     *
     * @param operation what the caller is about to do
     * @param what      describes the memory, for the message
     * @throws WrongThreadException if the memory is confined to another thread
     */
    public void checkOwner(String operation, Supplier<String> what) {
        Thread o = owner;
        if (o != null && o != Thread.currentThread()) {
            throw new WrongThreadException(operation + ": " + what.get() + " is confined to thread '" + o.getName()
                    + "'; this is '" + Thread.currentThread().getName() + "'");
        }
    }

    /**
     * Moves the owner's memory to another arena and closes the old one; for a caller already holding the export
     * counter's monitor (inside {@link ExportCounter#whileUnlocked}).
     *
     * @param next the new arena
     */
    public void replaceArena(Arena next) {
        Arena old = closer.arena;
        closer.arena = Objects.requireNonNull(next, "next");
        old.close();
    }

    /**
     * Ends the lifetime: unless a view or hold is open, closes the arena (freeing what its cleanups free), then runs
     * {@code afterClose}. Closing what is closed does nothing.
     *
     * @param operation  what is refused while a view is open, for the message ("close", "hand off to C")
     * @param afterClose run once after the arena closed, under the monitor; null for nothing
     * @throws BufferException       if a view or hold is open; nothing changes
     * @throws IllegalStateException if a native call is using the arena right now; nothing changes
     * @throws RuntimeException      what the release (see {@link #start(Object, Arena, Sharing, boolean, String,
     *                               Supplier, Runnable)}) threw, once; the lifetime has ended all the same
     */
    public void close(String operation, Runnable afterClose) {
        exports.whileHeld(() -> {
            if (!closed && !holds.isEmpty()) {
                List<String> holders = holds.stream().map(Hold::holder).toList();
                throw new BufferException("buffer is locked: cannot " + operation + " while " + holds.size()
                        + (holds.size() == 1 ? " hold is" : " holds are") + " open: " + holders);
            }
            closeUnlocked(operation, afterClose);
            return null;
        });
    }

    private void closeUnlocked(String operation, Runnable afterClose) {
        exports.whileUnlocked(operation, () -> closed, () -> {
            closer.closeArena();
            // A release that fails (a copy back into a closed source) has still run: the lifetime ends.
            RuntimeException failure = null;
            try {
                closer.release();
            } catch (RuntimeException e) {
                failure = e;
            }
            closed = true;
            closer.deliberate = true;
            if (cleanable != null) {
                cleanable.clean();
            }
            if (closer.record != null) {
                closer.record.closed();
            }
            if (afterClose != null) {
                afterClose.run();
            }
            if (failure != null) {
                throw failure;
            }
        });
    }

    /**
     * Holds the owner open for a dependent (a C structure keeping pointers into the memory, a native call in
     * progress): until the hold is released, {@link #close} refuses, naming the holder.
     *
     * @param holder who holds, for messages
     * @param what   describes the owner, for the message when it is closed
     * @return the hold, released once by {@link Hold#run()}
     * @throws IllegalStateException if the lifetime ended
     */
    public Hold hold(String holder, Supplier<String> what) {
        Objects.requireNonNull(holder, "holder");
        return exports.whileHeld(() -> {
            if (closed) {
                throw new IllegalStateException(what.get() + " is closed");
            }
            Hold h = new Hold(this, holder);
            holds.add(h);
            if (closer.record != null) {
                closer.record.event("hold taken by " + holder);
            }
            return h;
        });
    }

    /** {@return the number of holds not yet released} */
    public int holdCount() {
        return exports.whileHeld(holds::size);
    }

    /**
     * One dependent's hold (see {@link #hold}). Released once, by {@link #run()}, from any thread; it references
     * the lifetime, so a Cleaner action releasing a dropped dependent's hold keeps the lifetime until then.
     */
    public static final class Hold implements Runnable {
        private final Lifetime lifetime;
        private final String holder;
        private final AtomicBoolean released = new AtomicBoolean();

        private Hold(Lifetime lifetime, String holder) {
            this.lifetime = lifetime;
            this.holder = holder;
        }

        /** Releases the hold; later calls do nothing. */
        @Override
        public void run() {
            if (released.compareAndSet(false, true)) {
                lifetime.exports.whileHeld(() -> lifetime.holds.remove(this));
                if (lifetime.closer.record != null) {
                    lifetime.closer.record.event("hold released by " + holder);
                }
            }
        }

        /** {@return whether {@link #run()} released it} */
        public boolean isReleased() {
            return released.get();
        }

        /** {@return who holds} */
        public String holder() {
            return holder;
        }
    }

    /** {@return the owner's leak record, or null when it is not tracked} */
    public LeakTracker.Record record() {
        return closer.record;
    }

    /**
     * The Cleaner's action, run once: by {@link #close} (deliberate: nothing more to do) or by the Cleaner when the
     * owner became unreachable unclosed (a leak: reported, and a shared arena closed). Never references the owner.
     */
    private static final class Closer implements Runnable {
        private final boolean closable;
        private final LeakTracker.Record record;
        private Runnable release;
        volatile Arena arena;
        volatile boolean deliberate;

        Closer(Arena arena, boolean closable, LeakTracker.Record record, Runnable release) {
            this.arena = arena;
            this.closable = closable;
            this.record = record;
            this.release = release;
        }

        /** Closes the arena (which may refuse: a native call is using it), then runs the release once. */
        void end() {
            closeArena();
            release();
        }

        /** Closes the arena, if open; it may refuse (a native call is using it), and then nothing changed. */
        void closeArena() {
            Arena a = arena;
            if (a != null && a.scope().isAlive()) {
                a.close();
            }
        }

        /** Runs the release, at most once in all; what it throws is thrown. */
        void release() {
            Runnable r;
            synchronized (this) {
                r = release;
                release = null;
            }
            if (r != null) {
                r.run();
            }
        }

        /** What the Cleaner does about a leak, for the report. */
        private String consequence() {
            if (arena == null && release == null) {
                return "it held nothing to free";
            }
            if (!closable) {
                return "it is confined to a thread, so its memory is freed once nothing of it is reachable";
            }
            return arena != null ? "its memory was freed" : "what it held was released";
        }

        @Override
        public void run() {
            if (deliberate) {
                return;
            }
            if (record != null) {
                record.leaked(consequence());
            }
            if (closable) {
                try {
                    end();
                } catch (IllegalStateException e) {
                    Arena a = arena;
                    if (a == null || !a.scope().isAlive()) {
                        throw e;
                    }
                    // A native call holds the arena: an FFM downcall given one of the owner's segments after the
                    // owner's last use. It cannot close under the call; it is closed (and the memory freed) once
                    // the call returns, instead of never.
                    DeferredClose.retry(a, this::end);
                }
            }
        }
    }
}
