/* The consumer test's C library: what a C numerical library's double** API looks like. */
#include <stdlib.h>

/* Sum of a rows x cols matrix given as row pointers. */
double cm_sum(double **m, int rows, int cols) {
    double total = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            total += m[i][j];
    return total;
}

/* m[i][j] = 100 * i + j: each cell says where it is. */
void cm_fill(double **m, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] = 100.0 * i + j;
}

/* Multiplies every cell by f. */
void cm_scale(double **m, int rows, int cols, double f) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] *= f;
}

/* A malloc'ed double** (table, then one malloc per row) with m[i][j] = i - j; NULL if out of memory.
   The caller frees each row, then the table, with free(). */
double **cm_new(int rows, int cols) {
    double **m = malloc(sizeof *m * (size_t) (rows > 0 ? rows : 1));
    if (!m) return NULL;
    for (int i = 0; i < rows; i++) {
        m[i] = malloc(sizeof **m * (size_t) (cols > 0 ? cols : 1));
        if (!m[i]) {
            while (i-- > 0) free(m[i]);
            free(m);
            return NULL;
        }
        for (int j = 0; j < cols; j++) m[i][j] = (double) (i - j);
    }
    return m;
}
