package org.indirectbuffer.internal;

import java.lang.foreign.MemorySegment;

import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.Format;

/**
 * The door from the library's other packages and modules into {@link BufferView}'s internals, which no exported
 * package shows: views over a {@link RowRecord}, and the row table the row kernels read. {@code BufferView}
 * installs the implementation when it is initialized. Internal: exported only to the sibling modules.
 */
public final class ViewSecrets {
    /** What {@code BufferView} lends the rest of the library. */
    public interface Access {
        /**
         * A 2-D view of a {@code T**} the library made: shape {@code {record.rows(), cols}}, strides {@code {8,
         * itemSize}}, suboffsets {@code {0, -1}}. Java reads follow the record, never the lent table's pointers.
         *
         * @param lentTable the table as C receives it ({@code rows} pointers); handed out read-only
         * @param record    the rows, each {@code cols * itemSize} bytes
         * @param format    the item format
         * @param cols      items per row
         * @param readOnly  whether the view refuses writes
         * @return a view counted as an export of nothing (pass it to {@code ExportCounter.export})
         */
        BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format, long cols,
                                  boolean readOnly);

        /**
         * The same with {@code suboffsets[0] = suboffset}: a table of offsets (a shared array's, relative to the
         * start of its mapping) that a consumer following the PEP 3118 rule turns into rows by adding the
         * suboffset (the mapping's base address). Java reads still follow the record only.
         *
         * @param lentTable the table as consumers see it ({@code rows} 64-bit entries); handed out read-only
         * @param record    the rows, each {@code cols * itemSize} bytes
         * @param format    the item format
         * @param cols      items per row
         * @param readOnly  whether the view refuses writes
         * @param suboffset added to each table entry by a consumer, {@code >= 0}
         * @return a view counted as an export of nothing
         */
        BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format, long cols,
                                  boolean readOnly, long suboffset);

        /**
         * The same with rows of any number of dimensions (a stored PIL-style buffer): shape {@code [record.rows(),
         * rowShape...]}, each row C-contiguous, suboffsets {@code [suboffset, -1, ...]}.
         *
         * @param lentTable the table as consumers see it; handed out read-only
         * @param record    the rows, each the bytes of {@code rowShape} items
         * @param format    the item format
         * @param rowShape  the shape of one row
         * @param readOnly  whether the view refuses writes
         * @param suboffset added to each table entry by a consumer, {@code >= 0}
         * @return a view counted as an export of nothing
         */
        BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format, long[] rowShape,
                                  boolean readOnly, long suboffset);

        /**
         * The table a {@code T**} view's rows are read through, for the row kernels; null when the view is not a
         * 2-D table of contiguous rows with 64-bit pointers, or its rows have different scopes.
         *
         * @param view an open view
         * @return the table, or null
         */
        RowTable rowTable(BufferView view);
    }

    /**
     * A table of row addresses and the address space they lead into: row {@code r} is {@code cols} items at
     * {@code table[tableOffset + r * tableStride] + suboffset} in {@code space}. {@code space} is tied to the rows'
     * scope and unbounded: it never leaves the library.
     *
     * @param table       the 64-bit addresses
     * @param tableOffset the offset of row 0's address
     * @param tableStride bytes between addresses
     * @param rows        the number of rows
     * @param space       the address space, tied to the rows' scope
     * @param suboffset   added to each address
     */
    public record RowTable(MemorySegment table, long tableOffset, long tableStride, long rows, MemorySegment space,
                           long suboffset) {
    }

    private static volatile Access access;

    private ViewSecrets() {
    }

    /**
     * Installs the implementation; called once by {@code BufferView}.
     *
     * @param implementation the implementation
     */
    public static void install(Access implementation) {
        access = implementation;
    }

    /**
     * Returns the implementation, initializing {@code BufferView} if needed.
     *
     * @return the implementation
     */
    public static Access get() {
        Access a = access;
        if (a == null) {
            try {
                Class.forName(BufferView.class.getName(), true, BufferView.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = access;
        }
        return a;
    }
}
