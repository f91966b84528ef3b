package org.indirectbuffer.space;

import java.util.function.Supplier;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.ExportCounter;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.Lifetime;

/**
 * A buffer of a {@link BufferStore}, lent without a copy: {@link #getBuffer} gives {@link BufferView}s over the
 * store's mapping of the file, with the stored format and shape; an indirect buffer's views have {@code
 * suboffsets[0]} set to the mapping's base address, so a consumer following PEP 3118's rule lands on each stored row
 * (Java reads never follow the stored table: its rows were checked when the buffer was got).
 *
 * <p><b>Read-only.</b> Stored buffers are never changed in place (that is what makes commits atomic and checksums
 * hold); a {@code WRITABLE} request is refused with {@link BufferException}, and writes through the views throw
 * {@link java.nio.ReadOnlyBufferException}. To change a buffer, {@link BufferStore#put} it again: this object keeps
 * showing the bytes it was got with, which the store keeps until it is closed.
 *
 * <p><b>Lifetime.</b> Until it is {@linkplain #close() closed}, the store refuses to close, naming it. {@code close}
 * refuses while one of its views is open ("buffer is locked"). A {@link java.lang.ref.Cleaner} releases a stored
 * buffer that became unreachable unclosed (and reports the leak). After close, {@link #getBuffer} throws {@link
 * IllegalStateException}; so does every segment a view handed out, once the store itself is closed.
 *
 * <p>If another process truncates the file, touching the memory is a {@link org.indirectbuffer.MemoryFaultException},
 * never a crash.
 *
 * <p><b>Thread-safety:</b> may be used from any thread; exports and close are serialized by its {@link
 * ExportCounter}.
 */
public final class StoredBuffer implements BufferExporter, AutoCloseable {
    /** Kept reachable: the store's Cleaner must not unmap the file while this buffer is in use. */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final BufferStore store;
    private final StoreEntry entry;
    private final Supplier<BufferView> whole;
    private final Lifetime lifetime;
    private final ExportCounter exports;
    private final String description;

    StoredBuffer(BufferStore owner, StoreEntry entry, String store, Supplier<BufferView> whole, Runnable release) {
        this.store = owner;
        this.entry = entry;
        this.whole = whole;
        this.description = "StoredBuffer " + entry + " of " + store;
        String d = description; // the Cleaner's record must not reach this object
        this.lifetime = Lifetime.start(this, null, Sharing.SHARED, true, "StoredBuffer", () -> d, release);
        this.exports = lifetime.exports();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Dense buffers give C-contiguous views; indirect ones give views with shape {@code [rows, ...]}, strides
     * {@code [8, ...]} and {@code suboffsets [base, -1, ...]}, refused to consumers without {@link
     * org.indirectbuffer.BufferRequest#INDIRECT}.
     *
     * @throws BufferException          if the request cannot be given (any {@code WRITABLE} request; contiguity of an
     *                                  indirect buffer, ...)
     * @throws IllegalArgumentException if {@code flags} holds bits that are not buffer request flags
     * @throws IllegalStateException    if this buffer is closed
     */
    @Override
    public BufferView getBuffer(int flags) {
        return exports.export(() -> {
            if (lifetime.isClosed()) {
                throw new IllegalStateException(description + " is closed");
            }
            return whole.get();
        }, flags);
    }

    /** {@return what the store records of this buffer} */
    public StoreEntry entry() {
        return entry;
    }

    /** {@return the buffer's name} */
    public String name() {
        return entry.name();
    }

    /** {@return the item format} */
    public Format format() {
        return entry.format();
    }

    /** {@return a copy of the shape} */
    public long[] shape() {
        return entry.shape();
    }

    /** {@return whether the buffer is stored with a row table} */
    public boolean isIndirect() {
        return entry.indirect();
    }

    /** {@return the number of views lent and not yet closed} */
    public int exportCount() {
        return exports.count();
    }

    /** {@return whether {@link #close()} ran} */
    public boolean isClosed() {
        return lifetime.isClosed();
    }

    /**
     * Gives the buffer back to the store; closing twice is harmless.
     *
     * @throws BufferException if a view of it is open ("buffer is locked"); it stays open
     */
    @Override
    public void close() {
        lifetime.close("close", null);
    }

    @Override
    public String toString() {
        return description + (lifetime.isClosed() ? ", closed" : "");
    }
}
