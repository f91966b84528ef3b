package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.ItemLayouts;
import org.indirectbuffer.internal.LeakTracker;
import org.indirectbuffer.internal.ReadOnlyWrite;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.SharedCleaner;
import org.indirectbuffer.internal.ViewSecrets;

/**
 * A lent buffer: the Java form of CPython's {@code Py_buffer}, with indirect layouts (suboffsets) as first-class
 * citizens.
 *
 * <h2>The descriptor</h2>
 * A view describes {@code ndim} dimensions (at most {@value #MAX_NDIM}) of items of one {@link Format}: {@link
 * #shape()}, {@link #strides()} in bytes (negative allowed), and {@link #suboffsets()}. The address of the item at
 * an index is found as in PEP 3118:
 * <pre>{@code
 * p = buf;
 * for (i = 0; i < ndim; i++) {
 *     p += strides[i] * index[i];
 *     if (suboffsets[i] >= 0) p = *(char **) p + suboffsets[i];   // follow a pointer
 * }
 * }</pre>
 * {@code buf} is the address of the item whose indices are all 0; with negative strides that is not the lowest
 * address the view touches, so a view carries {@link #memory()} (every byte its first level may touch) and {@link
 * #bufOffset()}, the offset of {@code buf} inside it. After a pointer is followed, the extent reachable from it is
 * known from the remaining dimensions: the memory reached is a segment of exactly that extent, with the scope of the
 * memory's owner, so every access stays bounds-checked and ends when the owner closes the memory. A view never hands
 * out an unbounded segment, nor one that outlives its owner. Tables the library made itself ({@link
 * IndirectMemory2D}, collections) are read through the library's own record of their rows, never through the
 * pointers in the table, which Java code only ever gets read-only.
 *
 * <p>As in CPython, fields the consumer did not request are {@code null}: {@link #format()} without
 * {@link BufferRequest#FORMAT} (meaning unsigned bytes; {@link #itemSize()} keeps the exporter's item size), {@link
 * #shape()} without {@link BufferRequest#ND} (the view is then {@link #len()} contiguous bytes, {@link #ndim()} is 1
 * and indices address single bytes), {@link #strides()} without {@link BufferRequest#STRIDES} (C-contiguous), and
 * {@link #suboffsets()} without {@link BufferRequest#INDIRECT} or when no dimension is indirect.
 *
 * <h2>Lifetime and ownership</h2>
 * A view borrows memory: it never frees it. A view lent by an exporter counts as an export until {@link #close()};
 * the exporter cannot move, reformat, make read-only or free its memory before then. After {@code close()} every
 * method but {@code close()}, {@link #isClosed()} and {@code toString()} throws {@link IllegalStateException};
 * closing twice is harmless. A lent view dropped without {@code close()} is released by a {@link Cleaner} once it
 * is unreachable (its export count only: the exporter's release action, such as a copy-back, runs only on {@code
 * close()}), so a forgotten view does not lock its exporter forever; close views deterministically all the same.
 * Segments the view returned stay valid as long as the memory they come from (they are slices of {@link #memory()},
 * or of the memory its pointers reach) and die with that memory's owner.
 *
 * <h2>Thread-safety</h2>
 * A view is immutable but for its closed state: any number of threads may read through it at once. Writes through
 * it are not synchronized; callers that write from several threads order them themselves. Closing while another
 * thread reads makes that thread's next call throw {@code IllegalStateException}; memory freed by its owner after
 * that is protected by the owner's memory scope, not by the view.
 */
public final class BufferView implements AutoCloseable {
    /** The largest number of dimensions a view may have (CPython's {@code PyBUF_MAX_NDIM}). */
    public static final int MAX_NDIM = 64;

    /** Typed access to a view without format: unsigned bytes. */
    private static final ItemLayouts BYTES = ItemLayouts.of(Format.parse("B"), "view format");
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(BufferView.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        ViewSecrets.install(new ViewSecrets.Access() {
            @Override
            public BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format, long cols,
                                             boolean readOnly) {
                return BufferView.ofRecordedRows(lentTable, record, format, cols, readOnly, 0);
            }

            @Override
            public BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format, long cols,
                                             boolean readOnly, long suboffset) {
                return BufferView.ofRecordedRows(lentTable, record, format, cols, readOnly, suboffset);
            }

            @Override
            public BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format,
                                             long[] rowShape, boolean readOnly, long suboffset) {
                return BufferView.ofRecordedRows(lentTable, record, format, rowShape, readOnly, suboffset);
            }

            @Override
            public ViewSecrets.RowTable rowTable(BufferView view) {
                view.ensureOpen();
                return view.indirect ? view.layout.rowTable() : null;
            }
        });
    }

    /** The checked layout, shared with the copy engine and the run cursor; its parts are unpacked below. */
    private final Descriptor layout;
    /** First-level memory: every byte reachable before the first pointer is followed. */
    private final MemorySegment memory;
    private final long bufOffset;
    /** The exporter's format (never null here); {@link #format()} returns null when it was not requested. */
    private final Format fullFormat;
    /** Typed-access layouts of {@link #fullFormat}, worked out once. */
    private final ItemLayouts items;
    private final boolean formatVisible;
    private final long itemSize;
    /** Bytes one index step addresses: {@code itemSize}, or 1 for a view without shape. */
    private final long elementSize;
    private final int ndim;
    private final long[] shape;
    private final long[] strides;
    private final long[] suboffsets;
    private final boolean shapeVisible;
    private final boolean stridesVisible;
    private final boolean suboffsetsVisible;
    /** Whether any dimension follows a pointer. */
    private final boolean indirect;
    private final boolean readOnly;
    private final long len;
    /** The only thread that may close this view (a confined export), or null for any thread. */
    private final Thread closer;
    /** Releases a lent view's export once: on close, or through the Cleaner when the view is dropped unclosed. */
    private final Cleaner.Cleanable release;
    /**
     * What {@link #release} runs, told by {@code close()} that the release is deliberate; it holds the counter this
     * view was lent by, so that the exporter outlives the views of it. Null for a view made by {@code wrap}.
     */
    private final ExportRelease releaseAction;
    @SuppressWarnings("unused") // accessed through CLOSED
    private volatile boolean closed;

    /**
     * Makes a view of a checked layout.
     *
     * @param layout    the checked layout
     * @param shown     which fields the consumer requested
     * @param exports   the counter this view is an export of, or null for a view made by {@code wrap}
     * @param onRelease the exporter's release action, or null
     * @param closer    the only thread that may close the view, or null for any
     */
    private BufferView(Descriptor layout, Descriptor.Shown shown, ExportCounter exports, Runnable onRelease,
                       Thread closer) {
        Pointers pointers = layout.pointers();
        this.layout = layout;
        this.memory = layout.memory();
        this.bufOffset = layout.bufOffset();
        this.fullFormat = layout.format();
        this.items = ItemLayouts.of(fullFormat, "view format");
        this.formatVisible = shown.format();
        this.itemSize = layout.itemSize();
        this.elementSize = layout.elementSize();
        this.ndim = layout.shape().length;
        this.shape = layout.shape();
        this.strides = layout.strides();
        this.suboffsets = layout.suboffsets();
        this.shapeVisible = shown.shape();
        this.stridesVisible = shown.strides();
        this.suboffsetsVisible = shown.suboffsets();
        this.readOnly = layout.readOnly();
        this.len = layout.len();
        this.closer = closer;
        LeakTracker.Record record = exports == null ? null : LeakTracker.track("BufferView", describeLent(exports));
        this.releaseAction = exports == null ? null : new ExportRelease(exports, onRelease, record);
        this.release = exports == null ? null : SharedCleaner.CLEANER.register(this, releaseAction);
        this.indirect = pointers != null;
        if (exports != null) {
            exports.opened(record);
        }
    }

    // ------------------------------------------------------------------------------------------------ factories

    /**
     * Wraps a descriptor whose {@code buf} is the start of {@code buf}: the form of {@link #wrap(MemorySegment, long,
     * Format, long[], long[], long[], boolean)} with {@code bufOffset} 0.
     *
     * <p>With a suboffset {@code >= 0} this is a <b>restricted method</b> (see the full form).
     *
     * @param buf        the memory, starting at the item whose indices are all 0
     * @param format     the item format
     * @param shape      the extent of each dimension
     * @param strides    bytes between items of each dimension; {@code null} for C-contiguous
     * @param suboffsets for each dimension, the offset to add after following a pointer, or a negative value for a
     *                   direct dimension; {@code null} when no dimension is indirect
     * @param readOnly   whether the view refuses writes
     * @return a view that is not counted as an export of anything; closing it only ends its own use
     * @throws IllegalArgumentException if a size is negative or overflows (see the full form)
     * @throws BufferException        if the descriptor is inconsistent (see the full form)
     * @throws IllegalCallerException if a suboffset is {@code >= 0} and the caller's module has no native access
     * @throws NullPointerException   if {@code buf}, {@code format} or {@code shape} is null
     */
    public static BufferView wrap(MemorySegment buf, Format format, long[] shape, long[] strides, long[] suboffsets,
                                  boolean readOnly) {
        return wrap(buf, 0, format, shape, strides, suboffsets, readOnly);
    }

    /**
     * Wraps a foreign descriptor, for a consumer handed {@code buf}, shape, strides and suboffsets by someone else.
     * The descriptor is checked once, here: every index the shape allows must reach, at the first level, bytes inside
     * {@code memory}, and the extent reachable after each pointer must fit a 64-bit byte count. Memory reached
     * through a pointer is a segment of exactly that extent (NULL is refused), with the scope of {@code memory}: once
     * {@code memory}'s owner closes it, every access through the view, at any level, throws {@link
     * IllegalStateException}.
     *
     * <p>The arrays are copied; the memory is borrowed and never freed. For an indirect layout, {@link #memory()} and
     * {@link #buf()} are read-only (they hold only pointers; items are reached through them).
     *
     * <p><b>Restricted:</b> a descriptor with a suboffset {@code >= 0} makes the view follow pointer values stored in
     * {@code memory}, which nothing can check: they are trusted to point at as many bytes as the remaining dimensions
     * reach, valid for as long as {@code memory} is. A wrong pointer can crash the JVM, so, as for the JDK's {@code
     * MemorySegment.reinterpret}, the caller's module must have native access ({@code --enable-native-access}).
     * Descriptors without suboffsets are checked completely and are not restricted.
     *
     * @param memory     every byte the first level may touch (up to the first pointer followed)
     * @param bufOffset  the offset in {@code memory} of the item whose indices are all 0
     * @param format     the item format; its item size must be positive
     * @param shape      the extent of each dimension, each {@code >= 0}; at most {@value #MAX_NDIM} dimensions
     * @param strides    bytes between items of each dimension; {@code null} for C-contiguous
     * @param suboffsets for each dimension, the offset to add after following a pointer, or a negative value for a
     *                   direct dimension; {@code null} when no dimension is indirect
     * @param readOnly   whether the view refuses writes; must be {@code true} if {@code memory} is read-only and the
     *                   layout is direct
     * @return a view that is not counted as an export of anything; closing it only ends its own use
     * @throws IllegalArgumentException if a shape entry is negative, there are more than {@value #MAX_NDIM}
     *                                dimensions, the item size is 0, or the sizes overflow a 64-bit byte count
     *                                (before or after a pointer); the message names the dimension and the values
     * @throws BufferException        if the arrays' lengths differ, {@code memory} is read-only but {@code readOnly}
     *                                is false for a direct layout, the layout is indirect but {@code memory} is on
     *                                the Java heap (a heap array holds no pointers), or an index would reach outside
     *                                {@code memory}; the message names the dimension and the values
     * @throws IllegalCallerException if a suboffset is {@code >= 0} and the caller's module has no native access
     * @throws NullPointerException   if {@code memory}, {@code format} or {@code shape} is null
     */
    public static BufferView wrap(MemorySegment memory, long bufOffset, Format format, long[] shape, long[] strides,
                                  long[] suboffsets, boolean readOnly) {
        if (hasSuboffset(suboffsets)) {
            Restricted.check(BufferView.class, "BufferView.wrap (with suboffsets)");
        }
        return describe(memory, bufOffset, format, shape, strides, suboffsets, readOnly, null, null);
    }

    /**
     * Wraps a descriptor whose pointers lead into memory that lives as long as {@code rowScope}: every segment the
     * view reaches past a pointer (items, runs) is tied to that arena instead of {@code memory}'s scope, so closing
     * it makes them unusable (an {@code IllegalStateException}, never a read of freed memory); otherwise as {@link
     * #wrap(MemorySegment, long, Format, long[], long[], long[], boolean)}, and restricted as it is.
     *
     * @param memory     every byte the first level may touch (up to the first pointer followed)
     * @param bufOffset  the offset in {@code memory} of the item whose indices are all 0
     * @param format     the item format; its item size must be positive
     * @param shape      the extent of each dimension
     * @param strides    bytes between items of each dimension; {@code null} for C-contiguous
     * @param suboffsets per dimension, the offset added after following a pointer, or negative; {@code null} for none
     * @param readOnly   whether the view refuses writes
     * @param rowScope   the arena whose lifetime bounds the memory pointers lead to; {@code null} for {@code
     *                   memory}'s own scope
     * @return a view that is not counted as an export of anything
     * @throws IllegalArgumentException if a size is negative or overflows (see the short form)
     * @throws BufferException        if the descriptor is inconsistent (see the short form)
     * @throws IllegalCallerException if a suboffset is {@code >= 0} and the caller's module has no native access
     * @throws NullPointerException   if {@code memory}, {@code format} or {@code shape} is null
     */
    public static BufferView wrap(MemorySegment memory, long bufOffset, Format format, long[] shape, long[] strides,
                                  long[] suboffsets, boolean readOnly, Arena rowScope) {
        if (hasSuboffset(suboffsets)) {
            Restricted.check(BufferView.class, "BufferView.wrap (with suboffsets)");
        }
        return describe(memory, bufOffset, format, shape, strides, suboffsets, readOnly, rowScope, null);
    }

    private static boolean hasSuboffset(long[] suboffsets) {
        if (suboffsets != null) {
            for (long s : suboffsets) {
                if (s >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A 2-D view of a {@code T**} the library made itself, read through the library's own record of its rows: see
     * {@link ViewSecrets.Access#ofRecordedRows}. The lent table is only ever handed out read-only. {@code
     * suboffset} is the view's {@code suboffsets[0]}: what a consumer following the lent table adds to each entry
     * (0 for a table of addresses; a shared array's table holds offsets and the suboffset is the mapping's base).
     */
    static BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format, long cols,
                                     boolean readOnly, long suboffset) {
        return ofRecordedRows(lentTable, record, format, new long[] {cols}, readOnly, suboffset);
    }

    /**
     * The same for rows of any number of dimensions: shape {@code [rows, rowShape...]}, rows C-contiguous, {@code
     * suboffsets [suboffset, -1, ...]}.
     */
    static BufferView ofRecordedRows(MemorySegment lentTable, RowRecord record, Format format, long[] rowShape,
                                     boolean readOnly, long suboffset) {
        long itemSize = format.itemSize();
        long[] shape = new long[rowShape.length + 1];
        shape[0] = record.rows();
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        long[] rowStrides = contiguousStrides(rowShape, itemSize, 'C');
        long[] strides = new long[shape.length];
        strides[0] = Pointers.POINTER_SIZE;
        System.arraycopy(rowStrides, 0, strides, 1, rowStrides.length);
        long[] suboffsets = new long[shape.length];
        java.util.Arrays.fill(suboffsets, -1);
        suboffsets[0] = suboffset;
        if (record.rowBytes() != byteCount(itemSize, rowShape)
                || lentTable.byteSize() < Math.multiplyExact(record.rows(), Pointers.POINTER_SIZE)) {
            throw new IllegalArgumentException("record of " + record.rows() + " rows of " + record.rowBytes()
                    + " bytes does not match rows of shape " + java.util.Arrays.toString(rowShape) + " x "
                    + itemSize + " bytes and a table of " + lentTable.byteSize() + " bytes");
        }
        return describe(lentTable, 0, format, shape, strides, suboffsets, readOnly, null, record);
    }

    /** Checks a descriptor once and makes the view: the one place every view is made from its parts. */
    static BufferView describe(MemorySegment memory, long bufOffset, Format format, long[] shape,
                               long[] strides, long[] suboffsets, boolean readOnly, Arena rowScope,
                               RowRecord record) {
        Descriptor layout = Descriptor.of(memory, bufOffset, format, shape, strides, suboffsets, readOnly, rowScope,
                record);
        return new BufferView(layout, new Descriptor.Shown(true, true, true, layout.pointers() != null), null, null,
                null);
    }

    /**
     * The bytes of {@code shape} items of {@code itemSize} bytes: 0 when an extent is 0, however large the others
     * ({@code [Long.MAX_VALUE, 0]} holds no item), else the exact product.
     *
     * @throws ArithmeticException if the product of a shape without a 0 overflows
     */
    static long byteCount(long itemSize, long[] shape) {
        for (long s : shape) {
            if (s == 0) {
                return 0;
            }
        }
        long bytes = itemSize;
        for (long s : shape) {
            bytes = Math.multiplyExact(bytes, s);
        }
        return bytes;
    }

    /**
     * Strides of a contiguous array ({@code PyBuffer_FillContiguousStrides}).
     *
     * @param shape    the extent of each dimension
     * @param itemSize bytes per item
     * @param order    {@code 'C'} (last index fastest) or {@code 'F'} (first index fastest)
     * @return the strides, in bytes
     * @throws IllegalArgumentException if {@code order} is neither {@code 'C'} nor {@code 'F'}
     * @throws ArithmeticException      if a stride overflows
     */
    public static long[] contiguousStrides(long[] shape, long itemSize, char order) {
        long[] strides = new long[shape.length];
        long sd = itemSize;
        switch (order) {
            // Only strides are computed: the product of all extents is none ([MAX_VALUE, 0] has strides [s, s]).
            case 'C' -> {
                for (int i = shape.length - 1; i >= 0; i--) {
                    strides[i] = sd;
                    if (i > 0) {
                        sd = Math.multiplyExact(sd, Math.max(shape[i], 1));
                    }
                }
            }
            case 'F' -> {
                for (int i = 0; i < shape.length; i++) {
                    strides[i] = sd;
                    if (i < shape.length - 1) {
                        sd = Math.multiplyExact(sd, Math.max(shape[i], 1));
                    }
                }
            }
            default -> throw new IllegalArgumentException("order '" + order + "': expected 'C' or 'F'");
        }
        return strides;
    }

    /**
     * Fills {@code strides} with the strides of a contiguous array: CPython's {@code PyBuffer_FillContiguousStrides}.
     *
     * @param shape    the extent of each dimension
     * @param strides  receives the strides; must have {@code shape.length} entries
     * @param itemSize bytes per item
     * @param order    {@code 'C'} or {@code 'F'}
     * @throws IllegalArgumentException if the lengths differ or {@code order} is neither {@code 'C'} nor {@code 'F'}
     */
    public static void fillContiguousStrides(long[] shape, long[] strides, long itemSize, char order) {
        if (strides.length != shape.length) {
            throw new IllegalArgumentException("strides has " + strides.length + " entries; expected "
                    + shape.length + " for shape " + Arrays.toString(shape));
        }
        System.arraycopy(contiguousStrides(shape, itemSize, order), 0, strides, 0, shape.length);
    }

    /**
     * Applies a request to this (whole) view: what {@link ExportCounter#export} lends.
     *
     * @param closer the only thread that may close the lent view, or null for any
     */
    BufferView forRequest(int flags, ExportCounter counter, Runnable onRelease, Thread closer) {
        ensureOpen();
        if (BufferRequest.requestsWritable(flags) && readOnly) {
            throw refuse(flags, "the buffer is read-only");
        }
        if (BufferRequest.requiresCContiguous(flags) && !isContiguous('C')) {
            throw refuse(flags, "the buffer is not C-contiguous");
        }
        if (BufferRequest.requiresFContiguous(flags) && !isContiguous('F')) {
            throw refuse(flags, "the buffer is not Fortran-contiguous");
        }
        if (BufferRequest.requiresAnyContiguous(flags) && !isContiguous('A')) {
            throw refuse(flags, "the buffer is neither C- nor Fortran-contiguous");
        }
        if (!BufferRequest.requestsIndirect(flags) && indirect) {
            throw refuse(flags, "the layout needs suboffsets (it follows pointers), but INDIRECT was not requested");
        }
        if (!BufferRequest.requestsStrides(flags) && !isContiguous('C')) {
            throw refuse(flags, "the buffer is not C-contiguous, and STRIDES was not requested");
        }
        boolean wantFormat = BufferRequest.requestsFormat(flags);
        if (!BufferRequest.requestsShape(flags)) {
            if (wantFormat && !(itemSize == 1 && fullFormat.isEquivalentTo(Format.parse("B")))) {
                throw refuse(flags, "FORMAT without ND: a buffer of format '" + fullFormat
                        + "' cannot be given as unsigned bytes with a format; request ND as well");
            }
            return new BufferView(layout.asBytes(), new Descriptor.Shown(wantFormat, false, false, false), counter,
                    onRelease, closer);
        }
        return new BufferView(layout, new Descriptor.Shown(wantFormat, true, BufferRequest.requestsStrides(flags),
                BufferRequest.requestsIndirect(flags) && indirect), counter, onRelease, closer);
    }

    private BufferException refuse(int flags, String reason) {
        return new BufferException("request " + BufferRequest.describe(flags) + " refused for " + describeLayout()
                + ": " + reason);
    }

    // ------------------------------------------------------------------------------------------------ descriptor

    /**
     * Returns the memory starting at {@code buf}, the item whose indices are all 0: the pointer table for an
     * indirect layout. Its {@code address()} is what C code receives as {@code buf}. With negative strides the view
     * also touches bytes before it: see {@link #memory()}.
     *
     * @return a slice of {@link #memory()} from {@link #bufOffset()} to its end
     * @throws IllegalStateException if the view is closed
     */
    public MemorySegment buf() {
        ensureOpen();
        return memory.asSlice(bufOffset);
    }

    /**
     * Returns every byte the first level of the view may touch (up to the first pointer followed).
     *
     * @return the memory; read-only if the view is, and always for an indirect layout (whose first level holds only
     *         pointers: Java code cannot rewrite them)
     * @throws IllegalStateException if the view is closed
     */
    public MemorySegment memory() {
        ensureOpen();
        return memory;
    }

    /**
     * Returns the offset of {@code buf} (the item whose indices are all 0) in {@link #memory()}.
     *
     * @return the offset, in bytes
     * @throws IllegalStateException if the view is closed
     */
    public long bufOffset() {
        ensureOpen();
        return bufOffset;
    }

    /**
     * Returns the number of bytes the items take if copied contiguously: {@code product(shape) * itemSize}.
     *
     * @return the length in bytes
     * @throws IllegalStateException if the view is closed
     */
    public long len() {
        ensureOpen();
        return len;
    }

    /**
     * Returns whether writes through this view are refused.
     *
     * @return true if read-only
     * @throws IllegalStateException if the view is closed
     */
    public boolean isReadOnly() {
        ensureOpen();
        return readOnly;
    }

    /**
     * Returns the item format, or {@code null} when the consumer did not request {@link BufferRequest#FORMAT}
     * (meaning unsigned bytes, as in CPython).
     *
     * @return the format, or null
     * @throws IllegalStateException if the view is closed
     */
    public Format format() {
        ensureOpen();
        return formatVisible ? fullFormat : null;
    }

    /**
     * Returns the size of one item of the exporter's format (also when {@link #format()} is null, as in CPython).
     *
     * @return bytes per item
     * @throws IllegalStateException if the view is closed
     */
    public long itemSize() {
        ensureOpen();
        return itemSize;
    }

    /**
     * Returns the number of dimensions: 1 for a view without shape.
     *
     * @return the number of dimensions, 0 to {@value #MAX_NDIM}
     * @throws IllegalStateException if the view is closed
     */
    public int ndim() {
        ensureOpen();
        return ndim;
    }

    /**
     * Returns the extent of each dimension, or {@code null} when {@link BufferRequest#ND} was not requested.
     *
     * @return a copy of the shape, or null
     * @throws IllegalStateException if the view is closed
     */
    public long[] shape() {
        ensureOpen();
        return shapeVisible ? shape.clone() : null;
    }

    /**
     * Returns the bytes between items of each dimension, or {@code null} when {@link BufferRequest#STRIDES} was not
     * requested (the memory is then C-contiguous).
     *
     * @return a copy of the strides, or null
     * @throws IllegalStateException if the view is closed
     */
    public long[] strides() {
        ensureOpen();
        return stridesVisible ? strides.clone() : null;
    }

    /**
     * Returns, for each dimension, the offset added after following a pointer, or -1 for a direct dimension;
     * {@code null} when no dimension is indirect or {@link BufferRequest#INDIRECT} was not requested.
     *
     * @return a copy of the suboffsets, or null
     * @throws IllegalStateException if the view is closed
     */
    public long[] suboffsets() {
        ensureOpen();
        return suboffsetsVisible ? suboffsets.clone() : null;
    }

    /**
     * Returns whether any dimension follows a pointer (has a suboffset {@code >= 0}).
     *
     * @return true for an indirect layout
     * @throws IllegalStateException if the view is closed
     */
    public boolean isIndirect() {
        ensureOpen();
        return indirect;
    }

    // ------------------------------------------------------------------------------------------------ resolver

    /**
     * Returns the memory of one item, following suboffsets: the suboffset-aware resolver of PEP 3118.
     *
     * @param index one index per dimension, each in {@code [0, shape[i])}; for a view without shape, a byte index
     *              in {@code [0, len())}
     * @return a segment of {@link #itemSize()} bytes (1 for a view without shape), read-only if the view is
     * @throws IllegalArgumentException  if {@code index} does not have {@link #ndim()} entries
     * @throws IndexOutOfBoundsException if an index is outside its dimension; the message names the dimension
     * @throws IllegalStateException     if the view is closed, or a pointer followed is NULL (the message names the
     *                                   dimension and the indices that led to it)
     */
    public MemorySegment elementAt(long... index) {
        ensureOpen();
        checkIndex(index);
        return resolve(index);
    }

    private MemorySegment resolve(long[] index) {
        return layout.resolve(index);
    }

    private void checkIndex(long[] index) {
        if (index.length != ndim) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " entries; the view has " + ndim + " dimension" + (ndim == 1 ? "" : "s") + ", shape "
                    + Arrays.toString(shape));
        }
        for (int i = 0; i < ndim; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw outOfBounds(index, i);
            }
        }
    }

    private IndexOutOfBoundsException outOfBounds(long[] index, int dim) {
        return new IndexOutOfBoundsException("index " + index[dim] + " out of range [0, " + shape[dim]
                + ") for dimension " + dim + " of shape " + Arrays.toString(shape) + " (index "
                + Arrays.toString(index) + ")");
    }

    // ------------------------------------------------------------------------------------------------ typed access

    /**
     * Reads a {@code double} item. The format must be {@code 'd'} (any byte order).
     *
     * <p>One item per call, and every call checks the view, the format and each index and follows the pointers of
     * an indirect layout: right for a few items. For many, run the {@link org.indirectbuffer.kernels.Kernels}
     * (sum, min, max, fill, scale, gather into a contiguous segment, scatter back) over this view, or copy it
     * with {@link #copyTo(MemorySegment, char)}. The same holds for every typed accessor of this class.
     *
     * @param index one index per dimension
     * @return the item
     * @throws BufferException           if the format is not a single {@code 'd'}
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public double getDouble(long... index) {
        try {
            ValueLayout.OfDouble layout = items("getDouble", double.class).doubles("getDouble");
            checkIndex(index);
            return resolve(index).get(layout, 0);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.getDouble", this);
        }
    }

    /**
     * Writes a {@code double} item. The format must be {@code 'd'} (any byte order).
     *
     * <p>One item per call; for many, use the kernels ({@code fill}, {@code scale}, {@code scatter}), as {@link
     * #getDouble(long...)} says.
     *
     * @param value the value
     * @param index one index per dimension
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws BufferException           if the format is not a single {@code 'd'}
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void setDouble(double value, long... index) {
        try {
            ValueLayout.OfDouble layout = items("setDouble", double.class).doubles("setDouble");
            if (readOnly) {
                throw ReadOnlyWrite.of("setDouble(" + value + ")", ReadOnlyWrite.index(index), this);
            }
            checkIndex(index);
            resolve(index).set(layout, 0, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.setDouble", this);
        }
    }

    /**
     * Reads a {@code float} item. The format must be {@code 'f'}, or {@code 'e'} (half precision, widened).
     *
     * @param index one index per dimension
     * @return the item
     * @throws BufferException           if the format is not a single {@code 'f'} or {@code 'e'}
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public float getFloat(long... index) {
        try {
            ValueLayout layout = items("getFloat", float.class).floats("getFloat");
            checkIndex(index);
            return ItemLayouts.getFloat(layout, resolve(index), 0);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.getFloat", this);
        }
    }

    /**
     * Writes a {@code float} item. The format must be {@code 'f'}, or {@code 'e'} (rounded to half precision).
     *
     * @param value the value
     * @param index one index per dimension
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws BufferException           if the format is not a single {@code 'f'} or {@code 'e'}
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void setFloat(float value, long... index) {
        try {
            ValueLayout layout = items("setFloat", float.class).floats("setFloat");
            if (readOnly) {
                throw ReadOnlyWrite.of("setFloat(" + value + ")", ReadOnlyWrite.index(index), this);
            }
            checkIndex(index);
            ItemLayouts.setFloat(layout, resolve(index), 0, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.setFloat", this);
        }
    }

    /**
     * Reads a 64-bit integer item ({@code 'q'}, {@code 'Q'}, {@code 'n'}, {@code 'N'}, or native {@code 'l'},
     * {@code 'L'}); unsigned values are returned as their bits.
     *
     * @param index one index per dimension
     * @return the item
     * @throws BufferException           if the format is not a single 8-byte integer
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public long getLong(long... index) {
        try {
            ValueLayout.OfLong layout = items("getLong", long.class).longs("getLong");
            checkIndex(index);
            return resolve(index).get(layout, 0);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.getLong", this);
        }
    }

    /**
     * Writes a 64-bit integer item (see {@link #getLong}).
     *
     * @param value the value (its bits, for unsigned formats)
     * @param index one index per dimension
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws BufferException           if the format is not a single 8-byte integer
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void setLong(long value, long... index) {
        try {
            ValueLayout.OfLong layout = items("setLong", long.class).longs("setLong");
            if (readOnly) {
                throw ReadOnlyWrite.of("setLong(" + value + ")", ReadOnlyWrite.index(index), this);
            }
            checkIndex(index);
            resolve(index).set(layout, 0, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.setLong", this);
        }
    }

    /**
     * Reads a 32-bit integer item ({@code 'i'}, {@code 'I'}, or standard-size {@code 'l'}, {@code 'L'}).
     *
     * @param index one index per dimension
     * @return the item
     * @throws BufferException           if the format is not a single 4-byte integer
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public int getInt(long... index) {
        try {
            ValueLayout.OfInt layout = items("getInt", int.class).ints("getInt");
            checkIndex(index);
            return resolve(index).get(layout, 0);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.getInt", this);
        }
    }

    /**
     * Writes a 32-bit integer item (see {@link #getInt}).
     *
     * @param value the value
     * @param index one index per dimension
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws BufferException           if the format is not a single 4-byte integer
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void setInt(int value, long... index) {
        try {
            ValueLayout.OfInt layout = items("setInt", int.class).ints("setInt");
            if (readOnly) {
                throw ReadOnlyWrite.of("setInt(" + value + ")", ReadOnlyWrite.index(index), this);
            }
            checkIndex(index);
            resolve(index).set(layout, 0, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.setInt", this);
        }
    }

    /**
     * Reads a 16-bit integer item ({@code 'h'}, {@code 'H'}).
     *
     * @param index one index per dimension
     * @return the item
     * @throws BufferException           if the format is not a single 2-byte integer
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public short getShort(long... index) {
        try {
            ValueLayout.OfShort layout = items("getShort", short.class).shorts("getShort");
            checkIndex(index);
            return resolve(index).get(layout, 0);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.getShort", this);
        }
    }

    /**
     * Writes a 16-bit integer item (see {@link #getShort}).
     *
     * @param value the value
     * @param index one index per dimension
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws BufferException           if the format is not a single 2-byte integer
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void setShort(short value, long... index) {
        try {
            ValueLayout.OfShort layout = items("setShort", short.class).shorts("setShort");
            if (readOnly) {
                throw ReadOnlyWrite.of("setShort(" + value + ")", ReadOnlyWrite.index(index), this);
            }
            checkIndex(index);
            resolve(index).set(layout, 0, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.setShort", this);
        }
    }

    /**
     * Reads a byte item ({@code 'b'}, {@code 'B'}, {@code 'c'}), or a byte of a view without format or shape.
     *
     * @param index one index per dimension
     * @return the item
     * @throws BufferException           if the items are not single bytes
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public byte getByte(long... index) {
        try {
            ValueLayout.OfByte layout = items("getByte", byte.class).bytes("getByte");
            checkIndex(index);
            return resolve(index).get(layout, 0);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.getByte", this);
        }
    }

    /**
     * Writes a byte item (see {@link #getByte}).
     *
     * @param value the value
     * @param index one index per dimension
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws BufferException           if the items are not single bytes
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void setByte(byte value, long... index) {
        try {
            ValueLayout.OfByte layout = items("setByte", byte.class).bytes("setByte");
            if (readOnly) {
                throw ReadOnlyWrite.of("setByte(" + value + ")", ReadOnlyWrite.index(index), this);
            }
            checkIndex(index);
            resolve(index).set(layout, 0, value);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.setByte", this);
        }
    }

    /** The typed-access layouts of the view's format; unsigned bytes for a view without format or shape. */
    private ItemLayouts items(String method, Class<?> carrier) {
        ensureOpen();
        if (!formatVisible || elementSize != itemSize) {
            if (carrier == byte.class && elementSize == 1) {
                return BYTES;
            }
            throw new BufferException(method + ": the view has no format (FORMAT or ND was not requested), so its "
                    + "items are unsigned bytes; request FORMAT and ND for typed access");
        }
        return items;
    }


    // ------------------------------------------------------------------------------------------------ contiguity

    /**
     * Returns whether the items lie contiguously in the given order, as CPython's {@code PyBuffer_IsContiguous}; unlike
     * CPython, suboffsets that are all negative still count as contiguous (the view follows no pointer); a view
     * that follows a pointer is never contiguous, even when empty (as in CPython). Dimensions of extent 1 may have
     * any stride; an empty direct view is contiguous.
     *
     * @param order {@code 'C'} (row-major), {@code 'F'} (column-major) or {@code 'A'} (either)
     * @return whether the view is contiguous in that order
     * @throws IllegalArgumentException if {@code order} is not {@code 'C'}, {@code 'F'} or {@code 'A'}
     * @throws IllegalStateException    if the view is closed
     */
    public boolean isContiguous(char order) {
        ensureOpen();
        return switch (order) {
            case 'C' -> isContiguous(false);
            case 'F' -> isContiguous(true);
            case 'A' -> isContiguous(false) || isContiguous(true);
            default -> throw new IllegalArgumentException("order '" + order + "': expected 'C', 'F' or 'A'");
        };
    }

    private boolean isContiguous(boolean fortran) {
        return layout.isContiguous(fortran);
    }

    // ------------------------------------------------------------------------------------------------ copies

    /**
     * Copies the items into {@code dst} contiguously in the given order, following suboffsets: CPython's {@code
     * PyBuffer_ToContiguous}. {@code 'A'} means the view's own order if it is Fortran- but not C-contiguous, C
     * otherwise.
     *
     * @param dst   receives {@link #len()} bytes from its start; must hold at least that many
     * @param order {@code 'C'}, {@code 'F'} or {@code 'A'}
     * @throws IllegalArgumentException  if {@code order} is not {@code 'C'}, {@code 'F'} or {@code 'A'}
     * @throws IndexOutOfBoundsException if {@code dst} is shorter than {@link #len()}
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void copyTo(MemorySegment dst, char order) {
        try {
            Objects.requireNonNull(dst, "dst");
            ViewCopier.transfer(layout, dst, resolveOrder(order), false);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.copyTo", this);
        }
    }

    /**
     * Returns the items as a new byte array, contiguous in the given order (see {@link #copyTo}).
     *
     * @param order {@code 'C'}, {@code 'F'} or {@code 'A'}
     * @return {@link #len()} bytes
     * @throws IllegalArgumentException if {@code order} is invalid, or {@link #len()} exceeds the largest array
     * @throws IllegalStateException    if the view is closed or a pointer followed is NULL
     */
    public byte[] toBytes(char order) {
        try {
            ensureOpen();
            if (len > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("view of " + len + " bytes does not fit in a Java byte array");
            }
            byte[] bytes = new byte[(int) len];
            copyTo(MemorySegment.ofArray(bytes), order);
            return bytes;
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.toBytes", this);
        }
    }

    /**
     * Copies contiguous items from {@code src} into the view in the given order, following suboffsets: CPython's
     * {@code PyBuffer_FromContiguous}.
     *
     * @param src   holds at least {@link #len()} bytes, read from its start
     * @param order {@code 'C'}, {@code 'F'} or {@code 'A'} (as in {@link #copyTo})
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws IllegalArgumentException  if {@code order} is not {@code 'C'}, {@code 'F'} or {@code 'A'}
     * @throws IndexOutOfBoundsException if {@code src} is shorter than {@link #len()}
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public void copyFrom(MemorySegment src, char order) {
        try {
            Objects.requireNonNull(src, "src");
            char resolved = resolveOrder(order);
            if (readOnly) {
                throw ReadOnlyWrite.of("copyFrom(" + src.byteSize() + " bytes, '" + resolved + "')", null, this);
            }
            ViewCopier.transfer(layout, src, resolved, true);
        } catch (InternalError e) {
            throw MemoryFaultException.of(e, "BufferView.copyFrom", this);
        }
    }

    private char resolveOrder(char order) {
        ensureOpen();
        return switch (order) {
            case 'C', 'F' -> order;
            case 'A' -> !isContiguous(false) && isContiguous(true) ? 'F' : 'C';
            default -> throw new IllegalArgumentException("order '" + order + "': expected 'C', 'F' or 'A'");
        };
    }

    /**
     * Returns a cursor over the items in C order, one run of the last dimension at a time: the loop bulk kernels are
     * built on. Pointers are followed once per run (once per item when the last dimension itself is indirect; its
     * runs then hold one item). A view with no items has no runs; a view of dimension 0 has one run of one item; the
     * runs of a view without shape are its bytes.
     *
     * <p>The cursor belongs to the calling thread. It does not check whether the view was closed after it was
     * made: the memory's own scope does.
     *
     * @return a new cursor, before the first run
     * @throws IllegalStateException if the view is closed
     */
    public Runs runs() {
        ensureOpen();
        return new Runs(layout);
    }

    /**
     * A cursor over the runs of a view (see {@link #runs()}): call {@link #next()} until it returns false, and read
     * the current run between calls. A run is {@link #count()} items starting at {@link #offset()} in {@link
     * #segment()}, {@link #stride()} bytes apart. Code that receives a run must touch only those items.
     *
     * <p>Not thread-safe: one cursor per thread.
     */
    public static final class Runs extends RunCursor {
        Runs(Descriptor layout) {
            super(layout);
        }
    }

    /**
     * Copies every item of {@code src} into {@code dst}, index by index, whatever their layouts.
     *
     * @param ndim the number of dimensions both must have, or -1 for any (equal) number
     */
    static void copyItems(BufferView src, BufferView dst, boolean cast, int ndim) {
        ViewCopier.copyItems(src, dst, cast, ndim);
    }

    // ------------------------------------------------------------------------------------------------ lifetime

    /**
     * Releases the view: the exporter's release action runs (for example copying staged rows back) and its export
     * count drops by one, even if that action throws. Idempotent; safe from any thread, except for a view its
     * exporter lent {@linkplain ExportCounter#exportConfined confined} to one thread.
     *
     * @throws WrongThreadException if the view was lent confined to another thread; it stays open, nothing changes
     */
    @Override
    public void close() {
        if (closer != null && closer != Thread.currentThread() && !closed) {
            throw new WrongThreadException("buffer view was lent confined to thread '" + closer.getName()
                    + "'; close it on that thread, not on '" + Thread.currentThread().getName() + "': "
                    + describeLayout());
        }
        if (CLOSED.compareAndSet(this, false, true) && release != null) {
            releaseAction.closed = true;
            release.clean();
        }
    }

    /**
     * A lent view's release: the exporter's release action, then the export count. Run once, by {@code close()} or
     * by the Cleaner when the view became unreachable unclosed (it never captures the view). Found by the Cleaner,
     * only the count is released: the exporter's release action (for a collection, copying staged rows back into
     * the user's arrays) must not run at a moment the garbage collector picks.
     */
    private static final class ExportRelease implements Runnable {
        private final ExportCounter exports;
        private final Runnable onRelease;
        /** The view's leak record, or null when not tracked. */
        private final LeakTracker.Record record;
        volatile boolean closed;

        ExportRelease(ExportCounter exports, Runnable onRelease, LeakTracker.Record record) {
            this.exports = exports;
            this.onRelease = onRelease;
            this.record = record;
        }

        @Override
        public void run() {
            try {
                if (onRelease != null && closed) {
                    onRelease.run();
                }
            } finally {
                exports.release();
                exports.released(record);
                if (record != null) {
                    if (closed) {
                        record.closed();
                    } else {
                        record.leaked("its export was released");
                    }
                }
            }
        }
    }

    /**
     * Returns whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("buffer view is closed (released): " + describeLayout());
    }

    /** Describes a lent view for leak reports, without referencing it (only its layout values and exporter). */
    private Supplier<String> describeLent(ExportCounter exports) {
        Format f = fullFormat;
        long[] dims = shape; // never changed after construction
        return () -> "format '" + f + "', shape " + Arrays.toString(dims) + ", lent by " + exports.describeExporter();
    }

    private String describeLayout() {
        return layout.describe();
    }

    /** The layout, for the copy engine; throws {@code IllegalStateException} if the view is closed. */
    Descriptor openLayout() {
        ensureOpen();
        return layout;
    }

    @Override
    public String toString() {
        return "BufferView[" + describeLayout() + ", len " + len + (closed ? ", closed" : "") + "]";
    }
}
