package org.indirectbuffer.internal;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The scopes of memory-mapped segments the library was given, so that the kernels read them with scalar accesses only
 * ({@code kernels.spi.MappedRunKernels}).
 * A fault on mapped memory (the file truncated by someone else) is an {@code InternalError} the library turns into a
 * {@code MemoryFaultException} — for ordinary memory accesses. A Vector API load compiled by C2 faults without that
 * conversion on JDK 25 (the JVM dies with SIGBUS), so vector kernels must never touch mapped memory. The library's
 * own segments over such memory (rows, runs) are bounded reinterpretations that no longer say {@code isMapped()}, but
 * they keep the mapped segment's scope: the scope is what is recorded. Weakly held; costs nothing until a mapped
 * segment is seen. Internal: exported only to the sibling modules. Thread-safe.
 */
public final class MappedScopes {
    private static final Map<MemorySegment.Scope, Boolean> SCOPES = Collections.synchronizedMap(new WeakHashMap<>());
    private static volatile boolean any;
    /** A monitor no thread holds: what {@link #raisePendingFault()} asks about. */
    private static final Object NEVER_HELD = new Object();

    private MappedScopes() {
    }

    /**
     * Records the segment's scope if the segment is mapped.
     *
     * @param segment a segment entering the library
     */
    public static void noteIfMapped(MemorySegment segment) {
        if (segment.isMapped()) {
            SCOPES.put(segment.scope(), Boolean.TRUE);
            any = true;
        }
    }

    /**
     * Returns whether {@code segment} may be memory-mapped: its scope is that of a mapped segment the library saw.
     *
     * @param segment a segment about to be read by a kernel
     * @return true if it must be read with the kernels for mapped memory
     */
    public static boolean mayBeMapped(MemorySegment segment) {
        return any && (segment.isMapped() || SCOPES.containsKey(segment.scope()));
    }

    /**
     * Raises, here, a fault that an earlier access of this thread met on memory-mapped memory and that the JVM has
     * not raised yet. HotSpot does not throw the {@code InternalError} of a faulting access where it happened: it
     * marks the thread and throws at the thread's next safepoint poll or transition from native code, which after a
     * bulk copy ({@code MemorySegment.copy}, a stub) compiled by C2 is often in the caller, after the library's method
     * returned and outside its {@code try} (JDK 25.0.3: a raw {@code InternalError} in the user's loop instead of a
     * {@code MemoryFaultException}). A native call is such a transition: {@link Thread#holdsLock} is the cheapest one
     * at hand (about 15-20 ns). Nothing is done until a mapped segment was seen ({@link #noteIfMapped}); call it
     * inside the {@code try} that turns the error into a {@code MemoryFaultException}, once per bulk operation.
     *
     * @throws InternalError if an access of this thread faulted and the error was still pending
     */
    public static void raisePendingFault() {
        if (any) {
            Thread.holdsLock(NEVER_HELD); // the return from native code throws the pending error, if any
        }
    }
}
