package org.indirectbuffer.contract;

/** Test data for the {@code double**} paths of every module: grids whose cells all differ, and their sums. */
public final class Grids {
    private Grids() {
    }

    /**
     * A grid whose cell {@code [r][j]} is {@code seed + 100 r + j + 0.25}.
     *
     * @param rows the rows
     * @param cols the columns
     * @param seed what makes one grid differ from another
     * @return the grid
     */
    public static double[][] grid(int rows, int cols, int seed) {
        double[][] d = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                d[r][j] = seed + r * 100 + j + 0.25;
            }
        }
        return d;
    }

    /**
     * Sums the cells row by row, in the order C's loops do (so the bits agree).
     *
     * @param d the grid
     * @return the sum
     */
    public static double sum(double[][] d) {
        double s = 0;
        for (double[] row : d) {
            for (double v : row) {
                s += v;
            }
        }
        return s;
    }
}
