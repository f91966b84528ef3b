package org.indirectbuffer.internal;

import java.lang.foreign.MemorySegment;

import org.indirectbuffer.RaggedRows;

/**
 * The door from the sibling modules into what {@link RaggedRows} keeps to itself: the scope of the memory its rows
 * live in (the owner's, for a table this library made and lent), which a JNA keep-alive Pointer must end with.
 * {@code RaggedRows} installs the implementation when it is initialized. Internal: exported only to the sibling
 * modules.
 */
public final class RaggedSecrets {
    /** What {@code RaggedRows} lends the rest of the library. */
    public interface Access {
        /**
         * Returns the scope of the memory the rows and their table live in.
         *
         * @param rows open rows
         * @return the scope: the rows' own, or for a lent table borrowed back, its owner's
         */
        MemorySegment.Scope memoryScope(RaggedRows rows);
    }

    private static volatile Access access;

    private RaggedSecrets() {
    }

    /**
     * Installs the implementation; called once by {@code RaggedRows}.
     *
     * @param implementation the implementation
     */
    public static void install(Access implementation) {
        access = implementation;
    }

    /**
     * Returns the scope of the memory the rows live in; see {@link Access#memoryScope}.
     *
     * @param rows the rows (an instance, so its class is initialized and the implementation installed)
     * @return the scope
     */
    public static MemorySegment.Scope memoryScope(RaggedRows rows) {
        return access.memoryScope(rows);
    }
}
