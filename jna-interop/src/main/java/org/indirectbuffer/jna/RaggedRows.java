package org.indirectbuffer.jna;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Field;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.RowItemFormat;

/**
 * A {@code T**} whose rows differ in length: row {@code i} holds {@link #length(long) length(i)} items of one format,
 * either given by a lengths vector or ended by a {@link Terminator} item (libsvm's {@code svm_node} rows end with
 * {@code index == -1}). An {@link org.indirectbuffer.IndirectMemory2D} needs every row to have the same length; this
 * is its ragged sibling, as C code such as libsvm, liblinear, {@code char**} lists and CSR-like sparse data use it.
 *
 * <h2>Ownership is in the factory's name</h2>
 * <ul>
 *   <li>{@link #create} and {@link #createTerminated} <b>own</b> zeroed memory (the table and every row, in one block
 *       the table points into), freed by {@link #close()}, or by a Cleaner once this object and every {@link Hold}
 *       and {@link IndirectPointer} of it are unreachable.</li>
 *   <li>{@link #fromPointer(MemorySegment, long[], String, boolean)} and {@link #fromTerminated(MemorySegment, long,
 *       String, Terminator, long, boolean)} <b>borrow</b> a foreign table: never freed here.</li>
 *   <li>The forms with a {@code memoryNanny} <b>adopt</b>: the nanny is kept reachable as long as this object or any
 *       segment it handed out is, and a {@link MemoryNanny} is closed (frees) when this object is closed.</li>
 * </ul>
 *
 * <h2>Lifetime</h2>
 * Every segment handed out ({@link #pointerTable()}, {@link #row}, {@link #item}) is tied to a memory scope that
 * {@code close()} ends: using one afterwards throws {@link IllegalStateException}, never reads freed memory. While a
 * {@link Hold} is open (a dependent such as a trained libsvm model that points into the rows), or a native call made
 * through {@link IndirectLibrary} uses the rows, {@code close()} throws {@link BufferException} ("buffer is locked").
 * A {@code RaggedRows} is not a {@link org.indirectbuffer.BufferExporter}: PEP 3118 has no ragged shape. Each row is
 * available as a 1-D {@link BufferView} through {@link #rowView(long)}.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may read at once; writes are not synchronized. {@code close()} and holds may be used from
 * any thread; a reader racing a close gets an {@link IllegalStateException}.
 *
 * <h2>What is unchecked</h2>
 * A foreign table is trusted to hold {@code rows} pointers, each to as many items as its length says (or up to and
 * including its terminator): the one unchecked step, named by the {@code from…} factories. A NULL row pointer is an
 * {@link IllegalStateException} naming the row.
 */
public final class RaggedRows implements AutoCloseable {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    private final Lifetime lifetime;
    private final MemorySegment table;
    private final long[] lengths;
    private final Format format;
    private final long itemSize;
    private final Terminator.Resolved terminator;
    private final boolean readOnly;
    private final String origin;
    private final MemorySegment[] rowCache;

    private RaggedRows(Arena arena, MemorySegment table, long[] lengths, Format format,
                       Terminator.Resolved terminator, boolean readOnly, String origin) {
        this.lifetime = new Lifetime(this, arena, this::describe);
        this.table = table;
        this.lengths = lengths;
        this.format = format;
        this.itemSize = format.itemSize();
        this.terminator = terminator;
        this.readOnly = readOnly;
        this.origin = origin;
        this.rowCache = new MemorySegment[lengths.length];
    }

    // ------------------------------------------------------------------------------------------------ owning

    /**
     * Creates zeroed, owned rows: row {@code i} holds {@code lengths[i]} items of {@code format}.
     *
     * @param lengths the number of items of each row, each {@code >= 0} (copied)
     * @param format  the item format (struct-module / PEP 3118 syntax, e.g. {@code 'd'} or {@code 'i4xd'}); its item
     *                size must be positive
     * @return the owning rows; {@link #close()} frees them
     * @throws BufferException  if a length is negative, the sizes overflow, or the item size is 0
     * @throws org.indirectbuffer.format.FormatException if the format is malformed
     * @throws OutOfMemoryError if the memory cannot be allocated
     */
    public static RaggedRows create(long[] lengths, String format) {
        return owned(lengths, format, null);
    }

    /**
     * Creates owned rows ended by a terminator: row {@code i} holds {@code lengths[i]} zeroed items followed by one
     * terminator item, as libsvm expects its {@code svm_node**}.
     *
     * @param lengths    the number of items of each row before its terminator, each {@code >= 0} (copied)
     * @param format     the item format, e.g. {@code 'T{i:index:4x d:value:}'}
     * @param terminator the item that ends each row, e.g. {@code Terminator.field("index", -1)}
     * @return the owning rows
     * @throws BufferException if a length is negative, the sizes overflow, the item size is 0, or the terminator does
     *                         not fit the format (the message names the field and the format)
     */
    public static RaggedRows createTerminated(long[] lengths, String format, Terminator terminator) {
        return owned(lengths, format, Objects.requireNonNull(terminator, "terminator"));
    }

    private static RaggedRows owned(long[] lengths, String format, Terminator terminator) {
        Format f = RowItemFormat.parse(format);
        long[] lens = checkLengths(lengths);
        Terminator.Resolved t = terminator == null ? null : terminator.resolve(f);
        long extra = t == null ? 0 : 1;
        long rows = lens.length;
        long total;
        long[] offsets = new long[lens.length];
        try {
            total = 0;
            for (int r = 0; r < lens.length; r++) {
                offsets[r] = total;
                long bytes = Math.multiplyExact(Math.addExact(lens[r], extra), f.itemSize());
                total = Math.addExact(total, Math.addExact(bytes, 7) & ~7L);
            }
            Math.multiplyExact(rows, POINTER);
        } catch (ArithmeticException e) {
            throw new BufferException("ragged rows of lengths " + abbreviate(lens) + " and format '" + f
                    + "' overflow a 64-bit byte count", e);
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment table = arena.allocate(Math.max(rows * POINTER, POINTER), POINTER).asSlice(0,
                    rows * POINTER);
            MemorySegment block = arena.allocate(Math.max(total, 1), Math.max(POINTER, f.alignment()));
            for (int r = 0; r < lens.length; r++) {
                MemorySegment row = block.asSlice(offsets[r], (lens[r] + extra) * f.itemSize());
                table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, r, row);
                if (t != null) {
                    t.write(row, lens[r]);
                }
            }
            return new RaggedRows(arena, table, lens, f, t, false, "owned");
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------ foreign

    /**
     * Borrows a foreign ragged {@code T**} whose row lengths are known. Never freed here.
     *
     * <p><b>Unchecked:</b> the table is trusted to hold {@code lengths.length} pointers, row {@code i} to at least
     * {@code lengths[i]} items, valid until this object is closed. A table segment that has a size must hold at
     * least that many pointers; a zero-length one (a bare C pointer) is given that size.
     *
     * @param table    the table of row pointers
     * @param lengths  the number of items of each row (copied)
     * @param format   the item format
     * @param readOnly whether writes through this object are refused
     * @return the rows; closing frees nothing
     * @throws BufferException if a length is negative, the table is NULL or too small, or the item size is 0
     */
    public static RaggedRows fromPointer(MemorySegment table, long[] lengths, String format, boolean readOnly) {
        return foreign(table, checkLengths(lengths), RowItemFormat.parse(format), null, readOnly, null);
    }

    /**
     * Adopts a foreign ragged {@code T**} with a memory nanny (see {@link RaggedRows class docs}); otherwise as
     * {@link #fromPointer(MemorySegment, long[], String, boolean)}.
     *
     * @param table       the table of row pointers
     * @param lengths     the number of items of each row (copied)
     * @param format      the item format
     * @param readOnly    whether writes through this object are refused
     * @param memoryNanny what frees the memory (a {@link MemoryNanny} is closed by {@link #close()}), or any object
     *                    whose reachability keeps it alive
     * @return the rows
     * @throws BufferException if a length is negative, the table is NULL or too small, or the item size is 0; the
     *                         nanny is then not adopted (the caller still owns the memory)
     */
    public static RaggedRows fromPointer(MemorySegment table, long[] lengths, String format, boolean readOnly,
                                         Object memoryNanny) {
        return foreign(table, checkLengths(lengths), RowItemFormat.parse(format), null, readOnly,
                Objects.requireNonNull(memoryNanny, "memoryNanny"));
    }

    /**
     * Borrows a foreign {@code T**} of sentinel-terminated rows, finding each row's length by scanning it for the
     * terminator (libsvm's {@code svm_node**}, a model's support vectors).
     *
     * <p><b>Unchecked:</b> the table is trusted to hold {@code rows} pointers, each to items up to and including a
     * terminator, valid until this object is closed.
     *
     * @param table      the table of row pointers
     * @param rows       the number of rows
     * @param format     the item format
     * @param terminator the item that ends each row
     * @param maxLength  the most items a row may have before its terminator: a row without one within that many
     *                   items is an error, not a read into unrelated memory
     * @param readOnly   whether writes through this object are refused
     * @return the rows; closing frees nothing
     * @throws BufferException       if {@code rows} or {@code maxLength} is negative, the table is NULL or too small,
     *                               the terminator does not fit the format, or a row has no terminator within
     *                               {@code maxLength} items (naming the row)
     * @throws IllegalStateException if a row pointer is NULL (naming the row)
     */
    public static RaggedRows fromTerminated(MemorySegment table, long rows, String format, Terminator terminator,
                                            long maxLength, boolean readOnly) {
        return terminated(table, rows, format, terminator, maxLength, readOnly, null);
    }

    /**
     * Adopts a foreign {@code T**} of sentinel-terminated rows with a memory nanny; otherwise as {@link
     * #fromTerminated(MemorySegment, long, String, Terminator, long, boolean)}.
     *
     * @param table       the table of row pointers
     * @param rows        the number of rows
     * @param format      the item format
     * @param terminator  the item that ends each row
     * @param maxLength   the most items a row may have before its terminator
     * @param readOnly    whether writes through this object are refused
     * @param memoryNanny what frees the memory, or any object whose reachability keeps it alive
     * @return the rows
     * @throws BufferException       as the borrowing form; the nanny is then not adopted
     * @throws IllegalStateException if a row pointer is NULL
     */
    public static RaggedRows fromTerminated(MemorySegment table, long rows, String format, Terminator terminator,
                                            long maxLength, boolean readOnly, Object memoryNanny) {
        return terminated(table, rows, format, terminator, maxLength, readOnly,
                Objects.requireNonNull(memoryNanny, "memoryNanny"));
    }

    private static RaggedRows terminated(MemorySegment table, long rows, String format, Terminator terminator,
                                         long maxLength, boolean readOnly, Object nanny) {
        Objects.requireNonNull(table, "table");
        Format f = RowItemFormat.parse(format);
        Terminator.Resolved t = Objects.requireNonNull(terminator, "terminator").resolve(f);
        if (rows < 0 || rows > Integer.MAX_VALUE - 8) {
            throw new BufferException("rows = " + rows + ": expected 0 <= rows <= " + (Integer.MAX_VALUE - 8));
        }
        if (maxLength < 0) {
            throw new BufferException("maxLength = " + maxLength + ": expected >= 0");
        }
        checkTable(table, rows);
        MemorySegment cells = MemorySegment.ofAddress(table.address()).reinterpret(rows * POINTER);
        long[] lengths = new long[(int) rows];
        long scanBytes;
        try {
            scanBytes = Math.multiplyExact(Math.addExact(maxLength, 1), f.itemSize());
        } catch (ArithmeticException e) {
            throw new BufferException("maxLength = " + maxLength + " items of format '" + f
                    + "' overflows a 64-bit byte count", e);
        }
        for (int r = 0; r < rows; r++) {
            long address = cells.getAtIndex(ValueLayout.ADDRESS_UNALIGNED, r).address();
            if (address == 0) {
                throw new IllegalStateException("row " + r + " of the T** at 0x" + Long.toHexString(table.address())
                        + " (" + rows + " rows of '" + f + "') is NULL");
            }
            // Reads item by item and stops at the terminator: never past it, whatever the scan bound.
            MemorySegment items = MemorySegment.ofAddress(address).reinterpret(scanBytes);
            long n = 0;
            while (!t.matches(items, n)) {
                if (++n > maxLength) {
                    throw new BufferException("row " + r + " of the T** at 0x" + Long.toHexString(table.address())
                            + ": no terminator (" + terminator + ") within the first " + maxLength + " items of '"
                            + f + "'");
                }
            }
            lengths[r] = n;
        }
        return foreign(table, lengths, f, t, readOnly, nanny);
    }

    private static RaggedRows foreign(MemorySegment table, long[] lengths, Format f, Terminator.Resolved t,
                                      boolean readOnly, Object nanny) {
        Objects.requireNonNull(table, "table");
        long rows = lengths.length;
        checkTable(table, rows);
        Arena arena = Arena.ofShared();
        MemorySegment scoped = MemorySegment.ofAddress(table.address()).reinterpret(rows * POINTER, arena,
                nanny == null ? null : ignored -> {
                    // Runs once the scope is closed: nothing can reach the memory through it any more.
                    if (nanny instanceof MemoryNanny n) {
                        n.close();
                    }
                    Reference.reachabilityFence(nanny);
                });
        return new RaggedRows(arena, scoped, lengths, f, t, readOnly, nanny == null ? "borrowed" : "adopted");
    }

    private static void checkTable(MemorySegment table, long rows) {
        if (table.address() == 0 && rows > 0) {
            throw new BufferException("table is NULL, but " + rows + " rows were given");
        }
        if (table.byteSize() != 0 && table.byteSize() < rows * POINTER) {
            throw new BufferException("table holds " + table.byteSize() / POINTER + " row pointers ("
                    + table.byteSize() + " bytes); expected " + rows + " rows (" + rows * POINTER + " bytes)");
        }
    }

    private static long[] checkLengths(long[] lengths) {
        long[] lens = Objects.requireNonNull(lengths, "lengths").clone();
        if (lens.length > Integer.MAX_VALUE - 8) {
            throw new BufferException(lens.length + " rows: too many");
        }
        for (int r = 0; r < lens.length; r++) {
            if (lens[r] < 0) {
                throw new BufferException("lengths[" + r + "] = " + lens[r] + ": expected a row length >= 0");
            }
        }
        return lens;
    }

    private static String abbreviate(long[] a) {
        return a.length <= 8 ? Arrays.toString(a) : Arrays.toString(Arrays.copyOf(a, 8)).replace("]", ", ...] ("
                + a.length + " rows)");
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /**
     * Returns the number of rows.
     *
     * @return the number of rows
     * @throws IllegalStateException if closed
     */
    public long rows() {
        lifetime.ensureOpen();
        return lengths.length;
    }

    /**
     * Returns the number of items of a row, not counting its terminator.
     *
     * @param row the row
     * @return its length
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed
     */
    public long length(long row) {
        lifetime.ensureOpen();
        checkRow(row);
        return lengths[(int) row];
    }

    /**
     * Returns a copy of every row's length (terminators not counted).
     *
     * @return a copy of every row's length (terminators not counted)
     * @throws IllegalStateException if closed
     */
    public long[] lengths() {
        lifetime.ensureOpen();
        return lengths.clone();
    }

    /**
     * Returns the total number of items, terminators not counted.
     *
     * @return the total number of items, terminators not counted
     * @throws IllegalStateException if closed
     */
    public long totalLength() {
        lifetime.ensureOpen();
        long n = 0;
        for (long l : lengths) {
            n += l;
        }
        return n;
    }

    /**
     * Returns the item format.
     *
     * @return the item format
     * @throws IllegalStateException if closed
     */
    public Format format() {
        lifetime.ensureOpen();
        return format;
    }

    /**
     * Returns the terminator ending each row, or empty for rows of known lengths.
     *
     * @return the terminator ending each row, or empty for rows of known lengths
     */
    public Optional<Terminator> terminator() {
        return Optional.ofNullable(terminator).map(Terminator.Resolved::terminator);
    }

    /**
     * Returns whether writes through this object are refused.
     *
     * @return whether writes through this object are refused
     * @throws IllegalStateException if closed
     */
    public boolean isReadOnly() {
        lifetime.ensureOpen();
        return readOnly;
    }

    /**
     * Returns the table of row pointers: the {@code T**} to pass to C (an {@code ADDRESS} argument of an FFM
     * downcall; {@link #pointer()} for JNA). Tied to this object's scope.
     *
     * @return a read-only segment of {@code rows * 8} bytes (Java code cannot rewrite the pointers; C may)
     * @throws IllegalStateException if closed
     */
    public MemorySegment pointerTable() {
        lifetime.ensureOpen();
        return table.asReadOnly();
    }

    /**
     * Returns one row's items, bounded to its length (the terminator excluded) and tied to this object's scope. The
     * row pointer is read from the table each time, so C code that swapped rows is seen.
     *
     * @param row the row
     * @return a segment of {@code length(row) * itemSize} bytes; read-only if this object is
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed, or the row pointer is NULL
     */
    public MemorySegment row(long row) {
        lifetime.ensureOpen();
        checkRow(row);
        MemorySegment s = fullRow((int) row).asSlice(0, lengths[(int) row] * itemSize);
        return readOnly ? s.asReadOnly() : s;
    }

    /**
     * Returns one item, tied to this object's scope.
     *
     * @param row the row
     * @param col the item's index in the row
     * @return a segment of {@code itemSize} bytes; read-only if this object is
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it and the row's length)
     * @throws IllegalStateException     if closed, or the row pointer is NULL
     */
    public MemorySegment item(long row, long col) {
        lifetime.ensureOpen();
        checkCell(row, col);
        MemorySegment s = fullRow((int) row).asSlice(col * itemSize, itemSize);
        return readOnly ? s.asReadOnly() : s;
    }

    /**
     * Returns a 1-D view of one row (shape {@code {length(row)}}): for the kernels ({@code Kernels.sum(view)}) and
     * anything that takes a {@link BufferView}. Not counted as an export; its items are tied to this object's scope.
     *
     * @param row the row
     * @return a view; read-only if this object is
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed, or the row pointer is NULL
     */
    public BufferView rowView(long row) {
        MemorySegment items = row(row);
        return BufferView.wrap(items, format, new long[] {lengths[(int) row]}, null, null, readOnly);
    }

    /**
     * Returns an accessor for the field named {@code name} of the item format ({@code 'T{i:index:4x d:value:}'}).
     *
     * @param name the field's name
     * @return the accessor
     * @throws BufferException if there is no such field, or it is not a single scalar
     */
    public FieldAccess field(String name) {
        Objects.requireNonNull(name, "name");
        List<Field> fields = format.fields();
        for (Field f : fields) {
            if (name.equals(f.name())) {
                return new FieldAccess(f);
            }
        }
        throw new BufferException("field '" + name + "' not found in format '" + format + "'; its fields are "
                + fields.stream().map(x -> x.name() == null ? "(unnamed)" : x.name()).toList());
    }

    /**
     * Returns an accessor for the field at {@code index} among the format's non-padding fields ({@code 'i4xd'}: 0 is
     * the {@code int}, 1 the {@code double}; a single-element format such as {@code 'd'} has field 0).
     *
     * @param index the field's position
     * @return the accessor
     * @throws BufferException if there is no such field, or it is not a single scalar
     */
    public FieldAccess field(int index) {
        List<Field> fields = format.fields();
        if (index < 0 || index >= fields.size()) {
            throw new BufferException("field " + index + " not found in format '" + format + "', which has "
                    + fields.size() + " field(s)");
        }
        return new FieldAccess(fields.get(index));
    }

    /**
     * Reads and writes one scalar field of the items, bounds- and lifetime-checked. Obtained from {@link
     * RaggedRows#field(String)}; immutable, usable from any thread (writes are not synchronized).
     */
    public final class FieldAccess {
        private final Field field;
        private final ValueLayout layout;

        private FieldAccess(Field field) {
            this.field = field;
            this.layout = FieldValues.scalarLayout(field, format, "RaggedRows.field");
        }

        /**
         * Returns the field's name, or null if unnamed.
         *
         * @return the field's name, or null if unnamed
         */
        public String name() {
            return field.name();
        }

        /**
         * Returns the field's byte offset in the item.
         *
         * @return the field's byte offset in the item
         */
        public long offset() {
            return field.offset();
        }

        /**
         * Returns the field's element type.
         *
         * @return the field's element type
         */
        public ElementType type() {
            return field.type();
        }

        private MemorySegment at(long row, long col) {
            lifetime.ensureOpen();
            checkCell(row, col);
            return fullRow((int) row);
        }

        private long pos(long col) {
            return col * itemSize + field.offset();
        }

        private void writable() {
            if (readOnly) {
                throw new ReadOnlyBufferException();
            }
        }

        private BufferException wrongType(String method, String expected) {
            return new BufferException(method + ": field " + FieldValues.describe(field) + " of format '" + format
                    + "' is " + field.type() + "; " + method + " takes " + expected);
        }

        /**
         * Reads an integer field of 4 bytes or fewer, sign- or zero-extended as the field's type says.
         *
         * @param row the row
         * @param col the item in the row
         * @return the value
         * @throws BufferException           if the field is not an integer of at most 4 bytes
         * @throws IndexOutOfBoundsException if an index is out of range
         * @throws IllegalStateException     if closed, or the row pointer is NULL
         */
        public int getInt(long row, long col) {
            if (!isInteger() || layout.byteSize() > 4) {
                throw wrongType("getInt", "integer fields of at most 4 bytes");
            }
            return (int) FieldValues.readInteger(at(row, col), pos(col), layout, field.type().isSigned());
        }

        /**
         * Reads any integer field (unsigned 8-byte values come back as their bits).
         *
         * @param row the row
         * @param col the item in the row
         * @return the value
         * @throws BufferException           if the field is not an integer
         * @throws IndexOutOfBoundsException if an index is out of range
         * @throws IllegalStateException     if closed, or the row pointer is NULL
         */
        public long getLong(long row, long col) {
            if (!isInteger()) {
                throw wrongType("getLong", "integer fields");
            }
            return FieldValues.readInteger(at(row, col), pos(col), layout, field.type().isSigned());
        }

        /**
         * Writes an integer field.
         *
         * @param row   the row
         * @param col   the item in the row
         * @param value the value; it must fit the field
         * @throws BufferException           if the field is not an integer, or the value does not fit it
         * @throws ReadOnlyBufferException   if the rows are read-only
         * @throws IndexOutOfBoundsException if an index is out of range
         * @throws IllegalStateException     if closed, or the row pointer is NULL
         */
        public void setLong(long row, long col, long value) {
            if (!isInteger()) {
                throw wrongType("setLong", "integer fields");
            }
            writable();
            MemorySegment s = at(row, col);
            FieldValues.checkFits(value, layout, field.type().isSigned(), "setLong(" + row + ", " + col
                    + ") of field " + FieldValues.describe(field));
            FieldValues.writeInteger(s, pos(col), layout, value);
        }

        /**
         * Writes an integer field; see {@link #setLong}.
         *
         * @param row   the row
         * @param col   the item in the row
         * @param value the value
         */
        public void setInt(long row, long col, int value) {
            setLong(row, col, value);
        }

        /**
         * Reads a floating-point field ({@code d}, or {@code f} widened).
         *
         * @param row the row
         * @param col the item in the row
         * @return the value
         * @throws BufferException           if the field is not {@code d} or {@code f}
         * @throws IndexOutOfBoundsException if an index is out of range
         * @throws IllegalStateException     if closed, or the row pointer is NULL
         */
        public double getDouble(long row, long col) {
            MemorySegment s;
            if (layout instanceof ValueLayout.OfDouble d) {
                s = at(row, col);
                return s.get(d, pos(col));
            }
            if (layout instanceof ValueLayout.OfFloat f) {
                s = at(row, col);
                return s.get(f, pos(col));
            }
            throw wrongType("getDouble", "'d' and 'f' fields");
        }

        /**
         * Writes a floating-point field ({@code d}, or {@code f} narrowed).
         *
         * @param row   the row
         * @param col   the item in the row
         * @param value the value
         * @throws BufferException           if the field is not {@code d} or {@code f}
         * @throws ReadOnlyBufferException   if the rows are read-only
         * @throws IndexOutOfBoundsException if an index is out of range
         * @throws IllegalStateException     if closed, or the row pointer is NULL
         */
        public void setDouble(long row, long col, double value) {
            if (!(layout instanceof ValueLayout.OfDouble) && !(layout instanceof ValueLayout.OfFloat)) {
                throw wrongType("setDouble", "'d' and 'f' fields");
            }
            writable();
            MemorySegment s = at(row, col);
            if (layout instanceof ValueLayout.OfDouble d) {
                s.set(d, pos(col), value);
            } else {
                s.set((ValueLayout.OfFloat) layout, pos(col), (float) value);
            }
        }

        private boolean isInteger() {
            return field.type().isInteger();
        }

        @Override
        public String toString() {
            return "FieldAccess[" + FieldValues.describe(field) + " " + field.type() + " of " + RaggedRows.this + "]";
        }
    }

    /** Row {@code r} with its terminator, tied to the scope; the pointer is re-read, the segment cached. */
    private MemorySegment fullRow(int r) {
        long address = table.getAtIndex(ValueLayout.ADDRESS_UNALIGNED, r).address();
        if (address == 0) {
            throw new IllegalStateException("row " + r + " of " + describe() + " is NULL");
        }
        MemorySegment cached = rowCache[r];
        if (cached != null && cached.address() == address) {
            return cached;
        }
        long bytes = (lengths[r] + (terminator != null ? 1 : 0)) * itemSize;
        MemorySegment s = MemorySegment.ofAddress(address).reinterpret(bytes, lifetime.arena(), null);
        rowCache[r] = s;
        return s;
    }

    private void checkRow(long row) {
        if (row < 0 || row >= lengths.length) {
            throw new IndexOutOfBoundsException("row " + row + " out of range [0, " + lengths.length + ") of "
                    + describe());
        }
    }

    private void checkCell(long row, long col) {
        checkRow(row);
        long n = lengths[(int) row];
        if (col < 0 || col >= n) {
            throw new IndexOutOfBoundsException("item " + col + " out of range [0, " + n + ") of row " + row + " of "
                    + describe());
        }
    }

    // ------------------------------------------------------------------------------------------------ C

    /**
     * Returns the table as a JNA Pointer that keeps these rows reachable (see {@link IndirectPointer}).
     *
     * @return a keep-alive Pointer to the {@code T**}
     * @throws IllegalStateException if closed
     */
    public IndirectPointer pointer() {
        lifetime.ensureOpen();
        return new IndirectPointer(table.address(), this, null, null);
    }

    /**
     * Returns one row as a JNA Pointer that keeps these rows reachable: the {@code T*} a C function taking one row
     * expects ({@code svm_predict(model, x)}).
     *
     * @param row the row
     * @return a keep-alive Pointer to the row's first item
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed, or the row pointer is NULL
     */
    public IndirectPointer rowPointer(long row) {
        lifetime.ensureOpen();
        checkRow(row);
        return new IndirectPointer(fullRow((int) row).address(), this, null, null);
    }

    /**
     * Holds these rows open for a dependent that points into them (a trained libsvm model keeps pointers to the
     * training rows): until the hold is closed, {@link #close()} throws {@link BufferException} naming the holder, and
     * the hold keeps this object reachable.
     *
     * @param holder who holds the rows, for messages
     * @return the hold; closing it twice is harmless
     * @throws IllegalStateException if closed
     */
    public Hold hold(String holder) {
        return new Hold(this, lifetime.pin(Objects.requireNonNull(holder, "holder")));
    }

    /** Pins for a native call (released after it). */
    Lifetime.Pin pinForCall() {
        return lifetime.pin("native call on " + Thread.currentThread().getName());
    }

    /**
     * Returns the number of open holds and calls in progress.
     *
     * @return the number of open holds and calls in progress
     */
    public int holdCount() {
        return lifetime.pinCount();
    }

    /**
     * A dependent's hold on {@link RaggedRows}: keeps them reachable and open until closed. Thread-safe.
     */
    public static final class Hold implements AutoCloseable {
        private final RaggedRows rows;
        private final Lifetime.Pin pin;

        private Hold(RaggedRows rows, Lifetime.Pin pin) {
            this.rows = rows;
            this.pin = pin;
        }

        /**
         * Returns the rows held.
         *
         * @return the rows held
         */
        public RaggedRows rows() {
            return rows;
        }

        /**
         * Returns whether the hold was released.
         *
         * @return whether the hold was released
         */
        public boolean isReleased() {
            return pin.isReleased();
        }

        /** Releases the hold. Idempotent; safe from any thread. */
        @Override
        public void close() {
            pin.run();
        }

        @Override
        public String toString() {
            return "Hold[" + pin.holder() + " on " + rows + (pin.isReleased() ? ", released" : "") + "]";
        }
    }

    // ------------------------------------------------------------------------------------------------ lifetime

    /**
     * Ends these rows: owned memory is freed, an adopted {@link MemoryNanny} is closed, borrowed memory is left to
     * its owner; every segment handed out becomes unusable. Closing twice is harmless.
     *
     * @throws BufferException       if a {@link Hold} is open or a native call uses the rows ("buffer is locked");
     *                               nothing changes
     * @throws IllegalStateException if an FFM downcall is using the memory right now (closing later works)
     */
    @Override
    public void close() {
        lifetime.close();
    }

    /**
     * Returns whether closed.
     *
     * @return whether closed
     */
    public boolean isClosed() {
        return lifetime.isClosed();
    }

    private String describe() {
        return "RaggedRows[" + lengths.length + " rows of '" + format + "', lengths " + abbreviate(lengths)
                + (terminator != null ? ", terminated by " + terminator.terminator() : "") + ", " + origin
                + (readOnly ? ", read-only" : "") + "]";
    }

    @Override
    public String toString() {
        String d = describe();
        return isClosed() ? d.substring(0, d.length() - 1) + ", closed]" : d;
    }
}
