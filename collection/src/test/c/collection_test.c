/* C functions the collection tests call through a T** the collection exports. */
#include <stddef.h>

/* Writes m[i][j] = i * 1000 + j + 0.5 into every cell. */
void ct_fill_coordinates(double **m, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] = i * 1000.0 + j + 0.5;
}

/* Sums every cell. */
double ct_sum(double **m, int rows, int cols) {
    double s = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            s += m[i][j];
    return s;
}

/* Adds `delta` to every cell of a float** (for float collections). */
void ct_add_float(float **m, int rows, int cols, float delta) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] += delta;
}

/* Copies the row pointers C receives into `out`, so a test can check where each row lives. */
void ct_row_addresses(void **m, int rows, long long *out) {
    for (int i = 0; i < rows; i++)
        out[i] = (long long) (__INTPTR_TYPE__) m[i];
}

/* Adds `delta` to every cell of an int** (for int collections). */
void ct_add_int(int **m, int rows, int cols, int delta) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] += delta;
}

typedef void (*ct_callback)(void);

/* Returns the sum of every cell and writes m[i][j] = seed + i * 1000 + j in its place; calls cb (if not NULL) once,
   after rows / 2 rows, so a test can force garbage collections while C holds the table (BufferCollection2DGcTest). */
double ct_swap_with_callback(double **m, int rows, int cols, double seed, ct_callback cb) {
    double s = 0.0;
    for (int i = 0; i < rows; i++) {
        if (cb != NULL && i == rows / 2)
            cb();
        for (int j = 0; j < cols; j++) {
            s += m[i][j];
            m[i][j] = seed + i * 1000.0 + j;
        }
    }
    return s;
}
