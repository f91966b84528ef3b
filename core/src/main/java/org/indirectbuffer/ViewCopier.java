package org.indirectbuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.indirectbuffer.internal.MappedScopes;
import org.indirectbuffer.internal.ReadOnlyWrite;
import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.ViewSecrets;

/**
 * The copy engine of {@link BufferView}: the items of a {@link Descriptor} moved to or from contiguous memory in C
 * or Fortran order ({@code PyBuffer_ToContiguous}, {@code PyBuffer_FromContiguous}), and item-by-item copies
 * between two views of any layouts. Runs that continue one another in memory are merged into one block copy; a
 * {@code T**} is copied through its row addresses, without the general cursor.
 *
 * <p>Package-private; static methods only, no state: thread-safe as far as the memory copied is (writes are not
 * synchronized). Callers check that the views are open, the order valid and the target writable.
 */
final class ViewCopier {
    private ViewCopier() {
    }

    /**
     * Moves {@code len} bytes between the items of {@code d} and contiguous memory {@code other}.
     *
     * @param order    {@code 'C'} or {@code 'F'}
     * @param intoView whether the bytes go from {@code other} into the items
     * @throws IndexOutOfBoundsException if {@code other} is shorter than {@code d.len()}
     * @throws InternalError             if the memory faulted (a truncated mapped file), raised before this returns:
     *                                   see {@link MappedScopes#raisePendingFault()}
     */
    static void transfer(Descriptor d, MemorySegment other, char order, boolean intoView) {
        move(d, other, order, intoView);
        MappedScopes.raisePendingFault();
    }

    private static void move(Descriptor d, MemorySegment other, char order, boolean intoView) {
        long len = d.len();
        if (other.byteSize() < len) {
            throw new IndexOutOfBoundsException((intoView ? "source" : "destination") + " holds " + other.byteSize()
                    + " bytes; the view needs " + len);
        }
        if (len == 0) {
            return;
        }
        if (d.isContiguous(order == 'F')) {
            copyBytes(other, 0, d.bufOffset(), len, intoView, d.memory());
            return;
        }
        if (order == 'C' && d.isRowTable()) {
            transferRows(d, other, intoView);
        } else if (order == 'C') {
            transferC(d, other, intoView);
        } else {
            transferF(d, other, intoView);
        }
    }

    private static void copyBytes(MemorySegment contiguous, long contiguousOffset, long viewOffset, long bytes,
                                  boolean intoView, MemorySegment viewSegment) {
        if (intoView) {
            MemorySegment.copy(contiguous, contiguousOffset, viewSegment, viewOffset, bytes);
        } else {
            MemorySegment.copy(viewSegment, viewOffset, contiguous, contiguousOffset, bytes);
        }
    }

    /**
     * C order over a {@code T**} ({@link Descriptor#isRowTable()}): the row addresses read directly, rows that
     * continue one another merged into one copy. The general {@link BufferView.Runs} walk costs tens of nanoseconds
     * per row; this costs a pointer load and a compare. Rows of a collection (each with its own owner's scope) are
     * copied row by row.
     */
    private static void transferRows(Descriptor d, MemorySegment other, boolean intoView) {
        long rows = d.shape()[0];
        long rowBytes = d.shape()[1] * d.elementSize();
        ViewSecrets.RowTable table = d.rowTable();
        if (table == null) {
            RowRecord record = d.pointers().record;
            for (long r = 0; r < rows; r++) {
                copyBytes(other, r * rowBytes, 0, rowBytes, intoView, record.row(r));
            }
            return;
        }
        // The pending run is kept in locals, as in transferC: a small object holding it measured 6 ns per row
        // here against 1.4.
        MemorySegment addresses = table.table();
        MemorySegment space = d.readOnly() ? table.space().asReadOnly() : table.space();
        long position = 0;
        long pendingAddress = 0;
        long pendingBytes = 0;
        for (long r = 0; r < rows; r++) {
            long address = addresses.get(ValueLayout.JAVA_LONG_UNALIGNED,
                    table.tableOffset() + table.tableStride() * r);
            if (address == 0) {
                throw d.nullPointer(0, new long[] {r, 0});
            }
            address += table.suboffset();
            if (pendingBytes > 0 && address == pendingAddress + pendingBytes) {
                pendingBytes += rowBytes;
                continue;
            }
            if (pendingBytes > 0) {
                copyBytes(other, position, pendingAddress, pendingBytes, intoView, space);
                position += pendingBytes;
            }
            pendingAddress = address;
            pendingBytes = rowBytes;
        }
        if (pendingBytes > 0) {
            copyBytes(other, position, pendingAddress, pendingBytes, intoView, space);
        }
    }

    /**
     * C order: one block copy per contiguous run of the last dimension, item by item otherwise. Runs that continue
     * one another in memory (rows of one block, as a table into a single allocation has them) are merged into one
     * copy, which lets large copies take the C library's fastest path.
     */
    private static void transferC(Descriptor d, MemorySegment other, boolean intoView) {
        long elementSize = d.elementSize();
        long position = 0;
        MemorySegment pendingSegment = null;
        long pendingOffset = 0;
        long pendingBytes = 0;
        BufferView.Runs runs = new BufferView.Runs(d);
        while (runs.next()) {
            MemorySegment segment = runs.segment();
            long offset = runs.offset();
            long count = runs.count();
            long stride = runs.stride();
            if (stride == elementSize || count == 1) {
                long bytes = count * elementSize;
                if (segment == pendingSegment && offset == pendingOffset + pendingBytes) {
                    pendingBytes += bytes;
                    continue;
                }
                if (pendingBytes > 0) {
                    copyBytes(other, position, pendingOffset, pendingBytes, intoView, pendingSegment);
                    position += pendingBytes;
                }
                pendingSegment = segment;
                pendingOffset = offset;
                pendingBytes = bytes;
            } else {
                if (pendingBytes > 0) {
                    copyBytes(other, position, pendingOffset, pendingBytes, intoView, pendingSegment);
                    position += pendingBytes;
                    pendingBytes = 0;
                    pendingSegment = null;
                }
                for (long j = 0; j < count; j++) {
                    copyBytes(other, position, offset + stride * j, elementSize, intoView, segment);
                    position += elementSize;
                }
            }
        }
        if (pendingBytes > 0) {
            copyBytes(other, position, pendingOffset, pendingBytes, intoView, pendingSegment);
        }
    }

    /** Fortran order: item by item, first index fastest. */
    private static void transferF(Descriptor d, MemorySegment other, boolean intoView) {
        long[] shape = d.shape();
        int ndim = shape.length;
        long elementSize = d.elementSize();
        long[] index = new long[ndim];
        long pos = 0;
        while (true) {
            MemorySegment item = d.resolve(index);
            copyBytes(other, pos, 0, elementSize, intoView, item);
            pos += elementSize;
            int k = 0;
            while (k < ndim && ++index[k] == shape[k]) {
                index[k] = 0;
                k++;
            }
            if (k == ndim) {
                return;
            }
        }
    }

    /**
     * Copies every item of {@code src} into {@code dst}, index by index, whatever their layouts.
     *
     * @param cast whether items of different formats (of one size) may be copied as bytes
     * @param ndim the number of dimensions both must have, or -1 for any (equal) number
     * @throws IllegalStateException             if either view is closed
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
     * @throws BufferException                   if the dimensions, shapes, formats or item sizes do not match
     * @throws InternalError                    if the memory faulted, raised before this returns (as {@link
     *                                          #transfer})
     */
    static void copyItems(BufferView src, BufferView dst, boolean cast, int ndim) {
        copyEach(src, dst, cast, ndim);
        MappedScopes.raisePendingFault();
    }

    private static void copyEach(BufferView src, BufferView dst, boolean cast, int ndim) {
        Descriptor s = src.openLayout();
        Descriptor t = dst.openLayout();
        if (t.readOnly()) {
            throw ReadOnlyWrite.of("copying the items of " + src, null, dst);
        }
        for (Descriptor v : new Descriptor[] {s, t}) {
            if (ndim >= 0 && v.shape().length != ndim) {
                throw new BufferException((v == s ? "source" : "target") + " has " + v.shape().length
                        + " dimensions (shape " + Arrays.toString(v.shape()) + "); expected " + ndim);
            }
        }
        if (!Arrays.equals(s.shape(), t.shape())) {
            throw new BufferException("shape mismatch: source " + Arrays.toString(s.shape()) + ", target "
                    + Arrays.toString(t.shape()));
        }
        if (!cast && !s.format().isEquivalentTo(t.format())) {
            throw new BufferException("format mismatch: source '" + s.format() + "', target '" + t.format()
                    + "'; pass cast = true to copy the bytes anyway");
        }
        if (s.elementSize() != t.elementSize()) {
            throw new BufferException("item size mismatch: source '" + s.format() + "' has " + s.elementSize()
                    + " bytes per item, target '" + t.format() + "' has " + t.elementSize());
        }
        long size = s.elementSize();
        BufferView.Runs a = new BufferView.Runs(s);
        BufferView.Runs b = new BufferView.Runs(t);
        long leftA = 0;
        long leftB = 0;
        long offA = 0;
        long offB = 0;
        while (true) {
            if (leftA == 0) {
                if (!a.next()) {
                    return;
                }
                leftA = a.count();
                offA = a.offset();
            }
            if (leftB == 0) {
                b.next();
                leftB = b.count();
                offB = b.offset();
            }
            long n = Math.min(leftA, leftB);
            if ((a.stride() == size || n == 1) && (b.stride() == size || n == 1)) {
                MemorySegment.copy(a.segment(), offA, b.segment(), offB, n * size);
            } else {
                for (long k = 0; k < n; k++) {
                    MemorySegment.copy(a.segment(), offA + k * a.stride(), b.segment(), offB + k * b.stride(), size);
                }
            }
            offA += n * a.stride();
            offB += n * b.stride();
            leftA -= n;
            leftB -= n;
        }
    }
}
