package org.indirectbuffer.space;

import java.io.Serial;
import java.util.Objects;

import org.indirectbuffer.BufferException;

/**
 * A buffer store could not be opened, or refused an operation: the file is not a store, is of another version, is
 * truncated or damaged, a stored buffer's checksum does not match, the store is full, another writer holds it, it
 * still has buffers out, or an earlier flush failed. {@link #reason()} says which, {@link #bufferName()} names the
 * stored buffer concerned (when one is) and {@link #field()} the part of the file a {@link Reason#CORRUPT} or
 * {@link Reason#TRUNCATED} file failed on; the message says the same in words, with the file's path.
 *
 * <p>Failures of the file system itself (a missing file, no permission, an I/O error) are {@link
 * java.io.UncheckedIOException}s wrapping the JDK's {@link java.io.IOException}.
 *
 * <p>Immutable; holds no memory.
 */
public final class BufferStoreException extends BufferException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Why an operation failed. */
    public enum Reason {
        /** {@code open}: the file does not start with a buffer store's header. */
        NOT_A_STORE,
        /** {@code open}: the file is a store of a format version this library does not read. */
        UNSUPPORTED_VERSION,
        /** The file is shorter than its header says: it was truncated. */
        TRUNCATED,
        /**
         * The file is damaged: a checksum of the header, of every root or of the catalog does not match, a field is out
         * of range, or (at {@code get}) a stored buffer's bytes do not match their checksum ({@link #bufferName()}).
         */
        CORRUPT,
        /** {@code put}: the buffer (with the catalog of the commit) does not fit the free space; nothing changed. */
        FULL,
        /** {@code open} for writing: another store object, in this process or another, has the file open for writing. */
        LOCKED,
        /** {@code close}: buffers obtained from the store are still open (the message names each); nothing changed. */
        IN_USE,
        /** A flush failed earlier: the store refuses every later write (its last forced state is what is on disk). */
        FAILED
    }

    /** Why the operation failed. */
    private final Reason reason;
    /** The stored buffer concerned, or null. */
    private final String bufferName;
    /** The part of the file that was refused, or null. */
    private final String field;

    BufferStoreException(Reason reason, String bufferName, String field, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.bufferName = bufferName;
        this.field = field;
    }

    /** {@return why the operation failed} */
    public Reason reason() {
        return reason;
    }

    /** {@return the stored buffer concerned, or null when the failure is not about one buffer} */
    public String bufferName() {
        return bufferName;
    }

    /**
     * {@return the part of the file that was refused ("header checksum", "roots", "catalog", "data checksum",
     * "length"), or null}
     */
    public String field() {
        return field;
    }
}
