package org.indirectbuffer.kernels.spi;

import static org.indirectbuffer.kernels.spi.OrderedLayouts.D_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.D_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.F_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.F_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.I_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.I_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.J_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.J_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.little;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The scalar twin of every kernel: plain loops over a run. It runs when {@code jdk.incubator.vector} is absent or
 * the system property {@code indirectbuffer.kernels=scalar} is set, and is the reference the SIMD kernels are
 * tested against. Stateless and thread-safe.
 *
 * <p>Each public method picks the layout for the byte order once and calls a loop with it as an argument: inlined at
 * each of the two call sites, the layout is a constant there, so C2 compiles the access to a plain load.
 */
public final class ScalarRunKernels implements RunKernels {
    /** Creates the scalar kernels. */
    public ScalarRunKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorBits() {
        return 0;
    }

    // ---------------------------------------------------------------------------------------------------- double

    @Override
    public double sumDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? sumDoubles(D_LE, s, off, n) : sumDoubles(D_BE, s, off, n);
    }

    private static double sumDoubles(ValueLayout.OfDouble l, MemorySegment s, long off, long n) {
        double sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 8);
        }
        return sum;
    }

    @Override
    public double minDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? minDoubles(D_LE, s, off, n) : minDoubles(D_BE, s, off, n);
    }

    private static double minDoubles(ValueLayout.OfDouble l, MemorySegment s, long off, long n) {
        double m = Double.POSITIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public double maxDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? maxDoubles(D_LE, s, off, n) : maxDoubles(D_BE, s, off, n);
    }

    private static double maxDoubles(ValueLayout.OfDouble l, MemorySegment s, long off, long n) {
        double m = Double.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public void fillDoubles(MemorySegment s, long off, long n, ByteOrder o, double value) {
        if (little(o)) {
            fillDoubles(D_LE, s, off, n, value);
        } else {
            fillDoubles(D_BE, s, off, n, value);
        }
    }

    private static void fillDoubles(ValueLayout.OfDouble l, MemorySegment s, long off, long n, double value) {
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 8, value);
        }
    }

    @Override
    public void scaleDoubles(MemorySegment s, long off, long n, ByteOrder o, double factor) {
        if (little(o)) {
            scaleDoubles(D_LE, s, off, n, factor);
        } else {
            scaleDoubles(D_BE, s, off, n, factor);
        }
    }

    private static void scaleDoubles(ValueLayout.OfDouble l, MemorySegment s, long off, long n, double factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 8;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public boolean equalDoubles(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return little(o) ? equalDoubles(D_LE, a, aOff, b, bOff, n) : equalDoubles(D_BE, a, aOff, b, bOff, n);
    }

    private static boolean equalDoubles(ValueLayout.OfDouble l, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 8) != b.get(l, bOff + k * 8)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- float

    @Override
    public double sumFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? sumFloats(F_LE, s, off, n) : sumFloats(F_BE, s, off, n);
    }

    private static double sumFloats(ValueLayout.OfFloat l, MemorySegment s, long off, long n) {
        double sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 4);
        }
        return sum;
    }

    @Override
    public float minFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? minFloats(F_LE, s, off, n) : minFloats(F_BE, s, off, n);
    }

    private static float minFloats(ValueLayout.OfFloat l, MemorySegment s, long off, long n) {
        float m = Float.POSITIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public float maxFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? maxFloats(F_LE, s, off, n) : maxFloats(F_BE, s, off, n);
    }

    private static float maxFloats(ValueLayout.OfFloat l, MemorySegment s, long off, long n) {
        float m = Float.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public void fillFloats(MemorySegment s, long off, long n, ByteOrder o, float value) {
        if (little(o)) {
            fillFloats(F_LE, s, off, n, value);
        } else {
            fillFloats(F_BE, s, off, n, value);
        }
    }

    private static void fillFloats(ValueLayout.OfFloat l, MemorySegment s, long off, long n, float value) {
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 4, value);
        }
    }

    @Override
    public void scaleFloats(MemorySegment s, long off, long n, ByteOrder o, float factor) {
        if (little(o)) {
            scaleFloats(F_LE, s, off, n, factor);
        } else {
            scaleFloats(F_BE, s, off, n, factor);
        }
    }

    private static void scaleFloats(ValueLayout.OfFloat l, MemorySegment s, long off, long n, float factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 4;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public boolean equalFloats(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return little(o) ? equalFloats(F_LE, a, aOff, b, bOff, n) : equalFloats(F_BE, a, aOff, b, bOff, n);
    }

    private static boolean equalFloats(ValueLayout.OfFloat l, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 4) != b.get(l, bOff + k * 4)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- long

    @Override
    public long sumLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? sumLongs(J_LE, s, off, n) : sumLongs(J_BE, s, off, n);
    }

    private static long sumLongs(ValueLayout.OfLong l, MemorySegment s, long off, long n) {
        long sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 8);
        }
        return sum;
    }

    @Override
    public long minLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? minLongs(J_LE, s, off, n) : minLongs(J_BE, s, off, n);
    }

    private static long minLongs(ValueLayout.OfLong l, MemorySegment s, long off, long n) {
        long m = Long.MAX_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public long maxLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? maxLongs(J_LE, s, off, n) : maxLongs(J_BE, s, off, n);
    }

    private static long maxLongs(ValueLayout.OfLong l, MemorySegment s, long off, long n) {
        long m = Long.MIN_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 8));
        }
        return m;
    }

    @Override
    public void fillLongs(MemorySegment s, long off, long n, ByteOrder o, long value) {
        if (little(o)) {
            fillLongs(J_LE, s, off, n, value);
        } else {
            fillLongs(J_BE, s, off, n, value);
        }
    }

    private static void fillLongs(ValueLayout.OfLong l, MemorySegment s, long off, long n, long value) {
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 8, value);
        }
    }

    @Override
    public void scaleLongs(MemorySegment s, long off, long n, ByteOrder o, long factor) {
        if (little(o)) {
            scaleLongs(J_LE, s, off, n, factor);
        } else {
            scaleLongs(J_BE, s, off, n, factor);
        }
    }

    private static void scaleLongs(ValueLayout.OfLong l, MemorySegment s, long off, long n, long factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 8;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public boolean equalLongs(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return little(o) ? equalLongs(J_LE, a, aOff, b, bOff, n) : equalLongs(J_BE, a, aOff, b, bOff, n);
    }

    private static boolean equalLongs(ValueLayout.OfLong l, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 8) != b.get(l, bOff + k * 8)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- int

    @Override
    public long sumInts(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? sumInts(I_LE, s, off, n) : sumInts(I_BE, s, off, n);
    }

    private static long sumInts(ValueLayout.OfInt l, MemorySegment s, long off, long n) {
        long sum = 0;
        for (long k = 0; k < n; k++) {
            sum += s.get(l, off + k * 4);
        }
        return sum;
    }

    @Override
    public int minInts(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? minInts(I_LE, s, off, n) : minInts(I_BE, s, off, n);
    }

    private static int minInts(ValueLayout.OfInt l, MemorySegment s, long off, long n) {
        int m = Integer.MAX_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public int maxInts(MemorySegment s, long off, long n, ByteOrder o) {
        return little(o) ? maxInts(I_LE, s, off, n) : maxInts(I_BE, s, off, n);
    }

    private static int maxInts(ValueLayout.OfInt l, MemorySegment s, long off, long n) {
        int m = Integer.MIN_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, s.get(l, off + k * 4));
        }
        return m;
    }

    @Override
    public void fillInts(MemorySegment s, long off, long n, ByteOrder o, int value) {
        if (little(o)) {
            fillInts(I_LE, s, off, n, value);
        } else {
            fillInts(I_BE, s, off, n, value);
        }
    }

    private static void fillInts(ValueLayout.OfInt l, MemorySegment s, long off, long n, int value) {
        for (long k = 0; k < n; k++) {
            s.set(l, off + k * 4, value);
        }
    }

    @Override
    public void scaleInts(MemorySegment s, long off, long n, ByteOrder o, int factor) {
        if (little(o)) {
            scaleInts(I_LE, s, off, n, factor);
        } else {
            scaleInts(I_BE, s, off, n, factor);
        }
    }

    private static void scaleInts(ValueLayout.OfInt l, MemorySegment s, long off, long n, int factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 4;
            s.set(l, p, s.get(l, p) * factor);
        }
    }

    @Override
    public boolean equalInts(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return little(o) ? equalInts(I_LE, a, aOff, b, bOff, n) : equalInts(I_BE, a, aOff, b, bOff, n);
    }

    private static boolean equalInts(ValueLayout.OfInt l, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (a.get(l, aOff + k * 4) != b.get(l, bOff + k * 4)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- rows

    @Override
    public double sumDoubleRows(MemorySegment table, long tableOffset, long tableStride, long rows,
                                MemorySegment universe, long suboffset, long cols, ByteOrder o) {
        double sum = 0;
        for (long r = 0; r < rows; r++) {
            long address = table.get(ValueLayout.JAVA_LONG_UNALIGNED, tableOffset + r * tableStride);
            if (address == 0) {
                throw new NullRowException(r);
            }
            sum += little(o) ? sumDoubles(D_LE, universe, address + suboffset, cols)
                    : sumDoubles(D_BE, universe, address + suboffset, cols);
        }
        return sum;
    }

    @Override
    public int copyDoubleArrayRows(double[][] rows, int cols, MemorySegment block, MemorySegment table) {
        long rowBytes = 8L * cols;
        long base = block.address();
        for (int r = 0; r < rows.length; r++) {
            double[] row = rows[r];
            if (row == null || row.length != cols) {
                return r;
            }
            long offset = r * rowBytes;
            MemorySegment.copy(row, 0, block, ValueLayout.JAVA_DOUBLE_UNALIGNED, offset, cols);
            table.set(ValueLayout.JAVA_LONG_UNALIGNED, r * 8L, base + offset);
        }
        return rows.length;
    }
}
