package org.indirectbuffer.kernels.spi;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The bulk kernels over one contiguous run of items: the one provider interface behind {@code Kernels}. Three
 * implementations exist: {@link ScalarRunKernels}, a Vector API one in {@code org.indirectbuffer.kernels.simd},
 * loaded only when the module {@code jdk.incubator.vector} is present, and {@link MappedRunKernels} for memory that
 * may be memory-mapped (scalar accesses only, with independent accumulators). Every method has its scalar twin, and
 * tests run each implementation against it over awkward sizes.
 *
 * <p>A run is {@code n >= 0} items at {@code offset} in {@code segment}, laid out contiguously in byte order {@code
 * order}. Implementations are stateless and thread-safe. Floating-point sums are accumulated in {@code double}, in an
 * order that may differ between implementations (so results may differ in the last bits); everything else gives
 * identical results. Minimum and maximum follow {@link Math#min} and {@link Math#max} (NaN wins, -0.0 is less than
 * 0.0); on an empty run they return the identity ({@code +Infinity}, {@code Long.MAX_VALUE}, ... for min).
 *
 * <p>Internal: not exported.
 */
public interface RunKernels {
    /** @return a short name for logs and benchmarks, e.g. {@code "scalar"} or {@code "simd 256-bit"} */
    String name();

    /** @return the bit size of the vectors these kernels use; 0 for the scalar ones */
    int vectorBits();

    double sumDoubles(MemorySegment segment, long offset, long n, ByteOrder order);

    double sumFloats(MemorySegment segment, long offset, long n, ByteOrder order);

    long sumLongs(MemorySegment segment, long offset, long n, ByteOrder order);

    long sumInts(MemorySegment segment, long offset, long n, ByteOrder order);

    double minDoubles(MemorySegment segment, long offset, long n, ByteOrder order);

    double maxDoubles(MemorySegment segment, long offset, long n, ByteOrder order);

    float minFloats(MemorySegment segment, long offset, long n, ByteOrder order);

    float maxFloats(MemorySegment segment, long offset, long n, ByteOrder order);

    long minLongs(MemorySegment segment, long offset, long n, ByteOrder order);

    long maxLongs(MemorySegment segment, long offset, long n, ByteOrder order);

    int minInts(MemorySegment segment, long offset, long n, ByteOrder order);

    int maxInts(MemorySegment segment, long offset, long n, ByteOrder order);

    void fillDoubles(MemorySegment segment, long offset, long n, ByteOrder order, double value);

    void fillFloats(MemorySegment segment, long offset, long n, ByteOrder order, float value);

    void fillLongs(MemorySegment segment, long offset, long n, ByteOrder order, long value);

    void fillInts(MemorySegment segment, long offset, long n, ByteOrder order, int value);

    void scaleDoubles(MemorySegment segment, long offset, long n, ByteOrder order, double factor);

    void scaleFloats(MemorySegment segment, long offset, long n, ByteOrder order, float factor);

    /** Multiplies in place, wrapping on overflow. */
    void scaleLongs(MemorySegment segment, long offset, long n, ByteOrder order, long factor);

    /** Multiplies in place, wrapping on overflow. */
    void scaleInts(MemorySegment segment, long offset, long n, ByteOrder order, int factor);

    /** IEEE equality item by item (NaN is unequal to itself, -0.0 equals 0.0); both runs in {@code order}. */
    boolean equalDoubles(MemorySegment a, long aOffset, MemorySegment b, long bOffset, long n, ByteOrder order);

    /** IEEE equality item by item; both runs in {@code order}. */
    boolean equalFloats(MemorySegment a, long aOffset, MemorySegment b, long bOffset, long n, ByteOrder order);

    boolean equalLongs(MemorySegment a, long aOffset, MemorySegment b, long bOffset, long n, ByteOrder order);

    boolean equalInts(MemorySegment a, long aOffset, MemorySegment b, long bOffset, long n, ByteOrder order);

    /**
     * Sums a table of row pointers in one pass: {@code rows} pointers at {@code tableOffset} in {@code table},
     * {@code tableStride} bytes apart (64-bit pointers); row {@code i} holds {@code cols} doubles at {@code pointer(i) + suboffset} in
     * {@code universe}. The fast path for the most common {@code double**} layout. A NULL row pointer throws
     * {@link NullRowException} with its row index.
     */
    double sumDoubleRows(MemorySegment table, long tableOffset, long tableStride, long rows, MemorySegment universe,
                         long suboffset, long cols, ByteOrder order);

    /**
     * Builds a {@code double**} from Java rows in one pass: row {@code r} of {@code rows} is copied, in native byte
     * order, to offset {@code r * cols * 8} of {@code block}, and its address is written as the {@code r}-th 64-bit
     * pointer of {@code table}. Stops at the first row that is null or not {@code cols} long, having copied the rows
     * before it and nothing of it.
     *
     * @return {@code rows.length} when every row was copied, else the index of the row that stopped it
     */
    int copyDoubleArrayRows(double[][] rows, int cols, MemorySegment block, MemorySegment table);

    /** Thrown by the row fast paths when a row pointer is NULL; the caller turns it into its own message. */
    final class NullRowException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long row;

        public NullRowException(long row) {
            super(null, null, false, false);
            this.row = row;
        }

        public long row() {
            return row;
        }
    }
}
