package org.indirectbuffer.internal;

import java.io.Serial;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * A write refused because the memory is read-only: the JDK's {@link ReadOnlyBufferException} (what the public
 * methods declare and what callers catch) with a message, which the JDK type cannot carry (it has only a no-argument
 * constructor). The message says what was written, where, and to what:
 * <pre>setDouble(4.5) at row 1, column 2: IndirectMemory2D[...] is read-only; nothing was written</pre>
 * Internal: the type to catch is {@code ReadOnlyBufferException}.
 */
public final class ReadOnlyWrite extends ReadOnlyBufferException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The message. */
    private final String message;

    private ReadOnlyWrite(String message) {
        this.message = message;
    }

    /**
     * The exception for a refused write.
     *
     * @param write  what was written, e.g. {@code "setDouble(4.5)"}
     * @param where  where, e.g. {@code "row 1, column 2"}, or null when the write is to every item
     * @param target the read-only object (its {@code toString()} names it)
     * @return the exception to throw
     */
    public static ReadOnlyWrite of(String write, String where, Object target) {
        Objects.requireNonNull(write, "write");
        return new ReadOnlyWrite(write + (where == null ? "" : " at " + where) + ": " + target
                + " is read-only; nothing was written");
    }

    /**
     * The index of an N-D write as it is shown in messages: {@code "index [1, 2]"}.
     *
     * @param index the indices
     * @return the text
     */
    public static String index(long... index) {
        return "index " + java.util.Arrays.toString(index);
    }

    @Override
    public String getMessage() {
        return message;
    }
}
