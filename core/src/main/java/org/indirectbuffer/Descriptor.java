package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.MappedScopes;
import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.ViewSecrets;

/**
 * The checked layout behind a {@link BufferView}: first-level {@code memory}, the offset of {@code buf} in it, the
 * exporter's format and item size, the bytes one index step addresses ({@code elementSize}: the item size, or 1 for
 * a view without shape), shape, strides, suboffsets (-1 for a direct dimension, never null), whether writes are
 * refused, the contiguous length and how pointers are followed ({@code pointers}, null for a direct layout). Made
 * once by {@link #of} (or {@link #asBytes} for a view without shape); the pointer resolver of PEP 3118 works on it.
 *
 * <p>Package-private. Immutable: the arrays are never written after {@link #of} and never handed out (callers get
 * copies), so a descriptor may be shared by any number of views and threads. Being arrays, they are compared by
 * identity in {@code equals}; descriptors are not compared.
 *
 * @param memory      every byte the first level may touch; read-only if the view is, and for an indirect layout
 * @param bufOffset   the offset of the item whose indices are all 0 in {@code memory}
 * @param format      the exporter's format
 * @param itemSize    the format's item size
 * @param elementSize the bytes one index step addresses
 * @param shape       the extent of each dimension
 * @param strides     the bytes between items of each dimension
 * @param suboffsets  per dimension, the offset added after following a pointer, or -1
 * @param readOnly    whether writes through the view are refused
 * @param len         {@code product(shape) * itemSize}
 * @param pointers    how pointers are followed, or null when no dimension is indirect
 */
record Descriptor(MemorySegment memory, long bufOffset, Format format, long itemSize, long elementSize,
                  long[] shape, long[] strides, long[] suboffsets, boolean readOnly, long len, Pointers pointers) {

    /**
     * Which of a view's fields the consumer requested and sees (CPython leaves the others {@code NULL}).
     *
     * @param format     {@link BufferRequest#FORMAT}
     * @param shape      {@link BufferRequest#ND}
     * @param strides    {@link BufferRequest#STRIDES}
     * @param suboffsets {@link BufferRequest#INDIRECT}, on a layout that follows pointers
     */
    record Shown(boolean format, boolean shape, boolean strides, boolean suboffsets) {
    }

    /** Checks a descriptor once and makes it: see {@link BufferView#wrap(MemorySegment, long, Format, long[],
     *  long[], long[], boolean, Arena)} for what is checked and thrown. */
    static Descriptor of(MemorySegment memory, long bufOffset, Format format, long[] shape, long[] strides,
                         long[] suboffsets, boolean readOnly, Arena rowScope, RowRecord record) {
        if (memory != null) {
            MappedScopes.noteIfMapped(memory); // mapped memory is read by scalar kernels only
        }
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(shape, "shape");
        int n = shape.length;
        if (n > BufferView.MAX_NDIM) {
            throw new IllegalArgumentException("descriptor has " + n + " dimensions; at most " + BufferView.MAX_NDIM
                    + " are allowed");
        }
        long itemSize = format.itemSize();
        if (itemSize <= 0) {
            throw new IllegalArgumentException("format '" + format + "' has item size " + itemSize
                    + "; a buffer needs items of at least one byte");
        }
        long[] sh = shape.clone();
        for (int i = 0; i < n; i++) {
            if (sh[i] < 0) {
                throw new IllegalArgumentException("shape[" + i + "] = " + sh[i] + ": expected a size >= 0 in shape "
                        + Arrays.toString(sh));
            }
        }
        long[] st;
        if (strides == null) {
            try {
                st = BufferView.contiguousStrides(sh, itemSize, 'C');
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("descriptor with shape " + Arrays.toString(sh) + " and item size "
                        + itemSize + " overflows a 64-bit byte count", e);
            }
        } else if (strides.length != n) {
            throw new BufferException("strides has " + strides.length + " entries, but shape " + Arrays.toString(sh)
                    + " has " + n + " dimensions");
        } else {
            st = strides.clone();
        }
        long[] so;
        boolean anyIndirect = false;
        if (suboffsets == null) {
            so = new long[n];
            Arrays.fill(so, -1);
        } else if (suboffsets.length != n) {
            throw new BufferException("suboffsets has " + suboffsets.length + " entries, but shape "
                    + Arrays.toString(sh) + " has " + n + " dimensions");
        } else {
            so = suboffsets.clone();
            for (int i = 0; i < n; i++) {
                if (so[i] < 0) {
                    so[i] = -1;
                } else {
                    anyIndirect = true;
                }
            }
        }
        if (memory.isReadOnly() && !readOnly && !anyIndirect) {
            throw new BufferException("memory is read-only, but readOnly = false was given");
        }
        if (anyIndirect && !memory.isNative()) {
            throw new BufferException("descriptor with suboffsets " + Arrays.toString(so) + " follows pointers, but"
                    + " its memory is on the Java heap (" + memory + "): a heap array holds no pointers; an"
                    + " indirect layout's pointer tables must be in native memory");
        }
        long len;
        Pointers pointers = null;
        try {
            len = BufferView.byteCount(itemSize, sh);
            if (len > 0) {
                checkFirstLevel(memory, bufOffset, itemSize, sh, st, so);
            } else if (bufOffset < 0 || bufOffset > memory.byteSize()) {
                throw new BufferException("bufOffset " + bufOffset + " lies outside memory of " + memory.byteSize()
                        + " bytes (an empty view's buf must still be in [0, " + memory.byteSize() + "])");
            }
            if (anyIndirect) {
                pointers = Pointers.of(memory, itemSize, sh, st, so, len, rowScope, record);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("descriptor with shape " + Arrays.toString(sh) + ", strides "
                    + Arrays.toString(st) + ", suboffsets " + Arrays.toString(so) + " and item size " + itemSize
                    + " overflows a 64-bit byte count", e);
        }
        // An indirect layout's first level holds only pointers: Java code gets it read-only.
        MemorySegment mem = readOnly || anyIndirect ? memory.asReadOnly() : memory;
        return new Descriptor(mem, bufOffset, format, itemSize, itemSize, sh, st, so, readOnly, len, pointers);
    }

    private static void checkFirstLevel(MemorySegment memory, long bufOffset, long itemSize, long[] shape,
                                        long[] strides, long[] suboffsets) {
        long[] reach = Pointers.reach(shape, strides, suboffsets, 0, itemSize);
        long low = Math.addExact(bufOffset, reach[0]);
        long high = Math.addExact(bufOffset, reach[1]);
        if (low < 0 || high > memory.byteSize()) {
            throw new BufferException("descriptor with bufOffset " + bufOffset + ", shape " + Arrays.toString(shape)
                    + ", strides " + Arrays.toString(strides) + " and item size " + itemSize + " reaches bytes ["
                    + low + ", " + high + ") of memory, but memory holds bytes [0, " + memory.byteSize() + ")");
        }
    }

    /** This (direct) layout as {@link #len} unsigned bytes in one dimension: a view without shape. */
    Descriptor asBytes() {
        return new Descriptor(memory, bufOffset, format, itemSize, 1, new long[] {len}, new long[] {1},
                new long[] {-1}, readOnly, len, pointers);
    }

    /** Whether the items lie contiguously, in Fortran order or in C order; see {@link BufferView#isContiguous}. */
    boolean isContiguous(boolean fortran) {
        if (pointers != null) {
            return false;
        }
        if (len == 0) {
            return true;
        }
        int ndim = shape.length;
        long sd = elementSize;
        for (int k = 0; k < ndim; k++) {
            int i = fortran ? k : ndim - 1 - k;
            if (shape[i] > 1 && strides[i] != sd) {
                return false;
            }
            sd *= shape[i];
        }
        return true;
    }

    /** Whether this is the common {@code T**}: rows through a table of pointers, each row contiguous. */
    boolean isRowTable() {
        return shape.length == 2 && suboffsets[0] >= 0 && suboffsets[1] < 0 && strides[1] == elementSize;
    }

    /**
     * The table this {@code T**} layout's rows are read through, for the row fast paths: the record's addresses for
     * a table the library made, the layout's own table otherwise; null when this is not a table of contiguous rows
     * with 64-bit pointers, or the rows have different scopes. Its address space never leaves the library.
     */
    ViewSecrets.RowTable rowTable() {
        if (!isRowTable() || Pointers.POINTER_SIZE != 8) {
            return null;
        }
        RowRecord record = pointers.record;
        if (record != null) {
            return record.addresses() == null ? null
                    : new ViewSecrets.RowTable(record.addresses(), 0, 8, shape[0], record.addressSpace(), 0);
        }
        return new ViewSecrets.RowTable(memory, bufOffset, strides[0], shape[0],
                MemorySegment.NULL.reinterpret(Long.MAX_VALUE, pointers.scope, null), suboffsets[0]);
    }

    /** The memory of one item at a checked index, following suboffsets: the resolver of PEP 3118. */
    MemorySegment resolve(long[] index) {
        MemorySegment segment = memory;
        long offset = bufOffset;
        for (int i = 0; i < shape.length; i++) {
            offset += strides[i] * index[i];
            if (suboffsets[i] >= 0) {
                segment = follow(segment, offset, i, index);
                offset = -pointers.low[i];
            }
        }
        return segment.asSlice(offset, elementSize);
    }

    /**
     * Follows the pointer of dimension {@code dim} (indirect) stored at {@code offset} of {@code segment}: returns
     * the memory it leads to, bounded to what the remaining dimensions reach and with the scope of the memory's
     * owner; the pointer plus the suboffset lies at offset {@code -pointers.low[dim]} of it. Rows of a table the
     * library made are taken from its record, never from the table.
     *
     * @throws IllegalStateException if the pointer is NULL or the memory after it leaves the address space
     */
    MemorySegment follow(MemorySegment segment, long offset, int dim, long[] index) {
        Pointers p = pointers;
        if (dim == 0 && p.record != null) {
            MemorySegment row = p.record.row(index[0]);
            return readOnly ? row.asReadOnly() : row;
        }
        long address = Pointers.POINTER_SIZE == 8 ? segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset)
                : segment.get(ValueLayout.JAVA_INT_UNALIGNED, offset) & 0xFFFF_FFFFL;
        if (address == 0) {
            throw nullPointer(dim, index);
        }
        long start = address + suboffsets[dim] + p.low[dim];
        if (address < 0 || start < 0 || start > Long.MAX_VALUE - p.size[dim]) {
            throw badPointer(address, dim, index);
        }
        MemorySegment reached = MemorySegment.ofAddress(start).reinterpret(p.size[dim], p.scope, null);
        return readOnly ? reached.asReadOnly() : reached;
    }

    private IllegalStateException badPointer(long address, int dim, long[] index) {
        return new IllegalStateException("pointer 0x" + Long.toHexString(address) + " at dimension " + dim
                + " reached by index " + Arrays.toString(Arrays.copyOf(index, dim + 1)) + " plus suboffset "
                + suboffsets[dim] + " and the " + pointers.size[dim] + " bytes after it leave the address space, in "
                + describe());
    }

    /** The exception for a NULL pointer of dimension {@code dim} reached by {@code index}. */
    IllegalStateException nullPointer(int dim, long[] index) {
        return new IllegalStateException("NULL pointer at dimension " + dim + " reached by index "
                + Arrays.toString(Arrays.copyOf(index, dim + 1)) + " of " + describe());
    }

    /** The layout in words, for messages: "view of format 'd', shape [2, 3], strides [...]...". */
    String describe() {
        return "view of format '" + format + "', shape " + Arrays.toString(shape) + ", strides "
                + Arrays.toString(strides) + (pointers != null ? ", suboffsets " + Arrays.toString(suboffsets) : "")
                + (readOnly ? ", read-only" : "");
    }
}
