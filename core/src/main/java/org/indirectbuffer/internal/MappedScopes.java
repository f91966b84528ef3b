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
}
