/* C functions the core tests call through FFM downcalls with the library's T** tables (GcTimingTest,
   CleanerInFlightTest). Each takes an optional callback, called once in the middle of the work (after half the
   rows), so a test can force garbage collections while C holds the table. */
#include <stddef.h>
#include <string.h>

typedef void (*ct_callback)(void);

/* Sums rows[i][j] of a double** of rows x cols; calls cb (if not NULL) after rows / 2 rows. */
double ct_sum(double **m, int rows, int cols, ct_callback cb) {
    double s = 0.0;
    for (int i = 0; i < rows; i++) {
        if (cb != NULL && i == rows / 2)
            cb();
        for (int j = 0; j < cols; j++)
            s += m[i][j];
    }
    if (cb != NULL && rows == 0)
        cb();
    return s;
}

/* Sums a ragged double**: row i has lengths[i] items. */
double ct_sum_ragged(double **m, const long long *lengths, int rows, ct_callback cb) {
    double s = 0.0;
    for (int i = 0; i < rows; i++) {
        if (cb != NULL && i == rows / 2)
            cb();
        for (long long j = 0; j < lengths[i]; j++)
            s += m[i][j];
    }
    return s;
}

/* A checksum of the first n strings of a char** (their lengths and bytes): h = h * 31 + byte, and + strlen per
   string, modulo 2^64 (Java's long arithmetic gives the same bits). */
unsigned long long ct_strings_checksum(char **s, int n, ct_callback cb) {
    unsigned long long sum = 0;
    for (int i = 0; i < n; i++) {
        if (cb != NULL && i == n / 2)
            cb();
        size_t len = strlen(s[i]);
        sum += (unsigned long long) len;
        for (size_t k = 0; k < len; k++)
            sum = sum * 31 + (unsigned char) s[i][k];
    }
    return sum;
}
