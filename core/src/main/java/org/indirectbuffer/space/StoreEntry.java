package org.indirectbuffer.space;

import java.util.Arrays;
import java.util.Objects;

import org.indirectbuffer.format.Format;

/**
 * What a {@link BufferStore} records of one stored buffer, without touching its bytes: returned by {@link
 * BufferStore#info} and {@link BufferStore#entries}.
 *
 * @param name     the buffer's name
 * @param format   its item format
 * @param shape    the extent of each dimension (a copy)
 * @param indirect whether it is stored with a row table (its views have {@code suboffsets[0] >= 0})
 * @param byteSize the bytes of its items
 * @param revision the store revision (commit) that stored it
 */
public record StoreEntry(String name, Format format, long[] shape, boolean indirect, long byteSize, long revision) {
    /**
     * Creates an entry.
     *
     * @throws NullPointerException if a reference is null
     */
    public StoreEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        shape = shape.clone();
    }

    /** {@return a copy of the shape} */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoreEntry e && name.equals(e.name) && format.equals(e.format)
                && Arrays.equals(shape, e.shape) && indirect == e.indirect && byteSize == e.byteSize
                && revision == e.revision;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, format, Arrays.hashCode(shape), indirect, byteSize, revision);
    }

    /** {@return the name, format, shape, layout, size and revision, as {@code 'a' 'd' [2, 3] dense 48 bytes r3}} */
    @Override
    public String toString() {
        return "'" + name + "' '" + format.source() + "' " + Arrays.toString(shape) + (indirect ? " indirect " : " dense ")
                + byteSize + " bytes r" + revision;
    }
}
