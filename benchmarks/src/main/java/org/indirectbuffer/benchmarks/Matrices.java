package org.indirectbuffer.benchmarks;

import java.util.Random;

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
}
