package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Objects;

import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.NativeBytes;
import org.indirectbuffer.internal.RowRecord;

/**
 * A window of {@link #length()} columns over every row of a 2-D buffer, as a {@code T**} of its own: row {@code r}
 * of the window is items {@code [offset, offset + length)} of row {@code r} of the source, and the window's pointer
 * table holds {@code row_r + offset * itemSize}. No item is copied; the window shares the source's rows. It is made
 * for chunked feeding — a FLAC encoder, a vorbis analysis buffer, an audio block loop that takes {@code length}
 * frames of every channel per call: make one window, pass its {@link #pointerTable()} to C, {@link #moveTo move} it,
 * pass the same table again. Moving rewrites the table's pointers in place; nothing is allocated per chunk.
 *
 * <p>A window is made with a {@link #capacity()}, its most columns; {@link #moveTo(long, long)} may also shrink it
 * (to no fewer than 0 columns, to no more than its capacity), for the short last block of a stream whose length is
 * not a multiple of the block size. {@link #length()} follows every move.
 *
 * <pre>{@code
 * try (IndirectMemory2D pcm = IndirectMemory2D.createFrom(channels);       // int[2][44100]
 *      RowWindow block = RowWindow.tableOver(pcm, 0, 4096)) {
 *     for (long at = 0; at < pcm.cols(); at += 4096) {
 *         long n = Math.min(4096, pcm.cols() - at);                        // 4096, ..., 4096, 3140
 *         block.moveTo(at, n);
 *         encode(block.pointerTable(), (int) n);                           // const int32 *const buffer[]
 *     }
 * }
 * }</pre>
 *
 * <h2>Ownership and lifetime</h2>
 * The window owns only its table. The source stays exported (locked against resize, reformat and close) until the
 * window is closed, as for {@link IndirectMemory2D#tableOverRows}. The window's {@link #pointerTable() table} and its
 * views die with it ({@link IllegalStateException} afterwards); its {@link #row row} segments are slices of the
 * source's rows, in the source's scope, so they die when the source is closed. A window dropped unclosed is closed
 * by a {@link Cleaner}, which releases the source.
 *
 * <h2>Views</h2>
 * A window is a {@link BufferExporter}: its views are 2-D, {@code rows x length}, indirect (suboffsets {@code {0,
 * -1}}), read through the library's own record of the window's rows, never through the lent table. While a view is
 * open the window cannot move ({@link BufferException}), so a view never changes under its reader.
 *
 * <h2>Threads</h2>
 * Any thread may use a window; {@link #moveTo} and {@link #close} are atomic with respect to each other and to
 * {@link #getBuffer}. A C function reading the table while another thread moves the window reads some rows at the
 * old place and some at the new: move between calls, not during one.
 */
public final class RowWindow implements BufferExporter, AutoCloseable {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    private final Lifetime lifetime;
    private final ExportCounter exports;
    private final IndirectMemory2D rows;
    private final Format format;
    private final long itemSize;
    /** The most columns the window may span. */
    private final long capacity;
    private final MemorySegment table;
    private final MemorySegment lentTable;
    private final boolean readOnly;
    /** Where each source row starts, for the table's pointers. */
    private final long[] rowStarts;
    /** The window's rows at some position, made when first asked for after a move (a cache: raced harmlessly). */
    private volatile Placed placed;
    /** Where the window stands: offset and length in one object, so a reader never sees one without the other. */
    private volatile Position position; // written under the export lock

    private RowWindow(IndirectMemory2D rows, long offset, long length) {
        this.rows = rows;
        this.format = rows.format();
        this.itemSize = format.itemSize();
        this.capacity = length;
        this.readOnly = !rows.access().isWritable();
        this.rowStarts = new long[(int) rows.rows()];
        for (int r = 0; r < rowStarts.length; r++) {
            rowStarts[r] = rows.row(r).address();
        }
        Arena a = Arena.ofShared();
        try {
            long n = rows.rows();
            this.table = NativeBytes.allocate(a, Math.max(n * POINTER, POINTER), POINTER).asSlice(0, n * POINTER);
            // The source's rows are released when the window's scope closes: nothing reaches them through it then.
            MemorySegment.NULL.reinterpret(0, a, ignored -> rows.close());
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
        this.lentTable = table.asReadOnly();
        place(new Position(offset, length));
        long n = rowStarts.length;
        String source = rows.toString();
        this.lifetime = Lifetime.start(this, a, Sharing.SHARED, true, "RowWindow",
                () -> n + " rows, " + length + " columns, of " + source);
        this.exports = lifetime.exports();
    }

    /**
     * Makes a window of {@code length} columns starting at column {@code offset} over every row of {@code source}.
     *
     * @param source a 2-D buffer whose rows are contiguous and off the Java heap: an {@link IndirectMemory2D}, a
     *               {@link MemoryBuffer} in C order, a collection of rows
     * @param offset the first column, {@code 0 <= offset <= cols - length}
     * @param length the number of columns, {@code >= 0}: the window's {@link #capacity()}, its most columns
     * @return the window; the source stays exported until it is closed
     * @throws IllegalArgumentException if {@code offset} or {@code length} is negative or the window does not fit
     *                                  the source's columns (the source is then released)
     * @throws BufferException          if the source is not 2-D, its rows are not contiguous, or its memory is on
     *                                  the Java heap
     */
    public static RowWindow tableOver(BufferExporter source, long offset, long length) {
        IndirectMemory2D rows = IndirectMemory2D.tableOverRows(Objects.requireNonNull(source, "source"));
        try {
            if (length < 0 || length > rows.cols()) {
                throw new IllegalArgumentException("window length = " + length + ": expected 0 <= length <= "
                        + rows.cols() + " (the source's columns)");
            }
            checkOffset(offset, length, rows.cols());
            return new RowWindow(rows, offset, length);
        } catch (RuntimeException | Error e) {
            rows.close();
            throw e;
        }
    }

    private static void checkOffset(long offset, long length, long cols) {
        if (offset < 0 || offset > cols - length) {
            throw new IllegalArgumentException("window offset = " + offset + ": expected 0 <= offset <= "
                    + (cols - length) + " (" + cols + " columns, window of " + length + ")");
        }
    }

    /** Where the window stands: its first column and its number of columns. */
    private record Position(long offset, long length) {
    }

    /**
     * Points the table at {@code at} (checked by the caller against the source's columns and the capacity); the
     * record follows when next asked for. The caller holds the export lock or owns the window.
     */
    private void place(Position at) {
        long shift = at.offset * itemSize;
        for (int r = 0; r < rowStarts.length; r++) {
            if (POINTER == 8) {
                table.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, r, rowStarts[r] + shift);
            } else {
                table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, r, MemorySegment.ofAddress(rowStarts[r] + shift));
            }
        }
        position = at;
    }

    /** A record of the window's rows at one position. */
    private record Placed(Position at, RowRecord rows) {
    }

    /**
     * The record of the window's rows where it stands: slices of the source's rows, in the source's scope. Views
     * are made under the export lock, which moves also take, so a view's record is the table's.
     */
    private RowRecord record() {
        Position at = position;
        Placed p = placed;
        if (p == null || p.at != at) {
            long bytes = at.length * itemSize;
            MemorySegment[] slices = new MemorySegment[rowStarts.length];
            for (int r = 0; r < slices.length; r++) {
                slices[r] = rows.row(r).asSlice(at.offset * itemSize, bytes);
            }
            p = new Placed(at, RowRecord.ofSegments(slices, bytes));
            placed = p;
        }
        return p.rows;
    }

    /**
     * Moves the window to start at column {@code offset}, keeping its {@link #length()}: the table's pointers are
     * rewritten in place, so the table C received stays the one to pass.
     *
     * @param offset the new first column, {@code 0 <= offset <= sourceColumns() - length()}
     * @throws IllegalArgumentException if the window would not fit
     * @throws BufferException          if a view of the window is open ("locked"); close it first
     * @throws IllegalStateException    if the window is closed
     */
    public void moveTo(long offset) {
        ensureOpen();
        moveTo(offset, position.length);
    }

    /**
     * Moves the window to span columns {@code [offset, offset + length)}: the table's pointers are rewritten in place
     * (no table is allocated), so the table C received stays the one to pass, and {@link #length()}, {@link #row} and
     * new views follow. {@code length} may be anything from 0 to the window's {@link #capacity()}: a short last block
     * is {@code moveTo(at, Math.min(capacity(), sourceColumns() - at))}. A window of 0 columns still has {@link
     * #rows()} pointers, at {@code row + offset}, each to no items.
     *
     * @param offset the new first column, {@code 0 <= offset <= sourceColumns() - length}
     * @param length the new number of columns, {@code 0 <= length <= capacity()}
     * @throws IllegalArgumentException if {@code length} is negative or more than the capacity, or the window would
     *                                  not fit the source's columns (the message names the values); nothing moves
     * @throws BufferException          if a view of the window is open ("locked"); close it first
     * @throws IllegalStateException    if the window is closed
     */
    public void moveTo(long offset, long length) {
        ensureOpen();
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException("window length = " + length + ": expected 0 <= length <= " + capacity
                    + " (the window's capacity)");
        }
        checkOffset(offset, length, rows.cols());
        Position at = new Position(offset, length);
        exports.whileUnlocked("moveTo", () -> {
            ensureOpen();
            place(at);
        });
    }

    /**
     * Returns the window's pointer table, for C: {@link #rows()} pointers, each to {@link #length()} items. The
     * same table for the window's whole life (moving rewrites it); read-only to Java.
     *
     * @return the table, in the window's scope
     * @throws IllegalStateException if the window is closed
     */
    public MemorySegment pointerTable() {
        ensureOpen();
        return lentTable;
    }

    /**
     * Returns row {@code row} of the window where it stands now: {@link #length()} items, in the source's scope.
     *
     * @param row the row, in {@code [0, rows())}
     * @return the row's items
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if the window is closed
     */
    public MemorySegment row(long row) {
        ensureOpen();
        Objects.checkIndex(row, rows.rows());
        MemorySegment segment = record().row(row);
        return readOnly ? segment.asReadOnly() : segment;
    }

    @Override
    public BufferView getBuffer(int flags) {
        ensureOpen();
        return exports.export(() -> {
            ensureOpen();
            RowRecord record = record();
            return BufferView.ofRecordedRows(lentTable, record, format, record.rowBytes() / itemSize, readOnly, 0);
        }, flags);
    }

    /** {@return the number of rows (the source's)} */
    public long rows() {
        return rows.rows();
    }

    /** {@return the number of columns the window spans now: its capacity, or less after a shrinking move} */
    public long length() {
        return position.length;
    }

    /** {@return the most columns the window may span: the length it was made with} */
    public long capacity() {
        return capacity;
    }

    /** {@return the first column of the source the window starts at now} */
    public long offset() {
        return position.offset;
    }

    /** {@return the number of columns of the source} */
    public long sourceColumns() {
        return rows.cols();
    }

    /** {@return the item format (the source's)} */
    public Format format() {
        return format;
    }

    /** {@return the number of views of the window open now} */
    public int exportCount() {
        return exports.count();
    }

    /** {@return whether {@link #close()} has run} */
    public boolean isClosed() {
        return lifetime.isClosed();
    }

    private void ensureOpen() {
        if (lifetime.isClosed()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /**
     * Ends the window: its table, rows and views die, and the source is released. Idempotent.
     *
     * @throws BufferException if a view of the window is open
     */
    @Override
    public void close() {
        lifetime.close("close", null);
    }

    @Override
    public String toString() {
        Position at = position;
        return "RowWindow[" + rows.rows() + " rows, columns [" + at.offset + ", " + (at.offset + at.length) + ") of "
                + rows.cols() + (at.length != capacity ? " (capacity " + capacity + ")" : "") + ", '" + format + "'"
                + (isClosed() ? ", closed" : "") + "]";
    }
}
