package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Field;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.NannySecrets;
import org.indirectbuffer.internal.NativeBytes;
import org.indirectbuffer.internal.RaggedSecrets;
import org.indirectbuffer.internal.ReadOnlyWrite;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.RowItemFormat;
import org.indirectbuffer.internal.RowKernels;
import org.indirectbuffer.internal.ScopeArena;
import org.indirectbuffer.kernels.Kernels;

/**
 * A {@code T**} whose rows differ in length: row {@code i} holds {@link #length(long) length(i)} items of one format,
 * either given by a lengths vector or ended by a {@link Terminator} item (libsvm's {@code svm_node} rows end with
 * {@code index == -1}). An {@link org.indirectbuffer.IndirectMemory2D} needs every row to have the same length; this
 * is its ragged sibling, as C code such as libsvm, liblinear, {@code char**} lists and CSR-like sparse data use it.
 * Pure FFM: pass {@link #pointerTable()} to a downcall; the JNA module adds keep-alive Pointers ({@code
 * JnaIndirect.pointer(rows)}, {@code JnaIndirect.rowPointer(rows, row)}) and {@code IndirectLibrary} arguments.
 *
 * <h2>Ownership is in the factory's name</h2>
 * <ul>
 *   <li>{@link #create} and {@link #createTerminated} <b>own</b> zeroed memory (the table and every row, in one block
 *       the table points into), freed by {@link #close()}, or (for {@link Sharing#SHARED} memory, the default) by a
 *       Cleaner once this object and every {@link Hold}, row view and JNA Pointer of it are unreachable.</li>
 *   <li>{@link #wrap(MemorySegment, long[], String, boolean)} and {@link #wrapTerminated(MemorySegment, long,
 *       String, Terminator, long, boolean)} <b>borrow</b> a foreign table: never freed here. They are <b>restricted
 *       methods</b> (see below). The {@code …KeepingAlive} forms borrow and keep a given object reachable for as long
 *       as this object or any segment it handed out is.</li>
 *   <li>{@link #adopt} and {@link #adoptTerminated} <b>adopt</b> a {@link MemoryNanny}: the memory's segments belong
 *       to the nanny, which frees when this object is closed (or, unclosed, when nothing of it is reachable). A nanny
 *       is adopted once.</li>
 * </ul>
 *
 * <h2>Lifetime</h2>
 * Every segment handed out ({@link #pointerTable()}, {@link #row}, {@link #item}) is tied to a memory scope that
 * {@code close()} ends: using one afterwards throws {@link IllegalStateException}, never reads freed memory. While a
 * {@link Hold} is open (a dependent such as a trained libsvm model that points into the rows, or a native call made
 * through the JNA module's {@code IndirectLibrary}), or a view of a {@link #rowExporter(long) row exporter} is open,
 * {@code close()} throws {@link BufferException} ("buffer is locked").
 *
 * <h2>Rows with the library's machinery</h2>
 * A {@code RaggedRows} is not itself a {@link BufferExporter}: PEP 3118 has no ragged shape. Each row is one: {@link
 * #rowExporter(long)} lends it as a counted 1-D view (for {@code BufferCollection2D} rows, or any consumer of the
 * buffer protocol), {@link #rowView(long)} is an uncounted view for the {@link Kernels}, and {@link
 * FieldAccess#view(long)} a strided view of one field of a struct row ({@code value} of libsvm's {@code svm_node}).
 * {@link #sum()}, {@link #min()}, {@link #max()}, {@link #fill(double)} and {@link #scale(double)} run the kernels
 * over every row.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may read at once; writes are not synchronized. {@code close()} and holds may be used from
 * any thread; a reader racing a close gets an {@link IllegalStateException}. Rows created {@link Sharing#CONFINED}
 * belong to the creating thread: only it may reach the items or close them (others get {@link
 * WrongThreadException}, and nothing changes); they have no Cleaner, so they must be closed.
 *
 * <h2>Rows the library made are read through its own record</h2>
 * The table of owned rows ({@link #pointerTable()}; {@code JnaIndirect.pointer(rows)} in the JNA module) is lent to
 * C, which may rewrite it; Java code gets it read-only. Every read and write through this object (rows, items,
 * fields, views, exports; {@code JnaIndirect.rowPointer}) goes through the library's own record of the rows it
 * allocated, each bounded to its row (items and terminator) and tied to this object's scope: a table C rewrote
 * changes what C sees, never where Java reads. When such a table comes back as a foreign one ({@code
 * wrap(rows.pointerTable(), ...)}, {@code wrapTerminated}, {@code JnaIndirect.wrapRagged}, {@code
 * JnaIndirect.wrapTerminated}), its rows are read through the same record: a row whose terminator C overwrote is
 * never scanned past its end, lengths beyond a row's allocation are refused, and the memory cannot be adopted by a
 * nanny (the library frees it).
 *
 * <h2>What is unchecked: the restricted methods</h2>
 * A foreign table is trusted to hold {@code rows} pointers, each to as many items as its length says (or up to and
 * including its terminator): the one unchecked step, named by the {@code from…} factories. Because a wrong pointer can
 * crash the JVM, they are <b>restricted</b>, as the JDK's {@code MemorySegment.reinterpret} is: the caller's module
 * must have native access ({@code --enable-native-access=M}, or {@code ALL-UNNAMED} on the class path), else they
 * throw {@link IllegalCallerException}. A NULL row pointer is an {@link IllegalStateException} naming the row.
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
    /**
     * The library's own record of rows it allocated, each its whole row (items and terminator) in the owner's scope:
     * what Java reads instead of the lent table. Null for a foreign table, whose pointers are re-read.
     */
    private final MemorySegment[] recorded;
    /** The scope of the memory the rows and table live in: the owner's, for a borrowed table this module made. */
    private final MemorySegment.Scope memoryScope;
    /** Row segments of a foreign table (null when recorded): a cache of immutable segments, raced harmlessly. */
    private final MemorySegment[] rowCache;

    static {
        RaggedSecrets.install(rows -> rows.memoryScope);
    }

    private RaggedRows(Arena arena, Sharing sharing, MemorySegment table, long[] lengths, Format format,
                       Terminator.Resolved terminator, boolean readOnly, String origin, MemorySegment[] recorded,
                       MemorySegment.Scope memoryScope) {
        int rows = lengths.length;
        String what = origin;
        this.lifetime = Lifetime.start(this, arena, sharing, !"borrowed".equals(origin), "RaggedRows",
                () -> rows + " rows of '" + format + "', " + what);
        this.table = table;
        this.lengths = lengths;
        this.format = format;
        this.itemSize = format.itemSize();
        this.terminator = terminator;
        this.readOnly = readOnly;
        this.origin = origin;
        this.recorded = recorded;
        this.memoryScope = memoryScope != null ? memoryScope : arena.scope();
        this.rowCache = recorded != null ? null : new MemorySegment[lengths.length];
    }

    // ------------------------------------------------------------------------------------------------ owning

    /**
     * Creates zeroed, owned rows: row {@code i} holds {@code lengths[i]} items of {@code format}.
     *
     * @param lengths the number of items of each row, each {@code >= 0} (copied)
     * @param format  the item format (struct-module / PEP 3118 syntax, e.g. {@code 'd'} or {@code 'i4xd'}); its item
     *                size must be positive
     * @return the owning rows; {@link #close()} frees them
     * @throws IllegalArgumentException if a length is negative, the sizes overflow, or the item size is 0
     * @throws org.indirectbuffer.format.FormatException if the format is malformed (an IllegalArgumentException)
     * @throws OutOfMemoryError if the memory cannot be allocated
     */
    public static RaggedRows create(long[] lengths, String format) {
        return owned(lengths, format, null, Sharing.SHARED);
    }

    /**
     * Creates zeroed, owned rows as {@link #create(long[], String)} does, shared or confined to this thread.
     *
     * @param lengths the number of items of each row, each {@code >= 0} (copied)
     * @param format  the item format; its item size must be positive
     * @param sharing {@link Sharing#CONFINED}: only this thread may reach the items and close (others get {@link
     *                WrongThreadException}), closing skips a handshake with every thread, and no Cleaner frees
     *                the memory: it must be closed
     * @return the owning rows; {@link #close()} frees them
     * @throws IllegalArgumentException if a length is negative, the sizes overflow, or the item size is 0
     * @throws org.indirectbuffer.format.FormatException if the format is malformed (an IllegalArgumentException)
     * @throws OutOfMemoryError if the memory cannot be allocated
     */
    public static RaggedRows create(long[] lengths, String format, Sharing sharing) {
        return owned(lengths, format, null, Objects.requireNonNull(sharing, "sharing"));
    }

    /**
     * Creates owned rows ended by a terminator: row {@code i} holds {@code lengths[i]} zeroed items followed by one
     * terminator item, as libsvm expects its {@code svm_node**}.
     *
     * @param lengths    the number of items of each row before its terminator, each {@code >= 0} (copied)
     * @param format     the item format, e.g. {@code 'T{i:index:4x d:value:}'}
     * @param terminator the item that ends each row, e.g. {@code Terminator.field("index", -1)}
     * @return the owning rows
     * @throws IllegalArgumentException if a length is negative, the sizes overflow, the item size is 0, or the
     *                         terminator's value does not fit its field
     * @throws BufferException if the terminator does not fit the format: no such field, or not an integer or
     *                         pointer field (the message names the field and the format)
     */
    public static RaggedRows createTerminated(long[] lengths, String format, Terminator terminator) {
        return owned(lengths, format, Objects.requireNonNull(terminator, "terminator"), Sharing.SHARED);
    }

    /**
     * Creates owned rows ended by a terminator as {@link #createTerminated(long[], String, Terminator)} does, shared
     * or confined to this thread (see {@link #create(long[], String, Sharing)}).
     *
     * @param lengths    the number of items of each row before its terminator, each {@code >= 0} (copied)
     * @param format     the item format
     * @param terminator the item that ends each row
     * @param sharing    which threads may use the memory
     * @return the owning rows
     * @throws IllegalArgumentException if a length is negative, the sizes overflow, the item size is 0, or the
     *                         terminator's value does not fit its field
     * @throws BufferException if the terminator does not fit the format
     */
    public static RaggedRows createTerminated(long[] lengths, String format, Terminator terminator,
                                              Sharing sharing) {
        return owned(lengths, format, Objects.requireNonNull(terminator, "terminator"),
                Objects.requireNonNull(sharing, "sharing"));
    }

    private static RaggedRows owned(long[] lengths, String format, Terminator terminator, Sharing sharing) {
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
            throw new IllegalArgumentException("ragged rows of lengths " + abbreviate(lens) + " and format '" + f
                    + "' overflow a 64-bit byte count", e);
        }
        Arena arena = sharing.openArena();
        try {
            MemorySegment table = NativeBytes.allocate(arena, Math.max(rows * POINTER, POINTER), POINTER).asSlice(0,
                    rows * POINTER);
            MemorySegment block = NativeBytes.allocate(arena, Math.max(total, 1), Math.max(POINTER, f.alignment()));
            MemorySegment[] record = new MemorySegment[lens.length];
            for (int r = 0; r < lens.length; r++) {
                MemorySegment row = block.asSlice(offsets[r], (lens[r] + extra) * f.itemSize());
                record[r] = row;
                table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, r, row);
                if (t != null) {
                    t.write(row, lens[r]);
                }
            }
            RaggedRows made = new RaggedRows(arena, sharing, table, lens, f, t, false,
                    sharing == Sharing.CONFINED ? "owned, confined" : "owned", record, null);
            LentTables.register(table.address(), made, arena);
            return made;
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------ foreign

    /**
     * Borrows a foreign ragged {@code T**} whose row lengths are known. Never freed here.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to hold {@code lengths.length} pointers, row {@code i} to
     * at least {@code lengths[i]} items, valid until this object is closed: the one thing the library cannot check,
     * and a wrong pointer can crash the JVM, so the caller's module must have native access. A table segment that has
     * a size must hold at least that many pointers; a zero-length one (a bare C pointer) is given that size. A table
     * this module made ({@link #create}) is not followed: its rows are read through the owner's record, and a length
     * beyond what a row's allocation holds is refused.
     *
     * @param table    the table of row pointers
     * @param lengths  the number of items of each row (copied)
     * @param format   the item format
     * @param readOnly whether writes through this object are refused
     * @return the rows; closing frees nothing
     * @throws IllegalArgumentException if a length is negative or the sizes overflow, the table is NULL or on the
     *                                Java heap, or the item size is 0
     * @throws BufferException        if the table is too small, or a length exceeds a row this module allocated
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static RaggedRows wrap(MemorySegment table, long[] lengths, String format, boolean readOnly) {
        Restricted.check(RaggedRows.class, "RaggedRows.wrap");
        return borrow(table, checkLengths(lengths), RowItemFormat.parse(format), readOnly, null, null);
    }

    /**
     * Borrows a foreign ragged {@code T**} as {@link #wrap(MemorySegment, long[], String, boolean)} does, and
     * keeps {@code keepAlive} strongly reachable for as long as this object or anything taken from it is: for memory
     * whose lifetime follows a Java object. Nothing is freed or run; <b>restricted</b> as the borrowing form.
     *
     * @param table     the table of row pointers
     * @param lengths   the number of items of each row (copied)
     * @param format    the item format
     * @param readOnly  whether writes through this object are refused
     * @param keepAlive what must stay reachable while the memory is used
     * @return the rows; closing frees nothing
     * @throws BufferException          as the borrowing form
     * @throws IllegalArgumentException if {@code keepAlive} is a {@link MemoryNanny} (which would never free: adopt
     *                                  it instead)
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static RaggedRows wrapKeepingAlive(MemorySegment table, long[] lengths, String format,
                                                     boolean readOnly, Object keepAlive) {
        Restricted.check(RaggedRows.class, "RaggedRows.wrapKeepingAlive");
        return borrow(table, checkLengths(lengths), RowItemFormat.parse(format), readOnly, null,
                NannySecrets.refuseNannyKeptAlive(keepAlive));
    }

    /**
     * Adopts a foreign ragged {@code T**} with a memory nanny (see {@link RaggedRows class docs}): the memory's
     * segments belong to the nanny, which frees when this object is closed; closing the nanny by hand first ends
     * this object's memory. A nanny is adopted once. Otherwise as {@link #wrap(MemorySegment, long[], String,
     * boolean)}, and <b>restricted</b> as it is.
     *
     * @param table    the table of row pointers
     * @param lengths  the number of items of each row (copied)
     * @param format   the item format
     * @param readOnly whether writes through this object are refused
     * @param nanny    what frees the memory
     * @return the rows
     * @throws IllegalArgumentException if a length is negative or the sizes overflow, the table is NULL or on the
     *                                Java heap, or the item size is 0; the nanny is then not adopted
     * @throws BufferException        if the table is too small, or is one this module made (the library frees that
     *                                memory itself); the nanny is then not adopted (the caller still owns it)
     * @throws IllegalStateException  if the nanny has already freed (or failed to), or another owner adopted it
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static RaggedRows adopt(MemorySegment table, long[] lengths, String format, boolean readOnly,
                                         MemoryNanny nanny) {
        Restricted.check(RaggedRows.class, "RaggedRows.adopt");
        return borrow(table, checkLengths(lengths), RowItemFormat.parse(format), readOnly,
                Objects.requireNonNull(nanny, "nanny"), null);
    }

    /**
     * Borrows a foreign {@code T**} of sentinel-terminated rows, finding each row's length by scanning it for the
     * terminator (libsvm's {@code svm_node**}, a model's support vectors).
     *
     * <p>Each row is scanned item by item through a segment of {@code maxLength + 1} items (at most {@code maxLength}
     * items and the terminator), in the scope of the table's memory, and the scan stops at the terminator: a row
     * without one within {@code maxLength} items is a {@link BufferException}, never a read past that bound. A table
     * this module made ({@link #createTerminated}) is not followed: each row is scanned through the owner's record,
     * never past the end of what the library allocated for it.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to hold {@code rows} pointers, each to items up to and
     * including a terminator, valid until this object is closed; and {@code maxLength} must not exceed what a row's
     * real allocation holds: an unterminated row is read to {@code maxLength + 1} items, so a bound larger than the
     * row reads past its end (into unmapped memory, perhaps). The library cannot check either, and a wrong pointer
     * or bound can crash the JVM, so the caller's module must have native access ({@code --enable-native-access}).
     *
     * @param table      the table of row pointers
     * @param rows       the number of rows
     * @param format     the item format
     * @param terminator the item that ends each row
     * @param maxLength  the most items a row may have before its terminator: a row without one within that many
     *                   items is an error, not a read into unrelated memory; at most what every row's allocation
     *                   holds, less its terminator
     * @param readOnly   whether writes through this object are refused
     * @return the rows; closing frees nothing
     * @throws IllegalArgumentException if {@code rows} or {@code maxLength} is negative or too large, the table is
     *                                NULL or on the Java heap, or the terminator's value does not fit its field
     * @throws BufferException        if the table is too small, the terminator does not fit the format, or a row
     *                                has no terminator within {@code maxLength} items or within the row this module
     *                                allocated (naming the row)
     * @throws IllegalStateException  if a row pointer is NULL (naming the row)
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static RaggedRows wrapTerminated(MemorySegment table, long rows, String format, Terminator terminator,
                                            long maxLength, boolean readOnly) {
        Restricted.check(RaggedRows.class, "RaggedRows.wrapTerminated");
        return terminated(table, rows, format, terminator, maxLength, readOnly, null, null);
    }

    /**
     * Borrows a foreign {@code T**} of sentinel-terminated rows as {@link #wrapTerminated(MemorySegment, long, String,
     * Terminator, long, boolean)} does, and keeps {@code keepAlive} strongly reachable for as long as this object or
     * anything taken from it is. Nothing is freed or run; <b>restricted</b> as the borrowing form.
     *
     * @param table      the table of row pointers
     * @param rows       the number of rows
     * @param format     the item format
     * @param terminator the item that ends each row
     * @param maxLength  the most items a row may have before its terminator
     * @param readOnly   whether writes through this object are refused
     * @param keepAlive  what must stay reachable while the memory is used
     * @return the rows; closing frees nothing
     * @throws BufferException          as the borrowing form
     * @throws IllegalArgumentException if {@code keepAlive} is a {@link MemoryNanny}
     * @throws IllegalStateException    if a row pointer is NULL
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static RaggedRows wrapTerminatedKeepingAlive(MemorySegment table, long rows, String format,
                                                        Terminator terminator, long maxLength, boolean readOnly,
                                                        Object keepAlive) {
        Restricted.check(RaggedRows.class, "RaggedRows.wrapTerminatedKeepingAlive");
        return terminated(table, rows, format, terminator, maxLength, readOnly, null,
                NannySecrets.refuseNannyKeptAlive(keepAlive));
    }

    /**
     * Adopts a foreign {@code T**} of sentinel-terminated rows with a memory nanny; otherwise as {@link
     * #wrapTerminated(MemorySegment, long, String, Terminator, long, boolean)}, and <b>restricted</b> as it is.
     *
     * @param table       the table of row pointers
     * @param rows        the number of rows
     * @param format      the item format
     * @param terminator  the item that ends each row
     * @param maxLength   the most items a row may have before its terminator
     * @param readOnly    whether writes through this object are refused
     * @param nanny       what frees the memory (adopted once, as by {@link #adopt(MemorySegment, long[], String,
     *                    boolean, MemoryNanny)})
     * @return the rows
     * @throws BufferException        as the borrowing form, or if the table is one this module made; the nanny is
     *                                then not adopted
     * @throws IllegalStateException  if a row pointer is NULL, or the nanny has already freed (or failed to) or
     *                                another owner adopted it
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static RaggedRows adoptTerminated(MemorySegment table, long rows, String format, Terminator terminator,
                                            long maxLength, boolean readOnly, MemoryNanny nanny) {
        Restricted.check(RaggedRows.class, "RaggedRows.adoptTerminated");
        return terminated(table, rows, format, terminator, maxLength, readOnly,
                Objects.requireNonNull(nanny, "nanny"), null);
    }

    private static RaggedRows terminated(MemorySegment table, long rows, String format, Terminator terminator,
                                         long maxLength, boolean readOnly, MemoryNanny nanny, Object keepAlive) {
        Objects.requireNonNull(table, "table");
        Format f = RowItemFormat.parse(format);
        Terminator.Resolved t = Objects.requireNonNull(terminator, "terminator").resolve(f);
        if (rows < 0 || rows > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("rows = " + rows + ": expected 0 <= rows <= "
                    + (Integer.MAX_VALUE - 8));
        }
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength = " + maxLength + ": expected >= 0");
        }
        checkTable(table, rows);
        long itemSize = f.itemSize();
        long scanItems;
        long scanBytes;
        try {
            scanItems = Math.addExact(maxLength, 1); // up to maxLength items, then the terminator
            scanBytes = Math.multiplyExact(scanItems, itemSize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("maxLength = " + maxLength + " items of format '" + f
                    + "' overflows a 64-bit byte count", e);
        }
        RaggedRows own = ownTable(table, rows, nanny);
        long[] lengths = new long[(int) rows];
        if (own != null) {
            // A table this module made: scan the rows it allocated, each bounded to its allocation.
            MemorySegment[] mine = new MemorySegment[(int) rows];
            for (int r = 0; r < rows; r++) {
                MemorySegment row = own.recorded[r];
                long items = row.byteSize() / itemSize;
                long n = findTerminator(row, t, Math.min(items, scanItems));
                if (n < 0) {
                    throw items < scanItems
                            ? new BufferException("row " + r + " of the T** at 0x" + Long.toHexString(table.address())
                            + ": no terminator (" + terminator + ") within its " + items + " items of '" + f + "' ("
                            + row.byteSize() + " bytes: the whole row " + own + " allocated, which is never read"
                            + " past its end)")
                            : noTerminator(r, table, terminator, maxLength, f);
                }
                lengths[r] = n;
                mine[r] = row.asSlice(0, (n + 1) * itemSize);
            }
            return foreign(table, lengths, f, t, readOnly, nanny, keepAlive, own, mine);
        }
        // A foreign table: its cells are read in the scope of the table's memory, and each row through a segment of
        // at most maxLength + 1 items in that scope, so the scan can never go past that bound (and a close of the
        // table's owner racing it is an IllegalStateException). That bound is the caller's promise.
        long tableBytes = rows * POINTER;
        MemorySegment cells = table.byteSize() >= tableBytes ? table : table.reinterpret(tableBytes);
        Arena rowScope = ScopeArena.of(cells.scope());
        for (int r = 0; r < rows; r++) {
            long address = cells.getAtIndex(ValueLayout.ADDRESS_UNALIGNED, r).address();
            if (address == 0) {
                throw new IllegalStateException("row " + r + " of the T** at 0x" + Long.toHexString(table.address())
                        + " (" + rows + " rows of '" + f + "') is NULL");
            }
            MemorySegment items = MemorySegment.ofAddress(address).reinterpret(scanBytes, rowScope, null);
            long n = findTerminator(items, t, scanItems);
            if (n < 0) {
                throw noTerminator(r, table, terminator, maxLength, f);
            }
            lengths[r] = n;
        }
        return foreign(table, lengths, f, t, readOnly, nanny, keepAlive, null, null);
    }

    private static BufferException noTerminator(int r, MemorySegment table, Terminator terminator, long maxLength,
                                                Format f) {
        return new BufferException("row " + r + " of the T** at 0x" + Long.toHexString(table.address())
                + ": no terminator (" + terminator + ") within the first " + maxLength + " items of '" + f + "'");
    }

    /** The index of the first terminator among the first {@code limit} items of {@code items}, or -1. */
    private static long findTerminator(MemorySegment items, Terminator.Resolved t, long limit) {
        for (long n = 0; n < limit; n++) {
            if (t.matches(items, n)) {
                return n;
            }
        }
        return -1;
    }

    /** Borrows (or adopts) a table of rows of known lengths. */
    private static RaggedRows borrow(MemorySegment table, long[] lengths, Format f, boolean readOnly,
                                     MemoryNanny nanny, Object keepAlive) {
        Objects.requireNonNull(table, "table");
        checkTable(table, lengths.length);
        RaggedRows own = ownTable(table, lengths.length, nanny);
        MemorySegment[] mine = null;
        if (own != null) {
            mine = new MemorySegment[lengths.length];
            for (int r = 0; r < lengths.length; r++) {
                MemorySegment row = own.recorded[r];
                long bytes;
                try {
                    bytes = Math.multiplyExact(lengths[r], f.itemSize());
                } catch (ArithmeticException e) {
                    bytes = Long.MAX_VALUE;
                }
                if (bytes > row.byteSize()) {
                    throw new BufferException("row " + r + ": " + lengths[r] + " items of '" + f + "' ("
                            + (bytes == Long.MAX_VALUE ? "overflowing" : bytes + " bytes") + ") were asked for, but"
                            + " the row " + own + " allocated holds " + row.byteSize() + " bytes");
                }
                mine[r] = row.asSlice(0, bytes);
            }
        }
        return foreign(table, lengths, f, null, readOnly, nanny, keepAlive, own, mine);
    }

    /**
     * The open {@code RaggedRows} that made {@code table}, or null for a foreign table.
     *
     * @throws BufferException if it holds fewer than {@code rows} rows, or a {@link MemoryNanny} would adopt it
     */
    private static RaggedRows ownTable(MemorySegment table, long rows, MemoryNanny nanny) {
        RaggedRows own = LentTables.lookup(table.address(), RaggedRows.class);
        if (own == null) {
            return null;
        }
        if (nanny != null) {
            throw new BufferException("table at 0x" + Long.toHexString(table.address()) + " is the lent table of "
                    + own + ": memory this library owns and frees when that object closes; borrow it (without a"
                    + " nanny) rather than adopt it");
        }
        if (rows > own.lengths.length) {
            throw new BufferException("table at 0x" + Long.toHexString(table.address()) + " is the lent table of "
                    + own + ", which holds " + own.lengths.length + " row pointers; " + rows + " rows were asked for");
        }
        return own;
    }

    private static RaggedRows foreign(MemorySegment table, long[] lengths, Format f, Terminator.Resolved t,
                                      boolean readOnly, MemoryNanny nanny, Object keepAlive, RaggedRows own,
                                      MemorySegment[] mine) {
        long rows = lengths.length;
        // A nanny's memory belongs to the nanny's scope: whoever closes first (this object, the nanny, a Cleaner)
        // ends every segment of it before the memory is freed; the nanny refuses a second owner.
        Arena arena = nanny != null ? NannySecrets.adopt(nanny, nanny) : Arena.ofShared();
        MemorySegment scoped = MemorySegment.ofAddress(table.address()).reinterpret(rows * POINTER, arena,
                keepAlive == null ? null : ignored -> Reference.reachabilityFence(keepAlive));
        return new RaggedRows(arena, Sharing.SHARED, scoped, lengths, f, t, readOnly,
                nanny == null ? "borrowed" : "adopted", mine, own == null ? null : own.memoryScope);
    }

    private static void checkTable(MemorySegment table, long rows) {
        if (!table.isNative()) {
            throw new IllegalArgumentException("table " + table + " is on the Java heap: a heap array holds no row"
                    + " pointers; a T** table must be native memory");
        }
        if (table.address() == 0 && rows > 0) {
            throw new IllegalArgumentException("table is NULL, but " + rows + " rows were given");
        }
        if (table.byteSize() != 0 && table.byteSize() < rows * POINTER) {
            throw new BufferException("table holds " + table.byteSize() / POINTER + " row pointers ("
                    + table.byteSize() + " bytes); expected " + rows + " rows (" + rows * POINTER + " bytes)");
        }
    }

    private static long[] checkLengths(long[] lengths) {
        long[] lens = Objects.requireNonNull(lengths, "lengths").clone();
        if (lens.length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(lens.length + " rows: too many; expected at most "
                    + (Integer.MAX_VALUE - 8));
        }
        for (int r = 0; r < lens.length; r++) {
            if (lens[r] < 0) {
                throw new IllegalArgumentException("lengths[" + r + "] = " + lens[r]
                        + ": expected a row length >= 0");
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
        ensureOpen();
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
        ensureOpen();
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
        ensureOpen();
        return lengths.clone();
    }

    /**
     * Returns the total number of items, terminators not counted.
     *
     * @return the total number of items, terminators not counted
     * @throws IllegalStateException if closed
     */
    public long totalLength() {
        ensureOpen();
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
        ensureOpen();
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
        ensureOpen();
        return readOnly;
    }

    /**
     * Returns the table of row pointers: the {@code T**} to pass to C (an {@code ADDRESS} argument of an FFM
     * downcall; {@code JnaIndirect.pointer(rows)} for JNA). Tied to this object's scope.
     *
     * <p>The segment is always read-only: Java code cannot rewrite the pointers (writing throws the JDK's {@code
     * IllegalArgumentException}); C receives the table and may. For rows this library made, Java never follows the
     * table's pointers (see the class documentation), so a table C rewrote changes what C sees, not where Java reads.
     *
     * @return a read-only segment of {@code rows * 8} bytes
     * @throws IllegalStateException if closed
     */
    public MemorySegment pointerTable() {
        ensureOpen();
        return table.asReadOnly();
    }

    /**
     * Returns one row's items, bounded to its length (the terminator excluded) and tied to this object's scope. Rows
     * this library made are taken from its own record; for a foreign table the row pointer is read from the table
     * each time, so C code that swapped rows is seen.
     *
     * @param row the row
     * @return a segment of {@code length(row) * itemSize} bytes; read-only if this object is
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed, or the row pointer is NULL
     */
    public MemorySegment row(long row) {
        ensureOpen();
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
        ensureOpen();
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
     * Returns one row as an exporter: each view it lends is 1-D (shape {@code {length(row)}}, this object's format)
     * and counted, so that {@link #close()} is refused ("buffer is locked") until every such view is closed. A
     * {@code BufferCollection2D} takes it as a row; any consumer of the buffer protocol can export it.
     *
     * @param row the row
     * @return the row's exporter; its views are read-only if this object is (a writable request is then refused)
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed
     */
    public RowExporter rowExporter(long row) {
        ensureOpen();
        checkRow(row);
        return new RowExporter((int) row);
    }

    /**
     * Returns the number of views lent by the {@linkplain #rowExporter(long) row exporters} and not yet closed.
     *
     * @return the number of open row exports
     */
    public int exportCount() {
        return lifetime.exports().count();
    }

    /**
     * One row of {@link RaggedRows} as a {@link BufferExporter}; obtained from {@link RaggedRows#rowExporter(long)}.
     * It owns nothing: the rows own the memory, and every view it lends is an export of the rows. Immutable; exports
     * may be made from any thread (a view made {@linkplain Sharing#CONFINED confined} is closed on its thread).
     */
    public final class RowExporter implements BufferExporter {
        private final int row;

        private RowExporter(int row) {
            this.row = row;
        }

        /**
         * Returns the row this exporter lends.
         *
         * @return the row's index
         */
        public long row() {
            return row;
        }

        /**
         * Returns the rows this row belongs to.
         *
         * @return the rows
         */
        public RaggedRows rows() {
            return RaggedRows.this;
        }

        /**
         * Lends the row as a 1-D view shaped by the request, counted as an export of the rows until closed.
         *
         * @param flags what the consumer can handle: a combination of the {@link BufferRequest} constants
         * @return a new view; the caller must close it
         * @throws BufferException          if the request cannot be given (a writable request on read-only rows)
         * @throws IllegalArgumentException if {@code flags} holds bits that are not buffer request flags
         * @throws IllegalStateException    if the rows are closed, or the row pointer is NULL
         * @throws WrongThreadException     if the rows are {@linkplain Sharing#CONFINED confined} to another thread;
         *                                  nothing is exported
         */
        @Override
        public BufferView getBuffer(int flags) {
            return getBuffer(flags, Sharing.SHARED);
        }

        /**
         * Lends the row as {@link #getBuffer(int)} does; a {@link Sharing#CONFINED} view may be closed only on the
         * calling thread ({@link WrongThreadException} elsewhere).
         *
         * @param flags   what the consumer can handle
         * @param sharing which threads may close the view
         * @return a new view; the caller must close it
         * @throws BufferException          if the request cannot be given
         * @throws IllegalArgumentException if {@code flags} holds bits that are not buffer request flags
         * @throws IllegalStateException    if the rows are closed, or the row pointer is NULL
         * @throws WrongThreadException     if the rows are {@linkplain Sharing#CONFINED confined} to another thread;
         *                                  nothing is exported
         */
        public BufferView getBuffer(int flags, Sharing sharing) {
            Objects.requireNonNull(sharing, "sharing");
            lifetime.checkOwner("getBuffer", RaggedRows.this::describe);
            ExportCounter exports = lifetime.exports();
            return sharing == Sharing.CONFINED ? exports.exportConfined(() -> rowView(row), flags, null)
                    : exports.export(() -> rowView(row), flags);
        }

        @Override
        public String toString() {
            return "row " + row + " of " + RaggedRows.this;
        }
    }

    // ------------------------------------------------------------------------------------------------ kernels

    /**
     * Sums every item of every row with the {@link Kernels}, row by row (see {@link Kernels#sum}).
     *
     * @return the sum; 0 when there are no items
     * @throws BufferException       if the format is not one the kernels handle (a struct: sum a {@linkplain
     *                               FieldAccess#view(long) field} instead)
     * @throws IllegalStateException if closed, or a row pointer is NULL
     */
    public double sum() {
        ensureOpen();
        return RowKernels.sum(lengths.length, this::rowView);
    }

    /**
     * Returns the smallest item of all rows (see {@link Kernels#min}); empty rows are skipped.
     *
     * @return the minimum
     * @throws BufferException       if there are no items, or the format is not one the kernels handle
     * @throws IllegalStateException if closed, or a row pointer is NULL
     */
    public double min() {
        ensureOpen();
        return RowKernels.extreme(lengths.length, this::rowView, false, this::describe);
    }

    /**
     * Returns the largest item of all rows (see {@link Kernels#max}); empty rows are skipped.
     *
     * @return the maximum
     * @throws BufferException       if there are no items, or the format is not one the kernels handle
     * @throws IllegalStateException if closed, or a row pointer is NULL
     */
    public double max() {
        ensureOpen();
        return RowKernels.extreme(lengths.length, this::rowView, true, this::describe);
    }

    /**
     * Sets every item of every row of a floating-point format (see {@link Kernels#fill(BufferView, double)}).
     *
     * @param value the value
     * @throws ReadOnlyBufferException if the rows are read-only
     * @throws BufferException         if the format is not {@code d} or {@code f}
     * @throws IllegalStateException   if closed, or a row pointer is NULL
     */
    public void fill(double value) {
        ensureOpen();
        if (readOnly) {
            throw ReadOnlyWrite.of("fill(" + value + ")", "every item", this);
        }
        RowKernels.fillOrScale(lengths.length, this::rowView, value, false);
    }

    /**
     * Multiplies every item of every row of a floating-point format in place (see {@link Kernels#scale(BufferView,
     * double)}).
     *
     * @param factor the factor
     * @throws ReadOnlyBufferException if the rows are read-only
     * @throws BufferException         if the format is not {@code d} or {@code f}
     * @throws IllegalStateException   if closed, or a row pointer is NULL
     */
    public void scale(double factor) {
        ensureOpen();
        if (readOnly) {
            throw ReadOnlyWrite.of("scale(" + factor + ")", "every item", this);
        }
        RowKernels.fillOrScale(lengths.length, this::rowView, factor, true);
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
         * Returns a 1-D view of this field in every item of one row (shape {@code {length(row)}}, stride the item
         * size, the field's own format): for the {@link Kernels} ({@code Kernels.sum(rows.field("value").view(r))}
         * sums an {@code svm_node} row's values). Not counted as an export; tied to the rows' scope.
         *
         * @param row the row
         * @return the view; read-only if the rows are
         * @throws IndexOutOfBoundsException if {@code row} is out of range
         * @throws IllegalStateException     if closed, or the row pointer is NULL
         */
        public BufferView view(long row) {
            MemorySegment items = row(row);
            long n = lengths[(int) row];
            String order = format.isNativeSize() ? "@"
                    : field.byteOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? "<" : ">";
            return BufferView.wrap(items, n == 0 ? 0 : field.offset(), Format.parse(order + field.type().code()),
                    new long[] {n}, new long[] {itemSize}, null, readOnly);
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
            ensureOpen();
            checkCell(row, col);
            return fullRow((int) row);
        }

        private long pos(long col) {
            return col * itemSize + field.offset();
        }

        private ReadOnlyWrite readOnlyWrite(String write, long row, long col) {
            return ReadOnlyWrite.of(write + " of field " + FieldValues.describe(field), "row " + row + ", item " + col,
                    RaggedRows.this);
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
         * @throws BufferException           if the field is not an integer
         * @throws IllegalArgumentException  if the value does not fit the field (naming the value and the range)
         * @throws ReadOnlyBufferException   if the rows are read-only
         * @throws IndexOutOfBoundsException if an index is out of range
         * @throws IllegalStateException     if closed, or the row pointer is NULL
         */
        public void setLong(long row, long col, long value) {
            if (!isInteger()) {
                throw wrongType("setLong", "integer fields");
            }
            if (readOnly) {
                throw readOnlyWrite("setLong(" + value + ")", row, col);
            }
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
            if (readOnly) {
                throw readOnlyWrite("setDouble(" + value + ")", row, col);
            }
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

    /**
     * Row {@code r} with its terminator, tied to the scope: from the record for rows the library made; for a foreign
     * table the pointer is re-read, the segment cached.
     */
    private MemorySegment fullRow(int r) {
        if (recorded != null) {
            return recorded[r];
        }
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

    // ------------------------------------------------------------------------------------------------ holds

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
        return new Hold(this, lifetime.hold(Objects.requireNonNull(holder, "holder"), this::describe));
    }

    /**
     * Returns the number of open holds and calls in progress.
     *
     * @return the number of open holds and calls in progress
     */
    public int holdCount() {
        return lifetime.holdCount();
    }

    /**
     * A dependent's hold on {@link RaggedRows}: keeps them reachable and open until closed. Thread-safe.
     */
    public static final class Hold implements AutoCloseable {
        private final RaggedRows rows;
        private final Lifetime.Hold pin;

        private Hold(RaggedRows rows, Lifetime.Hold pin) {
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
     * @throws BufferException       if a {@link Hold} is open, a native call uses the rows, or a view of a {@linkplain
     *                               #rowExporter(long) row exporter} is open ("buffer is locked"); nothing changes
     * @throws IllegalStateException if an FFM downcall is using the memory right now (closing later works)
     * @throws WrongThreadException  if the rows are {@link Sharing#CONFINED confined} to another thread
     */
    @Override
    public void close() {
        if (!lifetime.isClosed()) {
            lifetime.checkOwner("close", this::describe);
        }
        lifetime.close("close " + describe(), null);
    }

    private void ensureOpen() {
        if (lifetime.isClosed()) {
            throw new IllegalStateException(describe() + " is closed");
        }
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
