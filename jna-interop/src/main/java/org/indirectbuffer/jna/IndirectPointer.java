package org.indirectbuffer.jna;

import java.lang.ref.Cleaner;
import java.util.Objects;

import com.sun.jna.Pointer;

import org.indirectbuffer.internal.SharedCleaner;

/**
 * A JNA {@link Pointer} that keeps the object whose memory it points into strongly reachable for as long as the
 * Pointer itself is: hand it to C (as an argument, or stored in a JNA {@code Structure} field) and the memory cannot
 * be freed by a {@code Cleaner} while JNA, the structure or your code still holds the Pointer. It is what {@link
 * JnaIndirect#pointer} and friends return; {@link IndirectLibrary#TYPE_MAPPER} makes one for each argument.
 *
 * <h2>Ownership</h2>
 * The Pointer <b>borrows</b>: it never frees its {@link #owner()}. Reachability is all it guarantees. An explicit
 * {@code close()} of the owner while C still uses the address is the caller's error, exactly as in C; the {@link
 * IndirectLibrary} route avoids it by locking the owner for the duration of each call. A Pointer made by {@link
 * JnaIndirect#export} or {@link JnaIndirect#pointer(org.indirectbuffer.collection.BufferCollection2D)} also holds a
 * counted {@link org.indirectbuffer.BufferView export} of its owner: {@link #close()} releases it (for a collection
 * with heap rows, that copies C's writes back into the Java arrays). If such a Pointer becomes unreachable
 * unclosed, a {@link Cleaner} releases the export.
 *
 * <h2>What JNA does not check</h2>
 * A JNA Pointer is a raw address: its {@code getDouble}, {@code setInt}, ... methods are not bounds- or
 * lifetime-checked, here as anywhere in JNA. Read and write from Java through the owner's accessors (checked) and use
 * the Pointer to pass the address to C. {@link #share(long, long)} returns a Pointer that keeps the same owner
 * reachable; other derived Pointers ({@code getPointer}, ...) are plain JNA Pointers.
 *
 * <p>Thread-safety: immutable but for the released state; every method may be called from any thread.
 */
public sealed class IndirectPointer extends Pointer implements AutoCloseable permits CallPointer {
    private static final Cleaner CLEANER = SharedCleaner.CLEANER;

    private final Object owner;
    /** Releases what this Pointer holds (an export, a pin); null for a keep-alive-only Pointer. */
    private final Release release;

    IndirectPointer(long address, Object owner, Runnable releaseAction, String description) {
        super(address);
        this.owner = Objects.requireNonNull(owner, "owner");
        this.release = releaseAction == null ? null : new Release(releaseAction, description, this);
    }

    /**
     * Returns the object this Pointer keeps reachable: an {@link org.indirectbuffer.IndirectMemory2D}, {@link
     * org.indirectbuffer.BufferView}, {@link org.indirectbuffer.collection.BufferCollection2D}, {@link RaggedRows},
     * {@link CStringArray}, JNA {@code Memory}, or whatever the factory was given.
     *
     * @return the owner, never null
     */
    public Object owner() {
        return owner;
    }

    /**
     * Returns the address as a Java {@code long} (what {@link Pointer#nativeValue(Pointer)} gives).
     *
     * @return the address
     */
    public long address() {
        return Pointer.nativeValue(this);
    }

    /**
     * Returns whether this Pointer holds an export (a view or a pin) that {@link #close()} releases.
     *
     * @return true if {@code close()} has something to release, released or not
     */
    public boolean holdsExport() {
        return release != null;
    }

    /**
     * Returns whether the export this Pointer held was released ({@code false} for a keep-alive-only Pointer).
     *
     * @return true once released
     */
    public boolean isReleased() {
        return release != null && release.done();
    }

    /**
     * Releases the export this Pointer holds, if any: closes the view (copying staged rows back when it is writable)
     * or ends the pin, and makes this Pointer NULL (as JNA's {@code Memory} is after it is disposed), so that passing
     * it to C afterwards passes NULL, never the address of released memory. A keep-alive-only Pointer has nothing to
     * release and stays valid for as long as its owner is open. Idempotent; safe from any thread.
     *
     * @throws RuntimeException what releasing the export threw (for example a copy-back into a closed row source);
     *                          the export counts as released all the same
     */
    @Override
    public void close() {
        if (release != null) {
            try {
                release.run();
            } finally {
                peer = 0;
            }
        }
    }

    /**
     * Returns a Pointer {@code offset} bytes further that keeps the same owner reachable (and releases nothing).
     *
     * @param offset bytes from this address
     * @param size   ignored, as by JNA's {@code Pointer}
     * @return a keep-alive Pointer
     */
    @Override
    public Pointer share(long offset, long size) {
        return new IndirectPointer(address() + offset, owner, null, null);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "@0x" + Long.toHexString(address()) + " keeping " + owner
                + (release == null ? "" : release.done() ? " (released)" : " (holding an export)");
    }

    /**
     * Runs a release action at most once: from {@link #close()}, after a call, or from the Cleaner when the Pointer
     * became unreachable unreleased. Captures the action, never the Pointer.
     */
    static final class Release implements Runnable {
        private final Cleaner.Cleanable cleanable;
        private final Once once;

        Release(Runnable action, String description, Object registeredOn) {
            this.once = new Once(action, description);
            this.cleanable = CLEANER.register(registeredOn, once);
        }

        @Override
        public void run() {
            cleanable.clean();
            once.rethrow();
        }

        boolean done() {
            return once.ran;
        }
    }

    /** The Cleaner's action; records a failure so that an explicit release can rethrow it. */
    private static final class Once implements Runnable {
        private final Runnable action;
        private final String description;
        private volatile boolean ran;
        private volatile RuntimeException failure;

        Once(Runnable action, String description) {
            this.action = action;
            this.description = description;
        }

        @Override
        public void run() {
            ran = true;
            try {
                action.run();
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        void rethrow() {
            RuntimeException f = failure;
            if (f != null) {
                failure = null;
                throw f;
            }
        }

        @Override
        public String toString() {
            return "release of " + description;
        }
    }
}
