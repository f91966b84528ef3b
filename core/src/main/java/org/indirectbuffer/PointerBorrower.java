package org.indirectbuffer;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.ItemLayouts;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.RowItemFormat;

/**
 * Borrows foreign {@code T**} tables of one item format again and again, for code that is handed a table per call —
 * a FLAC write callback ({@code const FLAC__int32 *const buffer[]}), a vorbis decode loop ({@code float **pcm}), an
 * audio block callback — and wants each borrow to cost next to nothing:
 *
 * <pre>{@code
 * static final PointerBorrower CHANNELS = PointerBorrower.of("i", true, Sharing.CONFINED);   // once
 *
 * int write(MemorySegment buffer, int channels, int frames) {                                 // per call
 *     try (IndirectMemory2D pcm = CHANNELS.borrow(buffer, channels, frames)) {
 *         ...                                                                                // read pcm
 *     }
 * }
 * }</pre>
 *
 * <p>Each {@link #borrow} is {@link IndirectMemory2D#wrap(MemorySegment, long, long, String, boolean,
 * Sharing)} without its per-call costs: the format is parsed once, and the native-access check is made once, by
 * {@link #of}. That makes a borrower a <b>capability</b>, as a downcall method handle is: {@code of} is restricted
 * (its caller's module must have native access, else {@link IllegalCallerException}), and whoever holds the borrower
 * may then borrow any address without a check — keep it where only code that may trust C's pointers can reach it.
 *
 * <p>What each borrow is: as {@code IndirectMemory2D.wrap} — nothing is freed, the table is trusted to hold {@code rows}
 * pointers of {@code cols} items each until the result is closed, every segment the result hands out dies with it.
 * With {@link Sharing#CONFINED} (the point of a borrower) the result belongs to the borrowing thread and closing it
 * costs no handshake with other threads; a confined result left unclosed holds nothing and needs no Cleaner.
 *
 * <p>A confined borrow is <b>light</b>: it is the handle, its layout and a confined arena, and nothing more until it
 * lends a {@link BufferView} or is reformatted ({@link IndirectMemory2D#reinterpretData}), which start its export
 * counting then. It keeps every promise of a borrowed handle: every use after {@link IndirectMemory2D#close()} is an
 * {@link IllegalStateException} (also through the segments it handed out); reaching its items or segments, lending a
 * view, reformatting or closing it on another thread is a {@link WrongThreadException} that changes nothing; while a
 * view it lent is open, close is a {@link BufferException}. The rows of a read-only borrower are made read-only once and handed out as they are.
 *
 * <p>Immutable and thread-safe: one borrower may serve many threads (each confined result belongs to the thread that
 * borrowed it).
 */
public final class PointerBorrower {
    final Format format;
    /** The typed-access layouts of {@code format}, made once for every borrow. */
    final ItemLayouts items;
    final boolean readOnly;
    final Sharing sharing;

    private PointerBorrower(Format format, boolean readOnly, Sharing sharing) {
        this.format = format;
        this.items = ItemLayouts.of(format, "format");
        this.readOnly = readOnly;
        this.sharing = sharing;
    }

    /**
     * Makes a borrower of tables of {@code format} items.
     *
     * <p><b>Restricted:</b> the borrower trusts every table it is given, as {@code IndirectMemory2D.wrap} does; the caller's
     * module must have native access ({@code --enable-native-access}).
     *
     * @param format   the item format of every table borrowed
     * @param readOnly whether the results refuse writes ({@link Access#READ_ONLY}) rather than allow them
     * @param sharing  which threads may use each result: {@link Sharing#CONFINED} for per-call borrowing
     * @return the borrower
     * @throws org.indirectbuffer.format.FormatException if the format does not parse
     * @throws IllegalArgumentException                  if its item size is 0
     * @throws IllegalCallerException                    if the caller's module has no native access
     */
    public static PointerBorrower of(String format, boolean readOnly, Sharing sharing) {
        Restricted.check(PointerBorrower.class, "PointerBorrower.of");
        Objects.requireNonNull(sharing, "sharing");
        return new PointerBorrower(RowItemFormat.parse(Objects.requireNonNull(format, "format")), readOnly, sharing);
    }

    /**
     * Borrows {@code table}: {@code rows} row pointers, each to {@code cols} items of this borrower's format.
     *
     * <p><b>Unchecked:</b> the table and its rows are trusted as {@link IndirectMemory2D#wrap(MemorySegment,
     * long, long, String, boolean)} trusts them (this borrower's factory made the native-access check).
     *
     * @param table the table of row pointers (a bare C pointer, or a segment of at least {@code rows} pointers)
     * @param rows  the number of rows
     * @param cols  the number of items per row
     * @return the primary handle; closing it frees nothing
     * @throws IllegalArgumentException if a size is negative or overflows a 64-bit byte count, or the table is NULL
     *                                  or on the Java heap
     * @throws BufferException          if the table is too small for {@code rows} pointers
     */
    public IndirectMemory2D borrow(MemorySegment table, long rows, long cols) {
        // Small enough for C1 to inline into its caller (at most 35 bytes of code, and operand stack plus locals
        // beyond the arguments at most C1InlineStackLimit, 5 on JDK 25: no call passes all four arguments), so that
        // C2 seldom compiles it on its own; the steps are compiled on their own, each small enough for C2 to inline
        // (see IndirectMemory2D.Borrowing).
        return IndirectMemory2D.borrowed(IndirectMemory2D.scoped(
                IndirectMemory2D.checked(IndirectMemory2D.borrowing(this, table, rows), cols)));
    }

    /** {@return the item format of every table borrowed} */
    public Format format() {
        return format;
    }

    /** {@return whether the results refuse writes} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@return which threads may use each result} */
    public Sharing sharing() {
        return sharing;
    }

    @Override
    public String toString() {
        return "PointerBorrower['" + format + "', " + (readOnly ? "read-only" : "writable") + ", " + sharing + "]";
    }
}
