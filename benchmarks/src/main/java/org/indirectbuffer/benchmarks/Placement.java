package org.indirectbuffer.benchmarks;

/**
 * Where the rows of a benchmark's {@code double**} live: the three layouts C libraries hand back. Every variant of a
 * family (the library, hand-written FFM, JNA, C) reads the same table over the same rows; see {@link NativeMatrix}.
 */
public enum Placement {
    /** Every row in one {@code malloc} block, one after another: the best case for prefetchers. */
    ONE_BLOCK,
    /** One {@code malloc} per row, in row order: adjacent, as a C loop of {@code malloc} calls leaves them. */
    MALLOC_PER_ROW,
    /**
     * One {@code malloc} per row, each followed by a live spacer allocation, and the table pointing at the rows in a
     * shuffled order: rows far apart and in no order, as in a long-running process. The spacers are 16-64 KB; for
     * tables of many rows they shrink so that all spacers together stay within {@link NativeMatrix#SPACER_BUDGET}
     * (at 100,000 rows about 2.7-10 KB, at 1,000,000 rows 270-1,000 bytes: still one row per cache line or page).
     */
    SCATTERED
}
