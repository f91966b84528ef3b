package org.indirectbuffer.benchmarks;

import java.util.Random;

/** Test data shared by the benchmarks: matrices with reproducible contents. */
final class Matrices {
    private Matrices() {
    }

    /** {@link #random(int, int, long)} of a shape written {@code "<rows>x<cols>"}, as the benchmarks' params are. */
    static double[][] random(String shape, long seed) {
        String[] dims = shape.split("x");
        return random(Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), seed);
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

    /** The sum of every item, row after row, in one chain of adds. */
    static double sum(double[][] data) {
        double sum = 0;
        for (double[] row : data) {
            for (double v : row) {
                sum += v;
            }
        }
        return sum;
    }

    /** The largest item. */
    static double max(double[][] data) {
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : data) {
            for (double v : row) {
                max = Math.max(max, v);
            }
        }
        return max;
    }
}
