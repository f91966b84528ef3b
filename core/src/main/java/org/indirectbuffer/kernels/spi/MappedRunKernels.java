package org.indirectbuffer.kernels.spi;

import static org.indirectbuffer.kernels.spi.OrderedLayouts.little;
import static org.indirectbuffer.kernels.spi.ScalarRunKernels.getDouble;
import static org.indirectbuffer.kernels.spi.ScalarRunKernels.getFloat;
import static org.indirectbuffer.kernels.spi.ScalarRunKernels.getInt;
import static org.indirectbuffer.kernels.spi.ScalarRunKernels.getLong;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The kernels for memory that may be memory-mapped ({@code internal.MappedScopes}): scalar {@code MemorySegment}
 * accesses only, like the {@link ScalarRunKernels scalar twin}, so that a fault on a file truncated by someone else
 * is an {@code InternalError} (which {@code Kernels} reports as {@code MemoryFaultException}) in every mode of the JVM,
 * never the SIGBUS that kills it. HotSpot converts the fault only in code flagged as doing unsafe access, which every
 * {@code MemorySegment.get} is, interpreted or compiled by C1 or C2, and any loop C2 may vectorize from it stays in
 * that flagged code; the Vector API's loads are not flagged on JDK 25 (see docs/decisions.md, "Mapped memory"). The
 * handler must also be able to step over the faulting instruction, which rules out one: see the int sum.
 *
 * <p>Unlike the twin, every sum keeps eight independent accumulators over items {@code k mod 8}, combined pairwise at
 * the end: with one, every add waits for the previous one (about four cycles), with eight several loads and adds are
 * in flight: 8 MB of doubles in about 0.3 ms where the twin takes 0.9 ms ({@code SharedArrayBenchmark}). Integer sums
 * are the twin's results exactly (int items are read two per 8-byte load); floating-point sums differ from the twin's only in rounding, as the SIMD kernels'
 * do. Min, max, fill, scale, equal and the row copy are the twin's own: they gained nothing from accumulators, or
 * carry nothing from one item to the next. Stateless and thread-safe. Internal: not exported.
 */
public final class MappedRunKernels implements RunKernels {
    private static final ScalarRunKernels TWIN = new ScalarRunKernels();
    /** Written by {@link #last} only, never read: see there. */
    @SuppressWarnings("unused")
    private static int lastSingle;

    /** Creates the kernels. */
    public MappedRunKernels() {
    }

    @Override
    public String name() {
        return "mapped scalar";
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
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        double a4 = 0;
        double a5 = 0;
        double a6 = 0;
        double a7 = 0;
        long k = 0;
        for (; k + 8 <= n; k += 8) {
            long p = off + k * 8;
            a0 += getDouble(s, p, le);
            a1 += getDouble(s, p + 8, le);
            a2 += getDouble(s, p + 16, le);
            a3 += getDouble(s, p + 24, le);
            a4 += getDouble(s, p + 32, le);
            a5 += getDouble(s, p + 40, le);
            a6 += getDouble(s, p + 48, le);
            a7 += getDouble(s, p + 56, le);
        }
        for (; k < n; k++) {
            a0 += getDouble(s, off + k * 8, le);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    // ---------------------------------------------------------------------------------------------------- float

    @Override
    public double sumFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return sumFloats(little(o), s, off, n);
    }

    private static double sumFloats(boolean le, MemorySegment s, long off, long n) {
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        double a4 = 0;
        double a5 = 0;
        double a6 = 0;
        double a7 = 0;
        long k = 0;
        for (; k + 8 <= n; k += 8) {
            long p = off + k * 4;
            a0 += getFloat(s, p, le);
            a1 += getFloat(s, p + 4, le);
            a2 += getFloat(s, p + 8, le);
            a3 += getFloat(s, p + 12, le);
            a4 += getFloat(s, p + 16, le);
            a5 += getFloat(s, p + 20, le);
            a6 += getFloat(s, p + 24, le);
            a7 += getFloat(s, p + 28, le);
        }
        for (; k < n; k++) {
            a0 += getFloat(s, off + k * 4, le);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    // ---------------------------------------------------------------------------------------------------- long

    @Override
    public long sumLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return sumLongs(little(o), s, off, n);
    }

    private static long sumLongs(boolean le, MemorySegment s, long off, long n) {
        long a0 = 0;
        long a1 = 0;
        long a2 = 0;
        long a3 = 0;
        long a4 = 0;
        long a5 = 0;
        long a6 = 0;
        long a7 = 0;
        long k = 0;
        for (; k + 8 <= n; k += 8) {
            long p = off + k * 8;
            a0 += getLong(s, p, le);
            a1 += getLong(s, p + 8, le);
            a2 += getLong(s, p + 16, le);
            a3 += getLong(s, p + 24, le);
            a4 += getLong(s, p + 32, le);
            a5 += getLong(s, p + 40, le);
            a6 += getLong(s, p + 48, le);
            a7 += getLong(s, p + 56, le);
        }
        for (; k < n; k++) {
            a0 += getLong(s, off + k * 8, le);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    // ---------------------------------------------------------------------------------------------------- int

    @Override
    public long sumInts(MemorySegment s, long off, long n, ByteOrder o) {
        return sumInts(little(o), s, off, n);
    }

    private static long sumInts(boolean le, MemorySegment s, long off, long n) {
        // Two items per 8-byte load, split in registers (see pair): never an int load widened to long.
        long a0 = 0;
        long a1 = 0;
        long a2 = 0;
        long a3 = 0;
        long a4 = 0;
        long a5 = 0;
        long a6 = 0;
        long a7 = 0;
        long k = 0;
        for (; k + 16 <= n; k += 16) {
            long p = off + k * 4;
            a0 += pair(getLong(s, p, le));
            a1 += pair(getLong(s, p + 8, le));
            a2 += pair(getLong(s, p + 16, le));
            a3 += pair(getLong(s, p + 24, le));
            a4 += pair(getLong(s, p + 32, le));
            a5 += pair(getLong(s, p + 40, le));
            a6 += pair(getLong(s, p + 48, le));
            a7 += pair(getLong(s, p + 56, le));
        }
        for (; k + 2 <= n; k += 2) {
            a0 += pair(getLong(s, off + k * 4, le));
        }
        if (k < n) {
            a0 += last(s, off, n, le);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /*
     * Why int items are never loaded as long: from memory, C2 compiles (long) x to a sign-extending load (movslq),
     * an instruction that HotSpot's SIGBUS handler cannot step over (JDK 25.0.3, x86-64), so a fault there on a
     * truncated file is a fatal "Internal Error (assembler_x86.cpp:1175)" in the handler instead of an exception
     * (MappedKernelsFaultTest found it). Even Integer.toUnsignedLong is folded back into that load. An 8-byte load
     * holds two items, whichever the byte order, and their sum is the same either way round.
     */

    /** The sum of the two int items that one 8-byte load read. */
    private static long pair(long v) {
        return (v >> 32) + (int) v;
    }

    /** The last item of a run of odd length {@code n}, read without a widening load. */
    private static long last(MemorySegment s, long off, long n, boolean le) {
        if (n >= 2) {
            long v = getLong(s, off + (n - 2) * 4, le); // the last two items; the last one is the later in memory
            return le ? v >> 32 : (int) v;
        }
        int x = getInt(s, off, le);
        lastSingle = x; // a second use keeps the load a plain 32-bit load; the widening then happens in registers
        return x;
    }

    // ---------------------------------------------------------------------------------------------------- the twin's

    // Fill, scale and equal carry no value from one item to the next, so the twin's loops already run at the speed of
    // their loads and stores. Min and max gained nothing measurable from eight accumulators (8 MB of doubles: 553
    // against 492 us; ints 1193 against 1295 us; longs 478 against 638 us, in one scratch run): they are bound by the
    // instructions of Math.min's NaN and signed-zero rules, not by the chain.

    @Override
    public double minDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.minDoubles(s, off, n, o);
    }

    @Override
    public double maxDoubles(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.maxDoubles(s, off, n, o);
    }

    @Override
    public float minFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.minFloats(s, off, n, o);
    }

    @Override
    public float maxFloats(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.maxFloats(s, off, n, o);
    }

    @Override
    public long minLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.minLongs(s, off, n, o);
    }

    @Override
    public long maxLongs(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.maxLongs(s, off, n, o);
    }

    @Override
    public int minInts(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.minInts(s, off, n, o);
    }

    @Override
    public int maxInts(MemorySegment s, long off, long n, ByteOrder o) {
        return TWIN.maxInts(s, off, n, o);
    }

    @Override
    public void fillDoubles(MemorySegment s, long off, long n, ByteOrder o, double value) {
        TWIN.fillDoubles(s, off, n, o, value);
    }

    @Override
    public void fillFloats(MemorySegment s, long off, long n, ByteOrder o, float value) {
        TWIN.fillFloats(s, off, n, o, value);
    }

    @Override
    public void fillLongs(MemorySegment s, long off, long n, ByteOrder o, long value) {
        TWIN.fillLongs(s, off, n, o, value);
    }

    @Override
    public void fillInts(MemorySegment s, long off, long n, ByteOrder o, int value) {
        TWIN.fillInts(s, off, n, o, value);
    }

    @Override
    public void scaleDoubles(MemorySegment s, long off, long n, ByteOrder o, double factor) {
        TWIN.scaleDoubles(s, off, n, o, factor);
    }

    @Override
    public void scaleFloats(MemorySegment s, long off, long n, ByteOrder o, float factor) {
        TWIN.scaleFloats(s, off, n, o, factor);
    }

    @Override
    public void scaleLongs(MemorySegment s, long off, long n, ByteOrder o, long factor) {
        TWIN.scaleLongs(s, off, n, o, factor);
    }

    @Override
    public void scaleInts(MemorySegment s, long off, long n, ByteOrder o, int factor) {
        TWIN.scaleInts(s, off, n, o, factor);
    }

    @Override
    public boolean equalDoubles(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return TWIN.equalDoubles(a, aOff, b, bOff, n, o);
    }

    @Override
    public boolean equalFloats(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return TWIN.equalFloats(a, aOff, b, bOff, n, o);
    }

    @Override
    public boolean equalLongs(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return TWIN.equalLongs(a, aOff, b, bOff, n, o);
    }

    @Override
    public boolean equalInts(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, ByteOrder o) {
        return TWIN.equalInts(a, aOff, b, bOff, n, o);
    }

    @Override
    public int copyDoubleArrayRows(double[][] rows, int cols, MemorySegment block, MemorySegment table) {
        return TWIN.copyDoubleArrayRows(rows, cols, block, table); // writes fresh private memory only
    }

    // ---------------------------------------------------------------------------------------------------- rows

    @Override
    public double sumDoubleRows(MemorySegment table, long tableOffset, long tableStride, long rows,
                                MemorySegment universe, long suboffset, long cols, ByteOrder o) {
        boolean le = little(o);
        double sum = 0;
        for (long r = 0; r < rows; r++) {
            long address = table.get(ValueLayout.JAVA_LONG_UNALIGNED, tableOffset + r * tableStride);
            if (address == 0) {
                throw new NullRowException(r);
            }
            sum += sumDoubles(le, universe, address + suboffset, cols);
        }
        return sum;
    }
}
