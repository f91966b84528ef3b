package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Objects;

/**
 * Keeps an object strongly reachable for as long as an arena's scope is alive, by a cleanup action the arena runs
 * when it closes (or when its scope becomes unreachable). The one restricted call this needs ({@code
 * MemorySegment.reinterpret} with a cleanup) is made here, in core, which has native access: the sibling modules
 * (the collection module) need none of their own. Internal: exported only to the sibling modules. Thread-safe.
 */
public final class ScopeKeepAlive {
    private ScopeKeepAlive() {
    }

    /**
     * Keeps {@code keep} reachable until {@code arena} closes.
     *
     * @param arena the arena whose scope bounds the keeping; it must not be closed yet
     * @param keep  what must stay reachable (it must not reference the arena's owner, or the owner stays reachable)
     * @throws IllegalStateException if the arena is already closed
     */
    public static void untilClosed(Arena arena, Object keep) {
        Objects.requireNonNull(keep, "keep");
        MemorySegment.NULL.reinterpret(0, arena, ignored -> Reference.reachabilityFence(keep));
    }
}
