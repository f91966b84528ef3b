package org.indirectbuffer.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The limit of every kernel family: the same operation with the Vector API over one contiguous segment of doubles,
 * written as a skilled user writes it (four accumulators for reductions, a scalar tail). The library's kernel over
 * a {@code double**} is measured against this over one block holding the same bytes. Also used per row by the
 * hand-written FFM variants.
 */
final class Contiguous {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final int LANES = S.length();

    private Contiguous() {
    }

    static double sum(MemorySegment s, long n) {
        DoubleVector a0 = DoubleVector.zero(S);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        long k = 0;
        long bound4 = n - n % (4L * LANES);
        for (; k < bound4; k += 4L * LANES) {
            long p = k * 8;
            a0 = a0.add(DoubleVector.fromMemorySegment(S, s, p, NATIVE));
            a1 = a1.add(DoubleVector.fromMemorySegment(S, s, p + 8L * LANES, NATIVE));
            a2 = a2.add(DoubleVector.fromMemorySegment(S, s, p + 16L * LANES, NATIVE));
            a3 = a3.add(DoubleVector.fromMemorySegment(S, s, p + 24L * LANES, NATIVE));
        }
        for (; k + LANES <= n; k += LANES) {
            a0 = a0.add(DoubleVector.fromMemorySegment(S, s, k * 8, NATIVE));
        }
        double sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            sum += s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k);
        }
        return sum;
    }

    static double max(MemorySegment s, long n) {
        DoubleVector a0 = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        DoubleVector a1 = a0;
        long k = 0;
        long bound2 = n - n % (2L * LANES);
        for (; k < bound2; k += 2L * LANES) {
            a0 = a0.max(DoubleVector.fromMemorySegment(S, s, k * 8, NATIVE));
            a1 = a1.max(DoubleVector.fromMemorySegment(S, s, k * 8 + 8L * LANES, NATIVE));
        }
        double best = a0.max(a1).reduceLanes(VectorOperators.MAX);
        for (; k < n; k++) {
            best = Math.max(best, s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k));
        }
        return best;
    }

    static void fill(MemorySegment s, long n, double value) {
        DoubleVector v = DoubleVector.broadcast(S, value);
        long k = 0;
        for (; k + LANES <= n; k += LANES) {
            v.intoMemorySegment(s, k * 8, NATIVE);
        }
        for (; k < n; k++) {
            s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k, value);
        }
    }

    static void scale(MemorySegment s, long n, double factor) {
        long k = 0;
        for (; k + LANES <= n; k += LANES) {
            DoubleVector.fromMemorySegment(S, s, k * 8, NATIVE).mul(factor).intoMemorySegment(s, k * 8, NATIVE);
        }
        for (; k < n; k++) {
            s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k, s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k) * factor);
        }
    }
}
