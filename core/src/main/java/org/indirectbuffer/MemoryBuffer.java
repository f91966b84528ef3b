package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Objects;

import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.Shapes;
import org.indirectbuffer.internal.NativeBytes;

/**
 * A direct (pointer-free) N-dimensional buffer over memory that already exists — a Java array, an NIO buffer or a
 * {@link MemorySegment} — or over memory it allocates. It is the plain exporter of the buffer protocol: it lends
 * its memory as {@link BufferView}s, counts them, and refuses what a request cannot be given.
 *
 * <h2>Ownership</h2>
 * <ul>
 *   <li>{@code wrap…} borrows: the array, NIO buffer or segment stays the caller's, and {@link #close()} frees
 *       nothing. A heap array's view has a heap {@link BufferView#buf()} (no native address).</li>
 *   <li>{@link #allocate} owns: zeroed native memory, freed by {@link #close()}, or by a {@link java.lang.ref.Cleaner} if the buffer
 *       and every view of it become unreachable without being closed.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * While any view is open, {@link #makeReadOnly()} and {@link #close()} throw {@link BufferException}
 * ("buffer is locked") and change nothing. Views keep the buffer reachable.
 *
 * <h2>Thread-safety</h2>
 * All methods may be called from any thread; state changes and exports are serialized by the buffer's {@link
 * ExportCounter}. The data itself is not synchronized: writers order their writes themselves.
 */
public final class MemoryBuffer implements BufferExporter, AutoCloseable {
    private final MemorySegment memory;
    private final long bufOffset;
    private final Format format;
    private final long[] shape;
    private final long[] strides;
    /** Owned memory's arena is closed by it, from close() or from the Cleaner; borrowed memory has none. */
    private final Lifetime lifetime;
    private final ExportCounter exports;
    private final boolean owned;
    private boolean readOnly;

    private MemoryBuffer(MemorySegment memory, long bufOffset, Format format, long[] shape, long[] strides,
                         boolean readOnly, Arena owned) {
        // Validates the descriptor once; getBuffer rebuilds it from these fields.
        BufferView.wrap(memory, bufOffset, format, shape, strides, null, readOnly || memory.isReadOnly());
        this.memory = memory;
        this.bufOffset = bufOffset;
        this.format = format;
        this.shape = shape;
        this.strides = strides;
        this.readOnly = readOnly || memory.isReadOnly();
        this.owned = owned != null;
        this.lifetime = Lifetime.start(this, owned, Sharing.SHARED, owned != null, "MemoryBuffer",
                () -> "format '" + format + "', shape " + Arrays.toString(shape) + (owned != null ? ", owned"
                        : ", borrowed"));
        this.exports = lifetime.exports();
    }

    // ------------------------------------------------------------------------------------------------ owning

    /**
     * Allocates zeroed native memory for a contiguous array and owns it.
     *
     * @param format the item format (its item size must be positive)
     * @param order  {@code 'C'} or {@code 'F'}
     * @param shape  the extent of each dimension, each {@code >= 0}
     * @return a writable buffer that frees its memory on {@link #close()}
     * @throws IllegalArgumentException if a shape entry is negative, there are more than {@value
     *                                  BufferView#MAX_NDIM} dimensions, the size overflows, or {@code order} is
     *                                  neither {@code 'C'} nor {@code 'F'}
     * @throws OutOfMemoryError         if the memory cannot be allocated
     */
    public static MemoryBuffer allocate(Format format, char order, long... shape) {
        Objects.requireNonNull(format, "format");
        long[] sh = checkedShape(shape);
        long bytes = byteCount(format, sh);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment memory = NativeBytes.allocate(arena, Math.max(bytes, 1), Math.max(1, format.alignment()))
                    .asSlice(0, bytes);
            return new MemoryBuffer(memory, 0, format, sh, contiguous(sh, format, order), false, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------ borrowing

    /**
     * Borrows a {@code double[]} as a 1-D buffer of format {@code 'd'}.
     *
     * @param array the items; writes through views land in it
     * @return a writable buffer over the array
     */
    public static MemoryBuffer wrap(double[] array) {
        return wrap(array, 'C', array.length);
    }

    /**
     * Borrows a {@code double[]} as an N-D buffer of format {@code 'd'}.
     *
     * @param array the items, laid out in {@code order}
     * @param order {@code 'C'} or {@code 'F'}
     * @param shape the extent of each dimension; the product must equal {@code array.length}
     * @return a writable buffer over the array
     * @throws BufferException if the shape does not match the array's length
     * @throws IllegalArgumentException if a shape entry is negative, or there are too many dimensions
     */
    public static MemoryBuffer wrap(double[] array, char order, long... shape) {
        return ofArray(MemorySegment.ofArray(array), "d", order, shape);
    }

    /**
     * Borrows a {@code float[]} as a 1-D buffer of format {@code 'f'} (see {@link #wrap(double[])}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(float[] array) {
        return wrap(array, 'C', array.length);
    }

    /**
     * Borrows a {@code float[]} as an N-D buffer of format {@code 'f'} (see {@link #wrap(double[], char, long...)}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @param order {@code 'C'} (row-major) or {@code 'F'} (column-major)
     * @param shape the extent of each dimension; their product must be the array's length
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(float[] array, char order, long... shape) {
        return ofArray(MemorySegment.ofArray(array), "f", order, shape);
    }

    /**
     * Borrows a {@code long[]} as a 1-D buffer of format {@code 'q'} (see {@link #wrap(double[])}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(long[] array) {
        return wrap(array, 'C', array.length);
    }

    /**
     * Borrows a {@code long[]} as an N-D buffer of format {@code 'q'} (see {@link #wrap(double[], char, long...)}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @param order {@code 'C'} (row-major) or {@code 'F'} (column-major)
     * @param shape the extent of each dimension; their product must be the array's length
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(long[] array, char order, long... shape) {
        return ofArray(MemorySegment.ofArray(array), "q", order, shape);
    }

    /**
     * Borrows an {@code int[]} as a 1-D buffer of format {@code 'i'} (see {@link #wrap(double[])}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(int[] array) {
        return wrap(array, 'C', array.length);
    }

    /**
     * Borrows an {@code int[]} as an N-D buffer of format {@code 'i'} (see {@link #wrap(double[], char, long...)}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @param order {@code 'C'} (row-major) or {@code 'F'} (column-major)
     * @param shape the extent of each dimension; their product must be the array's length
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(int[] array, char order, long... shape) {
        return ofArray(MemorySegment.ofArray(array), "i", order, shape);
    }

    /**
     * Borrows a {@code short[]} as a 1-D buffer of format {@code 'h'} (see {@link #wrap(double[])}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(short[] array) {
        return wrap(array, 'C', array.length);
    }

    /**
     * Borrows a {@code short[]} as an N-D buffer of format {@code 'h'} (see {@link #wrap(double[], char, long...)}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @param order {@code 'C'} (row-major) or {@code 'F'} (column-major)
     * @param shape the extent of each dimension; their product must be the array's length
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(short[] array, char order, long... shape) {
        return ofArray(MemorySegment.ofArray(array), "h", order, shape);
    }

    /**
     * Borrows a {@code byte[]} as a 1-D buffer of format {@code 'b'} (see {@link #wrap(double[])}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(byte[] array) {
        return wrap(array, 'C', array.length);
    }

    /**
     * Borrows a {@code byte[]} as an N-D buffer of format {@code 'b'} (see {@link #wrap(double[], char, long...)}).
     *
     * @param array the array, borrowed: not copied, so writes through the buffer are seen in it
     * @param order {@code 'C'} (row-major) or {@code 'F'} (column-major)
     * @param shape the extent of each dimension; their product must be the array's length
     * @return a buffer over {@code array}
     */
    public static MemoryBuffer wrap(byte[] array, char order, long... shape) {
        return ofArray(MemorySegment.ofArray(array), "b", order, shape);
    }

    /**
     * Borrows the remaining elements of an NIO buffer (heap or direct) as a 1-D buffer. The format follows the
     * buffer's type and byte order: {@code 'B'} for a {@link ByteBuffer}, {@code 'd'}, {@code 'f'}, {@code 'q'},
     * {@code 'i'}, {@code 'h'}, {@code 'H'} (for {@link CharBuffer}) for typed buffers, prefixed with {@code '<'} or
     * {@code '>'} when the buffer's order is not the native one. A read-only buffer gives a read-only buffer.
     *
     * @param buffer the buffer; its position and limit are read once, here
     * @return a buffer over the remaining elements
     * @throws IllegalArgumentException if the buffer type is not one of these
     */
    public static MemoryBuffer wrap(Buffer buffer) {
        return wrap(buffer, 'C', buffer.remaining());
    }

    /**
     * Borrows the remaining elements of an NIO buffer as an N-D buffer (see {@link #wrap(Buffer)} for the format).
     *
     * @param buffer the buffer; its position and limit are read once, here
     * @param order  {@code 'C'} or {@code 'F'}
     * @param shape  the extent of each dimension; the product must equal {@code buffer.remaining()}
     * @return a buffer over the remaining elements
     * @throws IllegalArgumentException if the buffer type is unsupported, or a shape entry is negative
     * @throws BufferException if the shape does not match
     */
    public static MemoryBuffer wrap(Buffer buffer, char order, long... shape) {
        Objects.requireNonNull(buffer, "buffer");
        String code;
        ByteOrder byteOrder;
        switch (buffer) {
            case ByteBuffer b -> {
                code = "B";
                byteOrder = ByteOrder.nativeOrder();
            }
            case DoubleBuffer b -> {
                code = "d";
                byteOrder = b.order();
            }
            case FloatBuffer b -> {
                code = "f";
                byteOrder = b.order();
            }
            case LongBuffer b -> {
                code = "q";
                byteOrder = b.order();
            }
            case IntBuffer b -> {
                code = "i";
                byteOrder = b.order();
            }
            case ShortBuffer b -> {
                code = "h";
                byteOrder = b.order();
            }
            case CharBuffer b -> {
                code = "H";
                byteOrder = b.order();
            }
            default -> throw new IllegalArgumentException("NIO buffer of type " + buffer.getClass().getName()
                    + ": expected a Byte-, Double-, Float-, Long-, Int-, Short- or CharBuffer");
        }
        String prefix = byteOrder.equals(ByteOrder.nativeOrder()) ? ""
                : byteOrder.equals(ByteOrder.BIG_ENDIAN) ? ">" : "<";
        MemorySegment segment = MemorySegment.ofBuffer(buffer);
        return ofArray(segment, prefix + code, order, shape);
    }

    /**
     * Borrows the remaining bytes of a {@link ByteBuffer} as an N-D buffer of the given format.
     *
     * @param buffer the bytes; its position and limit are read once, here
     * @param format the item format (its byte order is the format's, not the buffer's)
     * @param order  {@code 'C'} or {@code 'F'}
     * @param shape  the extent of each dimension; {@code product(shape) * itemSize} must equal the remaining bytes
     * @return a buffer over the bytes; read-only if the buffer is
     * @throws BufferException if the sizes do not match
     * @throws IllegalArgumentException if a shape entry is negative or the size overflows
     */
    public static MemoryBuffer wrap(ByteBuffer buffer, Format format, char order, long... shape) {
        Objects.requireNonNull(buffer, "buffer");
        return wrap(MemorySegment.ofBuffer(buffer), format, order, shape);
    }

    /**
     * Borrows a segment (heap or native) as a contiguous N-D buffer.
     *
     * @param segment the items, laid out in {@code order}; read-only segments give read-only buffers
     * @param format  the item format
     * @param order   {@code 'C'} or {@code 'F'}
     * @param shape   the extent of each dimension; {@code product(shape) * itemSize} must equal the segment's size
     * @return a buffer over the segment
     * @throws BufferException          if the sizes do not match
     * @throws IllegalArgumentException if a shape entry is negative, the size overflows, or {@code order} is neither
     *                                  {@code 'C'} nor {@code 'F'}
     */
    public static MemoryBuffer wrap(MemorySegment segment, Format format, char order, long... shape) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(format, "format");
        long[] sh = checkedShape(shape);
        long bytes = byteCount(format, sh);
        if (bytes != segment.byteSize()) {
            throw new BufferException("segment holds " + segment.byteSize() + " bytes, but shape "
                    + Arrays.toString(sh) + " of format '" + format + "' (item size " + format.itemSize()
                    + ") needs " + bytes);
        }
        return new MemoryBuffer(segment, 0, format, sh, contiguous(sh, format, order), false, null);
    }

    /**
     * Borrows a strided (possibly non-contiguous, possibly negatively strided) N-D layout in a segment.
     *
     * @param memory    every byte the layout touches
     * @param bufOffset the offset in {@code memory} of the item whose indices are all 0
     * @param format    the item format
     * @param shape     the extent of each dimension
     * @param strides   bytes between items of each dimension
     * @return a buffer over the layout; read-only if {@code memory} is
     * @throws BufferException if the layout is inconsistent or reaches outside {@code memory} (see {@link
     *                         BufferView#wrap(MemorySegment, long, Format, long[], long[], long[], boolean)})
     * @throws IllegalArgumentException if a shape entry is negative or the sizes overflow
     */
    public static MemoryBuffer wrapStrided(MemorySegment memory, long bufOffset, Format format, long[] shape,
                                           long[] strides) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(strides, "strides");
        long[] sh = checkedShape(shape);
        if (strides.length != sh.length) {
            throw new BufferException("strides has " + strides.length + " entries, but shape " + Arrays.toString(sh)
                    + " has " + sh.length + " dimensions");
        }
        return new MemoryBuffer(memory, bufOffset, format, sh, strides.clone(), false, null);
    }

    private static MemoryBuffer ofArray(MemorySegment segment, String format, char order, long[] shape) {
        return wrap(segment, Format.parse(format), order, shape);
    }

    private static long[] checkedShape(long[] shape) {
        return Shapes.checked(shape);
    }

    private static long byteCount(Format format, long[] shape) {
        try {
            return BufferView.byteCount(format.itemSize(), shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of format '" + format
                    + "' overflows a 64-bit byte count", e);
        }
    }

    private static long[] contiguous(long[] shape, Format format, char order) {
        try {
            return BufferView.contiguousStrides(shape, format.itemSize(), order);
        } catch (ArithmeticException e) {
            // an empty shape whose other extents are huge: [MAX_VALUE, MAX_VALUE, 0] holds no byte, but its strides
            // do not fit
            throw new IllegalArgumentException("strides of shape " + Arrays.toString(shape) + " of format '" + format
                    + "' in order '" + order + "' overflow a 64-bit byte count", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ protocol

    /**
     * {@inheritDoc}
     *
     * <p>The view is over this buffer's memory: no copy is made.
     */
    @Override
    public BufferView getBuffer(int flags) {
        return exports.export(this::whole, flags);
    }

    /** The whole layout, with every field; called under the export counter's monitor. */
    private BufferView whole() {
        if (lifetime.isClosed()) {
            throw new IllegalStateException("MemoryBuffer is closed: format '" + format + "', shape "
                    + Arrays.toString(shape));
        }
        return BufferView.wrap(memory, bufOffset, format, shape, strides, null, readOnly);
    }

    /**
     * Makes the buffer read-only: later views refuse writes. A no-op when it already is.
     *
     * @throws BufferException       if it is writable and a view is open ("buffer is locked"); nothing changes
     * @throws IllegalStateException if the buffer is closed
     */
    public void makeReadOnly() {
        exports.whileUnlocked("make read-only", () -> readOnly, () -> {
            whole();
            readOnly = true;
        });
    }

    /**
     * Returns the number of views lent and not yet closed.
     *
     * @return the export count
     */
    public int exportCount() {
        return exports.count();
    }

    /**
     * Returns whether views of this buffer refuse writes.
     *
     * @return true if read-only
     */
    public boolean isReadOnly() {
        return exports.whileHeld(() -> readOnly);
    }

    /**
     * Returns the item format.
     *
     * @return the format
     */
    public Format format() {
        return format;
    }

    /**
     * Returns the extent of each dimension.
     *
     * @return a copy of the shape
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the strides, in bytes.
     *
     * @return a copy of the strides
     */
    public long[] strides() {
        return strides.clone();
    }

    /**
     * Ends the buffer: owned memory is freed now; borrowed memory is left to its owner. Later {@link #getBuffer}
     * calls throw {@link IllegalStateException}. Closing twice is harmless.
     *
     * @throws BufferException if a view is open ("buffer is locked"); the buffer stays open
     */
    @Override
    public void close() {
        lifetime.close("close", null);
    }

    @Override
    public String toString() {
        return "MemoryBuffer[format '" + format + "', shape " + Arrays.toString(shape) + ", strides "
                + Arrays.toString(strides) + (owned ? ", owned" : ", borrowed") + "]";
    }
}
