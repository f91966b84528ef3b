package org.indirectbuffer;

/**
 * Which part of a {@code T**} (or {@code char**}) the library gives to a C function that takes ownership and frees
 * it itself: {@link IndirectMemory2D#handOffToC(HandOff)}, {@link CStringTable#handOffToC(HandOff)}. C APIs differ:
 * GLib's {@code g_strfreev} frees every row and then the table; some functions take the rows (each string, each
 * row buffer) and copy or ignore the array that held them; others take the array and leave the rows to the caller.
 * Whatever C does not take stays the library's, and the library frees it when the handle is closed (or, unclosed,
 * by its {@link java.lang.ref.Cleaner}); what C takes, the library never frees. Either way nothing leaks and nothing
 * is freed twice.
 *
 * <p>An enum: immutable and thread-safe.
 */
public enum HandOff {
    /** The table and every row: C frees each row, then the table (as {@code g_strfreev} does). */
    ALL,
    /** Every row, not the table: C frees each row; the library frees the table at close. */
    ROWS_ONLY,
    /** The table, not the rows: C frees the table; the library frees every row at close. */
    TABLE_ONLY
}
