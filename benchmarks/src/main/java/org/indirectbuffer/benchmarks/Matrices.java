package org.indirectbuffer.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.indirectbuffer.IndirectMemory2D;

/** Test data shared by the benchmarks: matrices with reproducible contents. */
final class Matrices {
    private Matrices() {
    }

    static double[][] random(int rows, int cols, long seed) {
        Random random = new Random(seed);
        double[][] data = new double[rows][cols];
        for (double[] row : data) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextDouble();
            }
        }
        return data;
    }

    /** Copies every row of {@code m} into one contiguous block, row after row. */
    static void copyContiguous(IndirectMemory2D m, MemorySegment block) {
        long rowBytes = m.cols() * ValueLayout.JAVA_DOUBLE.byteSize();
        for (long r = 0; r < m.rows(); r++) {
            MemorySegment.copy(m.row(r), 0, block, r * rowBytes, rowBytes);
        }
    }
}
