package org.indirectbuffer;

import java.io.Serial;

/**
 * The memory behind a view faulted when it was touched: a memory-mapped file was truncated by someone else, or
 * shared memory was removed under a mapping. The JVM reports such a fault as an {@link InternalError}; the library
 * turns it into this exception at its API boundary (typed accessors, copies and the kernels), naming the operation
 * and the view. Memory the library allocated itself cannot fault this way.
 *
 * <p>Whatever the operation wrote before the fault stays written.
 *
 * <p>An exception holds no memory and refers to none (its message is built when it is thrown); like any exception
 * object, it may be passed between threads.
 */
public final class MemoryFaultException extends BufferException {
    @Serial
    private static final long serialVersionUID = 1L;

    private MemoryFaultException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Describes a fault met by an operation.
     *
     * @param fault     what the JVM threw
     * @param operation the operation, for the message ({@code "Kernels.sum"})
     * @param what      what it touched, for the message
     * @return the exception to throw
     */
    static MemoryFaultException of(InternalError fault, String operation, Object what) {
        return new MemoryFaultException(operation + ": the memory of " + what + " faulted when touched ("
                + fault.getMessage() + "); a memory-mapped file behind it was probably truncated, or shared memory"
                + " removed, by someone else", fault);
    }

    /**
     * The same, for the library's other packages.
     *
     * @param fault     what the JVM threw
     * @param operation the operation
     * @param what      what it touched
     * @return the exception to throw
     */
    public static MemoryFaultException fault(InternalError fault, String operation, Object what) {
        return of(fault, operation, what);
    }
}
