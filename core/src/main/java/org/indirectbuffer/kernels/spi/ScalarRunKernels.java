package org.indirectbuffer.kernels.spi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The scalar twin of every kernel: plain loops over a run. It runs when {@code jdk.incubator.vector} is absent or
 * the system property {@code indirectbuffer.kernels=scalar} is set, and is the reference the SIMD kernels are
 * tested against. Stateless and thread-safe.
 */
public final class ScalarRunKernels implements RunKernels {
    private static final ValueLayout.OfDouble D_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble D_BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfFloat F_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F_BE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong J_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong J_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt I_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Creates the scalar kernels. */
    public ScalarRunKernels() {
    }

    private static ValueLayout.OfDouble d(ByteOrder o) {
        return o == ByteOrder.LITTLE_ENDIAN ? D_LE : D_BE;
    }

    private static ValueLayout.OfFloat f(ByteOrder o) {
        return o == ByteOrder.LITTLE_ENDIAN ? F_LE : F_BE;
    }

    private static ValueLayout.OfLong j(ByteOrder o) {
        return o == ByteOrder.LITTLE_ENDIAN ? J_LE : J_BE;
    }

    private static ValueLayout.OfInt i(ByteOrder o) {
        return o == ByteOrder.LITTLE_ENDIAN ? I_LE : I_BE;
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public double sumDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfDouble l = d(o);
        double sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 8);
        }
        return sum;
    }

    @Override
    public double sumFloats(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfFloat l = f(o);
        double sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 4);
        }
        return sum;
    }

    @Override
    public long sumLongs(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfLong l = j(o);
        long sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 8);
        }
        return sum;
    }

    @Override
    public long sumInts(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfInt l = i(o);
        long sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 4);
        }
        return sum;
    }

    @Override
    public double minDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfDouble l = d(o);
        double m = Double.POSITIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public double maxDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfDouble l = d(o);
        double m = Double.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public float minFloats(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfFloat l = f(o);
        float m = Float.POSITIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public float maxFloats(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfFloat l = f(o);
        float m = Float.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public long minLongs(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfLong l = j(o);
        long m = Long.MAX_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public long maxLongs(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfLong l = j(o);
        long m = Long.MIN_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public int minInts(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfInt l = i(o);
        int m = Integer.MAX_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public int maxInts(MemorySegment s, long off, long n, ByteOrder o) {
        ValueLayout.OfInt l = i(o);
        int m = Integer.MIN_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public void fillDoubles(MemorySegment s, long off, long n, ByteOrder o, double value) {
        ValueLayout.OfDouble l = d(o);
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 8, value);
        }
    }

    @Override
    public void fillFloats(MemorySegment s, long off, long n, ByteOrder o, float value) {
        ValueLayout.OfFloat l = f(o);
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 4, value);
        }
    }

    @Override
    public void fillLongs(MemorySegment s, long off, long n, ByteOrder o, long value) {
        ValueLayout.OfLong l = j(o);
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 8, value);
        }
    }

    @Override
    public void fillInts(MemorySegment s, long off, long n, ByteOrder o, int value) {
        ValueLayout.OfInt l = i(o);
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 4, value);
        }
    }

    @Override
    public void scaleDoubles(MemorySegment s, long off, long n, ByteOrder o, double factor) {
        ValueLayout.OfDouble l = d(o);
        for (long k = 0; k < n; k++) {
            long p = off + k * 8;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public void scaleFloats(MemorySegment s, long off, long n, ByteOrder o, float factor) {
        ValueLayout.OfFloat l = f(o);
        for (long k = 0; k < n; k++) {
            long p = off + k * 4;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public void scaleLongs(MemorySegment s, long off, long n, ByteOrder o, long factor) {
        ValueLayout.OfLong l = j(o);
        for (long k = 0; k < n; k++) {
            long p = off + k * 8;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public void scaleInts(MemorySegment s, long off, long n, ByteOrder o, int factor) {
        ValueLayout.OfInt l = i(o);
        for (long k = 0; k < n; k++) {
            long p = off + k * 4;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public boolean equalDoubles(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        ValueLayout.OfDouble l = d(o);
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 8) != b.get(l, bOff + k * 8)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equalFloats(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        ValueLayout.OfFloat l = f(o);
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 4) != b.get(l, bOff + k * 4)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equalLongs(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        ValueLayout.OfLong l = j(o);
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 8) != b.get(l, bOff + k * 8)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equalInts(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        ValueLayout.OfInt l = i(o);
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 4) != b.get(l, bOff + k * 4)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public double sumDoubleRows(MemorySegment table, long tableOffset, long tableStride, long rows,
                                MemorySegment universe, long suboffset, long cols, ByteOrder o) {
        double sum = 0;
        for (long r = 0; r < rows; r++) {
            long address = table.get(ValueLayout.JAVA_LONG_UNALIGNED, tableOffset + r * tableStride);
            if (address == 0) {
                throw new NullRowException(r);
            }
            sum += sumDoubles(universe, address + suboffset, cols, o);
        }
        return sum;
    }
}
