package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.ScopeArena;

/**
 * How a {@link BufferView} follows its pointers: the extent each dereference reaches, the scope the memory reached
 * belongs to, and, for tables the library made, its own record of the rows. Worked out once per descriptor by
 * {@link Descriptor#of}; shared by a view and the views lent of it.
 *
 * <p>Package-private. Immutable (the arrays are never written after {@link #of}); thread-safe.
 */
final class Pointers {
    static final long POINTER_SIZE = ValueLayout.ADDRESS.byteSize();

    /** Per dimension: where the memory reached through its pointer starts, relative to pointer + suboffset. */
    final long[] low;
    /** Per dimension: how many bytes the memory reached through its pointer spans (0 for direct dimensions). */
    final long[] size;
    /** The scope memory reached through pointers gets. */
    final Arena scope;
    /** The library's record of dimension 0's rows, or null for a foreign table. */
    final RowRecord record;

    private Pointers(long[] low, long[] size, Arena scope, RowRecord record) {
        this.low = low;
        this.size = size;
        this.scope = scope;
        this.record = record;
    }

    /**
     * Works out the extents of a checked descriptor with at least one indirect dimension.
     *
     * @throws ArithmeticException      if an extent overflows a 64-bit byte count
     * @throws IllegalArgumentException if {@code record} does not describe rows read from offset 0
     */
    static Pointers of(MemorySegment memory, long itemSize, long[] shape, long[] strides, long[] suboffsets,
                       long len, Arena rowScope, RowRecord record) {
        int n = shape.length;
        long[] low = new long[n];
        long[] size = new long[n];
        for (int d = 0; d < n && len > 0; d++) {
            if (suboffsets[d] >= 0) {
                long[] reach = reach(shape, strides, suboffsets, d + 1, itemSize);
                low[d] = reach[0];
                size[d] = Math.subtractExact(reach[1], reach[0]);
                // pointer + suboffset + [low, high) must stay a 64-bit count for any pointer below 2^63
                Math.addExact(suboffsets[d], reach[1]);
            }
        }
        if (record != null && len > 0 && (low[0] != 0 || size[0] != record.rowBytes())) {
            throw new IllegalArgumentException("a row record needs rows read from offset 0");
        }
        return new Pointers(low, size, rowScope != null ? rowScope : ScopeArena.of(memory.scope()), record);
    }

    /**
     * The byte range {@code [low, high)} that indices of dimensions {@code from..k} reach relative to the position
     * before dimension {@code from}, where {@code k} is the next indirect dimension (its cell is a pointer) or the
     * last one (its cell is an item).
     *
     * @throws ArithmeticException if the range overflows a 64-bit byte count
     */
    static long[] reach(long[] shape, long[] strides, long[] suboffsets, int from, long itemSize) {
        long low = 0;
        long high = 0;
        long cell = itemSize;
        for (int i = from; i < shape.length; i++) {
            long span = Math.multiplyExact(strides[i], shape[i] - 1);
            if (span < 0) {
                low = Math.addExact(low, span);
            } else {
                high = Math.addExact(high, span);
            }
            if (suboffsets[i] >= 0) {
                cell = POINTER_SIZE;
                break;
            }
        }
        return new long[] {low, Math.addExact(high, cell)};
    }
}
