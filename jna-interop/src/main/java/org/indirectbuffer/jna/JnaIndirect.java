package org.indirectbuffer.jna;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.Terminator;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.NannySecrets;
import org.indirectbuffer.internal.NativeBytes;
import org.indirectbuffer.internal.RaggedSecrets;
import org.indirectbuffer.internal.Restricted;

/**
 * {@code T**} across JNA: wrap what C returns, build from JNA objects, and pass the toolkit's objects to C.
 *
 * <h2>Ownership is in the method's name</h2>
 * <ul>
 *   <li>{@code wrap…} <b>borrows</b> a foreign table: closing the result frees nothing. If the table is a JNA {@link
 *       Memory} or an {@link IndirectPointer}, it is kept reachable for as long as the result is.</li>
 *   <li>{@code adopt…} <b>adopts</b>: the nanny (given, or made from a {@link FreeFunction}) is kept reachable as
 *       long as the result or anything taken from it is, and frees the memory exactly once — when the result is
 *       closed (which is refused while a view of it is open), or when all of it became unreachable. If adopting fails, nothing is freed: the caller still owns the memory.</li>
 *   <li>{@link #tableOver} makes an <b>owned</b> table pointing at <b>borrowed</b> rows, and keeps the row Pointers
 *       (JNA {@code Memory} included) reachable for as long as the result is.</li>
 *   <li>{@code pointer…} returns an {@link IndirectPointer}: a JNA Pointer that keeps its owner reachable and holds
 *       nothing. {@code export…} returns one that also holds a counted view, released by {@code close()}.</li>
 * </ul>
 *
 * <h2>What is unchecked: the restricted methods</h2>
 * A foreign table is trusted to hold {@code rows} pointers, each to {@code cols} items: the one unchecked step, as in
 * {@link IndirectMemory2D#wrap(MemorySegment, long, long, String, boolean)}. What JNA objects know is checked:
 * the size of a {@code Memory} table or row, the length of a {@code Pointer[]}, and that an {@link IndirectPointer}
 * has not ended. Every method that dereferences or frees a caller-supplied address ({@code wrap…}, {@code adopt…},
 * {@link #tableOver}) is <b>restricted</b>, as the JDK's {@code MemorySegment.reinterpret} is: the caller's module must have native access ({@code --enable-native-access=M}, or {@code ALL-UNNAMED} on the
 * class path), else it throws {@link IllegalCallerException}. The {@code pointer…} and {@code export} methods only
 * lend memory Java owns or borrowed already, and are not restricted.
 *
 * <h2>Exceptions</h2>
 * {@link BufferException} for shapes, formats and sizes that do not fit (the message names the value, what was
 * expected and where: "row array has 3 entries; 4 rows were asked for"); {@link IllegalStateException} for closed
 * owners, ended {@link IndirectPointer}s and NULL out-parameters; {@link IllegalCallerException} for a restricted
 * method called without native access; {@link org.indirectbuffer.format.FormatException} for malformed formats.
 *
 * <p>Stateless and thread-safe. The JDK's restricted methods (FFM's {@code reinterpret}, JNA's JNI) are called on the
 * caller's behalf (the restricted methods of this class first check the caller's own native access): run with
 * {@code --enable-native-access=org.indirectbuffer.core,org.indirectbuffer.collection,}{@code
 * org.indirectbuffer.jna,com.sun.jna} (the JDK warns otherwise, and will refuse in a future release).
 */
public final class JnaIndirect {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    private JnaIndirect() {
    }

    // ------------------------------------------------------------------------------------------------ wrap

    /**
     * Borrows a {@code T**} that C returned (or any table of row pointers).
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to hold {@code rows} pointers, each to {@code cols}
     * items, valid until the result is closed; a wrong pointer can crash the JVM, so the caller's module must have
     * native access.
     *
     * @param table    the table; a JNA {@link Memory} is checked to hold {@code rows} pointers and kept reachable
     * @param rows     the number of rows
     * @param cols     the number of items per row
     * @param format   the item format ({@code 'd'} for {@code double**})
     * @param readOnly whether the result refuses writes
     * @return an {@link IndirectMemory2D} whose {@code close()} frees nothing
     * @throws IllegalArgumentException if a size is negative or overflows, the table is NULL while {@code rows > 0},
     *                                or the item size is 0
     * @throws BufferException        if a {@code Memory} table is too small
     * @throws IllegalStateException  if the table is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static IndirectMemory2D wrap(Pointer table, long rows, long cols, String format, boolean readOnly) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.wrap");
        MemorySegment t = tableSegment(table, rows);
        Object keep = keepAliveOf(table);
        return keep == null ? IndirectMemory2D.wrap(t, rows, cols, format, readOnly)
                : IndirectMemory2D.wrapKeepingAlive(t, rows, cols, format, readOnly, keep);
    }

    /**
     * Borrows a {@code T**} as {@link #wrap(Pointer, long, long, String, boolean)} does, and keeps {@code keepAlive}
     * reachable for as long as the result or anything taken from it is (the JNA {@code Memory} objects the rows live
     * in, say). Nothing is freed or run: to free, use {@link #adopt(Pointer, long, long, String, boolean,
     * MemoryNanny)} or {@link #adopt}.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #wrap(Pointer, long, long, String, boolean)}.
     *
     * @param table     the table
     * @param rows      the number of rows
     * @param cols      the number of items per row
     * @param format    the item format
     * @param readOnly  whether the result refuses writes
     * @param keepAlive what must stay reachable while the memory is used
     * @return an {@link IndirectMemory2D} whose {@code close()} frees nothing
     * @throws BufferException          as {@link #wrap(Pointer, long, long, String, boolean)}
     * @throws IllegalArgumentException if {@code keepAlive} is a {@link MemoryNanny} (which would never free)
     * @throws IllegalStateException    if the table is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static IndirectMemory2D wrapKeepingAlive(Pointer table, long rows, long cols, String format,
                                                    boolean readOnly, Object keepAlive) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.wrapKeepingAlive");
        MemorySegment t = tableSegment(table, rows);
        Object keep = keepAliveOf(table);
        NannySecrets.refuseNannyKeptAlive(keepAlive);
        return IndirectMemory2D.wrapKeepingAlive(t, rows, cols, format, readOnly,
                keep == null ? keepAlive : new Object[] {keepAlive, keep});
    }

    /**
     * Adopts a {@code T**} with a memory nanny, closed (freeing) when the result is closed; closing the nanny by hand
     * first ends the result's memory. A nanny is adopted once.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #wrap(Pointer, long, long, String, boolean)}.
     *
     * @param table    the table
     * @param rows     the number of rows
     * @param cols     the number of items per row
     * @param format   the item format
     * @param readOnly whether the result refuses writes
     * @param nanny    what frees the memory
     * @return an {@link IndirectMemory2D} that owns the nanny
     * @throws BufferException        as {@link #wrap(Pointer, long, long, String, boolean)}; the nanny is then not
     *                                adopted
     * @throws IllegalStateException  if the table is an {@link IndirectPointer} that has ended, or the nanny has
     *                                already freed (or failed to) or another owner adopted it
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static IndirectMemory2D adopt(Pointer table, long rows, long cols, String format, boolean readOnly,
                                         MemoryNanny nanny) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.adopt");
        Objects.requireNonNull(nanny, "nanny");
        MemorySegment t = tableSegment(table, rows);
        return adopting(nanny, keepAliveOf(table),
                n -> IndirectMemory2D.adopt(t, rows, cols, format, readOnly, n));
    }

    /**
     * Adopts a {@code T**} that C allocated, to be given back through {@code freeFunction} exactly once: when the
     * result is closed (refused while a view is open), or when it and everything taken from it became unreachable.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to hold {@code rows} pointers, each to {@code cols}
     * items, and to be freed by {@code freeFunction} and by no one else: a wrong table crashes the JVM or corrupts the
     * C heap, so the caller's module must have native access. Memory Java owns is refused: a JNA {@link Memory} (JNA
     * frees it) or an {@link IndirectPointer} (its owner frees it).
     *
     * @param table       the table C returned
     * @param rows        the number of rows
     * @param cols        the number of items per row
     * @param format      the item format
     * @param readOnly    whether the result refuses writes
     * @param freeFunction how the memory is freed, e.g. {@link FreeFunction#C_FREE_ROWS_AND_TABLE} or {@link
     *                    FreeFunction#withRowCount} of the library's {@code free_matrix}
     * @return an {@link IndirectMemory2D} that owns the memory
     * @throws BufferException          as {@link #wrap(Pointer, long, long, String, boolean)}; then nothing is freed
     * @throws IllegalArgumentException if the table is memory Java owns ({@code Memory}, {@code IndirectPointer})
     * @throws IllegalStateException    if the table is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static IndirectMemory2D adopt(Pointer table, long rows, long cols, String format, boolean readOnly,
                                         FreeFunction freeFunction) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.adopt");
        Objects.requireNonNull(freeFunction, "freeFunction");
        MemorySegment t = tableSegment(table, rows);
        Format.parse(Objects.requireNonNull(format, "format"));
        FreeFunction.Armed armed = freeFunction.nannyFor(table, rows);
        try {
            return adopting(armed.nanny(), keepAliveOf(table),
                    nanny -> IndirectMemory2D.adopt(t, rows, cols, format, readOnly, nanny));
        } catch (RuntimeException | Error e) {
            armed.disarm();
            throw e;
        }
    }

    /**
     * Adopts the {@code T**} a C function allocated and stored through a {@code T***} out-parameter ({@code int
     * make_matrix(double ***out, int rows, int cols)} called with a {@link PointerByReference}).
     *
     * <p><b>Restricted, unchecked:</b> as {@link #adopt}.
     *
     * @param out         the out-parameter after the call
     * @param rows        the number of rows
     * @param cols        the number of items per row
     * @param format      the item format
     * @param readOnly    whether the result refuses writes
     * @param freeFunction how the memory is freed
     * @return an {@link IndirectMemory2D} that owns the memory
     * @throws IllegalStateException  if the out-parameter holds NULL (C did not allocate) while {@code rows > 0}
     * @throws BufferException        as {@link #adopt}
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static IndirectMemory2D adoptOutParameter(PointerByReference out, long rows, long cols, String format,
                                                    boolean readOnly, FreeFunction freeFunction) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.adoptOutParameter");
        return adopt(outValue(out, rows), rows, cols, format, readOnly, freeFunction);
    }

    /**
     * Borrows the {@code T**} a C function stored through a {@code T***} out-parameter, for a table C keeps owning
     * (libvorbis' {@code vorbis_synthesis_pcm(&v, &pcm)} hands out its own buffers): never freed here, valid until C
     * reuses it, so borrow it for as long as C promises and close it before. {@link Sharing#CONFINED} makes the
     * borrow cheap for a decode loop that borrows once per block.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #wrap(Pointer, long, long, String, boolean)}.
     *
     * @param out      the out-parameter after the call
     * @param rows     the number of rows
     * @param cols     the number of items per row
     * @param format   the item format
     * @param readOnly whether the result refuses writes
     * @param sharing  which threads may use the result
     * @return an {@link IndirectMemory2D} whose {@code close()} frees nothing
     * @throws IllegalStateException  if the out-parameter holds NULL while {@code rows > 0}
     * @throws BufferException        as {@link #wrap(Pointer, long, long, String, boolean)}
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static IndirectMemory2D wrapOutParameter(PointerByReference out, long rows, long cols, String format,
                                                    boolean readOnly, Sharing sharing) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.wrapOutParameter");
        return wrap(outValue(out, rows), rows, cols, format, readOnly, sharing);
    }

    /**
     * Borrows a {@code T**} as {@link #wrap(Pointer, long, long, String, boolean)} does, shared between threads or
     * confined to this one: {@link Sharing#CONFINED} costs no handshake with the other threads on close, for tables
     * borrowed once per callback; see {@link IndirectMemory2D#wrap(MemorySegment, long, long, String, boolean,
     * Sharing)}.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #wrap(Pointer, long, long, String, boolean)}.
     *
     * @param table    the table; a JNA {@link Memory} is checked to hold {@code rows} pointers and kept reachable
     * @param rows     the number of rows
     * @param cols     the number of items per row
     * @param format   the item format
     * @param readOnly whether the result refuses writes
     * @param sharing  which threads may use the result
     * @return an {@link IndirectMemory2D} whose {@code close()} frees nothing
     * @throws BufferException        as {@link #wrap(Pointer, long, long, String, boolean)}
     * @throws IllegalStateException  if the table is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static IndirectMemory2D wrap(Pointer table, long rows, long cols, String format, boolean readOnly,
                                        Sharing sharing) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.wrap");
        Objects.requireNonNull(sharing, "sharing");
        MemorySegment t = tableSegment(table, rows);
        Object keep = keepAliveOf(table);
        return keep == null ? IndirectMemory2D.wrap(t, rows, cols, format, readOnly, sharing)
                : IndirectMemory2D.wrapKeepingAlive(t, rows, cols, format, readOnly, sharing, keep);
    }

    /** The table an out-parameter holds after the call; NULL refused when rows are expected. */
    private static Pointer outValue(PointerByReference out, long rows) {
        Objects.requireNonNull(out, "out");
        Pointer table = out.getValue();
        if ((table == null || Pointer.nativeValue(table) == 0) && rows > 0) {
            throw new IllegalStateException("out-parameter at 0x" + Long.toHexString(Pointer.nativeValue(
                    out.getPointer())) + " holds NULL; expected the " + rows + "-row T** the C function allocates"
                    + " (did the call fail?)");
        }
        return table;
    }

    /**
     * Builds a {@code T**} over rows given as JNA Pointers: one per row. The result owns its table (freed on close)
     * and keeps the row Pointers reachable — JNA {@link Memory} rows cannot be freed under it.
     *
     * <p><b>Restricted, unchecked:</b> as the full form.
     *
     * @param rows     the rows ({@code Memory}, {@link IndirectPointer}, or bare Pointers)
     * @param cols     the number of items per row
     * @param format   the item format
     * @param readOnly whether the result refuses writes
     * @return an {@link IndirectMemory2D} of {@code rows.length} rows
     * @throws BufferException        as {@link #tableOver(Pointer[], long, long, String, boolean)}
     * @throws IllegalStateException  if a row is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static IndirectMemory2D tableOver(Pointer[] rows, long cols, String format, boolean readOnly) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.tableOver");
        return tableOver(rows, Objects.requireNonNull(rows, "rows").length, cols, format, readOnly);
    }

    /**
     * Builds a {@code T**} of the first {@code rowCount} of {@code rows}: the Java analog of indirect_buffer's {@code
     * from_ctype_ptr} over a ctypes array of row pointers, with its checks. The result owns its table and keeps the
     * row Pointers reachable.
     *
     * <p><b>Restricted, unchecked:</b> each row (but a {@code Memory}, whose size is known) is trusted to point at
     * {@code cols} items valid until the result is closed; a wrong pointer can crash the JVM, so the caller's module
     * must have native access. A row that is an {@link IndirectPointer} that has ended is refused.
     *
     * @param rows     the row array; it must have at least {@code rowCount} entries
     * @param rowCount the number of rows
     * @param cols     the number of items per row
     * @param format   the item format
     * @param readOnly whether the result refuses writes
     * @return an {@link IndirectMemory2D} of {@code rowCount} rows
     * @throws IllegalArgumentException if an entry is null or NULL ("row 2 is NULL; expected a pointer to ..."), or a
     *                               size is negative or overflows
     * @throws BufferException       if the array has fewer entries than {@code rowCount} ("row array has 3 entries; 4
     *                               rows were asked for"), or a {@code Memory} row is smaller than {@code cols} items
     * @throws IllegalStateException  if a row is an {@link IndirectPointer} that has ended ({@code Memory} rows
     *                                closed are NULL: a {@code BufferException})
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static IndirectMemory2D tableOver(Pointer[] rows, long rowCount, long cols, String format,
                                            boolean readOnly) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.tableOver");
        Objects.requireNonNull(rows, "rows");
        Format f = Format.parse(Objects.requireNonNull(format, "format"));
        if (rowCount < 0 || cols < 0) {
            throw new IllegalArgumentException("dimensions " + rowCount + " x " + cols
                    + ": expected rows >= 0 and cols >= 0");
        }
        if (rows.length < rowCount) {
            throw new BufferException("row array has " + rows.length + " entries; " + rowCount
                    + " rows were asked for");
        }
        long rowBytes;
        try {
            rowBytes = Math.multiplyExact(cols, f.itemSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(cols + " columns of format '" + f + "' overflow a 64-bit byte count",
                    e);
        }
        int n = (int) rowCount;
        Pointer[] kept = new Pointer[n];
        for (int r = 0; r < n; r++) {
            Pointer p = rows[r];
            if (p instanceof IndirectPointer ip) {
                ip.ensureUsable("row " + r);
            }
            long address = p == null ? 0 : Pointer.nativeValue(p);
            if (address == 0) {
                throw new IllegalArgumentException("row " + r + " is " + (p == null ? "null" : "NULL")
                        + "; expected a pointer to " + cols + " items of '" + f + "'");
            }
            if (p instanceof Memory m && m.size() < rowBytes) {
                throw new BufferException("row " + r + ": Memory of " + m.size() + " bytes holds " + m.size()
                        / Math.max(1, f.itemSize()) + " items of '" + f + "'; expected " + cols + " columns ("
                        + rowBytes + " bytes)");
            }
            kept[r] = p;
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment table = NativeBytes.allocate(arena, Math.max(n * POINTER, POINTER), POINTER)
                    .asSlice(0, n * POINTER);
            for (int r = 0; r < n; r++) {
                table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, r, MemorySegment.ofAddress(Pointer.nativeValue(kept[r])));
            }
            // The table's arena is freed by the nanny the result adopts, which keeps the row objects until then.
            MemoryNanny nanny = MemoryNanny.closing(arena);
            NannySecrets.keepAlive(nanny, kept);
            return IndirectMemory2D.adopt(table, rowCount, cols, format, readOnly, nanny);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------ ragged

    /**
     * Borrows a foreign ragged {@code T**} whose row lengths are known; see {@link RaggedRows#wrap(MemorySegment,
     * long[], String, boolean)}. A JNA {@link Memory} table is checked for size and kept reachable.
     *
     * <p><b>Restricted, unchecked:</b> as {@link RaggedRows#wrap(MemorySegment, long[], String, boolean)}.
     *
     * @param table    the table
     * @param lengths  each row's item count
     * @param format   the item format
     * @param readOnly whether writes are refused
     * @return the rows; closing frees nothing
     * @throws IllegalArgumentException if a length is negative or overflows, the table is NULL, or the item size is 0
     * @throws BufferException        if the table is too small
     * @throws IllegalStateException  if the table is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static RaggedRows wrapRagged(Pointer table, long[] lengths, String format, boolean readOnly) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.wrapRagged");
        MemorySegment t = tableSegment(table, Objects.requireNonNull(lengths, "lengths").length);
        Object keep = keepAliveOf(table);
        return keep == null ? RaggedRows.wrap(t, lengths, format, readOnly)
                : RaggedRows.wrapKeepingAlive(t, lengths, format, readOnly, keep);
    }

    /**
     * Adopts a foreign ragged {@code T**} whose row lengths are known, freeing it through {@code freeFunction} exactly
     * once (when the result is closed, or unreachable).
     *
     * <p><b>Restricted, unchecked:</b> as {@link RaggedRows#wrap(MemorySegment, long[], String, boolean)}, and
     * the table is trusted to be freed by {@code freeFunction} and no one else; memory Java owns is refused.
     *
     * @param table       the table
     * @param lengths     each row's item count
     * @param format      the item format
     * @param readOnly    whether writes are refused
     * @param freeFunction how the memory is freed
     * @return the rows
     * @throws BufferException          if the table is too small; then nothing is freed
     * @throws IllegalArgumentException if a length is negative or overflows, the table is NULL, the item size is 0
     *                                  (then nothing is freed), or the table is memory Java owns ({@code Memory},
     *                                  {@code IndirectPointer})
     * @throws IllegalStateException    if the table is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static RaggedRows adoptRagged(Pointer table, long[] lengths, String format, boolean readOnly,
                                        FreeFunction freeFunction) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.adoptRagged");
        Objects.requireNonNull(freeFunction, "freeFunction");
        MemorySegment t = tableSegment(table, Objects.requireNonNull(lengths, "lengths").length);
        FreeFunction.Armed armed = freeFunction.nannyFor(table, lengths.length);
        try {
            return adopting(armed.nanny(), keepAliveOf(table),
                    nanny -> RaggedRows.adopt(t, lengths, format, readOnly, nanny));
        } catch (RuntimeException | Error e) {
            armed.disarm();
            throw e;
        }
    }

    /**
     * Borrows a foreign {@code T**} of sentinel-terminated rows (an {@code svm_node**} C keeps owning); see {@link
     * RaggedRows#wrapTerminated(MemorySegment, long, String, Terminator, long, boolean)}. A JNA {@link Memory} table
     * is checked for size and kept reachable.
     *
     * <p><b>Restricted, unchecked:</b> as {@link RaggedRows#wrapTerminated(MemorySegment, long, String, Terminator,
     * long, boolean)}, including that {@code maxLength} must not exceed what a row's allocation holds.
     *
     * @param table      the table
     * @param rows       the number of rows
     * @param format     the item format
     * @param terminator the item ending each row
     * @param maxLength  the most items a row may have before its terminator
     * @param readOnly   whether writes are refused
     * @return the rows; closing frees nothing
     * @throws BufferException        as {@link RaggedRows#wrapTerminated}
     * @throws IllegalStateException  if a row pointer is NULL, or the table is an {@link IndirectPointer} that has
     *                                ended
     * @throws IllegalCallerException if the caller's module has no native access
     */
    public static RaggedRows wrapTerminated(Pointer table, long rows, String format, Terminator terminator,
                                            long maxLength, boolean readOnly) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.wrapTerminated");
        MemorySegment t = tableSegment(table, rows);
        Object keep = keepAliveOf(table);
        return keep == null ? RaggedRows.wrapTerminated(t, rows, format, terminator, maxLength, readOnly)
                : RaggedRows.wrapTerminatedKeepingAlive(t, rows, format, terminator, maxLength, readOnly, keep);
    }

    /**
     * Adopts a foreign {@code T**} of sentinel-terminated rows (a C-allocated {@code svm_node**}), freeing it through
     * {@code freeFunction} exactly once; see {@link RaggedRows#adoptTerminated(MemorySegment, long, String, Terminator,
     * long, boolean, MemoryNanny)}.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #wrapTerminated(Pointer, long, String, Terminator, long, boolean)},
     * and the table is trusted to be freed by {@code freeFunction} and no one else; memory Java owns is refused.
     *
     * @param table        the table
     * @param rows         the number of rows
     * @param format       the item format
     * @param terminator   the item ending each row
     * @param maxLength    the most items a row may have before its terminator
     * @param readOnly     whether writes are refused
     * @param freeFunction how the memory is freed
     * @return the rows
     * @throws BufferException          as {@link RaggedRows#wrapTerminated}; then nothing is freed
     * @throws IllegalArgumentException if the table is memory Java owns ({@code Memory}, {@code IndirectPointer})
     * @throws IllegalStateException    if a row pointer is NULL, or the table is an {@link IndirectPointer} that has
     *                                  ended
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static RaggedRows adoptTerminated(Pointer table, long rows, String format, Terminator terminator,
                                             long maxLength, boolean readOnly, FreeFunction freeFunction) {
        Restricted.check(JnaIndirect.class, "JnaIndirect.adoptTerminated");
        Objects.requireNonNull(freeFunction, "freeFunction");
        MemorySegment t = tableSegment(table, rows);
        FreeFunction.Armed armed = freeFunction.nannyFor(table, rows);
        try {
            return adopting(armed.nanny(), keepAliveOf(table),
                    nanny -> RaggedRows.adoptTerminated(t, rows, format, terminator, maxLength, readOnly, nanny));
        } catch (RuntimeException | Error e) {
            armed.disarm();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------ to C

    /**
     * The {@code T**} of owned or wrapped memory as a JNA Pointer that keeps {@code memory} reachable. Nothing is
     * exported: {@code close()} of the Pointer releases nothing (it only ends the Pointer), and the memory stays free
     * to be closed or resized. When it is, the Pointer ends: JNA sees NULL, and this library refuses it. A call in
     * progress when the memory is closed is the caller's error, as in C; to lock the memory while C uses it, pass
     * {@code memory} itself to a method of an {@link IndirectLibrary} interface, or use {@link #export}.
     *
     * @param memory the memory
     * @return a keep-alive Pointer to its pointer table
     * @throws IllegalStateException if the memory is closed or the handle stale
     */
    public static IndirectPointer pointer(IndirectMemory2D memory) {
        Objects.requireNonNull(memory, "memory");
        MemorySegment table = memory.pointerTable();
        return IndirectPointer.keeping(table.address(), memory, table.scope(), null, null);
    }

    /**
     * The table of ragged rows (the {@code svm_node**} of a libsvm problem) as a JNA Pointer that keeps {@code rows}
     * reachable, for a JNA {@code Structure} field or a plain JNA argument. It ends (becomes NULL) when the rows'
     * memory ends. Nothing is held: to lock the rows while C uses them, pass {@code rows} itself to a method of an
     * {@link IndirectLibrary} interface, or take a {@link RaggedRows#hold(String) hold}.
     *
     * @param rows the rows
     * @return a keep-alive Pointer to the {@code T**}
     * @throws IllegalStateException if the rows are closed
     */
    public static IndirectPointer pointer(RaggedRows rows) {
        Objects.requireNonNull(rows, "rows");
        long table = rows.pointerTable().address();
        return IndirectPointer.keeping(table, rows, RaggedSecrets.memoryScope(rows), null, null);
    }

    /**
     * One row of ragged rows as a JNA Pointer that keeps {@code rows} reachable: the {@code T*} a C function taking
     * one row expects ({@code svm_predict(model, x)}). The address is the library's own record of the row (for rows
     * it made), never a pointer C rewrote in the table. It ends when the rows' memory ends.
     *
     * @param rows the rows
     * @param row  the row
     * @return a keep-alive Pointer to the row's first item
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalStateException     if the rows are closed, or the row pointer is NULL
     */
    public static IndirectPointer rowPointer(RaggedRows rows, long row) {
        Objects.requireNonNull(rows, "rows");
        long address = rows.row(row).address();
        return IndirectPointer.keeping(address, rows, RaggedSecrets.memoryScope(rows), null, null);
    }

    /**
     * The {@code buf} of a view (the {@code T**} of an indirect 2-D view) as a JNA Pointer that keeps the view — and
     * through it its exporter — reachable. The view stays the caller's to close; nothing more is exported.
     *
     * @param view an open view of native memory
     * @return a keep-alive Pointer to {@code buf}
     * @throws IllegalStateException if the view is closed
     * @throws BufferException       if the view's memory is on the Java heap (C cannot point into it)
     */
    public static IndirectPointer pointer(BufferView view) {
        Objects.requireNonNull(view, "view");
        long buf = nativeBuf(view);
        return IndirectPointer.keeping(buf, view, view.memory().scope(), null, null);
    }

    /**
     * Exports a collection for C: a writable view if the collection is writable (its heap rows staged into native
     * copies, written back when the Pointer is closed), a read-only one otherwise. <b>Close the Pointer</b> (try with
     * resources) when C is done: until then the collection is locked and C's writes to heap rows are not seen in
     * Java. An unreachable, unclosed Pointer is closed by a Cleaner.
     *
     * @param collection the collection
     * @return a Pointer holding the export; its {@code close()} releases it
     * @throws IllegalStateException if the collection is closed
     */
    public static IndirectPointer export(BufferCollection2D collection) {
        Objects.requireNonNull(collection, "collection");
        return export(collection, collection.isReadOnly() ? BufferRequest.FULL_RO : BufferRequest.FULL);
    }

    /**
     * Exports any buffer for C and returns its {@code buf} as a Pointer holding the view: the exporter is locked
     * (cannot be closed, resized, reformatted) until the Pointer is closed; closing it releases the view (for a
     * collection, writing staged rows back when {@code flags} asked for {@link BufferRequest#WRITABLE}). An
     * unreachable, unclosed Pointer is closed by a Cleaner.
     *
     * @param exporter the buffer
     * @param flags    the request, e.g. {@link BufferRequest#FULL} or {@link BufferRequest#FULL_RO}
     * @return a Pointer holding the export
     * @throws BufferException       if the exporter refuses the request, or its memory is on the Java heap
     * @throws IllegalStateException if the exporter is closed
     */
    public static IndirectPointer export(BufferExporter exporter, int flags) {
        Objects.requireNonNull(exporter, "exporter");
        BufferView view = exporter.getBuffer(flags);
        try {
            return IndirectPointer.keeping(nativeBuf(view), exporter, view.memory().scope(), view::close, "export");
        } catch (RuntimeException | Error e) {
            view.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The address of a view's {@code buf}, refusing heap memory (its "address" is an offset, not a C pointer). */
    static long nativeBuf(BufferView view) {
        MemorySegment memory = view.memory();
        if (!memory.isNative()) {
            throw new BufferException("view " + view + " lies on the Java heap, which C cannot point into (the"
                    + " garbage collector moves it); copy it off-heap, or collect it in a BufferCollection2D,"
                    + " which stages heap rows");
        }
        return view.buf().address();
    }

    /**
     * The table as a segment for the core factories: zero-length (a bare C pointer), after checking what a JNA
     * {@link Memory} knows of its size.
     */
    static MemorySegment tableSegment(Pointer table, long rows) {
        if (table instanceof IndirectPointer ip) {
            ip.ensureUsable("table");
        }
        long address = table == null ? 0 : Pointer.nativeValue(table);
        if (table instanceof Memory m && rows >= 0 && m.size() < rows * POINTER) {
            throw new BufferException("table Memory of " + m.size() + " bytes holds " + m.size() / POINTER
                    + " row pointers; " + rows + " rows were asked for (" + rows * POINTER + " bytes)");
        }
        return MemorySegment.ofAddress(address);
    }

    /** What must stay reachable for the table's memory to stay valid: JNA Memory and keep-alive Pointers. */
    static Object keepAliveOf(Pointer table) {
        return table instanceof Memory || table instanceof IndirectPointer ? table : null;
    }

    /**
     * Calls {@code make} with {@code nanny}, which then also keeps {@code keep} (the table's JNA object) reachable
     * until it frees. The owner {@code make} builds adopts the nanny itself; if {@code make} throws, the nanny is not
     * adopted and stays the caller's.
     */
    static <T> T adopting(MemoryNanny nanny, Object keep, java.util.function.Function<MemoryNanny, T> make) {
        if (keep != null) {
            NannySecrets.keepAlive(nanny, keep);
        }
        return make.apply(nanny);
    }
}
