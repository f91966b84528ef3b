package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The count of native bytes the library itself allocated and has not yet freed (nor handed to C): every {@code
 * malloc}/{@code calloc} of {@link NativeHeap} and every arena allocation made with {@link #allocate}. Memory C
 * allocated (adopted through a nanny, borrowed) is not counted. Exact, not sampled, so that tests can assert that
 * nothing was left behind. Internal: exported only to the sibling modules. Thread-safe.
 */
public final class NativeBytes {
    private static final AtomicLong LIVE = new AtomicLong();

    private NativeBytes() {
    }

    /** {@return the bytes allocated by the library and not yet freed or handed to C} */
    public static long live() {
        return LIVE.get();
    }

    /**
     * Counts bytes the library allocated ({@code bytes > 0}) or freed or handed to C ({@code bytes < 0}).
     *
     * @param bytes the change
     */
    public static void add(long bytes) {
        LIVE.addAndGet(bytes);
    }

    /**
     * Allocates in an arena and counts the bytes until the arena closes.
     *
     * @param arena     the arena the memory belongs to
     * @param bytes     the size
     * @param alignment the alignment
     * @return the memory, in {@code arena}'s scope
     */
    public static MemorySegment allocate(Arena arena, long bytes, long alignment) {
        MemorySegment memory = arena.allocate(bytes, alignment);
        // Counted down by the arena's close, after the memory is freed (cleanups run in reverse order).
        MemorySegment.NULL.reinterpret(0, arena, ignored -> LIVE.addAndGet(-bytes));
        LIVE.addAndGet(bytes);
        return memory;
    }
}
