package org.indirectbuffer.space;

import java.io.Serial;
import java.util.Objects;

import org.indirectbuffer.BufferException;

/**
 * A shared array could not be created, attached, deleted or read: the name exists or does not, the caller may not
 * open it, its header is not a valid shared-array header, the memory file system is full, or the file system
 * failed. {@link #reason()} says which, {@link #arrayName()} names the array and {@link #field()} the header field a
 * {@link Reason#CORRUPT} header failed on; the message says the same in words.
 *
 * <p>Every outcome of a call of {@link SharedArrays} that is not a success is this exception (besides the
 * {@code IllegalArgumentException}s of bad arguments, named in each method), also when several processes create,
 * attach and delete one name at once.
 *
 * <p>Immutable; holds no memory.
 */
public final class SharedMemoryException extends BufferException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Why a call failed. */
    public enum Reason {
        /** {@code create}: an array (or another file) of that name exists; it was left untouched. */
        ALREADY_EXISTS,
        /** No array of that name exists (it was never created, was deleted, or was removed while attaching). */
        NOT_FOUND,
        /**
         * The caller may not open the array as asked (its mode does not allow reading, or writing), or may not
         * remove it (another user's array in the sticky {@code /dev/shm}); the message names the access asked for,
         * the calling user and the file's mode and owner.
         */
        PERMISSION_DENIED,
        /** The file is not a valid shared array: bad magic, version, checksum, kind or lengths ({@link #field()}). */
        CORRUPT,
        /** The header's ready flag stayed 0 for the whole attach deadline (a creator still writing, or one that died). */
        NOT_READY,
        /** The memory file system cannot hold the array; nothing was left behind. */
        NO_SPACE,
        /** Another failure of the file system, or a lock held by another process for the whole deadline. */
        IO
    }

    /** Why the call failed. */
    private final Reason reason;
    /** The array's name, or null when the failure is not about one array. */
    private final String arrayName;
    /** The header field a corrupt header was refused for, or null. */
    private final String field;

    SharedMemoryException(Reason reason, String arrayName, String field, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.arrayName = arrayName;
        this.field = field;
    }

    /** {@return why the call failed} */
    public Reason reason() {
        return reason;
    }

    /** {@return the array's name} */
    public String arrayName() {
        return arrayName;
    }

    /** {@return the header field a {@link Reason#CORRUPT} header was refused for ("magic", "checksum"), or null} */
    public String field() {
        return field;
    }
}
