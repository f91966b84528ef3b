/* A C function the cross-process test of shared arrays passes a process-local T** (SharedArray.rowPointers) to. */
double ib_shm_sum_rows(const double *const *rows, long nrows, long ncols) {
    double sum = 0;
    for (long r = 0; r < nrows; r++) {
        for (long c = 0; c < ncols; c++) {
            sum += rows[r][c];
        }
    }
    return sum;
}
