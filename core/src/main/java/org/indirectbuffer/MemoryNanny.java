package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import org.indirectbuffer.internal.NannySecrets;
import org.indirectbuffer.internal.NativeHeap;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.SharedCleaner;

/**
 * Frees foreign memory exactly once: deterministically on {@link #close()}, or through a {@link Cleaner} when the
 * nanny becomes unreachable. Hand one to {@link IndirectMemory2D#adopt(MemorySegment, long, long, String,
 * boolean, MemoryNanny)}, which <em>adopts</em> it: the memory's segments then belong to the nanny, so that whoever
 * frees first (the owner's {@code close()}, the nanny's own {@code close()}, or a Cleaner) first ends every
 * segment of the memory (later use is an {@link IllegalStateException}, never a read of freed memory) and only then
 * frees. A nanny is adopted by one owner: a second adoption is an {@link IllegalStateException}.
 *
 * <p>The freeing action runs at most once. {@link #isFreed()} is true only once it returned normally: if it threw
 * (a library's free function failed), the exception reaches whoever closed, {@code isFreed()} stays false and the
 * action is not run again (it may have freed part of the memory; running it again could free that part twice).
 *
 * <p>The freeing action captures only addresses and functions, never the nanny, so the nanny can become unreachable;
 * {@code close()} and the Cleaner run the same action, at most once between them.
 *
 * <p><b>Restricted:</b> the factories that free a caller-supplied address ({@link #freeingRowsAndTable(MemorySegment,
 * long)}, {@link #freeingTable(MemorySegment)} and their forms with a free function) cannot check that the address
 * came from that allocator and is freed by no one else; a wrong one corrupts the C heap. Like the JDK's {@code
 * MemorySegment.reinterpret} they need native access for the caller's module ({@code --enable-native-access}), and
 * they refuse segments that Java owns (heap arrays, and memory of an {@link Arena} other than the global one, which
 * their arena frees).
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class MemoryNanny implements AutoCloseable {
    private static final Cleaner CLEANER = SharedCleaner.CLEANER;
    private static final MethodType FREE_TYPE = MethodType.methodType(void.class, MemorySegment.class);
    private static final MemorySegment.Scope GLOBAL = MemorySegment.NULL.scope();

    static {
        NannySecrets.install(new NannySecrets.Access() {
            @Override
            public Arena adopt(MemoryNanny nanny, Object keepAlive) {
                return nanny.release.adopt(keepAlive);
            }

            @Override
            public void keepAlive(MemoryNanny nanny, Object object) {
                nanny.release.keepAlive(object);
            }
        });
    }

    private final Release release;
    private final Cleaner.Cleanable cleanable;

    private MemoryNanny(Release release) {
        this.release = release;
        this.cleanable = CLEANER.register(this, release);
    }

    /**
     * The freeing action: runs at most once, and records whether it completed. Once adopted, the memory's segments
     * belong to {@link #scope}, and freeing is that scope's cleanup, run when it closes (after every segment is dead).
     */
    private static final class Release implements Runnable {
        /** Set when the body starts: it runs at most once, whatever its outcome. */
        private final AtomicBoolean started = new AtomicBoolean();
        /** Set when the body returned normally: the memory is freed. */
        private volatile boolean freed;
        /** What the body threw, or null. */
        private volatile Throwable failure;
        /** Objects kept reachable until the body has run; guarded by this. */
        private Object[] kept = new Object[0];
        private final String description;
        private final Runnable body;
        /** The adopting owner's scope, or null while not adopted; guarded by this. */
        private Arena scope;

        Release(String description, Runnable body) {
            this.description = description;
            this.body = body;
        }

        synchronized Arena adopt(Object keepAlive) {
            if (started.get()) {
                Throwable f = failure;
                throw new IllegalStateException("memory nanny for " + description + (f == null
                        ? " has already freed its memory" : " failed to free its memory (" + f + ")")
                        + ": a nanny is adopted before it frees");
            }
            if (scope != null) {
                throw new IllegalStateException("memory nanny for " + description + " is already adopted: one owner"
                        + " frees it");
            }
            Arena arena = Arena.ofShared();
            // Runs once the arena is closed, whoever closes it: nothing can reach the memory through it any more.
            // It keeps the nanny reachable (so its Cleaner cannot close the arena) while any segment of it is.
            MemorySegment.NULL.reinterpret(0, arena, ignored -> {
                freeOnce();
                Reference.reachabilityFence(keepAlive);
            });
            scope = arena;
            return arena;
        }

        synchronized void keepAlive(Object object) {
            kept = Arrays.copyOf(kept, kept.length + 1);
            kept[kept.length - 1] = Objects.requireNonNull(object, "object");
        }

        private void freeOnce() {
            if (started.compareAndSet(false, true)) {
                try {
                    body.run();
                    freed = true;
                } catch (RuntimeException | Error e) {
                    failure = e;
                    throw e;
                } finally {
                    Object[] k;
                    synchronized (this) {
                        k = kept;
                        kept = new Object[0];
                    }
                    Reference.reachabilityFence(k);
                }
            }
        }

        @Override
        public void run() {
            Arena adopted;
            synchronized (this) {
                adopted = scope;
            }
            if (adopted == null) {
                freeOnce();
            } else if (adopted.scope().isAlive()) {
                adopted.close(); // its cleanup frees
            }
        }
    }

    /**
     * A nanny that frees a C {@code T**}: each of the first {@code rows} row pointers in the table, then the table,
     * with the process's {@code free} (the one its C code calls: an interposed allocator's, such as jemalloc under
     * {@code LD_PRELOAD}, where there is one). The row pointers are read when the nanny frees, so rows C swapped meanwhile are freed
     * as they stand; NULL rows are skipped.
     *
     * @param table the pointer table (only its address is kept)
     * @param rows  how many row pointers the table holds
     * @return a nanny that owns the table and its rows
     * @throws IllegalCallerException  if the caller's module has no native access (a restricted method)
     * @throws IllegalArgumentException if the memory is on the Java heap or belongs to an arena, or {@code rows} is
     *                                  negative
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
     * @throws IllegalCallerException  if the caller's module has no native access (a restricted method)
     * @throws IllegalArgumentException if the memory is on the Java heap or belongs to an arena, {@code rows} is
     *                                  negative, or {@code free} has another type
     */
    public static MemoryNanny freeingRowsAndTable(MemorySegment table, long rows, MethodHandle free) {
        Restricted.check(MemoryNanny.class, "MemoryNanny.freeingRowsAndTable");
        checkForeign(table, "table");
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
     * A nanny that frees only the table of a {@code T**} with the process's {@code free} (the rows belong to someone else, or
     * live inside one block the table's first row points to and another nanny frees).
     *
     * @param table the pointer table (only its address is kept)
     * @return a nanny that owns the table
     * @throws IllegalCallerException  if the caller's module has no native access (a restricted method)
     * @throws IllegalArgumentException if the memory is on the Java heap or belongs to an arena
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
     * @throws IllegalCallerException  if the caller's module has no native access (a restricted method)
     * @throws IllegalArgumentException if the memory is on the Java heap or belongs to an arena, or {@code free}
     *                                  has another type
     */
    public static MemoryNanny freeingTable(MemorySegment block, MethodHandle free) {
        Restricted.check(MemoryNanny.class, "MemoryNanny.freeingTable");
        checkForeign(block, "block");
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
     * A nanny that runs a given release action, for example a call to a library's own free function
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

    /** Refuses memory Java owns: a heap array, or a segment of an arena (which frees it itself). */
    private static void checkForeign(MemorySegment segment, String what) {
        Objects.requireNonNull(segment, what);
        if (!segment.isNative()) {
            throw new IllegalArgumentException(what + " " + segment + " is on the Java heap: a nanny frees only memory"
                    + " that foreign code allocated");
        }
        if (!segment.scope().equals(GLOBAL)) {
            throw new IllegalArgumentException(what + " at 0x" + Long.toHexString(segment.address()) + " belongs to an"
                    + " arena's scope, which frees it: a nanny frees only memory that foreign code allocated (a"
                    + " segment made by MemorySegment.ofAddress or returned by a downcall)");
        }
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
        release.run(); // may throw while a native call holds the adopted memory: then nothing is freed yet
        cleanable.clean();
    }

    /**
     * Adopts this nanny: returns the arena the adopting owner's segments must belong to. Closing the arena (the
     * owner's close), this nanny's {@code close()} or its Cleaner ends those segments and then frees.
     *
     * @param keepAlive kept reachable while any segment of the arena is (the nanny, or what the owner keeps alive)
     * @throws IllegalStateException if the nanny already freed, or another owner adopted it
     */
    Arena adopt(Object keepAlive) {
        return release.adopt(keepAlive);
    }

    /**
     * Returns whether the memory was freed (by {@link #close()} or the Cleaner): true only once the freeing action
     * returned normally. False while it runs, and for good if it threw.
     *
     * @return true once freed
     */
    public boolean isFreed() {
        return release.freed;
    }

    @Override
    public String toString() {
        Throwable f = release.failure;
        return "MemoryNanny[" + release.description + (isFreed() ? ", freed" : f != null ? ", free failed: " + f : "")
                + "]";
    }
}
