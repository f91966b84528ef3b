package org.indirectbuffer;

import java.io.Serial;

/**
 * A buffer request or operation that the buffer cannot honour: the Java analog of Python's {@code BufferError}.
 *
 * <p>Thrown when an exporter refuses a request ({@link BufferExporter#getBuffer(int)}), when shapes, column counts or
 * formats do not match, and when an operation would move, reshape, reformat, make read-only or free memory that is
 * exported ("buffer is locked"). The message always names the value, what was expected and where.
 *
 * <p>An exception holds no memory and refers to none (its message is built when it is thrown); like any exception
 * object, it may be passed between threads.
 */
public class BufferException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with the given message.
     *
     * @param message what was wrong: the value, what was expected, and where
     */
    public BufferException(String message) {
        super(message);
    }

    /**
     * Creates an exception with the given message and cause.
     *
     * @param message what was wrong: the value, what was expected, and where
     * @param cause   the underlying failure
     */
    public BufferException(String message, Throwable cause) {
        super(message, cause);
    }
}
