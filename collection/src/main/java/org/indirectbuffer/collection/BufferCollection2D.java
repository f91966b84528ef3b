package org.indirectbuffer.collection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.ExportCounter;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.CloseEach;
import org.indirectbuffer.internal.ItemLayouts;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.MappedScopes;
import org.indirectbuffer.internal.NativeHeap;
import org.indirectbuffer.internal.ReadOnlyWrite;
import org.indirectbuffer.internal.RowKernels;
import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.ScopeKeepAlive;
import org.indirectbuffer.internal.StagedMemory;
import org.indirectbuffer.internal.ViewSecrets;
import org.indirectbuffer.kernels.Kernels;

/**
 * Buffers the caller already has, collected into one indirect 2-D buffer — a {@code T**} for C — without copying
 * where the memory allows it: indirect_buffer's {@code BufferCollection2D} in Java.
 *
 * <h2>Rows</h2>
 * A row may be a Java array ({@code double[]}, {@code float[]}, {@code long[]}, {@code int[]}, {@code short[]},
 * {@code byte[]}, {@code char[]}), an NIO buffer (heap or direct, any byte order, typed views included), a {@link
 * MemorySegment} (heap or native), or any {@link BufferExporter}. The format is detected from the array type
 * ({@code d f q i h b H}), the NIO buffer's type and byte order ({@code '>d'} for a big-endian {@code DoubleBuffer}
 * on a little-endian machine), or the exporter's format; a {@code ByteBuffer} or {@code MemorySegment} is untyped
 * bytes and takes the collection's format (unsigned bytes {@code B} when no row says otherwise). Equivalent formats
 * ({@code '<d'} and {@code 'd'} on little-endian) are not a mismatch. An exporter row is exported (locked against
 * resize or reformat) for as long as the collection holds it; with {@code unravel}, a C-contiguous N-D row is
 * flattened.
 *
 * <h2>Heap rows and C</h2>
 * Off-heap rows (direct buffers, native segments, native exporters) are referenced in place: the pointer table of
 * an exported view holds their addresses and C writes land in the caller's memory. Java heap arrays cannot be
 * pointed to from native memory, since the garbage collector moves them: for those rows ({@link #isStaged(long)})
 * each exported view gets a native copy, made when the view is exported and, if the view is writable, copied back
 * into the caller's arrays when it is closed. A view is writable only when the consumer asked for {@link
 * BufferRequest#WRITABLE} (and the collection is writable): a read-only request never copies back. Java-side operations ({@code get}/{@code set}, {@link #sum()}, {@link
 * #min()}, {@link #max()}, {@link #fill}, {@link #scale}, {@link #gather}) work on the rows directly, without
 * staging. While a writable view is open, the staged copy is what C sees; writes made meanwhile from Java to a
 * staged row are overwritten when the view is closed.
 *
 * <h2>Read-only and locking</h2>
 * The collection is read-only when any row is; {@link #makeReadOnly()} makes it read-only, and throws {@link
 * BufferException} ("buffer is locked") while a view of it is exported, unless it already is read-only. {@link
 * #close()} releases every exporter row, even when one release throws, and is refused while a view is exported.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may read at once; writes are not synchronized. Exports, {@code makeReadOnly} and {@code
 * close} may be called from any thread. A view exported {@linkplain #getBuffer(int, Sharing) confined} is usable and
 * closable only on the thread that exported it.
 */
public final class BufferCollection2D implements BufferExporter, AutoCloseable {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    /** One collected row: its items, and the view holding an exporter row (null for other kinds). */
    private record Row(MemorySegment items, boolean readOnly, BufferView held) {
        boolean staged() {
            return !items.isNative();
        }
    }

    private final List<Row> rows;
    private final long cols;
    private final Format format;
    /** The typed-access layouts of {@link #format}, worked out once: the typed accessors read the rows through them. */
    private final ItemLayouts items;
    /** Staging memory kept between exports, freed on close or by the Cleaner (the lifetime's release). */
    private final SpareBlock spare = new SpareBlock();
    private final Lifetime lifetime;
    private final ExportCounter exports;
    private volatile boolean readOnly;

    private BufferCollection2D(List<Row> rows, long cols, Format format, boolean readOnly) {
        this.rows = rows;
        this.cols = cols;
        this.format = format;
        this.items = ItemLayouts.of(format, "format");
        int n = rows.size();
        this.lifetime = Lifetime.start(this, null, Sharing.SHARED, true, "BufferCollection2D",
                () -> n + " x " + cols + " '" + format + "'", spare);
        this.exports = lifetime.exports();
        this.readOnly = readOnly;
    }

    // ------------------------------------------------------------------------------------------------ building

    /**
     * Collects rows, detecting the column count and the format.
     *
     * @param rows the rows (see the class description); at least one, so that there is something to detect from
     * @return the collection; it holds (and locks) exporter rows until closed
     * @throws IllegalArgumentException if a row is null or of an unsupported kind, or the list is empty (the
     *                         message names the row)
     * @throws BufferException if the rows differ in length or format (the message names the row)
     */
    public static BufferCollection2D wrap(List<?> rows) {
        return wrap(rows, -1, null, true);
    }

    /**
     * Collects the rows of a {@code double[][]} as a {@code double**} ({@code 'd'}), without copying until exported:
     * each export stages the rows in native memory and, for a writable view, copies them back on close. Shorthand
     * for {@code wrap(Arrays.asList(rows))}, with the format known even when there are no rows.
     *
     * @param rows the rows, of equal length; none null
     * @return the collection
     * @throws BufferException      if the rows differ in length (the message names the row)
     * @throws NullPointerException if {@code rows} or a row is null
     */
    public static BufferCollection2D wrap(double[][] rows) {
        return ofArrays(rows, "d");
    }

    /**
     * Collects the rows of a {@code float[][]} as a {@code float**} ({@code 'f'}); see {@link #wrap(double[][])}.
     *
     * @param rows the rows, of equal length; none null
     * @return the collection
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code rows} or a row is null
     */
    public static BufferCollection2D wrap(float[][] rows) {
        return ofArrays(rows, "f");
    }

    /**
     * Collects the rows of a {@code long[][]} as an {@code int64_t**} ({@code 'q'}); see {@link #wrap(double[][])}.
     *
     * @param rows the rows, of equal length; none null
     * @return the collection
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code rows} or a row is null
     */
    public static BufferCollection2D wrap(long[][] rows) {
        return ofArrays(rows, "q");
    }

    /**
     * Collects the rows of an {@code int[][]} as an {@code int32_t**} ({@code 'i'}; libFLAC's {@code FLAC__int32
     * *const buffer[]}); see {@link #wrap(double[][])}.
     *
     * @param rows the rows, of equal length; none null
     * @return the collection
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code rows} or a row is null
     */
    public static BufferCollection2D wrap(int[][] rows) {
        return ofArrays(rows, "i");
    }

    /**
     * Collects the rows of a {@code short[][]} as an {@code int16_t**} ({@code 'h'}; 16-bit PCM channels); see
     * {@link #wrap(double[][])}.
     *
     * @param rows the rows, of equal length; none null
     * @return the collection
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code rows} or a row is null
     */
    public static BufferCollection2D wrap(short[][] rows) {
        return ofArrays(rows, "h");
    }

    /**
     * Collects the rows of a {@code byte[][]} as an {@code int8_t**} ({@code 'b'}); see {@link #wrap(double[][])}.
     *
     * @param rows the rows, of equal length; none null
     * @return the collection
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code rows} or a row is null
     */
    public static BufferCollection2D wrap(byte[][] rows) {
        return ofArrays(rows, "b");
    }

    /**
     * Collects the rows of a {@code char[][]} as a {@code uint16_t**} ({@code 'H'}: UTF-16 code units); see {@link
     * #wrap(double[][])}.
     *
     * @param rows the rows, of equal length; none null
     * @return the collection
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code rows} or a row is null
     */
    public static BufferCollection2D wrap(char[][] rows) {
        return ofArrays(rows, "H");
    }

    private static BufferCollection2D ofArrays(Object[] rows, String format) {
        Objects.requireNonNull(rows, "rows");
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) {
                throw new NullPointerException("row " + r + " is null");
            }
        }
        return wrap(Arrays.asList(rows), rows.length == 0 ? 0 : -1, format, false);
    }

    /**
     * Collects rows with an explicit column count and format (each may be left to detection).
     *
     * @param rows        the rows (see the class description)
     * @param columnCount the items per row, or -1 to detect it from the first row
     * @param format      the item format, or null to detect it from the first row that has one
     * @param unravel     whether C-contiguous multi-dimensional rows are flattened (otherwise only 1-D rows are
     *                    accepted)
     * @return the collection; it holds (and locks) exporter rows until closed
     * @throws IllegalArgumentException if a row is null or of an unsupported kind ("row 2 is null"), {@code
     *                         columnCount} is below -1, the format does not parse or has items of 0 bytes, or the
     *                         list is empty and the column count or format is not given
     * @throws BufferException if a row does not fit ("row 1: expected 2 columns, found 3", "row 0: expected format
     *                         'd', found 'i'"), or is multi-dimensional without {@code unravel} or not C-contiguous
     *                         with it
     */
    public static BufferCollection2D wrap(List<?> rows, long columnCount, String format, boolean unravel) {
        Objects.requireNonNull(rows, "rows");
        if (columnCount < -1) {
            throw new IllegalArgumentException("columnCount = " + columnCount
                    + ": expected -1 (detect) or a count >= 0");
        }
        Format explicit = format == null ? null : Format.parse(format);
        if (explicit != null && explicit.itemSize() <= 0) {
            throw new IllegalArgumentException("format '" + format + "' has item size " + explicit.itemSize()
                    + "; rows need items of at least one byte");
        }
        if (rows.isEmpty() && (explicit == null || columnCount < 0)) {
            throw new IllegalArgumentException("an empty collection needs an explicit format and column count (got"
                    + " format " + (format == null ? "null" : "'" + format + "'") + ", columnCount " + columnCount
                    + ")");
        }
        List<Source> sources = new ArrayList<>(rows.size());
        try {
            for (int i = 0; i < rows.size(); i++) {
                sources.add(Source.of(i, rows.get(i), unravel));
            }
            Format chosen = explicit;
            for (Source s : sources) {
                if (s.format != null) {
                    if (chosen == null) {
                        chosen = s.format;
                    } else if (!s.format.isEquivalentTo(chosen)) {
                        throw new BufferException("row " + s.index + ": expected format '" + chosen + "', found '"
                                + s.format + "'");
                    }
                }
            }
            if (chosen == null) {
                chosen = Format.parse("B");
            }
            long expected = columnCount;
            List<Row> collected = new ArrayList<>(sources.size());
            boolean anyReadOnly = false;
            for (Source s : sources) {
                long bytes = s.items.byteSize();
                if (bytes % chosen.itemSize() != 0) {
                    throw new BufferException("row " + s.index + ": " + bytes + " bytes is not a whole number of '"
                            + chosen + "' items (" + chosen.itemSize() + " bytes each)");
                }
                long found = bytes / chosen.itemSize();
                if (expected < 0) {
                    expected = found;
                } else if (found != expected) {
                    throw new BufferException("row " + s.index + ": expected " + expected + " columns, found " + found);
                }
                anyReadOnly |= s.readOnly;
                collected.add(new Row(s.items, s.readOnly, s.held));
            }
            return new BufferCollection2D(List.copyOf(collected), expected, chosen, anyReadOnly);
        } catch (RuntimeException | Error e) {
            releaseAll(sources.stream().map(s -> s.held).toList(), e);
            throw e;
        }
    }

    /** A row as given, before the collection's format and column count are settled. */
    private record Source(int index, MemorySegment items, Format format, boolean readOnly, BufferView held) {
        /** Mapped rows (a MappedByteBuffer, a mapped segment) are read by scalar kernels only: see MappedScopes. */
        Source {
            MappedScopes.noteIfMapped(items);
        }

        static Source of(int index, Object row, boolean unravel) {
            if (row == null) {
                throw new IllegalArgumentException("row " + index + " is null");
            }
            return switch (row) {
                case double[] a -> new Source(index, MemorySegment.ofArray(a), Format.parse("d"), false, null);
                case float[] a -> new Source(index, MemorySegment.ofArray(a), Format.parse("f"), false, null);
                case long[] a -> new Source(index, MemorySegment.ofArray(a), Format.parse("q"), false, null);
                case int[] a -> new Source(index, MemorySegment.ofArray(a), Format.parse("i"), false, null);
                case short[] a -> new Source(index, MemorySegment.ofArray(a), Format.parse("h"), false, null);
                case byte[] a -> new Source(index, MemorySegment.ofArray(a), Format.parse("b"), false, null);
                case char[] a -> new Source(index, MemorySegment.ofArray(a), Format.parse("H"), false, null);
                case Buffer b -> ofBuffer(index, b);
                case MemorySegment m -> new Source(index, m, null, m.isReadOnly(), null);
                case BufferExporter e -> ofExporter(index, e, unravel);
                default -> throw new IllegalArgumentException("row " + index + ": unsupported row type "
                        + row.getClass().getName() + "; expected a Java primitive array, an NIO buffer, a"
                        + " MemorySegment or a BufferExporter");
            };
        }

        private static Source ofBuffer(int index, Buffer buffer) {
            String code;
            ByteOrder order;
            switch (buffer) {
                case ByteBuffer b -> {
                    return new Source(index, MemorySegment.ofBuffer(b), null, b.isReadOnly(), null);
                }
                case DoubleBuffer b -> {
                    code = "d";
                    order = b.order();
                }
                case FloatBuffer b -> {
                    code = "f";
                    order = b.order();
                }
                case LongBuffer b -> {
                    code = "q";
                    order = b.order();
                }
                case IntBuffer b -> {
                    code = "i";
                    order = b.order();
                }
                case ShortBuffer b -> {
                    code = "h";
                    order = b.order();
                }
                case CharBuffer b -> {
                    code = "H";
                    order = b.order();
                }
                default -> throw new IllegalArgumentException("row " + index + ": unsupported NIO buffer "
                        + buffer.getClass().getName());
            }
            String prefix = order.equals(ByteOrder.nativeOrder()) ? "" : order.equals(ByteOrder.BIG_ENDIAN) ? ">" : "<";
            MemorySegment items;
            try {
                items = MemorySegment.ofBuffer(buffer);
            } catch (IllegalArgumentException e) {
                throw new BufferException("row " + index + ": the " + buffer.getClass().getSimpleName()
                        + " has no memory a segment can view (" + e.getMessage() + "); copy it into an array or a"
                        + " direct buffer first", e);
            }
            return new Source(index, items, Format.parse(prefix + code), buffer.isReadOnly(), null);
        }

        private static Source ofExporter(int index, BufferExporter exporter, boolean unravel) {
            BufferView view;
            try {
                view = exporter.getBuffer(BufferRequest.FULL); // writable when the exporter allows it
            } catch (BufferException readOnlyExporter) {
                view = exporter.getBuffer(BufferRequest.FULL_RO);
            }
            if (view == null) {
                throw new BufferException("row " + index + ": exporter " + exporter + " returned null from getBuffer;"
                        + " an exporter must return a view or throw BufferException");
            }
            try {
                if (view.ndim() != 1 && !unravel) {
                    throw new BufferException("row " + index + ": expected a 1-D buffer, found shape "
                            + Arrays.toString(view.shape()) + "; pass unravel = true to flatten C-contiguous rows");
                }
                if (!view.isContiguous('C')) {
                    throw new BufferException("row " + index + ": the buffer (shape " + Arrays.toString(view.shape())
                            + ", strides " + Arrays.toString(view.strides())
                            + (view.isIndirect() ? ", suboffsets " + Arrays.toString(view.suboffsets()) : "")
                            + ") is not C-contiguous" + (view.ndim() == 1 ? "" : ", so it cannot be unravelled"));
                }
                MemorySegment items = view.memory().asSlice(view.bufOffset(), view.len());
                return new Source(index, items, view.format(), view.isReadOnly(), view);
            } catch (RuntimeException | Error e) {
                view.close();
                throw e;
            }
        }
    }

    /** Closes every held view, even when one throws; the first failure is thrown with the others suppressed. */
    private static void releaseAll(List<BufferView> views, Throwable pending) {
        CloseEach.closeEach(views, BufferView::close, pending);
    }

    // ------------------------------------------------------------------------------------------------ accessors

    private void ensureOpen() {
        if (lifetime.isClosed()) {
            throw new IllegalStateException("BufferCollection2D is closed: " + describe());
        }
    }

    private String describe() {
        return rows.size() + " x " + cols + " '" + format + "'";
    }

    /** {@return the number of rows} @throws IllegalStateException if closed */
    public long rows() {
        ensureOpen();
        return rows.size();
    }

    /** {@return the items per row} @throws IllegalStateException if closed */
    public long cols() {
        ensureOpen();
        return cols;
    }

    /** {@return the item format} @throws IllegalStateException if closed */
    public Format format() {
        ensureOpen();
        return format;
    }

    /** {@return whether the collection refuses writes} @throws IllegalStateException if closed */
    public boolean isReadOnly() {
        ensureOpen();
        return readOnly;
    }

    /**
     * Returns whether a row lives on the Java heap, so that exported views see a native copy of it (see the class
     * description).
     *
     * @param row the row index
     * @return true for heap rows (Java arrays, heap NIO buffers, heap segments, heap exporters)
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed
     */
    public boolean isStaged(long row) {
        return row(row, "isStaged").staged();
    }

    /**
     * Returns the items of one row, where they live (the caller's array, buffer or segment; not a copy).
     *
     * @param row the row index
     * @return the row's {@code cols * itemSize} bytes; read-only if the collection is
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed
     */
    public MemorySegment row(long row) {
        MemorySegment items = row(row, "row").items;
        return readOnly ? items.asReadOnly() : items;
    }

    private Row row(long row, String what) {
        ensureOpen();
        if (row < 0 || row >= rows.size()) {
            throw new IndexOutOfBoundsException(what + ": row " + row + " out of range [0, " + rows.size() + ") of "
                    + describe());
        }
        return rows.get((int) row);
    }

    /** {@return {@code col}}, checked to be a column: the typed accessors check it before touching the row. */
    private long checkColumn(long col, String what) {
        if (col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException(what + ": column " + col + " out of range [0, " + cols + ") of "
                    + describe());
        }
        return col;
    }

    /**
     * Returns the number of views of the collection open now.
     *
     * @return the export count
     */
    public int exportCount() {
        return exports.count();
    }

    // ------------------------------------------------------------------------------------------------ Java side

    /**
     * Returns a view of one row, directly over its memory (no staging): 1-D, {@code cols} items.
     *
     * @param row the row index
     * @return a view not counted as an export; read-only if the collection is
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed
     */
    public BufferView rowView(long row) {
        MemorySegment items = row(row, "rowView").items;
        return BufferView.wrap(readOnly ? items.asReadOnly() : items, format, new long[] {cols}, null, null,
                readOnly);
    }

    /**
     * Reads a {@code double} item (format {@code d}), directly from the row.
     *
     * <p>One item per call, each call checking the collection, the format and both indices: right for a few items.
     * For many, work on the rows themselves (the arrays, buffers or segments collected), or export a view with
     * {@code getBuffer} and run the {@link org.indirectbuffer.kernels.Kernels} over it. The same holds for every
     * typed accessor of this class.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not {@code d}
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if closed
     */
    public double getDouble(long row, long col) {
        MemorySegment items = row(row, "getDouble").items;
        ValueLayout.OfDouble layout = this.items.doubles("getDouble");
        try {
            return items.get(layout, checkColumn(col, "getDouble") * 8);
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "BufferCollection2D.getDouble", this);
        }
    }

    /**
     * Writes a {@code double} item (format {@code d}), directly into the row.
     *
     * <p>One item per call; for many, write the rows themselves or use the kernels, as {@link #getDouble(long,
     * long)} says.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value
     * @throws ReadOnlyBufferException   if the collection is read-only
     * @throws BufferException           if the format is not {@code d}
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if closed
     */
    public void setDouble(long row, long col, double value) {
        MemorySegment items = row(row, "setDouble").items;
        if (readOnly) {
            throw ReadOnlyWrite.of("setDouble(" + value + ")", "row " + row + ", column " + col, this);
        }
        ValueLayout.OfDouble layout = this.items.doubles("setDouble");
        try {
            items.set(layout, checkColumn(col, "setDouble") * 8, value);
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "BufferCollection2D.setDouble", this);
        }
    }

    /**
     * Reads a {@code float} item (format {@code f}); see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed
     */
    public float getFloat(long row, long col) {
        return rowView(row).getFloat(col);
    }

    /**
     * Writes a {@code float} item (format {@code f}); see {@link #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if the collection is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed
     */
    public void setFloat(long row, long col, float value) {
        BufferView v = rowView(row);
        if (readOnly) {
            throw ReadOnlyWrite.of("setFloat(" + value + ")", "row " + row + ", column " + col, this);
        }
        v.setFloat(value, col);
    }

    /**
     * Reads an 8-byte integer item; see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed
     */
    public long getLong(long row, long col) {
        return rowView(row).getLong(col);
    }

    /**
     * Writes an 8-byte integer item; see {@link #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if the collection is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed
     */
    public void setLong(long row, long col, long value) {
        BufferView v = rowView(row);
        if (readOnly) {
            throw ReadOnlyWrite.of("setLong(" + value + ")", "row " + row + ", column " + col, this);
        }
        v.setLong(value, col);
    }

    /**
     * Reads a 4-byte integer item; see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed
     */
    public int getInt(long row, long col) {
        return rowView(row).getInt(col);
    }

    /**
     * Writes a 4-byte integer item; see {@link #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if the collection is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed
     */
    public void setInt(long row, long col, int value) {
        BufferView v = rowView(row);
        if (readOnly) {
            throw ReadOnlyWrite.of("setInt(" + value + ")", "row " + row + ", column " + col, this);
        }
        v.setInt(value, col);
    }

    /**
     * Sums every item with the SIMD kernels, row by row, directly over the rows (see {@link Kernels#sum}).
     *
     * @return the sum
     * @throws BufferException       if the format is not one the kernels handle
     * @throws IllegalStateException if closed
     */
    public double sum() {
        ensureOpen();
        return RowKernels.sum(rows.size(), this::rowView);
    }

    /**
     * Returns the smallest item (see {@link Kernels#min}).
     *
     * @return the minimum
     * @throws BufferException       if there are no items or the format is not one the kernels handle
     * @throws IllegalStateException if closed
     */
    public double min() {
        return extreme(false);
    }

    /**
     * Returns the largest item (see {@link Kernels#max}).
     *
     * @return the maximum
     * @throws BufferException       if there are no items or the format is not one the kernels handle
     * @throws IllegalStateException if closed
     */
    public double max() {
        return extreme(true);
    }

    private double extreme(boolean max) {
        ensureOpen();
        if (rows.isEmpty() || cols == 0) {
            throw new BufferException((max ? "max" : "min") + ": the collection has no items (" + describe() + ")");
        }
        return RowKernels.extreme(rows.size(), this::rowView, max, this::describe);
    }

    /**
     * Sets every item of a floating-point collection (see {@link Kernels#fill(BufferView, double)}).
     *
     * @param value the value
     * @throws ReadOnlyBufferException if the collection is read-only
     * @throws BufferException         if the format is not {@code d} or {@code f}
     * @throws IllegalStateException   if closed
     */
    public void fill(double value) {
        ensureOpen();
        if (readOnly) {
            throw ReadOnlyWrite.of("fill(" + value + ")", "every item", this);
        }
        RowKernels.fillOrScale(rows.size(), this::rowView, value, false);
    }

    /**
     * Multiplies every item of a floating-point collection in place (see {@link Kernels#scale(BufferView, double)}).
     *
     * @param factor the factor
     * @throws ReadOnlyBufferException if the collection is read-only
     * @throws BufferException         if the format is not {@code d} or {@code f}
     * @throws IllegalStateException   if closed
     */
    public void scale(double factor) {
        ensureOpen();
        if (readOnly) {
            throw ReadOnlyWrite.of("scale(" + factor + ")", "every item", this);
        }
        RowKernels.fillOrScale(rows.size(), this::rowView, factor, true);
    }

    /**
     * Copies every item into {@code dst}, row after row (C order).
     *
     * @param dst receives {@code rows * cols * itemSize} bytes from its start
     * @throws IndexOutOfBoundsException if {@code dst} is too short
     * @throws IllegalStateException     if closed
     */
    public void gather(MemorySegment dst) {
        ensureOpen();
        long rowBytes = cols * format.itemSize();
        long need = rowBytes * rows.size();
        if (dst.byteSize() < need) {
            throw new IndexOutOfBoundsException("destination holds " + dst.byteSize() + " bytes; the collection "
                    + describe() + " needs " + need);
        }
        for (int r = 0; r < rows.size(); r++) {
            MemorySegment.copy(rows.get(r).items, 0, dst, r * rowBytes, rowBytes);
        }
    }

    // ------------------------------------------------------------------------------------------------ protocol

    /**
     * {@inheritDoc}
     *
     * <p>The view has ndim 2, shape {@code {rows, cols}}, strides {@code {8, itemSize}} and suboffsets {@code {0,
     * -1}}, so it needs {@link BufferRequest#INDIRECT}. Its pointer table is made for this export; staged rows are
     * copied into native memory now and, if the view is writable, back into the caller's arrays when it is closed.
     * Unlike most exporters, the view is read-only unless {@link BufferRequest#WRITABLE} was requested. The view is
     * {@linkplain Sharing#SHARED shared}: any thread may use and close it, and closing it costs a handshake with
     * every Java thread; see {@link #getBuffer(int, Sharing)} for a confined one.
     *
     * <p>A view dropped without {@code close()} is found by a {@code Cleaner}: its export is released (the collection
     * unlocks), and its table and staged copies are freed once no segment of them is reachable — but nothing is
     * copied back, so Java never sees C's writes through a dropped view. Exports that pile up unclosed make the next
     * export ask for a garbage collection and wait for the Cleaner once their staged bytes pass 64 MiB (or twice
     * what was still in use at the last wait), so a loop that forgets {@code close()} stays bounded.
     *
     * @throws IllegalStateException if the collection is closed, or the memory of an off-heap row was freed
     */
    @Override
    public BufferView getBuffer(int flags) {
        return getBuffer(flags, Sharing.SHARED);
    }

    /**
     * Exports a view as {@link #getBuffer(int)} does, with its table and staged rows {@linkplain Sharing shared} or
     * confined to the calling thread. A {@linkplain Sharing#CONFINED confined} view suits the common case of an
     * export for one native call: only this thread may reach its table and staged rows or close it (others get
     * {@link WrongThreadException}, and closing elsewhere changes nothing), and closing it is much cheaper (no
     * handshake with every Java thread: measured, about 130 µs less per export on this project's 2-core VM).
     * Off-heap rows stay the caller's memory, reachable from any thread through the caller's own handles.
     *
     * @param flags   the consumer's request flags
     * @param sharing which threads may use the view
     * @return the view; close it (for a confined view, on this thread) to copy staged rows back and free its table
     * @throws IllegalStateException if the collection is closed, or the memory of an off-heap row was freed
     */
    public BufferView getBuffer(int flags, Sharing sharing) {
        Objects.requireNonNull(sharing, "sharing");
        Staging[] made = new Staging[1];
        Supplier<BufferView> whole = () -> {
            ensureOpen();
            made[0] = new Staging(!readOnly && BufferRequest.requestsWritable(flags), sharing);
            return made[0].view;
        };
        Runnable release = () -> made[0].release();
        try {
            return sharing == Sharing.CONFINED ? exports.exportConfined(whole, flags, release)
                    : exports.export(whole, flags, release);
        } catch (RuntimeException | Error e) {
            if (made[0] != null) {
                made[0].arena.close();
            }
            throw e;
        }
    }

    /**
     * One block of staging memory kept between exports, so that an export of heap rows neither allocates nor touches
     * fresh pages (measured: that halved staging bandwidth). Memory from C's {@code malloc}, not zeroed: every byte
     * is copied in before use. Only one block is kept; exports open at the same time get blocks of their own, freed
     * when they end. The Cleaner's action: it never captures the collection.
     */
    private static final class SpareBlock implements Runnable {
        private long address;
        private long bytes;
        private boolean closed;

        /**
         * Returns a block of {@code need} bytes: the spare one, or a new one. Every export of one collection needs
         * the same size (its rows and columns are fixed), so a block is kept and freed by that size.
         */
        synchronized long take(long need) {
            if (address != 0 && bytes == need) {
                long a = address;
                address = 0;
                return a;
            }
            return NativeHeap.malloc(need);
        }

        /** Keeps {@code a} as the spare if there is none (and not closed), or frees it. */
        void give(long a, long size) {
            synchronized (this) {
                if (address == 0 && !closed) {
                    address = a;
                    bytes = size;
                    return;
                }
            }
            NativeHeap.freeOwned(a, size);
        }

        @Override
        public void run() {
            long a;
            long size;
            synchronized (this) {
                closed = true;
                a = address;
                size = bytes;
                address = 0;
            }
            NativeHeap.freeOwned(a, size);
        }
    }

    /**
     * The memory one export needs: its pointer table, and native copies of the heap rows in one block from C's
     * {@code malloc} (not zeroed: every byte is copied in at once). Freed when the view is closed, after its arena
     * has made every segment of it unusable; for a view dropped unclosed, once no segment of it is reachable (see
     * {@link StagedMemory}), without copying back.
     */
    private final class Staging {
        final Arena arena;
        final MemorySegment[] copies = new MemorySegment[rows.size()];
        final boolean writable;
        final BufferView view;

        /**
         * @param writable whether the consumer asked WRITABLE of a writable collection: only then is it copied back
         * @param sharing  the kind of arena the table and staged rows live in
         */
        Staging(boolean writable, Sharing sharing) {
            this.arena = sharing.openArena();
            this.writable = writable;
            try {
                long rowBytes = cols * format.itemSize();
                int n = rows.size();
                int heapRows = 0;
                for (int r = 0; r < n; r++) {
                    MemorySegment items = rows.get(r).items;
                    if (!items.scope().isAlive()) {
                        throw new IllegalStateException("row " + r + " of " + describe() + ": its memory was freed"
                                + " (its arena or owner was closed); a row's memory must outlive the collection");
                    }
                    heapRows += items.isNative() ? 0 : 1;
                }
                // One block from C's allocator: the table, then the staged rows, each 8-byte aligned. It dies with
                // this export's arena, or, for an export dropped unclosed, once no segment of it is reachable; it
                // goes back to the spare (or is freed) either way. Nothing is allocated from the arena itself, which
                // would keep it until a close that a dropped export never gets.
                long stride = (rowBytes + 7) & ~7L;
                long tableBytes = n * POINTER;
                long blockBytes = Math.max(Math.addExact(tableBytes, Math.multiplyExact(stride, (long) heapRows)), 8);
                SpareBlock keep = spare; // a local: the freeing action must not capture this Staging (nor its arena)
                MemorySegment block = StagedMemory.allocate(blockBytes, arena, () -> keep.take(blockBytes),
                        address -> keep.give(address, blockBytes));
                MemorySegment table = block.asSlice(0, tableBytes);
                long next = tableBytes;
                MemorySegment[] record = new MemorySegment[n];
                for (int r = 0; r < n; r++) {
                    MemorySegment items = rows.get(r).items;
                    MemorySegment target = items.asSlice(0, rowBytes);
                    if (!items.isNative()) {
                        target = block.asSlice(next, rowBytes);
                        next += stride;
                        MemorySegment.copy(items, 0, target, 0, rowBytes);
                        copies[r] = target;
                    }
                    table.set(ValueLayout.ADDRESS_UNALIGNED, r * POINTER, target);
                    record[r] = target;
                }
                // C reaches the rows that are not staged (direct buffers, segments, exporters' rows) through the
                // table only, by address: their memory must stay reachable as long as the table's scope is, also
                // when the collection and the view are dropped while C is still in a call with the table (an FFM
                // downcall holds only the table's scope). Without this, the collector could free a direct buffer
                // row, close an automatic arena, or let an exporter row's Cleaner free it under C.
                List<Row> kept = rows; // a local: the cleanup must not capture this Staging (nor its arena)
                ScopeKeepAlive.untilClosed(arena, kept);
                // Java reads each row through its own segment, with its owner's scope (a source arena closed while
                // exported makes reads throw; a confined source is read only on its thread), never through the
                // table, which C receives and Java code gets read-only.
                view = ViewSecrets.get().ofRecordedRows(table, RowRecord.ofSegments(record, rowBytes), format, cols,
                        !writable);
            } catch (RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }

        /** Copies staged rows back (for a writable view), then frees the table and the copies. */
        void release() {
            try {
                if (writable) {
                    long rowBytes = cols * format.itemSize();
                    for (int r = 0; r < copies.length; r++) {
                        if (copies[r] != null) {
                            MemorySegment.copy(copies[r], 0, rows.get(r).items, 0, rowBytes);
                        }
                    }
                }
            } finally {
                arena.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ changes

    /**
     * Makes the collection read-only: later views and Java-side writes are refused. A no-op when it already is.
     *
     * @throws BufferException       if it is writable and a view is exported ("buffer is locked"); nothing changes
     * @throws IllegalStateException if closed
     */
    public void makeReadOnly() {
        ensureOpen();
        exports.whileUnlocked("make read-only", () -> readOnly, () -> readOnly = true);
    }

    /**
     * Releases every exporter row (each stays locked until then), even when one release throws; heap arrays,
     * buffers and segments are left to their owners. Closing twice is harmless.
     *
     * @throws BufferException if a view of the collection is exported ("buffer is locked"); nothing is released
     * @throws RuntimeException the first failure of a row's release, with the others suppressed (every row was
     *                          still released)
     */
    @Override
    public void close() {
        lifetime.close("close", () -> releaseAll(rows.stream().map(Row::held).toList(), null));
    }

    @Override
    public String toString() {
        return "BufferCollection2D[" + describe() + (readOnly ? ", read-only" : "") + (lifetime.isClosed() ? ", closed" : "")
                + "]";
    }
}
