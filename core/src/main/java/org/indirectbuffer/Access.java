package org.indirectbuffer;

/**
 * What a handle on memory may do with it (LvArray's permissions): read it, write it, or also reallocate it.
 * Each level allows everything the ones before it allow.
 *
 * <p>A level is a value: it owns no memory, any thread may use it, and its methods throw nothing.
 */
public enum Access {
    /** Read only: writes throw {@link java.nio.ReadOnlyBufferException}, writable buffer requests are refused. */
    READ_ONLY,
    /** Read and write the items, but never move, reshape or free the memory. */
    MODIFIABLE,
    /** Read, write and reallocate ({@code resize}): only for memory the handle owns. */
    RESIZEABLE;

    /** {@return whether items may be written} */
    public boolean isWritable() {
        return this != READ_ONLY;
    }

    /** {@return whether the memory may be reallocated} */
    public boolean isResizeable() {
        return this == RESIZEABLE;
    }

    /**
     * Compares two access levels.
     *
     * @param other another access level
     * @return whether this level allows everything {@code other} allows
     */
    public boolean includes(Access other) {
        return compareTo(other) >= 0;
    }
}
