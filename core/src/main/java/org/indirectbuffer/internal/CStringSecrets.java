package org.indirectbuffer.internal;

import org.indirectbuffer.CStringTable;

/**
 * The door from the sibling modules into the lifetime of a {@link CStringTable}: the JNA face of the table ({@code
 * CStringArray}) holds it open for a native call, and closes it naming itself, with the table's own {@link
 * Lifetime} rather than a lock of its own. {@code CStringTable} installs the implementation when it is initialized.
 * Internal: exported only to the sibling modules.
 */
public final class CStringSecrets {
    /** What {@code CStringTable} lends the rest of the library. */
    public interface Access {
        /**
         * Holds the table open: its close refuses, naming {@code holder}, until the hold is released.
         *
         * @param table  the table
         * @param holder who holds, for messages
         * @return the hold, released once by {@link Lifetime.Hold#run()}
         * @throws IllegalStateException if the table is closed
         */
        Lifetime.Hold hold(CStringTable table, String holder);

        /**
         * Closes the table as {@link CStringTable#close()} does, with {@code operation} in the message of a refusal.
         *
         * @param table     the table
         * @param operation what is refused while a hold is open ("close CStringArray[3 strings, UTF-8]")
         */
        void close(CStringTable table, String operation);
    }

    private static volatile Access access;

    private CStringSecrets() {
    }

    /**
     * Installs the implementation; called once by {@code CStringTable}.
     *
     * @param implementation the implementation
     */
    public static void install(Access implementation) {
        access = implementation;
    }

    /**
     * Holds a table open; see {@link Access#hold}.
     *
     * @param table  an instance (so its class is initialized and the implementation installed)
     * @param holder who holds
     * @return the hold
     */
    public static Lifetime.Hold hold(CStringTable table, String holder) {
        return access.hold(table, holder);
    }

    /**
     * Closes a table; see {@link Access#close}.
     *
     * @param table     an instance
     * @param operation what is refused while a hold is open
     */
    public static void close(CStringTable table, String operation) {
        access.close(table, operation);
    }
}
