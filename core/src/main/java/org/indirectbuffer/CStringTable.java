package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.indirectbuffer.internal.CStringCodec;
import org.indirectbuffer.internal.CStringSecrets;
import org.indirectbuffer.internal.MallocBlocks;
import org.indirectbuffer.internal.NativeHeap;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.ScopeArena;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.NativeBytes;

/**
 * A {@code char**} in core, for applications that call C through FFM and never load JNA: a NULL-terminated table of C
 * strings in a chosen charset, made from Java strings ({@link #create}), handed to C to own ({@link #handOffToC}), and
 * read back from what C returned ({@link #read}, {@link #readCounted}, {@link #readAndFree}). The JNA module's
 * {@code CStringArray} is the same table as a JNA argument.
 *
 * <h2>Ownership</h2>
 * {@link #create} <b>owns</b> its memory (the table of {@code size() + 1} pointers, the last NULL, and each string with its
 * terminator, each one {@code malloc} block of the process's allocator), freed by {@link #close()}, or by a {@link
 * Cleaner} once this object is unreachable; C may read and write the bytes and reorder the table, but must not free
 * anything. {@link #handOffToC(HandOff)} <b>gives</b> the strings, the table or both to C, which frees them itself
 * with {@code free}; the library frees the rest at close, never what C took. The static {@link #handOffToC(Charset,
 * List)} gives a new table and all its strings to C at once.
 * The static readers <b>borrow</b> (copy into Java, free nothing) except {@link #readAndFree}, which frees through the
 * nanny it is given once the strings are copied.
 *
 * <h2>Java reads through the library's own record</h2>
 * {@link #get(int)} never follows the table it lends: string {@code i} is read through the segment allocated for it
 * (bytes and terminator), so a table C rewrote changes what C sees, not what Java reads, and a string whose terminator
 * C overwrote is an {@link IllegalStateException}, never a scan past its allocation. The same record is used when
 * the table comes back to {@link #read(MemorySegment, Charset)} or {@link #readCounted}.
 *
 * <h2>Encoding</h2>
 * Strings are encoded strictly (an unmappable character or an embedded NUL is an {@link IllegalArgumentException}
 * naming the string, the character and its index), each followed by a terminator as wide as the charset's NUL. Reading
 * decodes up to the terminator and replaces malformed input with U+FFFD.
 *
 * <h2>Restricted methods</h2>
 * The readers dereference addresses C supplied, which nothing can check, so they are restricted as the JDK's {@code
 * MemorySegment.reinterpret} is: the caller's module needs native access ({@link IllegalCallerException} otherwise).
 * Making, handing off and reading an owned table are not restricted.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may read at once; {@code close()} may be called from any thread (a read racing it is an
 * {@link IllegalStateException}).
 */
public final class CStringTable implements AutoCloseable {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();
    /** Every address, for foreign strings whose length is found by scanning; never handed out. */
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final Lifetime lifetime;
    /** The blocks of the table and the strings, freed when the lifetime's arena closes unless handed to C. */
    private final MallocBlocks blocks;
    private final MemorySegment table;
    private final MemorySegment[] strings;
    private final Charset charset;
    private final int nulWidth;
    /** What C was given by a partial {@link #handOffToC(HandOff)}, or null. */
    private volatile HandOff handedOff;

    static {
        CStringSecrets.install(new CStringSecrets.Access() {
            @Override
            public Lifetime.Hold hold(CStringTable table, String holder) {
                return table.lifetime.hold(holder, table::toString);
            }

            @Override
            public void close(CStringTable table, String operation) {
                table.lifetime.close(operation, null);
            }
        });
    }

    private CStringTable(Arena arena, Sharing sharing, MallocBlocks blocks, MemorySegment table,
                         MemorySegment[] strings, Charset charset, int nulWidth) {
        this.blocks = blocks;
        this.table = table;
        this.strings = strings;
        this.charset = charset;
        this.nulWidth = nulWidth;
        int n = strings.length;
        this.lifetime = Lifetime.start(this, arena, sharing, true, "CStringTable",
                () -> n + " strings, " + charset.name());
    }

    /**
     * Encodes strings into an owned, NULL-terminated {@code char**}.
     *
     * @param charset the encoding C expects (UTF-8 is the usual one)
     * @param strings the strings, none null
     * @return the owning table; {@link #close()} frees it
     * @throws NullPointerException     if {@code charset}, the list or a string is null (naming its index)
     * @throws IllegalArgumentException if a string holds a NUL character or a character the charset cannot encode
     */
    public static CStringTable create(Charset charset, List<String> strings) {
        return allocate(charset, strings, Sharing.SHARED);
    }

    /**
     * Encodes strings into a table and strings of one {@code malloc} block each, freed when the table closes.
     *
     * @throws OutOfMemoryError if {@code malloc} fails (whatever was allocated by then is freed)
     */
    private static CStringTable allocate(Charset charset, List<String> strings, Sharing sharing) {
        List<ByteBuffer> encoded = encodeAll(charset, strings);
        int width = CStringCodec.nulWidth(charset);
        int n = encoded.size();
        long[] allocated = new long[n + 1];
        long[] sizes = new long[n + 1];
        int count = 0;
        try {
            sizes[0] = (n + 1) * POINTER;
            allocated[count++] = NativeHeap.malloc(sizes[0]);
            for (int i = 0; i < n; i++) {
                sizes[count] = encoded.get(i).remaining() + width;
                allocated[count] = NativeHeap.malloc(sizes[count]);
                count++;
            }
        } catch (RuntimeException | Error e) {
            new MallocBlocks(Arrays.copyOf(allocated, count), Arrays.copyOf(sizes, count)).run();
            throw e;
        }
        MallocBlocks blocks = new MallocBlocks(allocated, sizes);
        Arena arena = sharing.openArena();
        try {
            MemorySegment table = MemorySegment.ofAddress(allocated[0]).reinterpret((n + 1) * POINTER, arena,
                    ignored -> blocks.run());
            MemorySegment[] record = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                ByteBuffer b = encoded.get(i);
                MemorySegment s = MemorySegment.ofAddress(allocated[i + 1]).reinterpret(b.remaining() + width, arena,
                        null);
                MemorySegment.copy(MemorySegment.ofBuffer(b), 0, s, 0, b.remaining());
                s.asSlice(b.remaining(), width).fill((byte) 0);
                record[i] = s;
                table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, i, s);
            }
            table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, n, MemorySegment.NULL);
            CStringTable made = new CStringTable(arena, sharing, blocks, table, record, charset, width);
            LentTables.register(table.address(), made, arena);
            return made;
        } catch (RuntimeException | Error e) {
            arena.close();
            blocks.run();
            throw e;
        }
    }

    /**
     * Encodes strings into an owned, NULL-terminated {@code char**}; see {@link #create(Charset, List)}.
     *
     * @param charset the encoding
     * @param strings the strings, none null
     * @return the owning table
     * @throws NullPointerException     if {@code charset}, the array or a string is null
     * @throws IllegalArgumentException if a string holds a NUL character or a character the charset cannot encode
     */
    public static CStringTable create(Charset charset, String... strings) {
        return create(charset, List.of(Objects.requireNonNull(strings, "strings")));
    }

    /**
     * Encodes strings into a NULL-terminated {@code char**} that C will own: for a C function that takes the table and
     * frees it itself later. Each string (with its terminator) and the table are one block each from the process's
     * {@code malloc}; C frees each string, then the table, with {@code free}. The library forgets the memory: nothing
     * here frees it, and Java keeps no handle on it.
     *
     * @param charset the encoding
     * @param strings the strings, none null
     * @return the table, as a bare pointer (zero length, the global scope) that C now owns
     * @throws NullPointerException     if {@code charset}, the list or a string is null
     * @throws IllegalArgumentException if a string holds a NUL character or a character the charset cannot encode
     * @throws OutOfMemoryError         if {@code malloc} fails (whatever was allocated by then is freed)
     */
    public static MemorySegment handOffToC(Charset charset, List<String> strings) {
        return allocate(charset, strings, Sharing.CONFINED).handOffToC(HandOff.ALL);
    }

    private static List<ByteBuffer> encodeAll(Charset charset, List<String> strings) {
        Objects.requireNonNull(charset, "charset");
        Objects.requireNonNull(strings, "strings");
        List<ByteBuffer> encoded = new ArrayList<>(strings.size());
        for (int i = 0; i < strings.size(); i++) {
            String s = strings.get(i);
            if (s == null) {
                throw new NullPointerException("string " + i + " is null; a NULL entry would end the char** early");
            }
            encoded.add(CStringCodec.encode(s, i, charset));
        }
        return encoded;
    }

    // ------------------------------------------------------------------------------------------------ owned

    /**
     * Returns the number of strings (the NULL entry not counted).
     *
     * @return the number of strings
     * @throws IllegalStateException if closed
     */
    public int size() {
        ensureOpen();
        return strings.length;
    }

    /** {@return the charset the strings are encoded in} */
    public Charset charset() {
        return charset;
    }

    /**
     * Decodes string {@code i} from native memory as it is now (bytes C wrote in place are seen), through the
     * library's record of it, never through the lent table.
     *
     * @param i the index
     * @return the string
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     * @throws IllegalStateException     if closed (also during the read), or C overwrote the string's terminator
     */
    public String get(int i) {
        ensureOpen();
        Objects.checkIndex(i, strings.length);
        try {
            return recordedAs(i, charset, nulWidth);
        } catch (IllegalStateException e) {
            if (isClosed() || !table.scope().isAlive()) {
                // The JDK's "Already closed": another thread closed this table while the string was read.
                throw new IllegalStateException(this + " is closed (string " + i + " was being read when it was"
                        + " closed)", e);
            }
            throw e;
        }
    }

    /** String {@code i} of the record decoded in {@code cs}, whose terminator must lie inside its allocation. */
    private String recordedAs(int i, Charset cs, int width) {
        MemorySegment s = strings[i];
        long n = CStringCodec.terminatorIn(s, width);
        if (n < 0) {
            throw new IllegalStateException("string " + i + " of " + this + " has no "
                    + (cs.equals(charset) ? "" : cs.name() + " ") + "NUL terminator within the " + s.byteSize()
                    + " bytes allocated for it (C overwrote it); it is not read past its end");
        }
        return new String(s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), cs);
    }

    /**
     * Decodes every string (see {@link #get(int)}).
     *
     * @return the strings
     * @throws IllegalStateException if closed
     */
    public String[] toArray() {
        String[] out = new String[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    /**
     * Returns the table, {@code size() + 1} pointers ending with NULL: the {@code char**} for a downcall. Read-only to
     * Java; tied to this object's scope.
     *
     * @return the table
     * @throws IllegalStateException if closed
     */
    public MemorySegment pointerTable() {
        ensureOpen();
        return table.asReadOnly();
    }

    private void ensureOpen() {
        if (lifetime.isClosed()) {
            throw new IllegalStateException(this + " is closed");
        }
        HandOff handed = handedOff;
        if (handed != null) {
            throw new IllegalStateException(this + " was handed to C (" + handed + "): it can no longer be read from"
                    + " Java; close() frees what C did not take");
        }
    }

    /**
     * Gives part of the table to C, for a C function that takes ownership and frees it itself with the process's
     * {@code free} (the table and each string are one {@code malloc} block each):
     * <ul>
     *   <li>{@link HandOff#ALL}: C takes every string and the table (GLib's {@code g_strfreev}); this object ends
     *       as if closed.</li>
     *   <li>{@link HandOff#ROWS_ONLY}: C takes every string; the table stays allocated (valid for the call) and
     *       is freed by {@link #close()}.</li>
     *   <li>{@link HandOff#TABLE_ONLY}: C takes the table; the strings stay allocated (C reads them through the
     *       table) and are freed by {@link #close()}.</li>
     * </ul>
     * In every case Java's access ends at once: {@link #get}, {@link #pointerTable()} and every segment handed out
     * throw {@link IllegalStateException}. The library never frees what C took. After a partial hand-off this
     * object stays to be closed ({@link #isClosed()} is false until then); unclosed, its Cleaner frees the rest.
     *
     * @param part what C takes and frees itself
     * @return the table, as a bare pointer (zero length, the global scope); C owns it if {@code part} is {@code ALL}
     *         or {@code TABLE_ONLY}, else it is valid until {@link #close()}
     * @throws NullPointerException  if {@code part} is null
     * @throws IllegalStateException if closed or already handed off, or an FFM downcall is using the memory now
     */
    public MemorySegment handOffToC(HandOff part) {
        Objects.requireNonNull(part, "part");
        long address = table.address();
        lifetime.checkOwner("handOffToC", this::toString);
        lifetime.exports().whileUnlocked("hand off to C", () -> {
            ensureOpen();
            MallocBlocks kept = blocks.handOff(part);
            if (kept == null) {
                lifetime.close("hand off to C", null);
                return;
            }
            // What C did not take is freed when a scope of its own closes: at close(), or by the Cleaner.
            Arena keep = Arena.ofShared();
            MemorySegment.NULL.reinterpret(0, keep, ignored -> kept.run());
            handedOff = part;
            lifetime.replaceArena(keep);
        });
        return MemorySegment.ofAddress(address);
    }

    /** {@return whether {@link #close()} has run} */
    public boolean isClosed() {
        return lifetime.isClosed();
    }

    /**
     * Frees the memory (after a partial {@link #handOffToC(HandOff)}: what C did not take); every segment handed out
     * becomes unusable. Idempotent.
     *
     * @throws IllegalStateException if an FFM downcall is using the memory right now
     */
    @Override
    public void close() {
        lifetime.close("close " + this, null);
    }

    @Override
    public String toString() {
        HandOff handed = handedOff;
        return "CStringTable[" + strings.length + " strings, " + charset.name() + (isClosed() ? ", closed"
                : handed != null ? ", handed to C (" + handed + ")" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------ foreign

    /**
     * Reads a NULL-terminated {@code char**} that C returned into Java strings. Borrows: frees nothing.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to end with a NULL entry and each string with a NUL in
     * {@code charset}; prefer {@link #read(MemorySegment, Charset, int)} when the table is not trusted to end.
     *
     * @param table   the {@code char**}
     * @param charset the strings' encoding
     * @return the strings, in order
     * @throws IllegalArgumentException if {@code table} is NULL or on the Java heap
     * @throws IllegalStateException    if the table's memory is closed during the read
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String[] read(MemorySegment table, Charset charset) {
        Restricted.check(CStringTable.class, "CStringTable.read");
        return readUpTo(table, charset, Integer.MAX_VALUE - 8);
    }

    /**
     * Reads a NULL-terminated {@code char**} of at most {@code maxCount} strings. Borrows: frees nothing.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #read(MemorySegment, Charset)}, but the table is read to at most
     * {@code maxCount + 1} entries.
     *
     * @param table    the {@code char**}
     * @param charset  the strings' encoding
     * @param maxCount the most entries before the NULL one
     * @return the strings
     * @throws IllegalArgumentException if {@code table} is NULL or on the heap, {@code maxCount} is negative, or no
     *                                  NULL entry comes within {@code maxCount} entries
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String[] read(MemorySegment table, Charset charset, int maxCount) {
        Restricted.check(CStringTable.class, "CStringTable.read");
        return readUpTo(table, charset, maxCount);
    }

    /**
     * Reads a NULL-terminated {@code char**} and then frees it through {@code nanny}, in one step: for tables a C
     * function returned for the caller to free ({@code backtrace_symbols}: {@code MemoryNanny.freeingTable(t)};
     * GLib's {@code g_strsplit}: a nanny running {@code g_strfreev(t)}). The nanny is closed even when reading fails.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #read(MemorySegment, Charset)}.
     *
     * @param table   the {@code char**}
     * @param charset the strings' encoding
     * @param nanny   what frees the table (closed here, whatever happens)
     * @return the strings, in order
     * @throws IllegalArgumentException if {@code table} is NULL or on the heap (the nanny is still closed)
     * @throws IllegalCallerException   if the caller's module has no native access (nothing is read or freed)
     */
    public static String[] readAndFree(MemorySegment table, Charset charset, MemoryNanny nanny) {
        Restricted.check(CStringTable.class, "CStringTable.readAndFree");
        Objects.requireNonNull(nanny, "nanny");
        try {
            return readUpTo(table, charset, Integer.MAX_VALUE - 8);
        } finally {
            nanny.close();
        }
    }

    /**
     * Reads the first {@code count} entries of a {@code char**} (NULL entries become {@code null}). Borrows.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to hold {@code count} entries, each NULL or a terminated
     * string.
     *
     * @param table   the {@code char**}
     * @param count   how many entries
     * @param charset the strings' encoding
     * @return the strings
     * @throws IllegalArgumentException if {@code count} is negative, or {@code table} is NULL or on the heap while
     *                                  {@code count > 0}
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String[] readCounted(MemorySegment table, int count, Charset charset) {
        Restricted.check(CStringTable.class, "CStringTable.readCounted");
        Objects.requireNonNull(charset, "charset");
        if (count < 0) {
            throw new IllegalArgumentException("count = " + count + ": expected >= 0");
        }
        String[] out = new String[count];
        if (count == 0) {
            return out;
        }
        long t = address(table, "table");
        int width = CStringCodec.nulWidth(charset);
        CStringTable own = LentTables.lookup(t, CStringTable.class);
        if (own != null) {
            if (count > own.strings.length + 1) {
                throw new IllegalArgumentException("count = " + count + ": the char** at 0x" + Long.toHexString(t)
                        + " is the table of " + own + ", which holds " + (own.strings.length + 1)
                        + " entries (the last NULL)");
            }
            for (int i = 0; i < count; i++) {
                out[i] = i < own.strings.length ? own.recordedAs(i, charset, width) : null;
            }
            return out;
        }
        MemorySegment space = space(table);
        for (int i = 0; i < count; i++) {
            long s = space.get(ValueLayout.ADDRESS_UNALIGNED, t + i * POINTER).address();
            out[i] = s == 0 ? null : CStringCodec.decode(space, s, charset, width);
        }
        return out;
    }

    /**
     * Reads one NUL-terminated C string. Borrows.
     *
     * <p><b>Restricted, unchecked:</b> the string is trusted to end with a NUL in {@code charset}.
     *
     * @param string  the {@code char*}
     * @param charset its encoding
     * @return the string
     * @throws IllegalArgumentException if {@code string} is NULL or on the heap
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String readString(MemorySegment string, Charset charset) {
        Restricted.check(CStringTable.class, "CStringTable.readString");
        Objects.requireNonNull(charset, "charset");
        long a = address(string, "string");
        return CStringCodec.decode(space(string), a, charset, CStringCodec.nulWidth(charset));
    }

    private static String[] readUpTo(MemorySegment table, Charset charset, int maxCount) {
        Objects.requireNonNull(charset, "charset");
        if (maxCount < 0) {
            throw new IllegalArgumentException("maxCount = " + maxCount + ": expected >= 0");
        }
        long t = address(table, "table");
        int width = CStringCodec.nulWidth(charset);
        CStringTable own = LentTables.lookup(t, CStringTable.class);
        if (own != null) {
            if (own.strings.length > maxCount) {
                throw new IllegalArgumentException("char** at 0x" + Long.toHexString(t) + ": no NULL entry within"
                        + " the first " + maxCount + " entries");
            }
            String[] strings = new String[own.strings.length];
            for (int i = 0; i < strings.length; i++) {
                strings[i] = own.recordedAs(i, charset, width);
            }
            return strings;
        }
        MemorySegment space = space(table);
        List<String> out = new ArrayList<>();
        for (int i = 0; ; i++) {
            long s = space.get(ValueLayout.ADDRESS_UNALIGNED, t + i * POINTER).address();
            if (s == 0) {
                return out.toArray(String[]::new);
            }
            if (i >= maxCount) {
                throw new IllegalArgumentException("char** at 0x" + Long.toHexString(t) + ": no NULL entry within"
                        + " the first " + maxCount + " entries");
            }
            out.add(CStringCodec.decode(space, s, charset, width));
        }
    }

    private static long address(MemorySegment p, String what) {
        Objects.requireNonNull(p, what);
        if (!p.isNative()) {
            throw new IllegalArgumentException(what + " " + p + " is on the Java heap; expected a C "
                    + ("table".equals(what) ? "char**" : "char*"));
        }
        if (p.address() == 0) {
            throw new IllegalArgumentException(what + " is NULL; expected a C " + ("table".equals(what) ? "char**"
                    : "char*"));
        }
        return p.address();
    }

    /**
     * The address space a foreign table is read in: the scope of the segment given (so its owner closing during the
     * read is an {@code IllegalStateException}), or global for a bare pointer. Never handed out.
     */
    private static MemorySegment space(MemorySegment p) {
        return p.scope().equals(EVERYTHING.scope()) ? EVERYTHING
                : MemorySegment.NULL.reinterpret(Long.MAX_VALUE, ScopeArena.of(p.scope()), null);
    }
}
