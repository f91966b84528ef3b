package org.indirectbuffer;

import java.lang.foreign.MemorySegment;

/**
 * The cursor behind {@link BufferView.Runs}: walks the items of a {@link Descriptor} in C order, one run of the last
 * dimension at a time, following pointers once per run (once per item when the last dimension itself is indirect).
 * The odometer over dimensions {@code 0..ndim-2} keeps the position before each dimension's stride, so that moving
 * to the next run recomputes only the dimensions that changed.
 *
 * <p>Package-private; its only subclass is the public {@link BufferView.Runs}, which documents it. Not thread-safe:
 * one cursor per thread. It holds the descriptor's fields itself, so that the hot loop reads no other object.
 */
abstract sealed class RunCursor permits BufferView.Runs {
    private final Descriptor layout;
    private final MemorySegment memory;
    private final long bufOffset;
    private final long elementSize;
    private final int ndim;
    private final long[] shape;
    private final long[] strides;
    private final long[] suboffsets;
    /** {@code pointers.low} of the descriptor, or null for a direct layout. */
    private final long[] low;
    private final long[] index;
    /** segments[d], offsets[d]: the position before dimension d's stride is added. */
    private final MemorySegment[] segments;
    private final long[] offsets;
    private final int last;
    private final boolean lastIndirect;
    private boolean started;
    private boolean done;
    private MemorySegment segment;
    private long offset;
    private long count;
    private long stride;

    RunCursor(Descriptor layout) {
        this.layout = layout;
        this.memory = layout.memory();
        this.bufOffset = layout.bufOffset();
        this.elementSize = layout.elementSize();
        this.shape = layout.shape();
        this.strides = layout.strides();
        this.suboffsets = layout.suboffsets();
        this.low = layout.pointers() == null ? null : layout.pointers().low;
        this.ndim = shape.length;
        this.index = new long[ndim];
        this.segments = new MemorySegment[Math.max(ndim, 1)];
        this.offsets = new long[Math.max(ndim, 1)];
        this.last = ndim - 1;
        this.lastIndirect = ndim > 0 && suboffsets[ndim - 1] >= 0;
        this.done = layout.len() == 0;
        segments[0] = memory;
        offsets[0] = bufOffset;
    }

    /**
     * Moves to the next run.
     *
     * @return false when there are no more runs
     * @throws IllegalStateException if a pointer followed is NULL; the message names the dimension and index
     */
    public boolean next() {
        if (done) {
            return false;
        }
        if (ndim == 0) {
            set(memory, bufOffset, 1, elementSize);
            done = true;
            return true;
        }
        if (!started) {
            started = true;
            descend(0);
        } else if (lastIndirect && index[last] + 1 < shape[last]) {
            index[last]++;
        } else {
            // advance the odometer over dimensions 0..last-1
            index[last] = 0;
            int d = last - 1;
            while (d >= 0 && ++index[d] == shape[d]) {
                index[d] = 0;
                d--;
            }
            if (d < 0) {
                done = true;
                return false;
            }
            descend(d);
        }
        if (lastIndirect) {
            set(layout.follow(segments[last], offsets[last] + strides[last] * index[last], last, index),
                    -low[last], 1, elementSize);
        } else {
            set(segments[last], offsets[last], shape[last], strides[last]);
        }
        return true;
    }

    /** Recomputes the positions of dimensions {@code from+1 .. ndim-1} from that of {@code from}. */
    private void descend(int from) {
        for (int d = from; d < last; d++) {
            long off = offsets[d] + strides[d] * index[d];
            MemorySegment s = segments[d];
            if (suboffsets[d] >= 0) {
                s = layout.follow(s, off, d, index);
                off = -low[d];
            }
            segments[d + 1] = s;
            offsets[d + 1] = off;
        }
    }

    private void set(MemorySegment segment, long offset, long count, long stride) {
        this.segment = segment;
        this.offset = offset;
        this.count = count;
        this.stride = stride;
    }

    /**
     * Returns the memory the current run lies in: the view's first-level {@link BufferView#memory()}, or the memory
     * a pointer led to, bounded to the bytes the remaining dimensions reach from it and with the scope of the
     * memory's owner (closing the owner makes it unusable). Read-only if the view is.
     *
     * @return the segment
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Returns the offset of the current run's first item in {@link #segment()}.
     *
     * @return the offset, in bytes
     */
    public long offset() {
        return offset;
    }

    /**
     * Returns the number of items in the current run.
     *
     * @return at least 1
     */
    public long count() {
        return count;
    }

    /**
     * Returns the bytes from one item of the current run to the next: the item size when the run is contiguous,
     * possibly negative.
     *
     * @return the stride, in bytes
     */
    public long stride() {
        return stride;
    }

    /**
     * Returns the index of the current run's first item (a copy).
     *
     * @return one index per dimension
     */
    public long[] index() {
        return index.clone();
    }
}
