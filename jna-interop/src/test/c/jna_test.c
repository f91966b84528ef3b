/* C functions the jna-interop tests call through JNA (and the FFM Linker): T** in, T** out, char**, ragged rows. */
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ double** */

/* Sums every cell of a rows x cols double**. */
double jt_sum(double **m, int rows, int cols) {
    double s = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            s += m[i][j];
    return s;
}

/* Sums every cell of a float**. */
double jt_sum_float(float **m, int rows, int cols) {
    double s = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            s += m[i][j];
    return s;
}

/* Writes m[i][j] = i * 1000 + j. */
void jt_fill(double **m, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            m[i][j] = i * 1000.0 + j;
}

/* Sums two double** of the same shape into the first: a[i][j] += b[i][j]. */
void jt_add(double **a, double **b, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            a[i][j] += b[i][j];
}

static int free_calls = 0;
static int live_matrices = 0;

/* A double** C allocates (malloc): cell (i, j) holds i + j / 10. */
double **jt_new_matrix(int rows, int cols) {
    double **m = malloc(sizeof(double *) * (rows > 0 ? rows : 1));
    for (int i = 0; i < rows; i++) {
        m[i] = malloc(sizeof(double) * (cols > 0 ? cols : 1));
        for (int j = 0; j < cols; j++)
            m[i][j] = i + j / 10.0;
    }
    live_matrices++;
    return m;
}

/* The library's own deallocator for jt_new_matrix / jt_make_matrix: counts its calls. */
void jt_free_matrix(double **m, int rows) {
    free_calls++;
    live_matrices--;
    for (int i = 0; i < rows; i++)
        free(m[i]);
    free(m);
}

/* A free function that frees only what the caller knows, the table: for tests of free-only-the-table nannies. */
void jt_free_table_only(void **table) {
    free_calls++;
    free(table);
}

int jt_free_calls(void) { return free_calls; }
int jt_live_matrices(void) { return live_matrices; }

/* An out-parameter allocation: *out receives a new rows x cols double** (as jt_new_matrix); returns 0. */
int jt_make_matrix(double ***out, int rows, int cols) {
    if (out == NULL || rows < 0 || cols < 0)
        return -1;
    *out = jt_new_matrix(rows, cols);
    return 0;
}

/* Leaves *out untouched and reports failure: the "C did not set the out-parameter" case. */
int jt_make_matrix_fails(double ***out, int rows, int cols) {
    (void) out; (void) rows; (void) cols;
    return -2;
}

/* Copies the row pointers C receives into out (so tests can see where rows live). */
void jt_row_addresses(void **m, int rows, long long *out) {
    for (int i = 0; i < rows; i++)
        out[i] = (long long) (__INTPTR_TYPE__) m[i];
}

/* ------------------------------------------------------------------ char** */

/* Total bytes (strlen) of a NULL-terminated char**, or of the first n entries when n >= 0. */
long jt_total_strlen(char **s, int n) {
    long total = 0;
    for (int i = 0; n < 0 ? s[i] != NULL : i < n; i++)
        total += (long) strlen(s[i]);
    return total;
}

/* Counts the entries of a NULL-terminated char**. */
int jt_count_strings(char **s) {
    int n = 0;
    while (s[n] != NULL)
        n++;
    return n;
}

/* Joins the first n strings with sep into out (capacity cap, NUL-terminated); returns the bytes written or -1. */
int jt_join(char **s, int n, char sep, char *out, int cap) {
    int at = 0;
    for (int i = 0; i < n; i++) {
        int len = (int) strlen(s[i]);
        if (at + len + 2 > cap)
            return -1;
        if (i > 0)
            out[at++] = sep;
        memcpy(out + at, s[i], len);
        at += len;
    }
    out[at] = '\0';
    return at;
}

/* A NULL-terminated char** C allocates: UTF-8 strings, some of them non-ASCII. */
char **jt_new_strings(void) {
    static const char *src[] = {
        "plain",
        "na\xc3\xafve caf\xc3\xa9",                    /* naïve café */
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",        /* 日本語 */
        "\xce\xb1\xce\xb2\xce\xb3",                    /* αβγ */
        "\xf0\x9f\x98\x80",                            /* 😀 (U+1F600) */
        "",
    };
    int n = (int) (sizeof src / sizeof src[0]);
    char **out = malloc(sizeof(char *) * (n + 1));
    for (int i = 0; i < n; i++)
        out[i] = strdup(src[i]);
    out[n] = NULL;
    return out;
}

static int strings_freed = 0;

/* Frees what jt_new_strings returned. */
void jt_free_strings(char **s) {
    for (int i = 0; s[i] != NULL; i++)
        free(s[i]);
    free(s);
    strings_freed++;
}

int jt_strings_freed(void) { return strings_freed; }

/* Writes to s[i][0] the character c in every string of a NULL-terminated char** (to show C writes land). */
void jt_first_chars(char **s, char c) {
    for (int i = 0; s[i] != NULL; i++)
        if (s[i][0] != '\0')
            s[i][0] = c;
}

/* ------------------------------------------------------------------ ragged rows */

/* Sums a ragged double**: row i has lengths[i] items. */
double jt_sum_ragged(double **rows, const long *lengths, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (long j = 0; j < lengths[i]; j++)
            s += rows[i][j];
    return s;
}

/* libsvm's struct svm_node: int index; double value. Rows end with index == -1. */
struct jt_node {
    int index;
    double value;
};

/* Sums index * value over n sentinel-terminated rows. */
double jt_sum_nodes(struct jt_node **rows, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (struct jt_node *p = rows[i]; p->index != -1; p++)
            s += p->index * p->value;
    return s;
}

/* Number of nodes before the terminator of one row. */
int jt_count_nodes(const struct jt_node *row) {
    int n = 0;
    while (row[n].index != -1)
        n++;
    return n;
}

/* Doubles every value of n sentinel-terminated rows in place. */
void jt_double_nodes(struct jt_node **rows, int n) {
    for (int i = 0; i < n; i++)
        for (struct jt_node *p = rows[i]; p->index != -1; p++)
            p->value *= 2;
}

/* A C-allocated table of n sentinel-terminated rows: row i has i + 1 nodes (index k + 1, value i + k / 10). */
struct jt_node **jt_new_nodes(int n) {
    struct jt_node **rows = malloc(sizeof(struct jt_node *) * (n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        rows[i] = malloc(sizeof(struct jt_node) * (i + 2));
        for (int k = 0; k <= i; k++) {
            rows[i][k].index = k + 1;
            rows[i][k].value = i + k / 10.0;
        }
        rows[i][i + 1].index = -1;
        rows[i][i + 1].value = 0;
    }
    return rows;
}

/* ------------------------------------------------------------------ during and after a call */

#include <errno.h>

/* Sums m, calling back into Java halfway (so a test can try to close what C is using). */
double jt_sum_with_callback(double **m, int rows, int cols, void (*cb)(void)) {
    double s = 0.0;
    for (int i = 0; i < rows; i++) {
        if (i == rows / 2 && cb != NULL)
            cb();
        for (int j = 0; j < cols; j++)
            s += m[i][j];
    }
    if (rows == 0 && cb != NULL)
        cb();
    return s;
}

/* Fills m as jt_fill does, then fails with errno = EINVAL (for `throws LastErrorException` methods). */
void jt_fill_then_fail(double **m, int rows, int cols) {
    jt_fill(m, rows, cols);
    errno = EINVAL;
}

/* Calls back into Java with a NULL-terminated char** C is using. */
int jt_count_strings_with_callback(char **s, void (*cb)(void)) {
    if (cb != NULL)
        cb();
    return jt_count_strings(s);
}

/* Sums sentinel-terminated rows, calling back into Java first. */
double jt_sum_nodes_with_callback(struct jt_node **rows, int n, void (*cb)(void)) {
    if (cb != NULL)
        cb();
    return jt_sum_nodes(rows, n);
}

/* Sums a contiguous double[n] (a T*, for exporters without pointers). */
double jt_sum_flat(const double *a, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}

/* ------------------------------------------------------------------ pointers as C receives them */

/* The address C was given: 0 when JNA passed NULL. Never dereferences it. */
long long jt_address_of(const void *p) {
    return (long long) (unsigned long) p;
}
