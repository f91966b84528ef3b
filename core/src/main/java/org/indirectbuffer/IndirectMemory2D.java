package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.Objects;

import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.ItemLayouts;
import org.indirectbuffer.internal.MallocBlocks;
import org.indirectbuffer.internal.NativeHeap;
import org.indirectbuffer.internal.ReadOnlyWrite;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.RowItemFormat;
import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.LeakTracker;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.NativeBytes;
import org.indirectbuffer.internal.SharedCleaner;
import org.indirectbuffer.kernels.spi.KernelProviders;

/**
 * A table of {@code rows} row pointers, each row {@code cols} items of one format: exactly what a C function declared
 * {@code f(double **m, int rows, int cols)} expects, and what such functions return.
 *
 * <h2>Ownership is in the factory's name</h2>
 * <ul>
 *   <li>{@code createMemory…}, {@code createFrom…} <b>own</b>: memory (table and rows, zeroed or a copy) freed by
 *       {@link #close()}, or by a {@link Cleaner} if every handle and view becomes unreachable unclosed (for
 *       {@linkplain Sharing#CONFINED confined} memory: and every segment of it). Rows lie in
 *       {@linkplain RowPlacement#ONE_BLOCK one block} or are {@linkplain RowPlacement#ROW_BY_ROW allocated one by one
 *       with the process's calloc}; both are valid {@code T**} for C. The library allocates and frees C memory
 *       with the process's {@code malloc}, {@code calloc} and {@code free}: the ones its C code calls, also under an
 *       interposed allocator ({@code LD_PRELOAD=libjemalloc.so.2}).</li>
 *   <li>{@link #wrap(MemorySegment, long, long, String, boolean)} <b>borrows</b> a foreign table: it never
 *       frees it, and the caller keeps it alive until this object is closed; {@link #wrapKeepingAlive}
 *       borrows and keeps a given object reachable for as long as the memory is.</li>
 *   <li>{@link #adopt(MemorySegment, long, long, String, boolean, MemoryNanny)} <b>adopts</b> a {@link
 *       MemoryNanny}: the memory's segments belong to it, and it frees when this object is closed (or, unclosed,
 *       when nothing of it is reachable). A nanny is adopted once.</li>
 *   <li>{@link #tableOverRows} and {@link #tableOverColumns} <b>own a new table</b> over another buffer's rows or
 *       columns, without copying them; the source stays exported (locked) until the result is closed.</li>
 * </ul>
 *
 * <h2>Access and lifetime</h2>
 * Owned memory is {@link Access#RESIZEABLE} (or {@link Access#READ_ONLY}); foreign memory is {@link
 * Access#MODIFIABLE} (or read-only). {@link #narrowed(Access)} hands out a handle with narrower access. Every
 * segment this object hands out ({@link #pointerTable()}, {@link #row(long)}, items of its {@link BufferView}s) belongs to a
 * memory scope the object closes: after {@link #close()} or {@link #resize}, using one throws {@link
 * IllegalStateException}, and so does every method of a handle taken before; nothing ever reads freed memory. While a
 * {@link BufferView} of the memory is open, {@code close}, {@code resize} and a non-equivalent {@code
 * reinterpretData} throw {@link BufferException} ("buffer is locked"), leaving everything unchanged.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may read at once. Writes are not synchronized: writers order them. {@code close}, {@code
 * resize} and {@code reinterpretData} may be called from any thread; a thread reading concurrently gets an {@link
 * IllegalStateException} (never a crash, never freed memory). That is {@link Sharing#SHARED}, the default; owned
 * memory created {@link Sharing#CONFINED} belongs to the creating thread instead: only it may reach the items, and
 * close, resize or reformat the memory; other threads get {@link WrongThreadException}, and nothing changes. Closing
 * shared memory costs a handshake with every Java thread; closing confined memory does not (see {@link Sharing}).
 * A NULL row pointer in a foreign table is an {@link IllegalStateException} naming the row, when the row is first
 * reached or by {@link #validate()}.
 *
 * <h2>What is unchecked</h2>
 * A foreign table is trusted to hold {@code rows} pointers, each to {@code cols} items: the one unchecked step,
 * named by the {@code wrap} and {@code adopt} factories.
 */
public final class IndirectMemory2D implements BufferExporter, AutoCloseable {
    /** Where the rows of owned memory lie. */
    public enum RowPlacement {
        /** All rows in one block the table points into: fastest, best locality. */
        ONE_BLOCK,
        /** Each row, and the table, allocated with C's {@code calloc}: what C code that frees rows one by one expects. */
        ROW_BY_ROW
    }

    private static final Cleaner CLEANER = SharedCleaner.CLEANER;
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();
    /** Where a one-block layout's rows start: a cache line, which also suits every item's alignment. */
    private static final long ROW_BLOCK_ALIGNMENT = 64;
    /** The most rows {@link RowPlacement#ROW_BY_ROW} can allocate one by one (their addresses fill a Java array). */
    private static final long MAX_SEPARATE_ROWS = Integer.MAX_VALUE - 8;

    private final Shared shared;
    private final Access access;
    /** The generation a view handle was taken from; null for the primary handle, which follows resizes. */
    private final Generation pinned;
    private volatile boolean handleClosed;

    private IndirectMemory2D(Shared shared, Access access, Generation pinned) {
        this.shared = shared;
        this.access = access;
        this.pinned = pinned;
    }

    // ------------------------------------------------------------------------------------------------ state

    /**
     * What every handle on the same memory shares. Views keep it reachable through the export counter. Its lifetime
     * closes the current scope (whose cleanups free owned memory) on close, or through the Cleaner for shared
     * memory; confined memory is freed by the Cleaner once its scope itself is unreachable (see {@code allocate}).
     *
     * <p>A <b>light</b> borrow — borrowed memory confined to a thread, below leak level paranoid — starts with no
     * lifetime: it holds nothing, so it needs no export counter, holds, Cleaner or leak record until it lends a view
     * (or is reformatted); {@link #lifetime()} then starts one, on the owner thread. Until then closing it is closing
     * its arena and setting {@link #lightClosed}. Both fields are written only by the owner thread (every operation
     * that writes them is refused on other threads first), as the JDK's confined memory session keeps its state:
     * another thread reaching the items gets the arena's {@link WrongThreadException} whatever it reads here.
     */
    private static final class Shared {
        /**
         * Sets {@link #current} in the constructors without the fence a volatile store costs: the handle's final
         * {@code shared} field publishes the object, and what it reaches, to every thread that sees the handle.
         */
        private static final VarHandle CURRENT;

        static {
            try {
                CURRENT = MethodHandles.lookup().findVarHandle(Shared.class, "current", Generation.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Null for a light borrow until {@link #lifetime()} starts it (written once, rarely: volatile is free). */
        private volatile Lifetime lifetime;
        /** A light borrow was closed (before any lifetime was started). */
        private boolean lightClosed;
        final String origin;
        final RowPlacement placement;
        final Sharing sharing;
        /** The thread confined memory belongs to, null when shared. */
        final Thread owner;
        private final boolean holds;
        /**
         * The layout the memory was made with: what a light borrow reads (a plain final field, which escape analysis
         * sees through, where the volatile {@link #current} and a {@code VarHandle} read cost C2 hundreds of IR
         * nodes in the caller's inlining budget).
         */
        private final Generation first;
        /** The current layout; null for a light borrow until its lifetime starts (then see {@link #latest()}). */
        volatile Generation current;
        /** What C was given by a partial {@code handOffToC}, which ended Java's access but not the memory; or null. */
        volatile HandOff handedOff;

        /**
         * @param holds whether closing frees or releases something (owned or adopted memory, a view of another
         *              exporter), for leak tracking
         */
        Shared(String origin, RowPlacement placement, Generation first, Sharing sharing, boolean holds) {
            this(origin, placement, first, sharing, holds, false);
        }

        /** @param light whether the lifetime may wait until it is needed (a confined borrow holding nothing) */
        private Shared(String origin, RowPlacement placement, Generation first, Sharing sharing, boolean holds,
                       boolean light) {
            this.origin = origin;
            this.placement = placement;
            this.sharing = sharing;
            this.owner = sharing == Sharing.CONFINED ? Thread.currentThread() : null;
            this.holds = holds;
            this.first = first;
            CURRENT.set(this, first);
            if (!light) {
                this.lifetime = startLifetime(first);
            }
        }

        /** A light borrow, confined to this thread (see the class comment): no lifetime yet. */
        Shared(Generation first) {
            this.origin = "borrowed";
            this.placement = null;
            this.sharing = Sharing.CONFINED;
            this.owner = Thread.currentThread();
            this.holds = false;
            this.first = first;
        }

        /** A borrow confined to this thread that holds nothing: light unless leak detection is paranoid. */
        static Shared borrowedConfined(String origin, Generation first) {
            return new Shared(origin, null, first, Sharing.CONFINED, false, !LeakTracker.paranoid());
        }

        private Lifetime startLifetime(Generation first) {
            // The description is kept by the leak record: it must capture values, never this object.
            String o = origin;
            RowPlacement p = placement;
            Sharing s = sharing;
            return Lifetime.start(this, first.scope, s, holds, "IndirectMemory2D",
                    () -> describe(first, o, p) + ", " + s);
        }

        /**
         * The lifetime, started now for a light borrow: callers have refused other threads than the owner (see
         * {@code IndirectMemory2D.checkOwner}), so it starts on the owner thread and binds to it.
         */
        Lifetime lifetime() {
            Lifetime l = lifetime;
            if (l == null) {
                // still the first layout (what replaces it starts the lifetime first); published by the volatile write
                CURRENT.set(this, first);
                l = startLifetime(first);
                if (lightClosed) {
                    l.close("close", null);
                }
                lifetime = l;
            }
            return l;
        }

        /**
         * The current layout, as {@link #current}. A light borrow's layout is the one it was made with until its
         * lifetime starts (every operation that replaces it starts the lifetime first), so it is read from {@link
         * #first}: C2 does not remove a borrow's objects by escape analysis through the volatile load.
         */
        Generation current() {
            return lifetime == null ? first : current;
        }

        /** {@return the current layout, from any thread, for messages and descriptions} */
        Generation latest() {
            Generation c = current;
            return c != null ? c : first;
        }

        /** {@return whether no lifetime has started (a light borrow)} */
        boolean isLight() {
            return lifetime == null;
        }

        /** {@return the export counter; see {@link #lifetime()} for who may call it} */
        ExportCounter exports() {
            return lifetime().exports();
        }

        /** {@return the views lent now}: none for a light borrow, from any thread */
        int exportCount() {
            Lifetime l = lifetime;
            return l == null ? 0 : l.exports().count();
        }

        boolean closed() {
            Lifetime l = lifetime;
            return l == null ? lightClosed : l.isClosed();
        }

        /** Closes a light borrow, on its owner thread: its arena, then the flag. False if it is not light. */
        boolean closeLight() {
            if (lifetime != null) {
                return false;
            }
            if (!lightClosed) {
                first.scope.close();
                lightClosed = true;
            }
            return true;
        }

        /** Names the memory, for the reports of views it lent. */
        @Override
        public String toString() {
            return "IndirectMemory2D[" + describe(latest(), origin, placement) + (closed() ? ", closed" : "") + "]";
        }
    }

    /** One layout of the memory: replaced (and its scope closed) on resize; replaced on reinterpretData. */
    private static final class Generation {
        final Arena scope;
        /** The table as lent (to C, and read-only to Java code), in {@link #scope}. */
        private final MemorySegment table;
        final long rows;
        final long cols;
        final Format format;
        final long rowBytes;
        final ItemLayouts items;
        /**
         * The library's own record of the rows, for memory it made (owned memory, views of another buffer's rows):
         * Java reads go through it, never through the lent table, which C may rewrite. Null for a foreign table,
         * whose pointers are the caller's promise.
         */
        final RowRecord record;
        /**
         * The row segment of a foreign table handed out last: enough for a borrow that is asked for one row, and for
         * the same row again and again, with no array made. It is valid for any row whose pointer is its address
         * (every row segment of a generation has the same size, scope and access), so threads racing on it need no
         * more than the address check.
         */
        private MemorySegment lastRow;
        /** The row {@link #lastRow} was made for, to put it in {@link #rowCache} when that is made. */
        private long lastRowIndex;
        /**
         * Row segments of a foreign table handed out, made when a second row is asked for (not at creation: most
         * layouts are passed to C and never asked for a row). Threads racing to make it may each make one; it is
         * only a cache of immutable segments.
         */
        private MemorySegment[] rowCache;
        /**
         * Whether row segments are kept ({@link #lastRow}, {@link #rowCache}): not by a light borrow, which lives for
         * one call and reads each row about once, and makes each segment when asked. A kept segment keeps the JIT from
         * removing a borrow's objects: escape analysis removes no array of a length known only at run time, nor an
         * object whose field a loop assigns a new segment; and the code making the array grew {@code row} past the
         * size C2 inlines once it has compiled it on its own (3.9 KB against 2.5).
         */
        private final boolean cachesRows;
        /** The block all rows lie in (ONE_BLOCK placement), or null. */
        final MemorySegment block;
        /** What frees owned memory when the scope closes (disarmed when handed to C), or null. */
        MallocBlocks freeing;
        /**
         * Whether foreign rows are cached read-only: only when every handle is read-only (read-only memory, whose
         * views cannot widen access), so that {@code row} hands out the cached segment itself.
         */
        boolean readOnlyRows;

        Generation(Arena scope, MemorySegment table, long rows, long cols, Format format, MemorySegment block,
                   RowRecord record) {
            this(scope, table, rows, cols, format, block, record, ItemLayouts.of(format, "format"));
        }

        /** @param items the typed-access layouts of {@code format}, made once by a caller that reuses them */
        Generation(Arena scope, MemorySegment table, long rows, long cols, Format format, MemorySegment block,
                   RowRecord record, ItemLayouts items) {
            this.scope = scope;
            this.block = block;
            this.table = table;
            this.rows = rows;
            this.cols = cols;
            this.format = format;
            this.rowBytes = Math.multiplyExact(cols, format.itemSize());
            this.items = items;
            this.record = record;
            this.cachesRows = true;
        }

        /**
         * A light borrow's layout: a foreign table of {@code rows} pointers, {@code table} in {@code scope}. Its
         * signature names only classes every borrow has loaded: C2 does not inline a constructor whose signature names
         * an unloaded class ({@link RowRecord} is loaded only once the library makes memory), and a borrow whose
         * layout is not inlined cannot be removed by escape analysis.
         */
        Generation(Arena scope, MemorySegment table, long rows, long cols, Format format, ItemLayouts items) {
            this.scope = scope;
            this.block = null;
            this.table = table;
            this.rows = rows;
            this.cols = cols;
            this.format = format;
            this.rowBytes = cols * format.itemSize(); // checkDimensions refused a row that overflows
            this.items = items;
            this.record = null;
            this.cachesRows = false;
        }

        /**
         * Copies the table's row pointers into the record, for a caller that wrote the table itself before lending
         * it to anyone.
         */
        void recordTable() {
            MemorySegment addresses = record.addresses();
            if (POINTER == 8) {
                MemorySegment.copy(table, 0, addresses, 0, rows * POINTER);
            } else {
                for (long r = 0; r < rows; r++) {
                    addresses.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, r, rowAddress(r));
                }
            }
        }

        /** {@return the table's segment} */
        MemorySegment table() {
            return table;
        }

        Generation withFormat(Format newFormat, long newCols) {
            Generation g = new Generation(scope, table(), rows, newCols, newFormat, block, record);
            g.freeing = freeing;
            g.readOnlyRows = readOnlyRows;
            return g;
        }

        /**
         * The pointer of row {@code row} (in range, the handle checked open), read through the scoped table: a
         * confined borrow's refuses other threads. Read as the integer it is: an {@code ADDRESS} read makes a
         * segment of the pointer first, and a borrow read in a caller's loop spends that caller's inlining budget
         * ({@code NodeCountInliningCutoff}) on it (the row access, inlined: 2,968 IR nodes, 2,612 this way).
         */
        long rowAddress(long row) {
            return POINTER == 8 ? table.get(ValueLayout.JAVA_LONG_UNALIGNED, row * 8)
                    : Integer.toUnsignedLong(table.get(ValueLayout.JAVA_INT_UNALIGNED, row * 4));
        }

        /**
         * Row {@code row} (in range), tied to the memory's scope: from the record for memory the library made; for a
         * foreign table the pointer is re-read each time, the segment kept unless the borrow is light.
         */
        MemorySegment row(long row, IndirectMemory2D who) {
            if (record != null) {
                return record.row(row);
            }
            long address = rowAddress(row);
            if (address == 0) {
                throw who.nullRow(row);
            }
            if (!cachesRows) {
                return rowSegment(address);
            }
            MemorySegment last = lastRow;
            if (last != null && last.address() == address) {
                return last;
            }
            MemorySegment[] cache = last == null ? null : rowCache(last);
            MemorySegment segment = cache != null ? cache[(int) row] : null;
            if (segment == null || segment.address() != address) {
                segment = rowSegment(address);
                if (cache != null) {
                    cache[(int) row] = segment;
                }
            }
            lastRowIndex = row;
            lastRow = segment;
            return segment;
        }

        /** {@return a new segment of the row at {@code address}, in the scope, read-only if the rows are} */
        private MemorySegment rowSegment(long address) {
            MemorySegment bare = MemorySegment.ofAddress(address);
            // reinterpret keeps the read-only mode: one segment made, not a writable one and its read-only copy
            return (readOnlyRows ? bare.asReadOnly() : bare).reinterpret(rowBytes, scope, null);
        }

        /**
         * {@return the cache of row segments, made now if need be (holding {@code last}, the one-slot cache's
         * segment); null if the rows are too many for an array}
         */
        private MemorySegment[] rowCache(MemorySegment last) {
            MemorySegment[] cache = rowCache;
            if (cache == null && rows <= Integer.MAX_VALUE - 8) {
                cache = new MemorySegment[(int) rows];
                // A racing thread may pair another row's index with it: the address check on every read covers that.
                long index = lastRowIndex;
                if (index >= 0 && index < rows) {
                    cache[(int) index] = last;
                }
                rowCache = cache;
            }
            return cache;
        }
    }

    // ------------------------------------------------------------------------------------------------ owning

    /**
     * Creates zeroed, owned memory with rows in {@linkplain RowPlacement#ONE_BLOCK one block}.
     *
     * @param rows     the number of rows, {@code >= 0}
     * @param cols     the number of items per row, {@code >= 0}
     * @param format   the item format (struct-module / PEP 3118 syntax); its item size must be positive
     * @param readOnly whether the memory is {@link Access#READ_ONLY} (C may still write it through the table)
     *                 rather than {@link Access#RESIZEABLE}
     * @return the owning handle; {@link #close()} frees the memory
     * @throws IllegalArgumentException if a size is negative or overflows, or the format's item size is 0
     * @throws org.indirectbuffer.format.FormatException if the format is malformed (an IllegalArgumentException)
     * @throws OutOfMemoryError if the memory cannot be allocated
     */
    public static IndirectMemory2D createMemory(long rows, long cols, String format, boolean readOnly) {
        return createMemory(rows, cols, format, readOnly, RowPlacement.ONE_BLOCK);
    }

    /**
     * Creates zeroed, owned memory with the given row placement.
     *
     * @param rows      the number of rows, {@code >= 0}
     * @param cols      the number of items per row, {@code >= 0}
     * @param format    the item format; its item size must be positive
     * @param readOnly  whether the memory is {@link Access#READ_ONLY} rather than {@link Access#RESIZEABLE}
     * @param placement where the rows lie
     * @return the owning handle; {@link #close()} frees the memory
     * @throws IllegalArgumentException if a size is negative or overflows, the format's item size is 0, or the
     *                                  format does not parse ({@link org.indirectbuffer.format.FormatException})
     * @throws OutOfMemoryError if the memory cannot be allocated
     */
    public static IndirectMemory2D createMemory(long rows, long cols, String format, boolean readOnly,
                                                RowPlacement placement) {
        return createMemory(rows, cols, format, readOnly, placement, Sharing.SHARED);
    }

    /**
     * Creates zeroed, owned memory with the given row placement, shared between threads or confined to this one.
     *
     * @param rows      the number of rows, {@code >= 0}
     * @param cols      the number of items per row, {@code >= 0}
     * @param format    the item format; its item size must be positive
     * @param readOnly  whether the memory is {@link Access#READ_ONLY} rather than {@link Access#RESIZEABLE}
     * @param placement where the rows lie
     * @param sharing   {@link Sharing#CONFINED}: only this thread may reach the items, close, resize or reformat
     *                  (others get {@link WrongThreadException}), and closing skips a handshake with every thread
     * @return the owning handle; {@link #close()} frees the memory
     * @throws IllegalArgumentException if a size is negative or overflows, the format's item size is 0, or the
     *                                  format does not parse ({@link org.indirectbuffer.format.FormatException})
     * @throws OutOfMemoryError if the memory cannot be allocated
     */
    public static IndirectMemory2D createMemory(long rows, long cols, String format, boolean readOnly,
                                                RowPlacement placement, Sharing sharing) {
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(sharing, "sharing");
        Format f = RowItemFormat.parse(format);
        checkDimensions(rows, cols, f);
        checkRowByRow(rows, placement);
        Generation g = allocate(rows, cols, f, placement, false, sharing);
        return new IndirectMemory2D(new Shared("owned", placement, g, sharing, true), readOnly ? Access.READ_ONLY
                : Access.RESIZEABLE, null);
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code d}, one block).
     *
     * @param data rows of equal length
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length ("row 2: expected 3 columns, found 4")
     * @throws NullPointerException if {@code data} or a row is null ("row 2 is null")
     */
    public static IndirectMemory2D createFrom(double[][] data) {
        return createFrom(data, Sharing.SHARED);
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code d}, one block), shared between threads or
     * confined to this one (see {@link Sharing}).
     *
     * @param data    rows of equal length
     * @param sharing which threads may use the memory
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code data}, {@code sharing} or a row is null
     */
    public static IndirectMemory2D createFrom(double[][] data, Sharing sharing) {
        if (POINTER == 8) {
            // The kernels' one-pass copy: straight-line vector moves for short rows (about 3 ns per row less).
            return createFrom(data, "d", sharing, g ->
                    KernelProviders.selected().copyDoubleArrayRows(data, (int) g.cols, g.block, g.table()));
        }
        return createFrom(data, "d", sharing, rowByRow((r, block, offset, cols) -> {
            double[] row = data[r];
            if (row == null || row.length != cols) {
                return false;
            }
            MemorySegment.copy(row, 0, block, ValueLayout.JAVA_DOUBLE_UNALIGNED, offset, cols);
            return true;
        }));
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code f}, one block).
     *
     * @param data rows of equal length
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code data} or a row is null
     */
    public static IndirectMemory2D createFrom(float[][] data) {
        return createFrom(data, Sharing.SHARED);
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code f}, one block), shared between threads or
     * confined to this one (see {@link Sharing}).
     *
     * @param data    rows of equal length
     * @param sharing which threads may use the memory
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code data}, {@code sharing} or a row is null
     */
    public static IndirectMemory2D createFrom(float[][] data, Sharing sharing) {
        return createFrom(data, "f", sharing, rowByRow((r, block, offset, cols) -> {
            float[] row = data[r];
            if (row == null || row.length != cols) {
                return false;
            }
            MemorySegment.copy(row, 0, block, ValueLayout.JAVA_FLOAT_UNALIGNED, offset, cols);
            return true;
        }));
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code q}, one block).
     *
     * @param data rows of equal length
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code data} or a row is null
     */
    public static IndirectMemory2D createFrom(long[][] data) {
        return createFrom(data, Sharing.SHARED);
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code q}, one block), shared between threads or
     * confined to this one (see {@link Sharing}).
     *
     * @param data    rows of equal length
     * @param sharing which threads may use the memory
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code data}, {@code sharing} or a row is null
     */
    public static IndirectMemory2D createFrom(long[][] data, Sharing sharing) {
        return createFrom(data, "q", sharing, rowByRow((r, block, offset, cols) -> {
            long[] row = data[r];
            if (row == null || row.length != cols) {
                return false;
            }
            MemorySegment.copy(row, 0, block, ValueLayout.JAVA_LONG_UNALIGNED, offset, cols);
            return true;
        }));
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code i}, one block).
     *
     * @param data rows of equal length
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code data} or a row is null
     */
    public static IndirectMemory2D createFrom(int[][] data) {
        return createFrom(data, Sharing.SHARED);
    }

    /**
     * Creates owned memory holding a copy of {@code data} (format {@code i}, one block), shared between threads or
     * confined to this one (see {@link Sharing}).
     *
     * @param data    rows of equal length
     * @param sharing which threads may use the memory
     * @return the owning handle, {@link Access#RESIZEABLE}
     * @throws BufferException      if the rows differ in length
     * @throws NullPointerException if {@code data}, {@code sharing} or a row is null
     */
    public static IndirectMemory2D createFrom(int[][] data, Sharing sharing) {
        return createFrom(data, "i", sharing, rowByRow((r, block, offset, cols) -> {
            int[] row = data[r];
            if (row == null || row.length != cols) {
                return false;
            }
            MemorySegment.copy(row, 0, block, ValueLayout.JAVA_INT_UNALIGNED, offset, cols);
            return true;
        }));
    }

    /**
     * Copies every row of a Java 2-D array into one block, row {@code r} at {@code r * cols} items, and writes each
     * row's address into the table, in one pass: a separate pass to check the lengths first would read every row's
     * header once more (at 100000 short rows, a few megabytes of cache lines).
     */
    @FunctionalInterface
    private interface RowsCopy {
        /**
         * @param g the new layout: {@code g.block} to copy into, {@code g.table} to write
         * @return the number of rows when all were copied, else the index of the first row that is null or not
         *         {@code g.cols} long
         */
        int copy(Generation g);
    }

    /**
     * Copies row {@code row} of a Java 2-D array, {@code cols} items, into {@code block} at {@code offset}, unless
     * that row is null or of another length. Each element type passes its own, in which the array type and layout
     * are constants: a generic copy of an {@code Object} row with a layout parameter costs several nanoseconds more
     * per row.
     */
    @FunctionalInterface
    private interface RowCopy {
        /** @return false, having copied nothing, if the row is null or does not have {@code cols} items */
        boolean copy(int row, MemorySegment block, long offset, int cols);
    }

    /** A {@link RowsCopy} that copies with {@code copy} row by row and writes the table itself. */
    private static RowsCopy rowByRow(RowCopy copy) {
        return g -> {
            MemorySegment block = g.block;
            MemorySegment table = g.table();
            long base = block.address();
            long rowBytes = g.rowBytes;
            int rows = (int) g.rows;
            int cols = (int) g.cols;
            for (int r = 0; r < rows; r++) {
                long offset = r * rowBytes;
                if (!copy.copy(r, block, offset, cols)) {
                    return r;
                }
                setPointer(table, r, base + offset);
            }
            return rows;
        };
    }

    /**
     * Copies rows of Java arrays into a new one-block layout, which is not zeroed first since every byte is written.
     */
    private static IndirectMemory2D createFrom(Object[] data, String format, Sharing sharing, RowsCopy copy) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(sharing, "sharing");
        int rows = data.length;
        int cols = rows == 0 ? 0 : java.lang.reflect.Array.getLength(Objects.requireNonNull(data[0], "row 0 is null"));
        Format f = Format.parse(format);
        checkDimensions(rows, cols, f);
        Generation g = allocate(rows, cols, f, RowPlacement.ONE_BLOCK, true, sharing);
        int copied;
        try {
            copied = copy.copy(g);
        } catch (RuntimeException | Error e) {
            g.scope.close(); // frees the memory
            throw e;
        }
        if (copied != rows) {
            g.scope.close();
            throw badRow(data, copied, cols);
        }
        g.recordTable(); // the table is not lent yet: its pointers are the ones just written
        return new IndirectMemory2D(new Shared("owned", RowPlacement.ONE_BLOCK, g, sharing, true), Access.RESIZEABLE,
                null);
    }

    /** Why row {@code r} of a Java 2-D array could not be copied: it is null, or not {@code cols} items long. */
    private static RuntimeException badRow(Object[] data, int r, int cols) {
        Object row = data[r];
        if (row == null) {
            return new NullPointerException("row " + r + " is null");
        }
        return new BufferException("row " + r + ": expected " + cols + " columns, found "
                + java.lang.reflect.Array.getLength(row));
    }

    /**
     * Allocates a layout whose memory is freed when its scope closes. {@code callerFills} leaves a one-block
     * layout's rows and table uninitialized, for a caller about to write every byte and every row pointer (and then
     * {@link Generation#recordTable()}); otherwise
     * the rows are zeroed and the table points at them. The memory comes from C's allocator: a {@linkplain
     * Sharing#CONFINED confined} scope cannot be closed by the Cleaner's thread, so its memory is also freed by the
     * Cleaner once the scope itself (every segment of it) is unreachable, whichever comes first.
     */
    private static Generation allocate(long rows, long cols, Format format, RowPlacement placement,
                                       boolean callerFills, Sharing sharing) {
        long rowBytes = Math.multiplyExact(cols, format.itemSize());
        long tableBytes = Math.multiplyExact(rows, POINTER);
        // The record of the rows (64-bit addresses) lies right after the table, in the same allocation, and is never
        // lent: the lent table may be rewritten by C, the record only by this class.
        long recordBytes = Math.multiplyExact(rows, 8L);
        boolean oneBlock = placement == RowPlacement.ONE_BLOCK;
        long blockBytes = oneBlock ? Math.multiplyExact(rows, rowBytes) : 0;
        long[] allocated = new long[oneBlock ? 2 : Math.toIntExact(rows) + 1];
        int count = 0;
        long[] sizes = new long[allocated.length]; // what each was allocated with, counted off when freed
        try {
            // every entry written below, or by the caller
            long head = Math.addExact(tableBytes, recordBytes);
            allocated[count++] = NativeHeap.malloc(head);
            sizes[0] = head;
            if (oneBlock) {
                // cache-line aligned rows block: 63 spare bytes to round the address up
                long padded = Math.addExact(blockBytes, ROW_BLOCK_ALIGNMENT - 1);
                sizes[count] = padded;
                allocated[count++] = callerFills ? NativeHeap.malloc(padded) : NativeHeap.calloc(padded);
            } else {
                for (long r = 0; r < rows; r++) {
                    sizes[count] = rowBytes;
                    allocated[count++] = NativeHeap.calloc(rowBytes);
                }
            }
        } catch (RuntimeException | Error e) {
            new MallocBlocks(Arrays.copyOf(allocated, count), Arrays.copyOf(sizes, count)).run();
            throw e;
        }
        MallocBlocks freeing = new MallocBlocks(allocated, sizes);
        Arena scope = sharing.openArena();
        try {
            Runnable free = sharing == Sharing.CONFINED ? CLEANER.register(scope.scope(), freeing)::clean : freeing;
            // Freed when the scope closes, after every segment of it has become unusable.
            MemorySegment both = MemorySegment.ofAddress(allocated[0]).reinterpret(tableBytes + recordBytes, scope,
                    ignored -> free.run());
            MemorySegment table = both.asSlice(0, tableBytes);
            MemorySegment addresses = both.asSlice(tableBytes, recordBytes);
            RowRecord record = RowRecord.ofAddresses(addresses, rows, rowBytes, scope.scope());
            MemorySegment block = null;
            if (oneBlock) {
                long base = (allocated[1] + ROW_BLOCK_ALIGNMENT - 1) & -ROW_BLOCK_ALIGNMENT;
                block = MemorySegment.ofAddress(base).reinterpret(blockBytes, scope, null);
                for (long r = 0; !callerFills && r < rows; r++) {
                    setPointer(table, r, base + r * rowBytes);
                    addresses.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, r, base + r * rowBytes);
                }
            } else {
                for (long r = 0; r < rows; r++) {
                    setPointer(table, r, allocated[(int) r + 1]);
                    addresses.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, r, allocated[(int) r + 1]);
                }
            }
            Generation g = new Generation(scope, table, rows, cols, format, block, record);
            g.freeing = freeing;
            return g;
        } catch (RuntimeException | Error e) {
            // For example reinterpret refused without native access: nothing may leak.
            scope.close();
            freeing.run();
            throw e;
        }
    }

    /** Stores a row address in the table without making a segment for it. */
    private static void setPointer(MemorySegment table, long row, long address) {
        if (POINTER == 8) {
            table.set(ValueLayout.JAVA_LONG_UNALIGNED, row * POINTER, address);
        } else {
            table.set(ValueLayout.ADDRESS_UNALIGNED, row * POINTER, MemorySegment.ofAddress(address));
        }
    }

    // ------------------------------------------------------------------------------------------------ borrowing

    /**
     * Borrows a foreign {@code T**}, for example one a C function returned. It is never freed by this object.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to hold {@code rows} pointers, each to {@code cols}
     * items, valid until this object is closed: the one thing the library cannot check, and a wrong pointer can crash
     * the JVM. As for the JDK's {@code MemorySegment.reinterpret}, the caller's module must have native access
     * ({@code --enable-native-access}). A table segment that already has a size must hold at least {@code rows}
     * pointers; a zero-length one (a bare C pointer) is given that size here. Every segment this object hands out
     * has its own scope, closed by {@link #close()}.
     *
     * @param table    the table of row pointers
     * @param rows     the number of rows
     * @param cols     the number of items per row
     * @param format   the item format
     * @param readOnly {@link Access#READ_ONLY} rather than {@link Access#MODIFIABLE}
     * @return the primary handle; closing it frees nothing
     * @throws IllegalArgumentException if a size is negative or overflows a 64-bit byte count, the table is NULL or
     *                                  on the Java heap, or the item size is 0
     * @throws BufferException          if the table is too small for {@code rows} pointers
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static IndirectMemory2D wrap(MemorySegment table, long rows, long cols, String format,
                                               boolean readOnly) {
        Restricted.check(IndirectMemory2D.class, "IndirectMemory2D.wrap");
        return foreign(table, rows, cols, RowItemFormat.parse(format), readOnly,
                null, null, "borrowed", Sharing.SHARED);
    }

    /**
     * Borrows a foreign {@code T**} as {@link #wrap(MemorySegment, long, long, String, boolean)} does, shared
     * between threads or confined to this one. {@link Sharing#CONFINED} is for a table borrowed briefly and often —
     * inside a C callback (a FLAC write callback, an audio block loop) that hands the same or a new {@code T**}
     * thousands of times a second: closing confined memory costs no handshake with the other Java threads. Only the
     * creating thread may then use the result and its views and segments (others get {@link WrongThreadException});
     * a confined result left unclosed frees nothing and holds nothing, so it needs no {@code Cleaner}.
     *
     * <p><b>Restricted, unchecked:</b> as for {@link #wrap(MemorySegment, long, long, String, boolean)}.
     *
     * @param table    the table of row pointers
     * @param rows     the number of rows
     * @param cols     the number of items per row
     * @param format   the item format
     * @param readOnly {@link Access#READ_ONLY} rather than {@link Access#MODIFIABLE}
     * @param sharing  which threads may use the result
     * @return the primary handle; closing it frees nothing
     * @throws IllegalArgumentException if a size is negative or overflows a 64-bit byte count, the table is NULL or
     *                                  on the Java heap, or the item size is 0
     * @throws BufferException          if the table is too small for {@code rows} pointers
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static IndirectMemory2D wrap(MemorySegment table, long rows, long cols, String format,
                                               boolean readOnly, Sharing sharing) {
        Restricted.check(IndirectMemory2D.class, "IndirectMemory2D.wrap");
        Objects.requireNonNull(sharing, "sharing");
        return foreign(table, rows, cols, RowItemFormat.parse(format), readOnly,
                null, null, "borrowed", sharing);
    }

    /**
     * Borrows a foreign {@code T**} as {@link #wrap(MemorySegment, long, long, String, boolean)} does, and keeps
     * {@code keepAlive} strongly reachable for as long as this object, any handle or {@link BufferView} of it, or any
     * segment it handed out is reachable: for memory whose lifetime follows a Java object (the JNA {@code Memory}
     * objects the rows live in, a buffer a C library keeps only while its Java handle lives). Nothing is freed and
     * nothing is run: to free, adopt a {@link MemoryNanny} with {@link #adopt(MemorySegment, long, long, String,
     * boolean, MemoryNanny)}.
     *
     * <p><b>Restricted, unchecked:</b> as for {@link #wrap(MemorySegment, long, long, String, boolean)}.
     *
     * @param table     the table of row pointers
     * @param rows      the number of rows
     * @param cols      the number of items per row
     * @param format    the item format
     * @param readOnly  {@link Access#READ_ONLY} rather than {@link Access#MODIFIABLE}
     * @param keepAlive what must stay reachable while the memory is used
     * @return the primary handle; closing it frees nothing
     * @throws IllegalArgumentException if a size is negative or overflows a 64-bit byte count, the table is NULL or
     *                                  on the Java heap, the item size is 0, or {@code keepAlive} is a {@link
     *                                  MemoryNanny} (which would then never free: adopt it instead)
     * @throws BufferException          if the table is too small for {@code rows} pointers
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static IndirectMemory2D wrapKeepingAlive(MemorySegment table, long rows, long cols, String format,
                                                           boolean readOnly, Object keepAlive) {
        return wrapKeepingAlive(table, rows, cols, format, readOnly, Sharing.SHARED, keepAlive);
    }

    /**
     * Borrows a foreign {@code T**} and keeps {@code keepAlive} reachable, as {@link #wrapKeepingAlive(
     * MemorySegment, long, long, String, boolean, Object)} does, shared between threads or confined to this one (see
     * {@link #wrap(MemorySegment, long, long, String, boolean, Sharing)}).
     *
     * <p><b>Restricted, unchecked:</b> as for {@link #wrap(MemorySegment, long, long, String, boolean)}.
     *
     * @param table     the table of row pointers
     * @param rows      the number of rows
     * @param cols      the number of items per row
     * @param format    the item format
     * @param readOnly  {@link Access#READ_ONLY} rather than {@link Access#MODIFIABLE}
     * @param sharing   which threads may use the result
     * @param keepAlive what must stay reachable while the memory is used
     * @return the primary handle; closing it frees nothing
     * @throws IllegalArgumentException if a size is negative or overflows a 64-bit byte count, the table is NULL or
     *                                  on the Java heap, the item size is 0, or {@code keepAlive} is a {@link
     *                                  MemoryNanny} (which would then never free: adopt it instead)
     * @throws BufferException          if the table is too small for {@code rows} pointers
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static IndirectMemory2D wrapKeepingAlive(MemorySegment table, long rows, long cols, String format,
                                                           boolean readOnly, Sharing sharing, Object keepAlive) {
        Restricted.check(IndirectMemory2D.class, "IndirectMemory2D.wrapKeepingAlive");
        Objects.requireNonNull(sharing, "sharing");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (keepAlive instanceof MemoryNanny) {
            throw new IllegalArgumentException("keepAlive is " + keepAlive + ": a nanny kept alive never frees; adopt"
                    + " it with adopt(table, rows, cols, format, readOnly, nanny)");
        }
        return foreign(table, rows, cols, RowItemFormat.parse(format), readOnly,
                null, keepAlive, "borrowed", sharing);
    }

    /**
     * Adopts a foreign {@code T**} with a memory nanny: the memory's segments belong to the nanny, which is closed
     * (frees the memory) when this object is closed, or by its Cleaner once this object, every handle and {@link
     * BufferView} of it and every segment it handed out are unreachable. Closing the nanny by hand first ends this
     * object's memory (every later use throws {@link IllegalStateException}) and then frees. A nanny is adopted once:
     * adopting it again, here or by any other owner, is an {@link IllegalStateException}.
     *
     * <p><b>Restricted, unchecked:</b> as for {@link #wrap(MemorySegment, long, long, String, boolean)}.
     *
     * @param table  the table of row pointers
     * @param rows   the number of rows
     * @param cols   the number of items per row
     * @param format the item format
     * @param readOnly {@link Access#READ_ONLY} rather than {@link Access#MODIFIABLE}
     * @param nanny  what frees the memory
     * @return the primary handle
     * @throws IllegalArgumentException if a size is negative or overflows a 64-bit byte count, the table is NULL or
     *                                  on the Java heap, or the item size is 0; the nanny is then not adopted (the
     *                                  caller still owns it)
     * @throws BufferException          if the table is too small for {@code rows} pointers; the nanny is then not
     *                                  adopted
     * @throws IllegalStateException    if the nanny has already freed (or failed to), or another owner adopted it
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static IndirectMemory2D adopt(MemorySegment table, long rows, long cols, String format,
                                               boolean readOnly, MemoryNanny nanny) {
        Restricted.check(IndirectMemory2D.class, "IndirectMemory2D.adopt");
        Objects.requireNonNull(nanny, "nanny");
        return foreign(table, rows, cols, RowItemFormat.parse(format), readOnly,
                nanny, null, "adopted", Sharing.SHARED);
    }

    /**
     * A borrow for {@link PointerBorrower}, in four steps its {@code borrow} calls one after the other: {@link
     * #borrowing} (the request), {@link #checked} (every check, before anything is made), {@link #scoped} (the arena
     * and the table segment) and {@link #borrowed} (the handle). The borrower is the capability its restricted factory
     * checked, and its format is parsed once.
     *
     * <p>Why four: so that the JIT can inline a borrow into its caller, and then remove the handle and its objects by
     * escape analysis, as it removes a hand-written arena. C2 does not inline a callee it has already compiled on its
     * own to more than {@code -XX:InlineSmallCode} (2,500 bytes): one method doing the whole borrow compiled to about
     * 5 KB; each step compiles to less. {@code PointerBorrower.borrow} itself is small enough for C1 to inline, so
     * it is usually not compiled on its own (when its caller's C1 compile waits long in the queue, C2 may still
     * compile it first, to 3.1 KB, too big to inline: the README's "Borrowing" measures how often).
     */
    static final class Borrowing {
        final PointerBorrower borrower;
        final MemorySegment table;
        final long rows;
        long cols;
        /** The light borrow's arena and table segment, once {@link #scoped}; null before, and for a full borrow. */
        Arena arena;
        MemorySegment scopedTable;
        /** The result of a borrow that is not light (shared, or under leak level paranoid), made by {@link #scoped}. */
        IndirectMemory2D full;

        private Borrowing(PointerBorrower borrower, MemorySegment table, long rows) {
            this.borrower = borrower;
            this.table = table;
            this.rows = rows;
        }
    }

    /** Step 1 of a borrower's borrow (see {@link Borrowing}): the request, nothing checked yet. */
    static Borrowing borrowing(PointerBorrower borrower, MemorySegment table, long rows) {
        return new Borrowing(borrower, table, rows);
    }

    /** Step 2: every check a borrow makes ({@link #checkForeignTable}, in its order), before anything is made. */
    static Borrowing checked(Borrowing b, long cols) {
        checkForeignTable(b.table, b.rows, cols, b.borrower.format);
        b.cols = cols;
        return b;
    }

    /** Step 3: a light borrow's arena and its table segment; the whole handle for a borrow that is not light. */
    static Borrowing scoped(Borrowing b) {
        PointerBorrower borrower = b.borrower;
        if (borrower.sharing != Sharing.CONFINED || LeakTracker.paranoid()) {
            b.full = foreign(b.table, b.rows, b.cols, borrower.format, borrower.readOnly, null, null, "borrowed",
                    borrower.sharing, borrower.items);
            return b;
        }
        Arena arena = Arena.ofConfined();
        b.scopedTable = MemorySegment.ofAddress(b.table.address()).reinterpret(b.rows * POINTER, arena, null);
        b.arena = arena;
        return b;
    }

    /** Step 4: the handle of a light borrow, made of the arena and table segment of step 3. */
    static IndirectMemory2D borrowed(Borrowing b) {
        IndirectMemory2D full = b.full;
        if (full != null) {
            return full;
        }
        PointerBorrower borrower = b.borrower;
        boolean readOnly = borrower.readOnly;
        Generation g = new Generation(b.arena, b.scopedTable, b.rows, b.cols, borrower.format, borrower.items);
        g.readOnlyRows = readOnly;
        return new IndirectMemory2D(new Shared(g), readOnly ? Access.READ_ONLY : Access.MODIFIABLE, null);
    }

    private static IndirectMemory2D foreign(MemorySegment table, long rows, long cols, Format f,
                                            boolean readOnly, MemoryNanny nanny, Object keepAlive, String origin,
                                            Sharing sharing) {
        return foreign(table, rows, cols, f, readOnly, nanny, keepAlive, origin, sharing, ItemLayouts.of(f, "format"));
    }

    private static IndirectMemory2D foreign(MemorySegment table, long rows, long cols, Format f,
                                            boolean readOnly, MemoryNanny nanny, Object keepAlive, String origin,
                                            Sharing sharing, ItemLayouts items) {
        long tableBytes = checkForeignTable(table, rows, cols, f);
        // A nanny's memory belongs to the nanny's scope: whoever closes it first (this object, the nanny, a Cleaner)
        // ends every segment of it before the memory is freed.
        Arena scope = nanny != null ? nanny.adopt(nanny) : sharing.openArena();
        if (keepAlive != null) {
            // Kept reachable while any segment of the memory is.
            MemorySegment.NULL.reinterpret(0, scope, ignored -> Reference.reachabilityFence(keepAlive));
        }
        MemorySegment scoped = MemorySegment.ofAddress(table.address()).reinterpret(tableBytes, scope, null);
        Generation g = new Generation(scope, scoped, rows, cols, f, null, null, items);
        // Every handle of read-only memory is read-only: its cached rows may be too, so row() makes no copy.
        g.readOnlyRows = readOnly;
        Shared shared = sharing == Sharing.CONFINED && nanny == null ? Shared.borrowedConfined(origin, g)
                : new Shared(origin, null, g, sharing, nanny != null);
        return new IndirectMemory2D(shared, readOnly ? Access.READ_ONLY : Access.MODIFIABLE, null);
    }

    /**
     * Checks a foreign table and its dimensions before anything is made.
     *
     * @return the table's size in bytes
     */
    private static long checkForeignTable(MemorySegment table, long rows, long cols, Format f) {
        Objects.requireNonNull(table, "table");
        checkDimensions(rows, cols, f);
        long tableBytes = rows * POINTER;
        if (!table.isNative()) {
            throw new IllegalArgumentException("table " + table + " is on the Java heap: a heap array holds no row"
                    + " pointers; a T** table must be native memory");
        }
        if (table.address() == 0 && rows > 0) {
            throw new IllegalArgumentException("table is NULL, but " + rows + " rows were given");
        }
        if (table.byteSize() != 0 && table.byteSize() < tableBytes) {
            throw new BufferException("table holds " + table.byteSize() / POINTER + " row pointers (" + table.byteSize()
                    + " bytes); expected " + rows + " rows (" + tableBytes + " bytes)");
        }
        return tableBytes;
    }

    /**
     * A new {@code T**} table over the rows of an existing 2-D buffer, without copying them: the table points at
     * each row of the source. The source stays exported (locked against resize, reformat, close) until the result is
     * closed.
     *
     * @param source a 2-D buffer whose rows are contiguous and off the Java heap (native memory)
     * @return a handle that owns only its table; {@link Access#MODIFIABLE} if the source is writable
     * @throws BufferException if the source is not 2-D, its rows are not contiguous, or its memory is on the heap
     */
    public static IndirectMemory2D tableOverRows(BufferExporter source) {
        return tableOver(source, false);
    }

    /**
     * A new {@code T**} table over the columns of an existing 2-D buffer (for example a Fortran-order matrix), without
     * copying: row {@code j} of the result is column {@code j} of the source, so its shape is the source's
     * transposed. The source stays exported until the result is closed.
     *
     * @param source a 2-D buffer whose columns are contiguous and off the Java heap
     * @return a handle that owns only its table
     * @throws BufferException if the source is not 2-D, its columns are not contiguous, or its memory is on the heap
     */
    public static IndirectMemory2D tableOverColumns(BufferExporter source) {
        return tableOver(source, true);
    }

    private static IndirectMemory2D tableOver(BufferExporter source, boolean columns) {
        Objects.requireNonNull(source, "source");
        String what = columns ? "tableOverColumns" : "tableOverRows";
        BufferView view = source.getBuffer(BufferRequest.FULL_RO);
        try {
            if (view.ndim() != 2) {
                throw new BufferException(what + ": source has " + view.ndim() + " dimensions (shape "
                        + Arrays.toString(view.shape()) + "); expected 2");
            }
            long[] shape = view.shape();
            long[] strides = view.strides();
            long[] sub = view.suboffsets();
            int inner = columns ? 0 : 1;
            long itemSize = view.itemSize();
            boolean innerIndirect = sub != null && sub[inner] >= 0;
            if (innerIndirect || (shape[inner] > 1 && strides[inner] != itemSize)) {
                throw new BufferException(what + ": the source's " + (columns ? "columns" : "rows")
                        + " are not contiguous (shape " + Arrays.toString(shape) + ", strides "
                        + Arrays.toString(strides) + (sub != null ? ", suboffsets " + Arrays.toString(sub) : "")
                        + ", item size " + itemSize + ")" + (columns ? "" : "; tableOverColumns takes Fortran order"));
            }
            if (!view.buf().isNative()) {
                throw new BufferException(what + ": the source's memory is on the Java heap, which native pointers"
                        + " cannot point into (the garbage collector moves it); copy it off-heap first");
            }
            if (columns && view.isIndirect()) {
                throw new BufferException(what + ": the source follows pointers (suboffsets " + Arrays.toString(sub)
                        + "), so its columns are not one piece of memory each; tableOverColumns takes a direct buffer");
            }
            long outer = shape[columns ? 1 : 0];
            long length = shape[inner];
            if (outer > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(what + ": " + outer + " lines is more than a view can record (at"
                        + " most " + (Integer.MAX_VALUE - 8) + ")");
            }
            MemorySegment[] lines = lines(view, (int) outer, length, columns);
            Arena scope = Arena.ofShared();
            try {
                MemorySegment table = NativeBytes.allocate(scope, Math.max(outer * POINTER, POINTER), POINTER)
                        .asSlice(0, outer * POINTER);
                long[] addresses = new long[(int) outer];
                MemorySegment.Scope rowScope = outer == 0 ? scope.scope() : lines[0].scope();
                boolean oneScope = true;
                for (int i = 0; i < outer; i++) {
                    addresses[i] = lines[i].address();
                    setPointer(table, i, addresses[i]);
                    oneScope &= lines[i].scope().equals(rowScope);
                }
                long rowBytes = length * itemSize;
                RowRecord record = oneScope
                        ? RowRecord.ofAddresses(MemorySegment.ofArray(addresses), outer, rowBytes, rowScope)
                        : RowRecord.ofSegments(lines, rowBytes);
                // The source's view is released when the scope closes: then nothing reaches its rows any more.
                MemorySegment.NULL.reinterpret(0, scope, ignored -> view.close());
                Generation g = new Generation(scope, table, outer, length, view.format(), null, record);
                return new IndirectMemory2D(new Shared(what + " of " + source, null, g, Sharing.SHARED, true),
                        view.isReadOnly() ? Access.READ_ONLY : Access.MODIFIABLE, null);
            } catch (RuntimeException | Error e) {
                scope.close();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            view.close();
            throw e;
        }
    }

    /**
     * The source's rows (or columns), each one segment of {@code length} items with the scope of the source's memory:
     * slices of its memory for a direct source, the memory reached through each row pointer for an indirect one.
     */
    private static MemorySegment[] lines(BufferView view, int outer, long length, boolean columns) {
        long bytes = length * view.itemSize();
        MemorySegment[] lines = new MemorySegment[outer];
        if (!view.isIndirect() || length == 0) {
            MemorySegment memory = view.memory();
            long stride = view.strides()[columns ? 1 : 0];
            for (int i = 0; i < outer; i++) {
                lines[i] = memory.asSlice(length == 0 ? view.bufOffset() : view.bufOffset() + stride * i, bytes);
            }
            return lines;
        }
        BufferView.Runs runs = view.runs(); // one run per row: its last dimension is contiguous
        for (int i = 0; i < outer; i++) {
            runs.next();
            lines[i] = runs.segment().asSlice(runs.offset(), bytes);
        }
        return lines;
    }

    private static void checkDimensions(long rows, long cols, Format format) {
        // Below 2^24 rows and columns and 2^12 bytes per item nothing below can overflow: one test, so that a
        // borrow's checks stay small in its caller's compiled code; larger values take the exact checks.
        if (((rows | cols) >>> 24 | format.itemSize() >>> 12) == 0) {
            return;
        }
        checkDimensionsExactly(rows, cols, format);
    }

    private static void checkDimensionsExactly(long rows, long cols, Format format) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("dimensions " + rows + " x " + cols
                    + ": expected rows >= 0 and cols >= 0");
        }
        try {
            // a row (what a table of no rows still computes), the table, the record of the rows, and the rows with a
            // cache line of alignment padding
            Math.multiplyExact(cols, format.itemSize());
            Math.addExact(Math.multiplyExact(rows, POINTER + 8L),
                    Math.addExact(Math.multiplyExact(Math.multiplyExact(rows, cols), format.itemSize()),
                            ROW_BLOCK_ALIGNMENT));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("dimensions " + rows + " x " + cols + " of format '" + format
                    + "' (" + format.itemSize() + " bytes per item) overflow a 64-bit byte count", e);
        }
    }

    /** Row-by-row placement records each row's allocation in a Java array. */
    private static void checkRowByRow(long rows, RowPlacement placement) {
        if (placement == RowPlacement.ROW_BY_ROW && rows > MAX_SEPARATE_ROWS) {
            throw new IllegalArgumentException(rows + " rows: ROW_BY_ROW placement allocates each row on its own and"
                    + " takes at most " + MAX_SEPARATE_ROWS + " rows; use ONE_BLOCK");
        }
    }

    // ------------------------------------------------------------------------------------------------ handles

    /**
     * Returns a handle on the same memory with narrower (or equal) access, bound to the memory's current layout:
     * after a {@code resize} or {@code reinterpretData} of the memory, every use of it throws {@link
     * IllegalStateException}. Closing the handle affects only the handle.
     *
     * @param access {@link Access#READ_ONLY} or {@link Access#MODIFIABLE}, at most this handle's access
     * @return a new handle
     * @throws IllegalArgumentException if {@code access} is {@link Access#RESIZEABLE}, or wider than this handle's
     * @throws IllegalStateException    if this handle is closed or stale
     */
    public IndirectMemory2D narrowed(Access access) {
        Objects.requireNonNull(access, "access");
        Generation g = live();
        if (access == Access.RESIZEABLE) {
            throw new IllegalArgumentException("a view cannot be RESIZEABLE: only the owning handle reallocates");
        }
        if (!this.access.includes(access)) {
            throw new IllegalArgumentException("cannot widen access from " + this.access + " to " + access);
        }
        return new IndirectMemory2D(shared, access, g);
    }

    /** The layout this handle may use, or an exception saying why it may not. */
    private Generation live() {
        Shared s = shared;
        Lifetime l = s.lifetime; // read once: each volatile read costs a caller's compiled code more IR nodes
        if (l == null) {
            // a light borrow: one layout, which only closeLight ends (so no stale or freed-by-nanny checks)
            if (handleClosed || s.lightClosed) {
                throw closed();
            }
            return s.first;
        }
        if (handleClosed || l.isClosed()) {
            throw closed();
        }
        Generation g = s.current;
        if (pinned != null && pinned != g) {
            throw new IllegalStateException("stale view of " + describe(pinned)
                    + ": the memory was resized or reformatted after the view was taken");
        }
        if (!g.scope.scope().isAlive()) {
            HandOff handed = shared.handedOff;
            if (handed != null) {
                throw new IllegalStateException("IndirectMemory2D was handed to C (" + handed + "): " + describe(g)
                        + " can no longer be reached from Java; close() frees what C did not take");
            }
            throw new IllegalStateException("IndirectMemory2D's memory was freed by its memory nanny (closed by hand"
                    + " or by its Cleaner) while this object was open: " + describe(g));
        }
        return g;
    }

    private IllegalStateException closed() {
        return new IllegalStateException("IndirectMemory2D is closed: " + describe(pinned != null ? pinned
                : shared.latest()) + (handleClosed && !shared.closed() ? " (this handle)" : ""));
    }

    private IllegalStateException nullRow(long row) {
        return new IllegalStateException("row " + row + " of " + describe(shared.latest()) + " is NULL");
    }

    private String describe(Generation g) {
        return describe(g, shared.origin, shared.placement);
    }

    private static String describe(Generation g, String origin, RowPlacement placement) {
        return g.rows + " x " + g.cols + " '" + g.format + "' (" + origin
                + (placement != null ? ", " + placement : "") + ")";
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** {@return the number of rows} @throws IllegalStateException if closed or stale */
    public long rows() {
        return live().rows;
    }

    /** {@return the number of items per row} @throws IllegalStateException if closed or stale */
    public long cols() {
        return live().cols;
    }

    /** {@return the item format} @throws IllegalStateException if closed or stale */
    public Format format() {
        return live().format;
    }

    /** {@return this handle's access} @throws IllegalStateException if closed or stale */
    public Access access() {
        live();
        return access;
    }

    /** {@return whether writes through this handle are refused} @throws IllegalStateException if closed or stale */
    public boolean isReadOnly() {
        live();
        return !access.isWritable();
    }

    /**
     * Returns the table of row pointers: the {@code T**} to pass to C (as an {@code ADDRESS} argument of a downcall,
     * or its {@code address()} to JNA). It is tied to this memory's scope: unusable after close or resize.
     *
     * <p>The segment is always read-only: Java code cannot rewrite the pointers (writing throws the JDK's {@code
     * IllegalArgumentException}); C receives the table and may. For memory this class made (owned memory, {@link
     * #tableOverRows}, {@link #tableOverColumns}) Java never follows the table's pointers: every read and write through
     * this object and its views goes through the library's own record of the rows, so a table C rewrote changes
     * what C sees, not where Java reads.
     *
     * @return a read-only segment of {@code rows * 8} bytes; for {@linkplain Sharing#CONFINED confined} memory, other
     *         threads that use it get {@link WrongThreadException}
     * @throws IllegalStateException if closed or stale
     */
    public MemorySegment pointerTable() {
        return live().table().asReadOnly();
    }

    /**
     * Returns one row, bounded to its {@code cols} items and tied to this memory's scope.
     *
     * @param row the row index
     * @return a segment of {@code cols * itemSize} bytes; read-only if this handle is (writing through a read-only
     *         segment throws the JDK's {@code IllegalArgumentException}); after close or resize, any access to it
     *         throws {@code IllegalStateException}
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public MemorySegment row(long row) {
        Generation g = live();
        checkRow(row, g);
        MemorySegment segment = g.row(row, this);
        return access.isWritable() || segment.isReadOnly() ? segment : segment.asReadOnly();
    }

    /**
     * Checks every row pointer now, rather than when each row is first reached.
     *
     * @return this handle
     * @throws IllegalStateException if a row pointer is NULL (naming the first), or the handle is closed or stale
     */
    public IndirectMemory2D validate() {
        Generation g = live();
        for (long r = 0; r < g.rows; r++) {
            if (g.rowAddress(r) == 0) {
                throw nullRow(r);
            }
        }
        return this;
    }

    private void checkRow(long row, Generation g) {
        if (row < 0 || row >= g.rows) {
            throw new IndexOutOfBoundsException("row " + row + " out of range [0, " + g.rows + ") of "
                    + describe(g));
        }
    }

    private void checkCell(long row, long col, Generation g) {
        checkRow(row, g);
        if (col < 0 || col >= g.cols) {
            throw new IndexOutOfBoundsException("column " + col + " out of range [0, " + g.cols + ") of "
                    + describe(g));
        }
    }


    /**
     * Reads a {@code double} item (format {@code d}).
     *
     * <p>One item per call, and every call checks the handle, the format and both indices: right for a few items.
     * For many, take the row once and index its segment ({@code MemorySegment row = m.row(r);} then {@code
     * row.getAtIndex(ValueLayout.JAVA_DOUBLE, c)}), copy whole rows with {@code MemorySegment.copy}, or run the
     * {@link org.indirectbuffer.kernels.Kernels} (sum, min, max, fill, scale, gather, scatter) over a view from
     * {@link #getBuffer(int)}. The same holds for every typed accessor of this class.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not {@code d}
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public double getDouble(long row, long col) {
        try {
            Generation g = live();
            ValueLayout.OfDouble l = g.items.doubles("getDouble");
            checkCell(row, col, g);
            return g.row(row, this).get(l, col * 8);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.getDouble", this);
        }
    }

    /**
     * Writes a {@code double} item (format {@code d}).
     *
     * <p>One item per call; for many, write through {@link #row(long)}'s segment, {@code MemorySegment.copy} or
     * the kernels, as {@link #getDouble(long, long)} says.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value
     * @throws ReadOnlyBufferException   if this handle is read-only
     * @throws BufferException           if the format is not {@code d}
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public void setDouble(long row, long col, double value) {
        try {
            Generation g = live();
            ValueLayout.OfDouble l = g.items.doubles("setDouble");
            if (!access.isWritable()) {
                throw ReadOnlyWrite.of("setDouble(" + value + ")", "row " + row + ", column " + col, this);
            }
            checkCell(row, col, g);
            g.row(row, this).set(l, col * 8, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.setDouble", this);
        }
    }

    /**
     * Reads a {@code float} item (format {@code f}, or {@code e}: half precision, widened); see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public float getFloat(long row, long col) {
        try {
            Generation g = live();
            ValueLayout l = g.items.floats("getFloat");
            checkCell(row, col, g);
            return ItemLayouts.getFloat(l, g.row(row, this), col);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.getFloat", this);
        }
    }

    /**
     * Writes a {@code float} item (format {@code f}, or {@code e}: rounded to half precision); see {@link
     * #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if this handle is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public void setFloat(long row, long col, float value) {
        try {
            Generation g = live();
            ValueLayout l = g.items.floats("setFloat");
            if (!access.isWritable()) {
                throw ReadOnlyWrite.of("setFloat(" + value + ")", "row " + row + ", column " + col, this);
            }
            checkCell(row, col, g);
            ItemLayouts.setFloat(l, g.row(row, this), col, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.setFloat", this);
        }
    }

    /**
     * Reads an 8-byte integer item ({@code q}, {@code Q}, native {@code l}, {@code n}...); see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public long getLong(long row, long col) {
        try {
            Generation g = live();
            ValueLayout.OfLong l = g.items.longs("getLong");
            checkCell(row, col, g);
            return g.row(row, this).get(l, col * 8);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.getLong", this);
        }
    }

    /**
     * Writes an 8-byte integer item; see {@link #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if this handle is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public void setLong(long row, long col, long value) {
        try {
            Generation g = live();
            ValueLayout.OfLong l = g.items.longs("setLong");
            if (!access.isWritable()) {
                throw ReadOnlyWrite.of("setLong(" + value + ")", "row " + row + ", column " + col, this);
            }
            checkCell(row, col, g);
            g.row(row, this).set(l, col * 8, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.setLong", this);
        }
    }

    /**
     * Reads a 4-byte integer item ({@code i}, {@code I}...); see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public int getInt(long row, long col) {
        try {
            Generation g = live();
            ValueLayout.OfInt l = g.items.ints("getInt");
            checkCell(row, col, g);
            return g.row(row, this).get(l, col * 4);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.getInt", this);
        }
    }

    /**
     * Writes a 4-byte integer item; see {@link #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if this handle is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public void setInt(long row, long col, int value) {
        try {
            Generation g = live();
            ValueLayout.OfInt l = g.items.ints("setInt");
            if (!access.isWritable()) {
                throw ReadOnlyWrite.of("setInt(" + value + ")", "row " + row + ", column " + col, this);
            }
            checkCell(row, col, g);
            g.row(row, this).set(l, col * 4, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.setInt", this);
        }
    }

    /**
     * Reads a 2-byte integer item ({@code h}, {@code H}); see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public short getShort(long row, long col) {
        try {
            Generation g = live();
            ValueLayout.OfShort l = g.items.shorts("getShort");
            checkCell(row, col, g);
            return g.row(row, this).get(l, col * 2);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.getShort", this);
        }
    }

    /**
     * Writes a 2-byte integer item; see {@link #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if this handle is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public void setShort(long row, long col, short value) {
        try {
            Generation g = live();
            ValueLayout.OfShort l = g.items.shorts("setShort");
            if (!access.isWritable()) {
                throw ReadOnlyWrite.of("setShort(" + value + ")", "row " + row + ", column " + col, this);
            }
            checkCell(row, col, g);
            g.row(row, this).set(l, col * 2, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.setShort", this);
        }
    }

    /**
     * Reads a byte item ({@code b}, {@code B}, {@code c}); see {@link #getDouble}.
     *
     * @param row the row
     * @param col the column
     * @return the item
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public byte getByte(long row, long col) {
        try {
            Generation g = live();
            ValueLayout.OfByte l = g.items.bytes("getByte");
            checkCell(row, col, g);
            return g.row(row, this).get(l, col);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.getByte", this);
        }
    }

    /**
     * Writes a byte item; see {@link #setDouble}.
     *
     * @param row   the row
     * @param col   the column
     * @param value the value to write
     * @throws ReadOnlyBufferException   if this handle is read-only
     * @throws BufferException           if the format is not one this accessor reads (see the summary)
     * @throws IndexOutOfBoundsException if an index is out of range (the message names it)
     * @throws IllegalStateException     if closed or stale, or the row pointer is NULL
     */
    public void setByte(long row, long col, byte value) {
        try {
            Generation g = live();
            ValueLayout.OfByte l = g.items.bytes("setByte");
            if (!access.isWritable()) {
                throw ReadOnlyWrite.of("setByte(" + value + ")", "row " + row + ", column " + col, this);
            }
            checkCell(row, col, g);
            g.row(row, this).set(l, col, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.setByte", this);
        }
    }

    // ------------------------------------------------------------------------------------------------ protocol

    /**
     * {@inheritDoc}
     *
     * <p>The view has ndim 2, shape {@code {rows, cols}}, strides {@code {8, itemSize}} and suboffsets {@code {0,
     * -1}}: it needs {@link BufferRequest#INDIRECT}. Items it reaches are tied to this memory's scope.
     *
     * @throws WrongThreadException if the memory is {@linkplain Sharing#CONFINED confined} to another thread;
     *                              nothing is exported
     */
    @Override
    public BufferView getBuffer(int flags) {
        return exportsFor("getBuffer").export(() -> {
            Generation g = live();
            // A thread a confined owner does not allow exports nothing: it would lock the owner's close and resize.
            checkOwner("getBuffer");
            boolean readOnly = !access.isWritable();
            if (g.record != null) {
                return BufferView.ofRecordedRows(g.table(), g.record, g.format, g.cols, readOnly, 0);
            }
            return BufferView.describe(g.table(), 0, g.format, new long[] {g.rows, g.cols},
                    new long[] {POINTER, g.format.itemSize()}, new long[] {0, -1}, readOnly, g.scope, null);
        }, flags);
    }

    /**
     * The export counter, for an operation that refuses other threads than a confined owner: a light borrow refuses
     * them before it starts its lifetime (which binds to the thread starting it).
     */
    private ExportCounter exportsFor(String operation) {
        if (shared.isLight()) {
            checkOwner(operation);
        }
        return shared.exports();
    }

    /**
     * Returns the number of views of this memory open now.
     *
     * @return the export count
     */
    public int exportCount() {
        return shared.exportCount();
    }

    // ------------------------------------------------------------------------------------------------ changes

    /**
     * Reallocates owned memory to {@code rows x cols}, keeping the items where both layouts overlap (new items are
     * zero). Segments, handles and views taken before become unusable ({@link IllegalStateException}).
     *
     * @param rows the new number of rows
     * @param cols the new number of items per row
     * @throws UnsupportedOperationException if this handle is not {@link Access#RESIZEABLE}
     * @throws BufferException               if a view is exported ("buffer is locked")
     * @throws IllegalArgumentException      if a size is negative or overflows
     * @throws IllegalStateException         if closed
     * @throws WrongThreadException          if the memory is {@linkplain Sharing#CONFINED confined} to another thread
     */
    public void resize(long rows, long cols) {
        live();
        checkOwner("resize");
        if (!access.isResizeable() || pinned != null) {
            throw new UnsupportedOperationException("resize needs a RESIZEABLE owning handle; this one is "
                    + access + (pinned != null ? " (a view)" : "") + " on " + describe(shared.latest()));
        }
        shared.exports().whileUnlocked("resize", () -> {
            Generation old = live();
            checkDimensions(rows, cols, old.format);
            checkRowByRow(rows, shared.placement);
            Generation next = allocate(rows, cols, old.format, shared.placement, false, shared.sharing);
            long keepRows = Math.min(rows, old.rows);
            long keepBytes = Math.min(next.rowBytes, old.rowBytes);
            for (long r = 0; r < keepRows; r++) {
                MemorySegment.copy(old.row(r, this), 0, next.row(r, this), 0, keepBytes);
            }
            shared.current = next;
            shared.lifetime().replaceArena(next.scope);
        });
    }

    /**
     * Reads the same memory as items of another format: each row's bytes must divide evenly into the new items
     * (no silent truncation). While a view is exported only an equivalent format is accepted. Handles taken before
     * become stale.
     *
     * @param format the new item format
     * @throws BufferException       if the row length does not divide, or a view is exported and the format is not
     *                               equivalent ("buffer is locked")
     * @throws IllegalArgumentException if the format does not parse ({@link org.indirectbuffer.format.FormatException})
     *                               or its item size is 0
     * @throws IllegalStateException if closed, or this handle is a view
     * @throws WrongThreadException  if the memory is {@linkplain Sharing#CONFINED confined} to another thread
     */
    public void reinterpretData(String format) {
        live();
        checkOwner("reinterpretData");
        Format f = RowItemFormat.parse(format);
        if (pinned != null) {
            throw new IllegalStateException("reinterpretData needs the primary handle; this is a view of "
                    + describe(pinned));
        }
        Generation current = live();
        if (current.format.isEquivalentTo(f)) {
            // Same items in other words: allowed while exported.
            shared.exports().whileHeld(() -> reformat(f));
        } else {
            shared.exports().whileUnlocked("reinterpret the data as '" + f + "'", () -> reformat(f));
        }
    }

    private Generation reformat(Format f) {
        Generation g = live();
        long rowBytes = g.rowBytes;
        if (rowBytes % f.itemSize() != 0) {
            throw new BufferException("reinterpretData('" + f + "'): a row of " + g.cols + " '" + g.format
                    + "' items is " + rowBytes + " bytes, not a multiple of the new item size " + f.itemSize());
        }
        Generation next = g.withFormat(f, rowBytes / f.itemSize());
        shared.current = next;
        return next;
    }

    /**
     * Copies every item of {@code source} into this memory. Both must be 2-D of the same shape and equivalent
     * formats; the layouts may differ (indirect or not, C or Fortran order).
     *
     * @param source the buffer to copy from
     * @throws ReadOnlyBufferException if this handle is read-only
     * @throws BufferException         if the dimensions, shapes or formats differ (each named in the message)
     * @throws IllegalStateException   if closed or stale
     */
    public void copyFrom(BufferExporter source) {
        try {
            copyFrom(source, false);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.copyFrom", this);
        }
    }

    /**
     * Copies every item of {@code source} into this memory; with {@code cast}, formats need not be equivalent as
     * long as the item sizes are equal (the bytes are copied as they are).
     *
     * @param source the buffer to copy from
     * @param cast   whether to copy between non-equivalent formats of equal item size
     * @throws ReadOnlyBufferException if this handle is read-only
     * @throws BufferException         if the dimensions, shapes, formats or item sizes differ
     * @throws IllegalStateException   if closed or stale
     */
    public void copyFrom(BufferExporter source, boolean cast) {
        try {
            Objects.requireNonNull(source, "source");
            live();
            if (!access.isWritable()) {
                throw ReadOnlyWrite.of("copyFrom(" + source + ")", null, this);
            }
            try (BufferView src = source.getBuffer(BufferRequest.FULL_RO);
                 BufferView dst = getBuffer(BufferRequest.FULL)) {
                BufferView.copyItems(src, dst, cast, 2);
            }
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.copyFrom", this);
        }
    }

    /**
     * Copies every item of this memory into {@code target} (see {@link #copyFrom(BufferExporter, boolean)}).
     *
     * @param target the writable buffer to copy into
     * @param cast   whether to copy between non-equivalent formats of equal item size
     * @throws BufferException       if the target refuses a writable view (it is read-only), or the dimensions,
     *                               shapes, formats or item sizes differ
     * @throws IllegalStateException if closed or stale
     */
    public void copyTo(BufferExporter target, boolean cast) {
        try {
            Objects.requireNonNull(target, "target");
            try (BufferView src = getBuffer(BufferRequest.FULL_RO);
                 BufferView dst = target.getBuffer(BufferRequest.FULL)) {
                BufferView.copyItems(src, dst, cast, 2);
            }
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.copyTo", this);
        }
    }

    /**
     * Copies every item of this memory into {@code target}, whose format must be equivalent.
     *
     * @param target the writable buffer to copy into
     * @throws BufferException       if the target is read-only, or the dimensions, shapes or formats differ
     * @throws IllegalStateException if closed or stale
     */
    public void copyTo(BufferExporter target) {
        try {
            copyTo(target, false);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "IndirectMemory2D.copyTo", this);
        }
    }

    // ------------------------------------------------------------------------------------------------ lifetime

    /**
     * Closes the handle. On the primary handle this ends the memory: owned memory is freed, a {@link MemoryNanny}
     * adopted is closed, a source viewed is released, borrowed memory is left to its owner; every segment, handle
     * and view taken from it becomes unusable. On a view handle it ends only the handle. Closing twice is harmless.
     *
     * @throws BufferException       if this is the primary handle and a view is exported ("buffer is locked")
     * @throws IllegalStateException if a native call is using the memory right now (closing again afterwards works)
     * @throws WrongThreadException  if this is the primary handle of memory {@linkplain Sharing#CONFINED confined} to
     *                               another thread; nothing changes
     */
    @Override
    public void close() {
        if (pinned != null) {
            handleClosed = true;
            return;
        }
        if (!shared.closed()) {
            checkOwner("close");
        }
        if (shared.closeLight()) {
            return;
        }
        shared.lifetime().close("close", null);
        handleClosed = true;
    }

    /**
     * Hands the whole memory to C, for a C function that takes ownership of a {@code T**} and frees it itself:
     * {@link #handOffToC(HandOff) handOffToC(HandOff.ALL)}. This object ends as if closed.
     *
     * <pre>{@code
     * IndirectMemory2D m = IndirectMemory2D.createMemory(rows, cols, "d", false, RowPlacement.ROW_BY_ROW);
     * ... fill m ...
     * model_set_weights.invokeExact(model, m.handOffToC(), rows);   // the model frees rows and table later
     * }</pre>
     *
     * @return the table, as a bare pointer (zero length, the global scope) that C now owns
     * @throws UnsupportedOperationException if this is not the primary handle of memory this library allocated
     *                                       {@code ROW_BY_ROW}
     * @throws BufferException               if a view is exported ("buffer is locked")
     * @throws IllegalStateException         if closed or already handed off
     * @throws WrongThreadException          if the memory is {@linkplain Sharing#CONFINED confined} to another thread
     */
    public MemorySegment handOffToC() {
        return handOffToC(HandOff.ALL);
    }

    /**
     * Hands part of the memory to C, for a C function that takes ownership of it and frees it itself: the rows and
     * the table are one {@code malloc} block each, allocated with the allocator the process's C code uses, so C
     * frees what it takes with the process's {@code free}. Only memory created {@link RowPlacement#ROW_BY_ROW} can be
     * handed off: one-block rows lie in one aligned block that no row pointer starts.
     * <ul>
     *   <li>{@link HandOff#ALL}: C takes every row and the table; this object ends as if closed.</li>
     *   <li>{@link HandOff#ROWS_ONLY}: C takes every row; the table stays allocated (C may still read it during
     *       the call) and is freed by {@link #close()}.</li>
     *   <li>{@link HandOff#TABLE_ONLY}: C takes the table; every row stays allocated (C reads them through the
     *       table) and is freed by {@link #close()}.</li>
     * </ul>
     * In every case Java's access ends at once — every segment, handle and view of the memory throws {@link
     * IllegalStateException} from now on (C may free or rewrite what it took, and the library's own record of the
     * rows lies in the table's block) — and the library never frees what C took. After a partial hand-off this
     * object stays to be closed: {@link #isClosed()} is false until {@link #close()} (or, unclosed and unreachable,
     * the Cleaner) frees what C did not take.
     *
     * <pre>{@code
     * IndirectMemory2D names = ...;                                   // ROW_BY_ROW, filled
     * take_rows.invokeExact(names.handOffToC(HandOff.ROWS_ONLY), n);  // C keeps and later frees each row
     * names.close();                                                  // frees the table only
     * }</pre>
     *
     * @param part what C takes and frees itself
     * @return the table, as a bare pointer (zero length, the global scope); C owns it if {@code part} is {@code ALL}
     *         or {@code TABLE_ONLY}, else it is valid until {@link #close()}
     * @throws NullPointerException          if {@code part} is null
     * @throws UnsupportedOperationException if this is not the primary handle of memory this library allocated
     *                                       {@code ROW_BY_ROW}
     * @throws BufferException               if a view is exported ("buffer is locked")
     * @throws IllegalStateException         if closed or already handed off
     * @throws WrongThreadException          if the memory is {@linkplain Sharing#CONFINED confined} to another thread
     */
    public MemorySegment handOffToC(HandOff part) {
        Objects.requireNonNull(part, "part");
        Generation g = live();
        checkOwner("handOffToC");
        if (pinned != null || g.freeing == null || shared.placement != RowPlacement.ROW_BY_ROW) {
            throw new UnsupportedOperationException("handOffToC needs the primary handle of memory this library"
                    + " allocated ROW_BY_ROW (each row and the table one malloc block, which C can free); this is "
                    + (pinned != null ? "a view of " : "") + describe(g) + (g.freeing != null
                    && shared.placement == RowPlacement.ONE_BLOCK ? ", whose rows lie in one aligned block" : ""));
        }
        long address = g.table().address();
        shared.exports().whileUnlocked("handOffToC", () -> {
            Generation now = live();
            MallocBlocks rest = now.freeing.handOff(part);
            if (rest == null) {
                shared.lifetime().close("handOffToC", null);
                handleClosed = true;
                return;
            }
            // What C did not take lives on in a scope of its own, which close() (or the Cleaner) closes in place
            // of the memory's: Java's access ends with the memory's scope now, the rest is freed at close.
            Arena keep = shared.sharing.openArena();
            Runnable free = shared.sharing == Sharing.CONFINED ? CLEANER.register(keep.scope(), rest)::clean : rest;
            MemorySegment.NULL.reinterpret(0, keep, ignored -> free.run());
            shared.handedOff = part;
            shared.lifetime().replaceArena(keep);
        });
        return MemorySegment.ofAddress(address);
    }

    /**
     * Returns which threads may use this memory: {@link Sharing#CONFINED} only for memory created so.
     *
     * @return the sharing chosen at creation
     */
    public Sharing sharing() {
        return shared.sharing;
    }

    /** Refuses an operation on confined memory from a thread other than its owner, before anything changes. */
    private void checkOwner(String operation) {
        Thread o = shared.owner;
        if (o != null && o != Thread.currentThread()) {
            throw wrongThread(operation, o);
        }
    }

    private WrongThreadException wrongThread(String operation, Thread owner) {
        return new WrongThreadException(operation + ": " + describe(shared.latest()) + " is confined to thread '"
                + owner.getName() + "'; this is '" + Thread.currentThread().getName() + "'");
    }

    /**
     * Returns whether this handle, or the memory it is a handle on, was closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handleClosed || shared.closed();
    }

    @Override
    public String toString() {
        Generation g = pinned != null ? pinned : shared.latest();
        return "IndirectMemory2D[" + describe(g) + ", " + access + (isClosed() ? ", closed" : "")
                + (pinned != null && pinned != shared.latest() ? ", stale" : "") + "]";
    }
}
