package org.indirectbuffer.kernels.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.indirectbuffer.kernels.spi.RunKernels;
import org.indirectbuffer.kernels.spi.ScalarRunKernels;
import org.indirectbuffer.kernels.spi.VectorBits;

/**
 * The Vector API kernels, at the platform's preferred vector width or the narrower one the system property {@value
 * VectorBits#PROPERTY} asks for ({@link VectorBits#choose}), fixed when this class is initialized. The only class
 * that imports {@code jdk.incubator.vector}; loaded by reflection only when that module is present. Each method
 * handles the whole vectors of a run and leaves the tail (fewer items than one vector) to its {@link
 * ScalarRunKernels} twin; nothing depends on a particular lane count. Stateless and thread-safe.
 */
public final class VectorRunKernels implements RunKernels {
    // Static finals, so that C2 sees constant species: the Vector API intrinsics need them to emit vector code.
    private static final VectorShape SHAPE = VectorShape.forBitSize(
            VectorBits.choose(DoubleVector.SPECIES_PREFERRED.vectorBitSize()));
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, SHAPE);
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, SHAPE);
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, SHAPE);
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, SHAPE);
    private static final int DL = DS.length();
    private static final int FL = FS.length();
    private static final int LL = LS.length();
    private static final int IL = IS.length();
    private static final ScalarRunKernels TAIL = new ScalarRunKernels();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /**
     * Rows of at most this many whole vectors are summed (and copied in) by straight-line code. C2's compiled form
     * of a loop that runs only once or twice per row is bimodal from one JVM run to the next: 100000 rows of 8
     * doubles (two 256-bit vectors) took 180–250 µs in some runs and 550–700 µs in most, where the straight-line form
     * took 160–300 µs in every run (session 3; one block and row by row).
     */
    private static final int SHORT_ROW_VECTORS = 4;

    /** Creates the kernels; fails with a linkage error when {@code jdk.incubator.vector} is absent. */
    public VectorRunKernels() {
    }

    @Override
    public String name() {
        return "simd " + DS.vectorBitSize() + "-bit";
    }

    @Override
    public int vectorBits() {
        return DS.vectorBitSize();
    }

    private static long bound(long n, int lanes) {
        return n - n % lanes;
    }

    // ---------------------------------------------------------------------------------------------------- sums

    @Override
    public double sumDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        long k = 0;
        long bound4 = n - n % (4L * DL);
        for (; k < bound4; k += 4L * DL) {
            long p = off + k * 8;
            a0 = a0.add(DoubleVector.fromMemorySegment(DS, s, p, o));
            a1 = a1.add(DoubleVector.fromMemorySegment(DS, s, p + 8L * DL, o));
            a2 = a2.add(DoubleVector.fromMemorySegment(DS, s, p + 16L * DL, o));
            a3 = a3.add(DoubleVector.fromMemorySegment(DS, s, p + 24L * DL, o));
        }
        long bound1 = bound(n, DL);
        for (; k < bound1; k += DL) {
            a0 = a0.add(DoubleVector.fromMemorySegment(DS, s, off + k * 8, o));
        }
        double sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        return sum + TAIL.sumDoubles(s, off + k * 8, n - k, o);
    }

    @Override
    public double sumFloats(MemorySegment s, long off, long n, ByteOrder o) {
        DoubleVector acc = DoubleVector.zero(DS);
        int parts = FL / DL;
        long k = 0;
        long bound = bound(n, FL);
        for (; k < bound; k += FL) {
            FloatVector v = FloatVector.fromMemorySegment(FS, s, off + k * 4, o);
            for (int part = 0; part < parts; part++) {
                acc = acc.add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, part));
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) + TAIL.sumFloats(s, off + k * 4, n - k, o);
    }

    @Override
    public long sumLongs(MemorySegment s, long off, long n, ByteOrder o) {
        LongVector acc = LongVector.zero(LS);
        long k = 0;
        long bound = bound(n, LL);
        for (; k < bound; k += LL) {
            acc = acc.add(LongVector.fromMemorySegment(LS, s, off + k * 8, o));
        }
        return acc.reduceLanes(VectorOperators.ADD) + TAIL.sumLongs(s, off + k * 8, n - k, o);
    }

    @Override
    public long sumInts(MemorySegment s, long off, long n, ByteOrder o) {
        LongVector acc = LongVector.zero(LS);
        int parts = IL / LL;
        long k = 0;
        long bound = bound(n, IL);
        for (; k < bound; k += IL) {
            IntVector v = IntVector.fromMemorySegment(IS, s, off + k * 4, o);
            for (int part = 0; part < parts; part++) {
                acc = acc.add((LongVector) v.convertShape(VectorOperators.I2L, LS, part));
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) + TAIL.sumInts(s, off + k * 4, n - k, o);
    }

    // ---------------------------------------------------------------------------------------------------- min/max

    @Override
    public double minDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        DoubleVector acc = DoubleVector.broadcast(DS, Double.POSITIVE_INFINITY);
        long k = 0;
        long bound = bound(n, DL);
        for (; k < bound; k += DL) {
            acc = acc.min(DoubleVector.fromMemorySegment(DS, s, off + k * 8, o));
        }
        return Math.min(acc.reduceLanes(VectorOperators.MIN), TAIL.minDoubles(s, off + k * 8, n - k, o));
    }

    @Override
    public double maxDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        DoubleVector acc = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY);
        long k = 0;
        long bound = bound(n, DL);
        for (; k < bound; k += DL) {
            acc = acc.max(DoubleVector.fromMemorySegment(DS, s, off + k * 8, o));
        }
        return Math.max(acc.reduceLanes(VectorOperators.MAX), TAIL.maxDoubles(s, off + k * 8, n - k, o));
    }

    @Override
    public float minFloats(MemorySegment s, long off, long n, ByteOrder o) {
        FloatVector acc = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
        long k = 0;
        long bound = bound(n, FL);
        for (; k < bound; k += FL) {
            acc = acc.min(FloatVector.fromMemorySegment(FS, s, off + k * 4, o));
        }
        return Math.min(acc.reduceLanes(VectorOperators.MIN), TAIL.minFloats(s, off + k * 4, n - k, o));
    }

    @Override
    public float maxFloats(MemorySegment s, long off, long n, ByteOrder o) {
        FloatVector acc = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        long k = 0;
        long bound = bound(n, FL);
        for (; k < bound; k += FL) {
            acc = acc.max(FloatVector.fromMemorySegment(FS, s, off + k * 4, o));
        }
        return Math.max(acc.reduceLanes(VectorOperators.MAX), TAIL.maxFloats(s, off + k * 4, n - k, o));
    }

    @Override
    public long minLongs(MemorySegment s, long off, long n, ByteOrder o) {
        LongVector acc = LongVector.broadcast(LS, Long.MAX_VALUE);
        long k = 0;
        long bound = bound(n, LL);
        for (; k < bound; k += LL) {
            acc = acc.min(LongVector.fromMemorySegment(LS, s, off + k * 8, o));
        }
        return Math.min(acc.reduceLanes(VectorOperators.MIN), TAIL.minLongs(s, off + k * 8, n - k, o));
    }

    @Override
    public long maxLongs(MemorySegment s, long off, long n, ByteOrder o) {
        LongVector acc = LongVector.broadcast(LS, Long.MIN_VALUE);
        long k = 0;
        long bound = bound(n, LL);
        for (; k < bound; k += LL) {
            acc = acc.max(LongVector.fromMemorySegment(LS, s, off + k * 8, o));
        }
        return Math.max(acc.reduceLanes(VectorOperators.MAX), TAIL.maxLongs(s, off + k * 8, n - k, o));
    }

    @Override
    public int minInts(MemorySegment s, long off, long n, ByteOrder o) {
        IntVector acc = IntVector.broadcast(IS, Integer.MAX_VALUE);
        long k = 0;
        long bound = bound(n, IL);
        for (; k < bound; k += IL) {
            acc = acc.min(IntVector.fromMemorySegment(IS, s, off + k * 4, o));
        }
        return Math.min(acc.reduceLanes(VectorOperators.MIN), TAIL.minInts(s, off + k * 4, n - k, o));
    }

    @Override
    public int maxInts(MemorySegment s, long off, long n, ByteOrder o) {
        IntVector acc = IntVector.broadcast(IS, Integer.MIN_VALUE);
        long k = 0;
        long bound = bound(n, IL);
        for (; k < bound; k += IL) {
            acc = acc.max(IntVector.fromMemorySegment(IS, s, off + k * 4, o));
        }
        return Math.max(acc.reduceLanes(VectorOperators.MAX), TAIL.maxInts(s, off + k * 4, n - k, o));
    }

    // ---------------------------------------------------------------------------------------------------- fill

    @Override
    public void fillDoubles(MemorySegment s, long off, long n, ByteOrder o, double value) {
        DoubleVector v = DoubleVector.broadcast(DS, value);
        long k = 0;
        long bound = bound(n, DL);
        for (; k < bound; k += DL) {
            v.intoMemorySegment(s, off + k * 8, o);
        }
        TAIL.fillDoubles(s, off + k * 8, n - k, o, value);
    }

    @Override
    public void fillFloats(MemorySegment s, long off, long n, ByteOrder o, float value) {
        FloatVector v = FloatVector.broadcast(FS, value);
        long k = 0;
        long bound = bound(n, FL);
        for (; k < bound; k += FL) {
            v.intoMemorySegment(s, off + k * 4, o);
        }
        TAIL.fillFloats(s, off + k * 4, n - k, o, value);
    }

    @Override
    public void fillLongs(MemorySegment s, long off, long n, ByteOrder o, long value) {
        LongVector v = LongVector.broadcast(LS, value);
        long k = 0;
        long bound = bound(n, LL);
        for (; k < bound; k += LL) {
            v.intoMemorySegment(s, off + k * 8, o);
        }
        TAIL.fillLongs(s, off + k * 8, n - k, o, value);
    }

    @Override
    public void fillInts(MemorySegment s, long off, long n, ByteOrder o, int value) {
        IntVector v = IntVector.broadcast(IS, value);
        long k = 0;
        long bound = bound(n, IL);
        for (; k < bound; k += IL) {
            v.intoMemorySegment(s, off + k * 4, o);
        }
        TAIL.fillInts(s, off + k * 4, n - k, o, value);
    }

    // ---------------------------------------------------------------------------------------------------- scale

    @Override
    public void scaleDoubles(MemorySegment s, long off, long n, ByteOrder o, double factor) {
        long k = 0;
        long bound = bound(n, DL);
        for (; k < bound; k += DL) {
            long p = off + k * 8;
            DoubleVector.fromMemorySegment(DS, s, p, o).mul(factor).intoMemorySegment(s, p, o);
        }
        TAIL.scaleDoubles(s, off + k * 8, n - k, o, factor);
    }

    @Override
    public void scaleFloats(MemorySegment s, long off, long n, ByteOrder o, float factor) {
        long k = 0;
        long bound = bound(n, FL);
        for (; k < bound; k += FL) {
            long p = off + k * 4;
            FloatVector.fromMemorySegment(FS, s, p, o).mul(factor).intoMemorySegment(s, p, o);
        }
        TAIL.scaleFloats(s, off + k * 4, n - k, o, factor);
    }

    @Override
    public void scaleLongs(MemorySegment s, long off, long n, ByteOrder o, long factor) {
        long k = 0;
        long bound = bound(n, LL);
        for (; k < bound; k += LL) {
            long p = off + k * 8;
            LongVector.fromMemorySegment(LS, s, p, o).mul(factor).intoMemorySegment(s, p, o);
        }
        TAIL.scaleLongs(s, off + k * 8, n - k, o, factor);
    }

    @Override
    public void scaleInts(MemorySegment s, long off, long n, ByteOrder o, int factor) {
        long k = 0;
        long bound = bound(n, IL);
        for (; k < bound; k += IL) {
            long p = off + k * 4;
            IntVector.fromMemorySegment(IS, s, p, o).mul(factor).intoMemorySegment(s, p, o);
        }
        TAIL.scaleInts(s, off + k * 4, n - k, o, factor);
    }

    // ---------------------------------------------------------------------------------------------------- equal

    @Override
    public boolean equalDoubles(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        long k = 0;
        long bound = bound(n, DL);
        for (; k < bound; k += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, a, aOff + k * 8, o);
            DoubleVector y = DoubleVector.fromMemorySegment(DS, b, bOff + k * 8, o);
            if (!x.compare(VectorOperators.EQ, y).allTrue()) {
                return false;
            }
        }
        return TAIL.equalDoubles(a, aOff + k * 8, b, bOff + k * 8, n - k, o);
    }

    @Override
    public boolean equalFloats(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        long k = 0;
        long bound = bound(n, FL);
        for (; k < bound; k += FL) {
            FloatVector x = FloatVector.fromMemorySegment(FS, a, aOff + k * 4, o);
            FloatVector y = FloatVector.fromMemorySegment(FS, b, bOff + k * 4, o);
            if (!x.compare(VectorOperators.EQ, y).allTrue()) {
                return false;
            }
        }
        return TAIL.equalFloats(a, aOff + k * 4, b, bOff + k * 4, n - k, o);
    }

    @Override
    public boolean equalLongs(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        long k = 0;
        long bound = bound(n, LL);
        for (; k < bound; k += LL) {
            LongVector x = LongVector.fromMemorySegment(LS, a, aOff + k * 8, o);
            LongVector y = LongVector.fromMemorySegment(LS, b, bOff + k * 8, o);
            if (!x.compare(VectorOperators.EQ, y).allTrue()) {
                return false;
            }
        }
        return TAIL.equalLongs(a, aOff + k * 8, b, bOff + k * 8, n - k, o);
    }

    @Override
    public boolean equalInts(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        long k = 0;
        long bound = bound(n, IL);
        for (; k < bound; k += IL) {
            IntVector x = IntVector.fromMemorySegment(IS, a, aOff + k * 4, o);
            IntVector y = IntVector.fromMemorySegment(IS, b, bOff + k * 4, o);
            if (!x.compare(VectorOperators.EQ, y).allTrue()) {
                return false;
            }
        }
        return TAIL.equalInts(a, aOff + k * 4, b, bOff + k * 4, n - k, o);
    }

    // ---------------------------------------------------------------------------------------------------- rows

    @Override
    @SuppressWarnings("fallthrough") // the short-row switch adds the vectors of a row from last to first
    public double sumDoubleRows(MemorySegment table, long tableOffset, long tableStride, long rows,
                                MemorySegment universe, long suboffset, long cols, ByteOrder o) {
        // Four rows at a time, each into its own accumulator that lives across rows: the four row loads are
        // independent, so short rows cost little more than their vector adds (one row at a time waits on each
        // pointer load), and long rows become four interleaved streams.
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        double tail = 0;
        long bound = bound(cols, DL);
        long r = 0;
        for (; r + 3 < rows; r += 4) {
            long b0 = rowBase(table, tableOffset, tableStride, r, suboffset);
            long b1 = rowBase(table, tableOffset, tableStride, r + 1, suboffset);
            long b2 = rowBase(table, tableOffset, tableStride, r + 2, suboffset);
            long b3 = rowBase(table, tableOffset, tableStride, r + 3, suboffset);
            long k = 0;
            if (bound <= SHORT_ROW_VECTORS * DL) {
                // Short rows: straight-line code, no inner loop (see SHORT_ROW_VECTORS).
                switch ((int) (bound / DL)) {
                    case 4:
                        a0 = a0.add(DoubleVector.fromMemorySegment(DS, universe, b0 + 24L * DL, o));
                        a1 = a1.add(DoubleVector.fromMemorySegment(DS, universe, b1 + 24L * DL, o));
                        a2 = a2.add(DoubleVector.fromMemorySegment(DS, universe, b2 + 24L * DL, o));
                        a3 = a3.add(DoubleVector.fromMemorySegment(DS, universe, b3 + 24L * DL, o));
                        // fall through
                    case 3:
                        a0 = a0.add(DoubleVector.fromMemorySegment(DS, universe, b0 + 16L * DL, o));
                        a1 = a1.add(DoubleVector.fromMemorySegment(DS, universe, b1 + 16L * DL, o));
                        a2 = a2.add(DoubleVector.fromMemorySegment(DS, universe, b2 + 16L * DL, o));
                        a3 = a3.add(DoubleVector.fromMemorySegment(DS, universe, b3 + 16L * DL, o));
                        // fall through
                    case 2:
                        a0 = a0.add(DoubleVector.fromMemorySegment(DS, universe, b0 + 8L * DL, o));
                        a1 = a1.add(DoubleVector.fromMemorySegment(DS, universe, b1 + 8L * DL, o));
                        a2 = a2.add(DoubleVector.fromMemorySegment(DS, universe, b2 + 8L * DL, o));
                        a3 = a3.add(DoubleVector.fromMemorySegment(DS, universe, b3 + 8L * DL, o));
                        // fall through
                    case 1:
                        a0 = a0.add(DoubleVector.fromMemorySegment(DS, universe, b0, o));
                        a1 = a1.add(DoubleVector.fromMemorySegment(DS, universe, b1, o));
                        a2 = a2.add(DoubleVector.fromMemorySegment(DS, universe, b2, o));
                        a3 = a3.add(DoubleVector.fromMemorySegment(DS, universe, b3, o));
                        // fall through
                    default:
                        k = bound;
                }
            }
            for (; k < bound; k += DL) {
                long p = k * 8;
                a0 = a0.add(DoubleVector.fromMemorySegment(DS, universe, b0 + p, o));
                a1 = a1.add(DoubleVector.fromMemorySegment(DS, universe, b1 + p, o));
                a2 = a2.add(DoubleVector.fromMemorySegment(DS, universe, b2 + p, o));
                a3 = a3.add(DoubleVector.fromMemorySegment(DS, universe, b3 + p, o));
            }
            if (k < cols) {
                long p = k * 8;
                long n = cols - k;
                tail += TAIL.sumDoubles(universe, b0 + p, n, o) + TAIL.sumDoubles(universe, b1 + p, n, o)
                        + TAIL.sumDoubles(universe, b2 + p, n, o) + TAIL.sumDoubles(universe, b3 + p, n, o);
            }
        }
        for (; r < rows; r++) {
            long b0 = rowBase(table, tableOffset, tableStride, r, suboffset);
            long k = 0;
            for (; k < bound; k += DL) {
                a0 = a0.add(DoubleVector.fromMemorySegment(DS, universe, b0 + k * 8, o));
            }
            if (k < cols) {
                tail += TAIL.sumDoubles(universe, b0 + k * 8, cols - k, o);
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD) + tail;
    }

    @Override
    @SuppressWarnings("fallthrough") // the vectors of a row are copied from last to first
    public int copyDoubleArrayRows(double[][] rows, int cols, MemorySegment block, MemorySegment table) {
        int vectors = cols / DL;
        if (vectors == 0 || vectors > SHORT_ROW_VECTORS) {
            // Rows shorter than one vector or longer than four: one bulk copy per row (the JDK's copy stub), whose
            // call costs little beside a long row.
            return TAIL.copyDoubleArrayRows(rows, cols, block, table);
        }
        // Short rows: straight-line vector moves; a bulk copy call per 64-byte row cost about 3 ns more per row.
        long rowBytes = 8L * cols;
        long base = block.address();
        int whole = vectors * DL;
        for (int r = 0; r < rows.length; r++) {
            double[] row = rows[r];
            if (row == null || row.length != cols) {
                return r;
            }
            long offset = r * rowBytes;
            switch (vectors) {
                case 4:
                    DoubleVector.fromArray(DS, row, 3 * DL).intoMemorySegment(block, offset + 24L * DL, NATIVE);
                    // fall through
                case 3:
                    DoubleVector.fromArray(DS, row, 2 * DL).intoMemorySegment(block, offset + 16L * DL, NATIVE);
                    // fall through
                case 2:
                    DoubleVector.fromArray(DS, row, DL).intoMemorySegment(block, offset + 8L * DL, NATIVE);
                    // fall through
                default:
                    DoubleVector.fromArray(DS, row, 0).intoMemorySegment(block, offset, NATIVE);
            }
            for (int j = whole; j < cols; j++) {
                block.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + 8L * j, row[j]);
            }
            table.set(ValueLayout.JAVA_LONG_UNALIGNED, r * 8L, base + offset);
        }
        return rows.length;
    }

    /** The address of row {@code r}'s first item: its pointer plus the suboffset; NULL throws. */
    private static long rowBase(MemorySegment table, long tableOffset, long tableStride, long r, long suboffset) {
        long address = table.get(ValueLayout.JAVA_LONG_UNALIGNED, tableOffset + r * tableStride);
        if (address == 0) {
            throw new NullRowException(r);
        }
        return address + suboffset;
    }
}
