package org.indirectbuffer.jna;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.internal.NativeHeap;
import org.indirectbuffer.internal.Restricted;

/**
 * How a {@code T**} that C allocated is given back: the process's {@code free} (the one its C code calls, also under an
 * interposed allocator such as jemalloc), or the library's own free function as a JNA {@link Function} ({@code
 * free_matrix(m)}, {@code free_matrix(m, rows)}) or any action. {@link JnaIndirect#adopt} turns it into a {@link MemoryNanny} for one table, which frees exactly once:
 * when the adopting object is closed (after its last view closed), or when it and everything taken from it became
 * unreachable.
 *
 * <p>The action runs on the closing thread or on a Cleaner thread, so it must not depend on thread-local state, and
 * must not capture the adopting object (it could then never become unreachable). Immutable and thread-safe.
 *
 * <p><b>Restricted:</b> a free function frees whatever address it is given, and cannot check that the address came from
 * the matching allocator and is freed by no one else; a wrong one corrupts the C heap or crashes the JVM. So the
 * methods that hand it an address ({@link #free(Pointer, long)}, {@link #nanny(Pointer, long)}, and {@link
 * JnaIndirect#adopt} and the other adopting factories) are restricted: the caller's module must have native access
 * ({@code --enable-native-access}), else they throw {@link IllegalCallerException}. They refuse memory Java owns: a JNA
 * {@link Memory} (JNA frees it) and an {@link IndirectPointer} (its owner frees it). Making a free function ({@link
 * #of(Function)}, {@link #withRowCount}, {@link #of(String, BiConsumer)}, ...) frees nothing and is not restricted.
 */
public final class FreeFunction {
    /** Frees every row pointer (NULL rows skipped; read when freeing, so rows C swapped are freed as they stand), then the table, with the process's {@code free}. */
    public static final FreeFunction C_FREE_ROWS_AND_TABLE = new FreeFunction("C free (rows, then table)",
            (table, rows) -> {
                long t = Pointer.nativeValue(table);
                for (long r = 0; r < rows; r++) {
                    long row = Pointer.nativeValue(table.getPointer(r * Native.POINTER_SIZE));
                    if (row != 0) {
                        NativeHeap.free(NativeHeap.FREE, row);
                    }
                }
                NativeHeap.free(NativeHeap.FREE, t);
            });

    /** Frees only the table with the process's {@code free} (the rows belong to someone else, or to one block freed apart). */
    public static final FreeFunction C_FREE_TABLE = new FreeFunction("C free (table only)",
            (table, rows) -> NativeHeap.free(NativeHeap.FREE, Pointer.nativeValue(table)));

    private final String description;
    private final BiConsumer<Pointer, Long> action;

    private FreeFunction(String description, BiConsumer<Pointer, Long> action) {
        this.description = description;
        this.action = action;
    }

    /**
     * The library's free function taking the table: {@code void free_matrix(double **m)}.
     *
     * @param free the C function
     * @return a free function calling {@code free(table)}
     */
    public static FreeFunction of(Function free) {
        Objects.requireNonNull(free, "free");
        return new FreeFunction(free.getName() + "(table)", (table, rows) -> free.invokeVoid(new Object[] {table}));
    }

    /**
     * The library's free function taking the table and its row count as a C {@code int}: {@code void free_matrix(double
     * **m, int rows)}.
     *
     * @param free the C function
     * @return a free function calling {@code free(table, (int) rows)}
     * @throws IllegalArgumentException when used for more than {@code Integer.MAX_VALUE} rows
     */
    public static FreeFunction withRowCount(Function free) {
        Objects.requireNonNull(free, "free");
        return new FreeFunction(free.getName() + "(table, rows)", (table, rows) -> {
            if (rows > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("rows = " + rows + " does not fit the C int of " + free.getName());
            }
            free.invokeVoid(new Object[] {table, (int) (long) rows});
        });
    }

    /**
     * Any action given the table and its row count, for example a call through a JNA library interface: {@code
     * FreeFunction.of("free_matrix", (m, rows) -> lib.free_matrix(m, (int) rows))}.
     *
     * @param description what is called, for messages and {@code toString}
     * @param action      frees the table; run at most once per adopted table
     * @return the free function
     */
    public static FreeFunction of(String description, BiConsumer<Pointer, Long> action) {
        return new FreeFunction(Objects.requireNonNull(description, "description"),
                Objects.requireNonNull(action, "action"));
    }

    /**
     * An action that knows by itself what to free ({@code Runnable}): the table and row count are ignored.
     *
     * @param description what is called
     * @param action      frees the memory; run at most once per adopted table
     * @return the free function
     */
    public static FreeFunction running(String description, Runnable action) {
        Objects.requireNonNull(action, "action");
        return new FreeFunction(Objects.requireNonNull(description, "description"), (table, rows) -> action.run());
    }

    /**
     * Frees a table now, without adopting it: for memory that was never adopted (a wrap that failed, a borrowed
     * table the caller is done with). A NULL table is ignored.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to be memory this free function frees, freed by no one else
     * (see the class documentation).
     *
     * @param table the table
     * @param rows  its row count
     * @throws IllegalArgumentException if the table is memory Java owns (a JNA {@code Memory}, an {@link
     *                                  IndirectPointer})
     * @throws IllegalCallerException   if the caller's module has no native access
     * @throws RuntimeException         what the free function throws
     */
    public void free(Pointer table, long rows) {
        Restricted.check(FreeFunction.class, "FreeFunction.free");
        refuseJavaOwned(table, rows);
        if (table != null && Pointer.nativeValue(table) != 0) {
            action.accept(new Pointer(Pointer.nativeValue(table)), rows);
        }
    }

    /**
     * A memory nanny that gives one table back through this free function exactly once: when it is closed (as an
     * adopting object closes it), or when it became unreachable. For the adopting factories that take a nanny, such as
     * {@link JnaIndirect#adopt(Pointer, long, long, String, boolean, MemoryNanny)} or {@link
     * org.indirectbuffer.RaggedRows#adopt(java.lang.foreign.MemorySegment, long[], String, boolean,
     * MemoryNanny)}. A NULL table is never passed to the free function.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to be memory this free function frees, freed by no one else
     * (see the class documentation).
     *
     * @param table the table (only its address is kept)
     * @param rows  its row count
     * @return the nanny; it owns the table from now on
     * @throws IllegalArgumentException if the table is memory Java owns (a JNA {@code Memory}, an {@link
     *                                  IndirectPointer})
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public MemoryNanny nanny(Pointer table, long rows) {
        Restricted.check(FreeFunction.class, "FreeFunction.nanny");
        return nannyFor(table, rows).nanny();
    }

    /**
     * Makes the nanny for one table: it calls this free function with {@code table} and {@code rows}, exactly once,
     * when closed or when unreachable, unless {@link Armed#disarm() disarmed} first. A NULL table is never passed to
     * the free function.
     *
     * @param table the table's address (kept as a plain Pointer; whatever {@code table} keeps reachable is not kept)
     * @param rows  the row count
     * @return the nanny and its arming switch
     * @throws IllegalArgumentException if the table is memory Java owns
     */
    Armed nannyFor(Pointer table, long rows) {
        refuseJavaOwned(table, rows);
        long address = table == null ? 0 : Pointer.nativeValue(table);
        Pointer plain = new Pointer(address);
        AtomicBoolean armed = new AtomicBoolean(true);
        BiConsumer<Pointer, Long> act = action;
        MemoryNanny nanny = MemoryNanny.running("T** at 0x" + Long.toHexString(address) + " (" + rows
                + " rows), released by " + description, () -> {
            if (armed.get() && address != 0) {
                act.accept(plain, rows);
            }
        });
        return new Armed(nanny, armed);
    }

    /** Refuses memory Java frees itself: freeing it here would free it twice (or free an arena's memory). */
    private void refuseJavaOwned(Pointer table, long rows) {
        if (table instanceof IndirectPointer p) {
            throw new IllegalArgumentException(this + " cannot free the " + rows + "-row table " + p + ": it is memory"
                    + " Java owns, freed by its owner; only memory C allocated can be given to a free function");
        }
        if (table instanceof Memory m) {
            throw new IllegalArgumentException(this + " cannot free the " + rows + "-row table " + m + ": a JNA Memory"
                    + " is freed by JNA itself; only memory C allocated can be given to a free function");
        }
    }

    /** A nanny that frees only while armed: disarmed when adopting failed, so the caller keeps the memory. */
    record Armed(MemoryNanny nanny, AtomicBoolean armed) {
        void disarm() {
            armed.set(false);
            nanny.close();
        }
    }

    @Override
    public String toString() {
        return "FreeFunction[" + description + "]";
    }
}
