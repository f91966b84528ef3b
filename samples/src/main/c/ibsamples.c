/* The small C library the samples call: functions that take and return T** as C code does. */
#include <stdlib.h>

/* Sums a rows x cols matrix given as an array of row pointers. */
double ib_sum(double **m, int rows, int cols) {
    double s = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            s += m[i][j];
    return s;
}

/* Writes m[i][j] = i * 1000 + j into every cell, so the caller can check where each value landed. */
void ib_fill_coordinates(double **m, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] = i * 1000.0 + j;
}

/* Allocates a rows x cols double** with malloc, one allocation per row; free with ib_free_matrix.
   Cell (i, j) holds i + j / 10. Returns NULL when malloc fails. */
double **ib_new_matrix(int rows, int cols) {
    double **m = malloc(sizeof(double *) * (size_t) (rows > 0 ? rows : 1));
    if (m == NULL) return NULL;
    for (int i = 0; i < rows; i++) {
        m[i] = malloc(sizeof(double) * (size_t) (cols > 0 ? cols : 1));
        if (m[i] == NULL) {
            while (i-- > 0) free(m[i]);
            free(m);
            return NULL;
        }
        for (int j = 0; j < cols; j++) m[i][j] = i + j / 10.0;
    }
    return m;
}

/* Frees what ib_new_matrix returned. */
void ib_free_matrix(double **m, int rows) {
    if (m == NULL) return;
    for (int i = 0; i < rows; i++) free(m[i]);
    free(m);
}

/* Multiplies every cell of a rows x cols matrix, given as an array of row pointers, by f. */
void ib_scale_rows(double **m, int rows, int cols, double f) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] *= f;
}
