package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An {@link Arena} that only carries another segment's scope, so that memory reached through a pointer can be given
 * exactly the lifetime of the memory the pointer was read from: {@code MemorySegment.ofAddress(a).reinterpret(n,
 * ScopeArena.of(table.scope()), null)} is unusable once {@code table}'s owner closes it. It allocates nothing and
 * cannot be closed (the scope's owner closes it). Internal: exported only to the sibling modules. Immutable.
 */
public final class ScopeArena implements Arena {
    private final MemorySegment.Scope scope;

    private ScopeArena(MemorySegment.Scope scope) {
        this.scope = scope;
    }

    /**
     * Returns an arena with the given scope.
     *
     * @param scope the scope segments made with it belong to
     * @return the arena
     */
    public static ScopeArena of(MemorySegment.Scope scope) {
        return new ScopeArena(Objects.requireNonNull(scope, "scope"));
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope;
    }

    /**
     * Not supported: this arena only lends a scope.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        throw new UnsupportedOperationException("a ScopeArena lends a scope and allocates nothing");
    }

    /**
     * Not supported: the scope's owner closes it.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void close() {
        throw new UnsupportedOperationException("a ScopeArena cannot be closed; its scope's owner closes it");
    }
}
