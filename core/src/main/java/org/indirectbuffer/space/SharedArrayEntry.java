package org.indirectbuffer.space;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One shared array as {@link SharedArrays#list()} found it: what its header says and whether anyone uses it.
 *
 * @param name         the array's name
 * @param format       the item format string, as stored
 * @param shape        the extent of each dimension
 * @param byteSize     the bytes of the items
 * @param indirect     whether it is an indirect ({@code T**}) array
 * @param creatorPid   the id of the process that created it
 * @param creatorAlive whether that process is still running (as far as this process can see: a reused id counts
 *                     as running)
 * @param attached     whether some process has it attached
 * @param created      when it was created
 */
public record SharedArrayEntry(String name, String format, List<Long> shape, long byteSize, boolean indirect,
                               long creatorPid, boolean creatorAlive, Attached attached, Instant created) {

    /** Whether a process has the array attached, where that can be known. */
    public enum Attached {
        /** At least one process (perhaps this one) holds it attached. */
        YES,
        /** No process holds it attached. */
        NO,
        /** Cannot be told: this process may not open the array for writing, which the check needs. */
        UNKNOWN
    }

    /**
     * Checks and copies the components.
     *
     * @param name         the array's name
     * @param format       the item format string
     * @param shape        the extent of each dimension (copied)
     * @param byteSize     the bytes of the items
     * @param indirect     whether it is indirect
     * @param creatorPid   the creator's process id
     * @param creatorAlive whether the creator runs
     * @param attached     whether it is attached
     * @param created      when it was created
     */
    public SharedArrayEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        shape = List.copyOf(shape);
        Objects.requireNonNull(attached, "attached");
        Objects.requireNonNull(created, "created");
    }

    /**
     * Whether {@link SharedArrays#removeOrphans()} removes it: its creator is gone and no process has it attached.
     *
     * @return true for an orphan
     */
    public boolean isOrphan() {
        return !creatorAlive && attached == Attached.NO;
    }

    /** {@return name, format, shape and size, then kind, creator and whether it is attached} */
    @Override
    public String toString() {
        return "'" + name + "' format '" + format + "' shape " + shape + " " + byteSize + " bytes ("
                + (indirect ? "indirect" : "dense") + ", creator " + creatorPid + (creatorAlive ? " running" : " gone")
                + ", attached " + attached.name().toLowerCase(java.util.Locale.ROOT) + (isOrphan() ? ", orphan" : "")
                + ")";
    }
}
