package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.util.Objects;

import org.indirectbuffer.MemoryNanny;

/**
 * The door from the sibling modules into {@link MemoryNanny}'s adoption, which no exported package shows: an owner
 * outside {@code org.indirectbuffer} (the JNA module's adopting factories) adopts a nanny exactly as {@code
 * IndirectMemory2D} does; and the check every keep-alive factory makes. {@code MemoryNanny} installs the
 * implementation when it is initialized. Internal: exported only to the sibling modules.
 */
public final class NannySecrets {
    /** What {@code MemoryNanny} lends the rest of the library. */
    public interface Access {
        /**
         * Adopts {@code nanny}: returns the arena the owner's segments must belong to; closing it (the owner's close),
         * the nanny's {@code close()} or its Cleaner ends them and then frees.
         *
         * @param nanny     the nanny
         * @param keepAlive kept reachable, with the nanny, while any segment of the arena is
         * @return the arena
         * @throws IllegalStateException if the nanny already freed (or tried to), or another owner adopted it
         */
        Arena adopt(MemoryNanny nanny, Object keepAlive);

        /**
         * Keeps {@code object} reachable until {@code nanny} has run its freeing action (for a JNA {@code Memory}
         * table whose rows the nanny frees: the table must outlive every read of the rows).
         *
         * @param nanny  the nanny
         * @param object what to keep reachable
         */
        void keepAlive(MemoryNanny nanny, Object object);
    }

    private static volatile Access access;

    private NannySecrets() {
    }

    /**
     * Installs the implementation; called once by {@code MemoryNanny}.
     *
     * @param implementation the implementation
     */
    public static void install(Access implementation) {
        access = implementation;
    }

    /**
     * Adopts a nanny; see {@link Access#adopt}.
     *
     * @param nanny     the nanny (an instance, so its class is initialized and the implementation installed)
     * @param keepAlive kept reachable while any segment of the arena is
     * @return the arena the owner's segments must belong to
     */
    public static Arena adopt(MemoryNanny nanny, Object keepAlive) {
        return access.adopt(nanny, keepAlive);
    }

    /**
     * Keeps an object reachable until the nanny has run its freeing action; see {@link Access#keepAlive}.
     *
     * @param nanny  the nanny (an instance, so its class is initialized and the implementation installed)
     * @param object what to keep reachable
     */
    public static void keepAlive(MemoryNanny nanny, Object object) {
        access.keepAlive(nanny, object);
    }

    /**
     * Refuses a nanny given as a keep-alive object: kept alive, it would never free (the owner must adopt it).
     *
     * @param keepAlive what a {@code …KeepingAlive} factory was given
     * @return {@code keepAlive}
     * @throws NullPointerException     if {@code keepAlive} is null
     * @throws IllegalArgumentException if {@code keepAlive} is a {@link MemoryNanny}; the message names it
     */
    public static Object refuseNannyKeptAlive(Object keepAlive) {
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (keepAlive instanceof MemoryNanny) {
            throw new IllegalArgumentException("keepAlive is " + keepAlive + ": a nanny kept alive never frees; adopt"
                    + " it with the factory that takes a MemoryNanny");
        }
        return keepAlive;
    }
}
