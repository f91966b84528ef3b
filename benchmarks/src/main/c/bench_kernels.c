/*
 * The C baselines of the benchmark suite: each operation over a double** as a C programmer writes it, compiled with
 * gcc -O3 -march=native (see benchmarks/pom.xml) and called through an FFM downcall, so that C and Java read the same
 * rows in the same process. gcc does not reorder a floating-point reduction without -ffast-math, so the plain sum
 * loop is one dependent chain of adds; sum_rows_unrolled is what a skilled C programmer writes instead (four
 * accumulators, which gcc then vectorizes per accumulator).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

double sum_rows(const double *const *rows, long n, long m) {
    double s = 0;
    for (long i = 0; i < n; i++) {
        const double *row = rows[i];
        for (long j = 0; j < m; j++) {
            s += row[j];
        }
    }
    return s;
}

double sum_rows_unrolled(const double *const *rows, long n, long m) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (long i = 0; i < n; i++) {
        const double *row = rows[i];
        long j = 0;
        for (; j + 4 <= m; j += 4) {
            s0 += row[j];
            s1 += row[j + 1];
            s2 += row[j + 2];
            s3 += row[j + 3];
        }
        for (; j < m; j++) {
            s0 += row[j];
        }
    }
    return (s0 + s1) + (s2 + s3);
}

double max_rows(const double *const *rows, long n, long m) {
    double best = -__builtin_inf();
    for (long i = 0; i < n; i++) {
        const double *row = rows[i];
        for (long j = 0; j < m; j++) {
            best = row[j] > best ? row[j] : best;
        }
    }
    return best;
}

void fill_rows(double *const *rows, long n, long m, double value) {
    for (long i = 0; i < n; i++) {
        double *row = rows[i];
        for (long j = 0; j < m; j++) {
            row[j] = value;
        }
    }
}

void scale_rows(double *const *rows, long n, long m, double factor) {
    for (long i = 0; i < n; i++) {
        double *row = rows[i];
        for (long j = 0; j < m; j++) {
            row[j] *= factor;
        }
    }
}

void gather_rows(const double *const *rows, long n, long m, double *out) {
    for (long i = 0; i < n; i++) {
        memcpy(out + i * m, rows[i], (size_t) m * sizeof(double));
    }
}

void scatter_rows(double *const *rows, long n, long m, const double *in) {
    for (long i = 0; i < n; i++) {
        memcpy(rows[i], in + i * m, (size_t) m * sizeof(double));
    }
}

/*
 * Setup helpers, not baselines: the rows of a benchmark's double** allocated the way a C library allocates them, in
 * one downcall instead of one per block (a million downcalls from code the JIT has not compiled yet took seconds of
 * every trial's setup). malloc_blocks allocates n blocks of sizes[i] bytes, in that order, into out[i] (so a spacer
 * allocated between two rows stays live between them) and returns n, or the index of the first malloc that failed;
 * free_blocks frees the first n.
 */
long malloc_blocks(long n, const long *sizes, void **out) {
    for (long i = 0; i < n; i++) {
        out[i] = malloc((size_t) (sizes[i] > 0 ? sizes[i] : 1));
        if (out[i] == NULL) {
            return i;
        }
    }
    return n;
}

void free_blocks(long n, void *const *blocks) {
    for (long i = 0; i < n; i++) {
        free(blocks[i]);
    }
}
