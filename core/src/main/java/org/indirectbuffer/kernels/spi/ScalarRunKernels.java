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
 * <p>Each loop takes the byte order as a flag and each access picks one of two constant layouts with it (see the
 * access helpers at the end): every access compiles to a plain load or store, whether C2 inlines the loop into its
 * caller or compiles it on its own.
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
        return sumDoubles(little(o), s, off, n);
    }

    private static double sumDoubles(boolean le, MemorySegment s, long off, long n) {
        double sum = 0;
        for (long k = 0; k < n; k++) {
            sum += getDouble(s, off + k * 8, le);
        }
        return sum;
    }

    @Override
    public double minDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        return minDoubles(little(o), s, off, n);
    }

    private static double minDoubles(boolean le, MemorySegment s, long off, long n) {
        double m = Double.POSITIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, getDouble(s, off + k * 8, le));
        }
        return m;
    }

    @Override
    public double maxDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        return maxDoubles(little(o), s, off, n);
    }

    private static double maxDoubles(boolean le, MemorySegment s, long off, long n) {
        double m = Double.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, getDouble(s, off + k * 8, le));
        }
        return m;
    }

    @Override
    public void fillDoubles(MemorySegment s, long off, long n, ByteOrder o, double value) {
        fillDoubles(little(o), s, off, n, value);
    }

    private static void fillDoubles(boolean le, MemorySegment s, long off, long n, double value) {
        for (long k = 0; k < n; k++) {
            setDouble(s, off + k * 8, le, value);
        }
    }

    @Override
    public void scaleDoubles(MemorySegment s, long off, long n, ByteOrder o, double factor) {
        scaleDoubles(little(o), s, off, n, factor);
    }

    private static void scaleDoubles(boolean le, MemorySegment s, long off, long n, double factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 8;
            setDouble(s, p, le, getDouble(s, p, le) * factor);
        }
    }

    @Override
    public boolean equalDoubles(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return equalDoubles(little(o), a, aOff, b, bOff, n);
    }

    private static boolean equalDoubles(boolean le, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (getDouble(a, aOff + k * 8, le) != getDouble(b, bOff + k * 8, le)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- float

    @Override
    public double sumFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return sumFloats(little(o), s, off, n);
    }

    private static double sumFloats(boolean le, MemorySegment s, long off, long n) {
        double sum = 0;
        for (long k = 0; k < n; k++) {
            sum += getFloat(s, off + k * 4, le);
        }
        return sum;
    }

    @Override
    public float minFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return minFloats(little(o), s, off, n);
    }

    private static float minFloats(boolean le, MemorySegment s, long off, long n) {
        float m = Float.POSITIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, getFloat(s, off + k * 4, le));
        }
        return m;
    }

    @Override
    public float maxFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return maxFloats(little(o), s, off, n);
    }

    private static float maxFloats(boolean le, MemorySegment s, long off, long n) {
        float m = Float.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, getFloat(s, off + k * 4, le));
        }
        return m;
    }

    @Override
    public void fillFloats(MemorySegment s, long off, long n, ByteOrder o, float value) {
        fillFloats(little(o), s, off, n, value);
    }

    private static void fillFloats(boolean le, MemorySegment s, long off, long n, float value) {
        for (long k = 0; k < n; k++) {
            setFloat(s, off + k * 4, le, value);
        }
    }

    @Override
    public void scaleFloats(MemorySegment s, long off, long n, ByteOrder o, float factor) {
        scaleFloats(little(o), s, off, n, factor);
    }

    private static void scaleFloats(boolean le, MemorySegment s, long off, long n, float factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 4;
            setFloat(s, p, le, getFloat(s, p, le) * factor);
        }
    }

    @Override
    public boolean equalFloats(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return equalFloats(little(o), a, aOff, b, bOff, n);
    }

    private static boolean equalFloats(boolean le, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (getFloat(a, aOff + k * 4, le) != getFloat(b, bOff + k * 4, le)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- long

    @Override
    public long sumLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return sumLongs(little(o), s, off, n);
    }

    private static long sumLongs(boolean le, MemorySegment s, long off, long n) {
        long sum = 0;
        for (long k = 0; k < n; k++) {
            sum += getLong(s, off + k * 8, le);
        }
        return sum;
    }

    @Override
    public long minLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return minLongs(little(o), s, off, n);
    }

    private static long minLongs(boolean le, MemorySegment s, long off, long n) {
        long m = Long.MAX_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, getLong(s, off + k * 8, le));
        }
        return m;
    }

    @Override
    public long maxLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return maxLongs(little(o), s, off, n);
    }

    private static long maxLongs(boolean le, MemorySegment s, long off, long n) {
        long m = Long.MIN_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, getLong(s, off + k * 8, le));
        }
        return m;
    }

    @Override
    public void fillLongs(MemorySegment s, long off, long n, ByteOrder o, long value) {
        fillLongs(little(o), s, off, n, value);
    }

    private static void fillLongs(boolean le, MemorySegment s, long off, long n, long value) {
        for (long k = 0; k < n; k++) {
            setLong(s, off + k * 8, le, value);
        }
    }

    @Override
    public void scaleLongs(MemorySegment s, long off, long n, ByteOrder o, long factor) {
        scaleLongs(little(o), s, off, n, factor);
    }

    private static void scaleLongs(boolean le, MemorySegment s, long off, long n, long factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 8;
            setLong(s, p, le, getLong(s, p, le) * factor);
        }
    }

    @Override
    public boolean equalLongs(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return equalLongs(little(o), a, aOff, b, bOff, n);
    }

    private static boolean equalLongs(boolean le, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (getLong(a, aOff + k * 8, le) != getLong(b, bOff + k * 8, le)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- int

    @Override
    public long sumInts(MemorySegment s, long off, long n, ByteOrder o) {
        return sumInts(little(o), s, off, n);
    }

    private static long sumInts(boolean le, MemorySegment s, long off, long n) {
        long sum = 0;
        for (long k = 0; k < n; k++) {
            sum += getInt(s, off + k * 4, le);
        }
        return sum;
    }

    @Override
    public int minInts(MemorySegment s, long off, long n, ByteOrder o) {
        return minInts(little(o), s, off, n);
    }

    private static int minInts(boolean le, MemorySegment s, long off, long n) {
        int m = Integer.MAX_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.min(m, getInt(s, off + k * 4, le));
        }
        return m;
    }

    @Override
    public int maxInts(MemorySegment s, long off, long n, ByteOrder o) {
        return maxInts(little(o), s, off, n);
    }

    private static int maxInts(boolean le, MemorySegment s, long off, long n) {
        int m = Integer.MIN_VALUE;
        for (long k = 0; k < n; k++) {
            m = Math.max(m, getInt(s, off + k * 4, le));
        }
        return m;
    }

    @Override
    public void fillInts(MemorySegment s, long off, long n, ByteOrder o, int value) {
        fillInts(little(o), s, off, n, value);
    }

    private static void fillInts(boolean le, MemorySegment s, long off, long n, int value) {
        for (long k = 0; k < n; k++) {
            setInt(s, off + k * 4, le, value);
        }
    }

    @Override
    public void scaleInts(MemorySegment s, long off, long n, ByteOrder o, int factor) {
        scaleInts(little(o), s, off, n, factor);
    }

    private static void scaleInts(boolean le, MemorySegment s, long off, long n, int factor) {
        for (long k = 0; k < n; k++) {
            long p = off + k * 4;
            setInt(s, p, le, getInt(s, p, le) * factor);
        }
    }

    @Override
    public boolean equalInts(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return equalInts(little(o), a, aOff, b, bOff, n);
    }

    private static boolean equalInts(boolean le, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long k = 0; k < n; k++) {
            if (getInt(a, aOff + k * 4, le) != getInt(b, bOff + k * 4, le)) {
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
            sum += sumDoubles(little(o), universe, address + suboffset, cols);
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

    // ---------------------------------------------------------------------------------------------------- access

    // Each access picks one of two constant layouts by a flag that is the same for the whole loop (C2 compiles the
    // loop once per value of it). Passing the layout itself as an argument made each access a method-handle call,
    // about 13 ns an item, whenever C2 compiled the loop on its own rather than inlined into the public method.

    static double getDouble(MemorySegment s, long p, boolean le) {
        return le ? s.get(D_LE, p) : s.get(D_BE, p);
    }

    private static void setDouble(MemorySegment s, long p, boolean le, double v) {
        if (le) {
            s.set(D_LE, p, v);
        } else {
            s.set(D_BE, p, v);
        }
    }

    static float getFloat(MemorySegment s, long p, boolean le) {
        return le ? s.get(F_LE, p) : s.get(F_BE, p);
    }

    private static void setFloat(MemorySegment s, long p, boolean le, float v) {
        if (le) {
            s.set(F_LE, p, v);
        } else {
            s.set(F_BE, p, v);
        }
    }

    static long getLong(MemorySegment s, long p, boolean le) {
        return le ? s.get(J_LE, p) : s.get(J_BE, p);
    }

    private static void setLong(MemorySegment s, long p, boolean le, long v) {
        if (le) {
            s.set(J_LE, p, v);
        } else {
            s.set(J_BE, p, v);
        }
    }

    static int getInt(MemorySegment s, long p, boolean le) {
        return le ? s.get(I_LE, p) : s.get(I_BE, p);
    }

    private static void setInt(MemorySegment s, long p, boolean le, int v) {
        if (le) {
            s.set(I_LE, p, v);
        } else {
            s.set(I_BE, p, v);
        }
    }
}
