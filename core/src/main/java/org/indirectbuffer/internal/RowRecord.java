package org.indirectbuffer.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The library's own record of the rows behind a pointer table it made: what Java reads instead of the table it lends.
 * A table handed to C (or to Java code, read-only) may be rewritten by C; reads through the library never follow
 * the lent table's pointers, only this record, so a rewritten table cannot send Java into memory the library did not
 * give it. Each row is a segment of exactly {@link #rowBytes()} bytes, in the scope of the memory it belongs to.
 *
 * <p>Two forms: {@linkplain #ofAddresses rows in one scope} (owned memory, views of another buffer's rows), which
 * the row kernels read as a table of addresses in one address space tied to that scope; and {@linkplain #ofSegments
 * one segment per row} (a collection, whose rows come from different owners with different scopes).
 *
 * <p>Internal: exported only to the sibling modules. Immutable; thread-safe.
 */
public abstract sealed class RowRecord {
    private final long rows;
    private final long rowBytes;

    private RowRecord(long rows, long rowBytes) {
        this.rows = rows;
        this.rowBytes = rowBytes;
    }

    /**
     * Rows whose addresses the library wrote into {@code addresses}, all in one scope.
     *
     * @param addresses {@code rows} 64-bit row addresses, never lent to anyone, in a segment of the rows' scope (or
     *                  on the heap)
     * @param rows      the number of rows
     * @param rowBytes  the bytes of each row
     * @param scope     the scope every row lives in
     * @return the record
     */
    public static RowRecord ofAddresses(MemorySegment addresses, long rows, long rowBytes, MemorySegment.Scope scope) {
        return new InOneScope(addresses, rows, rowBytes, scope);
    }

    /**
     * Rows given as segments, each with the scope of its owner.
     *
     * @param rows     one segment per row, each exactly {@code rowBytes} long
     * @param rowBytes the bytes of each row
     * @return the record (the array is copied)
     * @throws IllegalArgumentException if a row is not {@code rowBytes} long
     */
    public static RowRecord ofSegments(MemorySegment[] rows, long rowBytes) {
        MemorySegment[] copy = rows.clone();
        for (int r = 0; r < copy.length; r++) {
            if (Objects.requireNonNull(copy[r], "row segment").byteSize() != rowBytes) {
                throw new IllegalArgumentException("row " + r + " segment has " + copy[r].byteSize()
                        + " bytes; expected " + rowBytes);
            }
        }
        return new PerRow(copy, rowBytes);
    }

    /** @return the number of rows */
    public final long rows() {
        return rows;
    }

    /** @return the bytes of each row */
    public final long rowBytes() {
        return rowBytes;
    }

    /**
     * Returns row {@code r}, bounded to {@link #rowBytes()} and in its owner's scope.
     *
     * @param r the row, in {@code [0, rows())} (unchecked beyond the JDK's own checks)
     * @return the row's segment
     */
    public abstract MemorySegment row(long r);

    /**
     * Returns the row addresses as a table of 64-bit entries, for the row kernels; null when rows have different
     * scopes.
     *
     * @return the addresses, or null
     */
    public abstract MemorySegment addresses();

    /**
     * Returns the address space the {@link #addresses()} lead into, tied to the rows' one scope: never to be handed
     * out of the library (it is not bounded to the rows). Null when rows have different scopes.
     *
     * @return the address space, or null
     */
    public abstract MemorySegment addressSpace();

    private static final class InOneScope extends RowRecord {
        private final MemorySegment addresses;
        private final MemorySegment space;

        InOneScope(MemorySegment addresses, long rows, long rowBytes, MemorySegment.Scope scope) {
            super(rows, rowBytes);
            this.addresses = addresses;
            this.space = MemorySegment.NULL.reinterpret(Long.MAX_VALUE, ScopeArena.of(scope), null);
        }

        @Override
        public MemorySegment row(long r) {
            return space.asSlice(addresses.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, r), rowBytes());
        }

        @Override
        public MemorySegment addresses() {
            return addresses;
        }

        @Override
        public MemorySegment addressSpace() {
            return space;
        }
    }

    private static final class PerRow extends RowRecord {
        private final MemorySegment[] segments;

        PerRow(MemorySegment[] segments, long rowBytes) {
            super(segments.length, rowBytes);
            this.segments = segments;
        }

        @Override
        public MemorySegment row(long r) {
            return segments[(int) r];
        }

        @Override
        public MemorySegment addresses() {
            return null;
        }

        @Override
        public MemorySegment addressSpace() {
            return null;
        }
    }
}
