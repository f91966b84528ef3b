package org.indirectbuffer.space;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.ExportCounter;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.NativeBytes;
import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.ViewSecrets;

/**
 * This process's attachment to a named shared array (see {@link SharedArrays}): the array's memory mapped into this
 * process, lent as {@link BufferView}s to the buffer protocol, the kernels and collections, with typed access of its
 * own.
 *
 * <h2>Layouts</h2>
 * <ul>
 *   <li><b>Dense</b> ({@link SharedArrays#create}): the items in C order; views are C-contiguous.</li>
 *   <li><b>Indirect</b> ({@link SharedArrays#createIndirect}): a 2-D {@code T**} whose row table is stored in the
 *       shared memory as offsets from the start of the mapping. A view's {@code suboffsets[0]} is this process's base
 *       address of the mapping, so a consumer following PEP 3118's rule {@code p = *(char **)p + suboffsets[0]}
 *       lands on each row in every process, wherever each maps it. Java reads never follow the shared table: the
 *       rows are taken once, checked to lie inside the array, when the array is attached. For C functions that want
 *       real pointers, {@link #rowPointers()} lends a table of this process's row addresses.</li>
 * </ul>
 *
 * <h2>Lifetime</h2>
 * {@link #close()} detaches this process only: the mapping goes, other processes' attachments and the name stay.
 * While a view is open, {@code close} throws {@link BufferException} ("buffer is locked") and changes nothing. A
 * {@link java.lang.ref.Cleaner} detaches an attachment that became unreachable unclosed (and reports the leak).
 * After close, every method but {@code close}, {@code toString} and the descriptive getters throws {@link
 * IllegalStateException}, and every segment handed out throws {@code IllegalStateException} when touched.
 *
 * <h2>Other processes</h2>
 * Any process may write the memory at any time: the data is not synchronized (order writes yourselves). Another
 * process may also shrink the file; the next access here is then a {@link MemoryFaultException} (typed access, copies
 * and the kernels; the kernels read shared memory with their scalar twins, which fault safely), never a crash.
 *
 * <h2>Read-only attachments</h2>
 * An attachment made with {@code readOnly = true} maps the file read-only: typed setters, the kernels' writing
 * operations and copies into its views throw {@link java.nio.ReadOnlyBufferException}, and a {@code WRITABLE}
 * request is refused with {@link BufferException}.
 *
 * <h2>Thread-safety</h2>
 * All methods may be called from any thread; exports and close are serialized by the attachment's {@link
 * ExportCounter}.
 */
public final class SharedArray implements BufferExporter, AutoCloseable {
    private static final ViewSecrets.Access VIEWS = ViewSecrets.get();

    private final String name;
    private final SharedHeader header;
    private final Format format;
    private final boolean readOnly;
    /** The whole mapping (header, table, rows). */
    private final MemorySegment file;
    /** Indirect: the row table as consumers see it (read-only); null for dense. */
    private final MemorySegment table;
    private final RowRecord record;
    private final MemorySegment rowPointers;
    private final Lifetime lifetime;
    private final ExportCounter exports;
    /** Not counted: what typed access reads through. */
    private final BufferView items;

    SharedArray(String name, SharedHeader header, Format format, MemorySegment file, Arena arena,
                ShmFiles.Entry entry, boolean readOnly) {
        this.name = name;
        this.header = header;
        this.format = format;
        this.file = file;
        this.readOnly = readOnly;
        if (header.isIndirect()) {
            long rows = header.shape[0];
            long rowBytes = Math.multiplyExact(header.shape[1], header.itemSize);
            MemorySegment offsets = file.asSlice(header.rowTableOffset, 8 * rows);
            long[] addresses = new long[Math.toIntExact(rows)];
            long lowest = header.dataOffset;
            long highest = header.dataOffset + header.dataLength - rowBytes;
            for (int r = 0; r < rows; r++) {
                long o = offsets.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                        r);
                if (rowBytes > 0 && (o < lowest || o > highest)) {
                    throw SharedHeader.corrupt(name, "row table", "row " + r + " is at offset " + o
                            + "; its " + rowBytes + " bytes must lie in the data, [" + lowest + ", "
                            + (header.dataOffset + header.dataLength) + ")");
                }
                addresses[r] = file.address() + o;
            }
            this.table = offsets.asReadOnly();
            this.record = RowRecord.ofAddresses(MemorySegment.ofArray(addresses), rows, rowBytes, file.scope());
            MemorySegment pointers = NativeBytes.allocate(arena, Math.max(8, 8 * rows), 8).asSlice(0, 8 * rows);
            MemorySegment.copy(addresses, 0, pointers, ValueLayout.JAVA_LONG, 0, (int) rows);
            this.rowPointers = pointers;
        } else {
            this.table = null;
            this.record = null;
            this.rowPointers = null;
        }
        String description = describe(); // the Cleaner's record must not reach this attachment
        this.lifetime = Lifetime.start(this, arena, Sharing.SHARED, true, "SharedArray", () -> description,
                () -> ShmFiles.release(entry));
        this.exports = lifetime.exports();
        this.items = whole();
    }

    private String describe() {
        return "'" + name + "', format '" + header.format + "', shape " + Arrays.toString(header.shape)
                + (header.isIndirect() ? ", indirect" : "") + (readOnly ? ", read-only" : "");
    }

    /** The whole array as a view, not counted. */
    private BufferView whole() {
        if (lifetime != null && lifetime.isClosed()) {
            throw closed();
        }
        if (record != null) {
            return VIEWS.ofRecordedRows(table, record, format, header.shape[1], readOnly, file.address());
        }
        return BufferView.wrap(file.asSlice(header.dataOffset, header.dataLength), 0, format, header.shape, null,
                null, readOnly);
    }

    private IllegalStateException closed() {
        return new IllegalStateException("SharedArray " + describe() + " is closed (detached from this process)");
    }

    private BufferView items() {
        if (lifetime.isClosed()) {
            throw closed();
        }
        return items;
    }

    // ------------------------------------------------------------------------------------------------ protocol

    /**
     * {@inheritDoc}
     *
     * <p>The view is over the shared memory itself: no copy is made. Dense arrays give C-contiguous views; indirect
     * arrays give {@code T**} views (shape {@code [rows, cols]}, strides {@code [8, itemSize]}, suboffsets {@code
     * [base, -1]}, where {@code base} is this process's address of the mapping), refused to consumers without
     * {@link org.indirectbuffer.BufferRequest#INDIRECT}.
     *
     * @throws BufferException          if the request cannot be given (a {@code WRITABLE} request on a read-only
     *                                  attachment, contiguity of an indirect array, ...)
     * @throws IllegalArgumentException if {@code flags} holds bits that are not buffer request flags
     * @throws IllegalStateException    if the attachment is closed
     */
    @Override
    public BufferView getBuffer(int flags) {
        return exports.export(this::whole, flags);
    }

    /**
     * Lends this process's {@code T**} of an indirect array: {@code rows} 64-bit real addresses of the rows in this
     * process's mapping, in native memory this attachment owns, for passing to C. Valid until the attachment closes;
     * the segment then refuses access, and C must no longer use the addresses. The table is made once, at attach,
     * from the offsets checked then; writes into it (by C) change nothing of the shared array.
     *
     * @return the table, {@code rows * 8} bytes
     * @throws BufferException       if the array is dense (it has no rows to point at)
     * @throws IllegalStateException if the attachment is closed
     */
    public MemorySegment rowPointers() {
        if (rowPointers == null) {
            throw new BufferException("rowPointers: SharedArray " + describe() + " is dense; only indirect arrays"
                    + " (SharedArrays.createIndirect) have a row table");
        }
        if (lifetime.isClosed()) {
            throw closed();
        }
        return rowPointers;
    }

    // ------------------------------------------------------------------------------------------------ typed access

    /**
     * Reads a {@code double} item (format {@code d}).
     *
     * @param index one index per dimension
     * @return the item
     * @throws IndexOutOfBoundsException if an index is out of range or there are too few or too many
     * @throws BufferException           if the format is not {@code d}
     * @throws MemoryFaultException      if the shared memory was truncated by someone else
     * @throws IllegalStateException     if the attachment is closed
     */
    public double getDouble(long... index) {
        return items().getDouble(index);
    }

    /**
     * Writes a {@code double} item (format {@code d}).
     *
     * @param value the value
     * @param index one index per dimension
     * @throws java.nio.ReadOnlyBufferException if the attachment is read-only; nothing is written
     * @throws IndexOutOfBoundsException        if an index is out of range
     * @throws BufferException                  if the format is not {@code d}
     * @throws MemoryFaultException             if the shared memory was truncated by someone else
     * @throws IllegalStateException            if the attachment is closed
     */
    public void setDouble(double value, long... index) {
        items().setDouble(value, index);
    }

    /**
     * Reads a {@code float} item (format {@code f}, or {@code e} widened).
     *
     * @param index one index per dimension
     * @return the item
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws BufferException           if the format is not a 4-byte float
     * @throws MemoryFaultException      if the shared memory was truncated by someone else
     * @throws IllegalStateException     if the attachment is closed
     */
    public float getFloat(long... index) {
        return items().getFloat(index);
    }

    /**
     * Writes a {@code float} item.
     *
     * @param value the value
     * @param index one index per dimension
     * @throws java.nio.ReadOnlyBufferException if the attachment is read-only; nothing is written
     * @throws IndexOutOfBoundsException        if an index is out of range
     * @throws BufferException                  if the format is not {@code f}
     * @throws MemoryFaultException             if the shared memory was truncated by someone else
     * @throws IllegalStateException            if the attachment is closed
     */
    public void setFloat(float value, long... index) {
        items().setFloat(value, index);
    }

    /**
     * Reads an 8-byte integer item ({@code q Q}, native {@code l L n N}).
     *
     * @param index one index per dimension
     * @return the item (unsigned values as their bits)
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws BufferException           if the format is not an 8-byte integer
     * @throws MemoryFaultException      if the shared memory was truncated by someone else
     * @throws IllegalStateException     if the attachment is closed
     */
    public long getLong(long... index) {
        return items().getLong(index);
    }

    /**
     * Writes an 8-byte integer item.
     *
     * @param value the value
     * @param index one index per dimension
     * @throws java.nio.ReadOnlyBufferException if the attachment is read-only; nothing is written
     * @throws IndexOutOfBoundsException        if an index is out of range
     * @throws BufferException                  if the format is not an 8-byte integer
     * @throws MemoryFaultException             if the shared memory was truncated by someone else
     * @throws IllegalStateException            if the attachment is closed
     */
    public void setLong(long value, long... index) {
        items().setLong(value, index);
    }

    /**
     * Reads a 4-byte integer item ({@code i I}, native {@code l L} where 4 bytes).
     *
     * @param index one index per dimension
     * @return the item (unsigned values as their bits)
     * @throws IndexOutOfBoundsException if an index is out of range
     * @throws BufferException           if the format is not a 4-byte integer
     * @throws MemoryFaultException      if the shared memory was truncated by someone else
     * @throws IllegalStateException     if the attachment is closed
     */
    public int getInt(long... index) {
        return items().getInt(index);
    }

    /**
     * Writes a 4-byte integer item.
     *
     * @param value the value
     * @param index one index per dimension
     * @throws java.nio.ReadOnlyBufferException if the attachment is read-only; nothing is written
     * @throws IndexOutOfBoundsException        if an index is out of range
     * @throws BufferException                  if the format is not a 4-byte integer
     * @throws MemoryFaultException             if the shared memory was truncated by someone else
     * @throws IllegalStateException            if the attachment is closed
     */
    public void setInt(int value, long... index) {
        items().setInt(value, index);
    }

    // ------------------------------------------------------------------------------------------------ description

    /** {@return the array's name} */
    public String name() {
        return name;
    }

    /** {@return the item format} */
    public Format format() {
        return format;
    }

    /** {@return a copy of the shape} */
    public long[] shape() {
        return header.shape.clone();
    }

    /** {@return the bytes of the items: item size times the product of the shape} */
    public long byteSize() {
        return header.dataLength;
    }

    /** {@return whether the array is indirect (a {@code T**} with a row table)} */
    public boolean isIndirect() {
        return header.isIndirect();
    }

    /** {@return whether this attachment refuses writes} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@return the id of the process that created the array, as its header records it} */
    public long creatorPid() {
        return header.creatorPid;
    }

    /** {@return the number of views lent and not yet closed} */
    public int exportCount() {
        return exports.count();
    }

    /** {@return whether {@link #close()} detached this attachment} */
    public boolean isClosed() {
        return lifetime.isClosed();
    }

    /**
     * Detaches this process: the mapping is removed and later calls throw {@link IllegalStateException}. The array
     * itself stays for other processes (and for other attachments in this one); {@link SharedArrays#delete} removes
     * the name. Closing twice is harmless.
     *
     * @throws BufferException if a view is open ("buffer is locked"); the attachment stays open
     */
    @Override
    public void close() {
        lifetime.close("close", null);
    }

    @Override
    public String toString() {
        return "SharedArray[" + describe() + (lifetime.isClosed() ? ", closed" : "") + "]";
    }
}
