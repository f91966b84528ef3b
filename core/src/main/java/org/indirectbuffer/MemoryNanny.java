package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import org.indirectbuffer.internal.NativeHeap;
import org.indirectbuffer.internal.SharedCleaner;

/**
 * Frees foreign memory exactly once: deterministically on {@link #close()}, or through a {@link Cleaner} when the
 * nanny becomes unreachable. Hand one to {@link IndirectMemory2D#fromPointer(MemorySegment, long, long, String,
 * boolean, Object)}, which keeps it reachable for as long as the memory or any view of it is, and closes it when
 * the memory is closed.
 *
 * <p>The freeing action captures only addresses and functions, never the nanny, so the nanny can become unreachable;
 * {@code close()} and the Cleaner run the same action, at most once between them.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class MemoryNanny implements AutoCloseable {
    private static final Cleaner CLEANER = SharedCleaner.CLEANER;
    private static final MethodType FREE_TYPE = MethodType.methodType(void.class, MemorySegment.class);

    private final Release release;
    private final Cleaner.Cleanable cleanable;

    private MemoryNanny(Release release) {
        this.release = release;
        this.cleanable = CLEANER.register(this, release);
    }

    /** The freeing action: runs its body at most once, and records that it did. */
    private static final class Release implements Runnable {
        private final AtomicBoolean done = new AtomicBoolean();
        private final String description;
        private final Runnable body;

        Release(String description, Runnable body) {
            this.description = description;
            this.body = body;
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                body.run();
            }
        }
    }

    /**
     * A nanny that frees a C {@code T**}: each of the first {@code rows} row pointers in the table, then the table,
     * with C's {@code free}. The row pointers are read when the nanny frees, so rows C swapped meanwhile are freed
     * as they stand; NULL rows are skipped.
     *
     * @param table the pointer table (only its address is kept)
     * @param rows  how many row pointers the table holds
     * @return a nanny that owns the table and its rows
     * @throws IllegalArgumentException if {@code rows} is negative
     */
    public static MemoryNanny freeingRowsAndTable(MemorySegment table, long rows) {
        return freeingRowsAndTable(table, rows, NativeHeap.FREE);
    }

    /**
     * A nanny that frees a {@code T**} with a given free function: each row pointer, then the table.
     *
     * @param table the pointer table (only its address is kept)
     * @param rows  how many row pointers the table holds
     * @param free  a function of type {@code (MemorySegment)void}, e.g. a downcall to a library's own free
     * @return a nanny that owns the table and its rows
     * @throws IllegalArgumentException if {@code rows} is negative or {@code free} has another type
     */
    public static MemoryNanny freeingRowsAndTable(MemorySegment table, long rows, MethodHandle free) {
        Objects.requireNonNull(table, "table");
        checkFree(free);
        if (rows < 0) {
            throw new IllegalArgumentException("rows = " + rows + ": expected >= 0");
        }
        long address = table.address();
        return new MemoryNanny(new Release("rows and table of the T** at 0x" + Long.toHexString(address), () -> {
            if (address == 0) {
                return;
            }
            MemorySegment cells = MemorySegment.ofAddress(address).reinterpret(rows * ValueLayout.ADDRESS.byteSize());
            for (long r = 0; r < rows; r++) {
                NativeHeap.free(free, cells.getAtIndex(ValueLayout.ADDRESS, r).address());
            }
            NativeHeap.free(free, address);
        }));
    }

    /**
     * A nanny that frees only the table of a {@code T**} with C's {@code free} (the rows belong to someone else, or
     * live inside one block the table's first row points to and another nanny frees).
     *
     * @param table the pointer table (only its address is kept)
     * @return a nanny that owns the table
     */
    public static MemoryNanny freeingTable(MemorySegment table) {
        return freeingTable(table, NativeHeap.FREE);
    }

    /**
     * A nanny that frees one block with a given free function.
     *
     * @param block the memory (only its address is kept)
     * @param free  a function of type {@code (MemorySegment)void}
     * @return a nanny that owns the block
     * @throws IllegalArgumentException if {@code free} has another type
     */
    public static MemoryNanny freeingTable(MemorySegment block, MethodHandle free) {
        Objects.requireNonNull(block, "block");
        checkFree(free);
        long address = block.address();
        return new MemoryNanny(new Release("block at 0x" + Long.toHexString(address),
                () -> NativeHeap.free(free, address)));
    }

    /**
     * A nanny that closes an arena, freeing everything allocated in it.
     *
     * @param arena a closeable arena (confined arenas can only be closed from their owner thread: prefer shared ones,
     *              since the Cleaner runs on its own thread)
     * @return a nanny that owns the arena
     */
    public static MemoryNanny closing(Arena arena) {
        Objects.requireNonNull(arena, "arena");
        return new MemoryNanny(new Release("arena " + arena, () -> {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }));
    }

    /**
     * A nanny that runs a given release action, for example a call to a library's own deallocator
     * ({@code free_matrix(m, rows)}). The action must not capture the nanny (it could then never become
     * unreachable), and must tolerate running on the Cleaner's thread.
     *
     * @param description what is released, for {@link #toString()}
     * @param release     frees the memory; run at most once
     * @return a nanny that runs {@code release}
     */
    public static MemoryNanny running(String description, Runnable release) {
        Objects.requireNonNull(release, "release");
        return new MemoryNanny(new Release(Objects.requireNonNull(description, "description"), release));
    }

    private static void checkFree(MethodHandle free) {
        Objects.requireNonNull(free, "free");
        if (!free.type().equals(FREE_TYPE)) {
            throw new IllegalArgumentException("free function has type " + free.type() + "; expected " + FREE_TYPE);
        }
    }

    /**
     * Frees the memory now, unless it already was. Idempotent; safe from any thread.
     */
    @Override
    public void close() {
        cleanable.clean();
    }

    /**
     * Returns whether the memory was freed (by {@link #close()} or the Cleaner).
     *
     * @return true once freed
     */
    public boolean isFreed() {
        return release.done.get();
    }

    @Override
    public String toString() {
        return "MemoryNanny[" + release.description + (isFreed() ? ", freed" : "") + "]";
    }
}
