package org.indirectbuffer.jna;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.sun.jna.Pointer;

import org.indirectbuffer.CStringTable;
import org.indirectbuffer.internal.CStringCodec;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.ScopeArena;

/**
 * A NULL-terminated {@code char**} built from Java strings in a chosen charset — what {@code main(argc, argv)}-style
 * and list-taking C functions expect — and the reverse: {@link #read(Pointer, Charset)} turns a {@code char**} that C
 * returned into a {@code String[]}.
 *
 * <h2>Ownership</h2>
 * {@link #of} <b>owns</b> its memory (the table of {@code size() + 1} pointers, the last NULL, and every string with its
 * terminator), freed by {@link #close()}, or by a Cleaner once this object and every {@link IndirectPointer} of it
 * are unreachable. C may read and write the bytes and reorder the table, but must not free anything. The static
 * {@code read} methods <b>borrow</b>: they copy the strings into Java and never free the C memory (free it with the
 * library's own function, for example through a {@link Deallocator}).
 *
 * <h2>Java reads through the library's own record</h2>
 * The table ({@link #pointerTable()}, {@link #pointer()}) is lent to C, which may rewrite it; Java code gets it
 * read-only. {@link #get(int)} never follows it: string {@code i} is read through the segment the library allocated
 * for it (its bytes and its terminator), in this object's scope. So bytes C wrote in place are seen, a table C
 * reordered or rewrote changes what C sees but not what {@code get} reads, a string whose terminator C overwrote is
 * an {@link IllegalStateException} instead of a scan past its end, and a {@code get} racing {@code close()} on
 * another thread gets an {@code IllegalStateException}, never a read of freed memory. The same record is used when
 * the table comes back to {@link #read(Pointer, Charset)} or {@link #readCounted}.
 *
 * <h2>Encoding</h2>
 * Each string is encoded strictly: an unmappable character or an embedded NUL is an {@link IllegalArgumentException}
 * naming the string, the character and its index. Each string is followed by a terminator as wide as the charset's
 * NUL (1 byte for UTF-8 and the ISO-8859 family, 2 for UTF-16, 4 for UTF-32). Reading decodes up to that terminator
 * and replaces malformed input with U+FFFD, as {@link String#String(byte[], Charset)} does.
 *
 * <h2>Restricted methods</h2>
 * {@link #read(Pointer, Charset)}, {@link #read(Pointer, Charset, int)}, {@link #readCounted} and {@link #readString}
 * dereference an address C supplied, which nothing can check; a wrong one can crash the JVM. Like the JDK's {@code
 * MemorySegment.reinterpret} they need native access for the caller's module ({@code --enable-native-access}), and
 * throw {@link IllegalCallerException} otherwise. {@link #of} only allocates and owns: it is not restricted.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may read at once; {@code close()} may be called from any thread, and refuses ({@link
 * org.indirectbuffer.BufferException}, "buffer is locked") while a native call made through {@link IndirectLibrary}
 * uses the array.
 */
public final class CStringArray implements AutoCloseable {
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    private final Lifetime lifetime;
    /** The table as lent to C (and read-only to Java code); never read by Java. */
    private final MemorySegment table;
    /** The library's record: string {@code i}'s bytes and terminator as allocated, in the arena's scope. */
    private final MemorySegment[] strings;
    private final Charset charset;
    private final int nulWidth;
    private final int size;

    private CStringArray(Arena arena, MemorySegment table, MemorySegment[] strings, Charset charset, int nulWidth) {
        this.lifetime = new Lifetime(this, arena, this::describe);
        this.table = table;
        this.strings = strings;
        this.charset = charset;
        this.nulWidth = nulWidth;
        this.size = strings.length;
    }

    /**
     * Encodes strings into an owned, NULL-terminated {@code char**}.
     *
     * @param charset the encoding C expects (UTF-8 is the usual one)
     * @param strings the strings, none null
     * @return the owning array; {@link #close()} frees it
     * @throws NullPointerException     if {@code charset}, the array or a string is null (naming its index)
     * @throws IllegalArgumentException if a string holds a NUL character or a character the charset cannot encode
     *                                  (naming the string's index, the character and its position)
     */
    public static CStringArray of(Charset charset, String... strings) {
        return of(charset, List.of(Objects.requireNonNull(strings, "strings")));
    }

    /**
     * Encodes strings into an owned, NULL-terminated {@code char**}; see {@link #of(Charset, String...)}.
     *
     * @param charset the encoding
     * @param strings the strings, none null
     * @return the owning array
     * @throws NullPointerException     if {@code charset}, the list or a string is null
     * @throws IllegalArgumentException if a string holds a NUL character or a character the charset cannot encode
     */
    public static CStringArray of(Charset charset, List<String> strings) {
        Objects.requireNonNull(charset, "charset");
        Objects.requireNonNull(strings, "strings");
        int n = strings.size();
        int width = nulWidth(charset);
        List<ByteBuffer> encoded = new ArrayList<>(n);
        long total = 0;
        for (int i = 0; i < n; i++) {
            String s = strings.get(i);
            if (s == null) {
                throw new NullPointerException("string " + i + " is null; a NULL entry would end the char** early");
            }
            ByteBuffer b = CStringCodec.encode(s, i, charset);
            encoded.add(b);
            // Each string starts 8-byte aligned: the widest NUL (UTF-32) needs 4.
            total += (b.remaining() + width + 7) & ~7L;
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment table = arena.allocate((n + 1) * POINTER, POINTER);
            MemorySegment block = arena.allocate(Math.max(total, 1), 8);
            MemorySegment[] record = new MemorySegment[n];
            long at = 0;
            for (int i = 0; i < n; i++) {
                ByteBuffer b = encoded.get(i);
                MemorySegment s = block.asSlice(at, b.remaining() + width);
                MemorySegment.copy(MemorySegment.ofBuffer(b), 0, s, 0, b.remaining());
                record[i] = s;
                table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, i, s);
                at += (b.remaining() + width + 7) & ~7L;
            }
            table.setAtIndex(ValueLayout.ADDRESS_UNALIGNED, n, MemorySegment.NULL);
            CStringArray made = new CStringArray(arena, table, record, charset, width);
            LentTables.register(table.address(), made, arena);
            return made;
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The bytes of the charset's NUL character: what ends a string in it (1 for UTF-8, 2 for UTF-16, 4 for UTF-32).
     */
    static int nulWidth(Charset charset) {
        return CStringCodec.nulWidth(charset);
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /**
     * Returns the number of strings (the NULL entry not counted).
     *
     * @return the number of strings (the NULL entry not counted)
     * @throws IllegalStateException if closed
     */
    public int size() {
        lifetime.ensureOpen();
        return size;
    }

    /**
     * Returns the charset the strings are encoded in.
     *
     * @return the charset the strings are encoded in
     */
    public Charset charset() {
        return charset;
    }

    /**
     * Decodes string {@code i} from native memory as it is now: bytes C wrote in place are seen. It is read through
     * the library's own record of the string (its bytes and terminator as allocated), never through the lent table:
     * a table C reordered or rewrote does not change which bytes are read.
     *
     * @param i the index
     * @return the string
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     * @throws IllegalStateException     if closed (also when another thread closes it during the read), or C
     *                                   overwrote the string's terminator (the string is never read past the end of
     *                                   its allocation)
     */
    public String get(int i) {
        lifetime.ensureOpen();
        Objects.checkIndex(i, size);
        try {
            return decodeRecorded(strings[i], i);
        } catch (IllegalStateException e) {
            if (lifetime.isClosed() || !lifetime.arena().scope().isAlive()) {
                // The JDK's "Already closed": another thread closed this array while the string was read.
                throw new IllegalStateException(describe() + " is closed (string " + i + " was being read when it"
                        + " was closed)", e);
            }
            throw e;
        }
    }

    /** Decodes a recorded string up to its terminator, which must lie inside the segment. */
    private String decodeRecorded(MemorySegment s, int i) {
        long n = CStringCodec.terminatorIn(s, nulWidth);
        if (n < 0) {
            throw new IllegalStateException("string " + i + " of " + describe() + " has no NUL terminator within the "
                    + s.byteSize() + " bytes allocated for it (C overwrote it); it is not read past its end");
        }
        return new String(s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), charset);
    }

    /**
     * Decodes every string (see {@link #get(int)}).
     *
     * @return the strings
     * @throws IllegalStateException if closed, or an entry is NULL
     */
    public String[] toArray() {
        String[] out = new String[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    /**
     * Returns the table, {@code size() + 1} pointers ending with NULL: the {@code char**} for an FFM downcall.
     * Tied to this object's scope.
     *
     * <p>The segment is always read-only: Java code cannot rewrite the pointers (writing throws the JDK's {@code
     * IllegalArgumentException}); C receives the table and may. Java never follows it (see {@link #get(int)}).
     *
     * @return the table, read-only
     * @throws IllegalStateException if closed
     */
    public MemorySegment pointerTable() {
        lifetime.ensureOpen();
        return table.asReadOnly();
    }

    /**
     * Returns the table as a JNA Pointer that keeps this array reachable.
     *
     * @return a keep-alive Pointer to the {@code char**}
     * @throws IllegalStateException if closed
     */
    public IndirectPointer pointer() {
        lifetime.ensureOpen();
        return IndirectPointer.keeping(table.address(), this, lifetime.arena().scope(), null, null);
    }

    Lifetime.Pin pinForCall() {
        return lifetime.pin("native call on " + Thread.currentThread().getName());
    }

    /**
     * Frees the memory; every segment handed out becomes unusable. Closing twice is harmless.
     *
     * @throws org.indirectbuffer.BufferException if a native call made through {@link IndirectLibrary} uses the
     *                                            array now ("buffer is locked")
     * @throws IllegalStateException              if an FFM downcall is using the memory right now
     */
    @Override
    public void close() {
        lifetime.close();
    }

    /**
     * Returns whether closed.
     *
     * @return whether closed
     */
    public boolean isClosed() {
        return lifetime.isClosed();
    }

    private String describe() {
        return "CStringArray[" + size + " strings, " + charset.name() + "]";
    }

    @Override
    public String toString() {
        String d = describe();
        return isClosed() ? d.substring(0, d.length() - 1) + ", closed]" : d;
    }

    // ------------------------------------------------------------------------------------------------ reading

    /**
     * Reads a NULL-terminated {@code char**} that C returned into Java strings. Borrows: frees nothing.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to end with a NULL entry and each string with a NUL in
     * {@code charset}, all readable: the library cannot check it, and a wrong pointer can crash the JVM, so the
     * caller's module must have native access. Prefer {@link #read(Pointer, Charset, int)} when C's data is not
     * trusted to be terminated. The table of a {@code CStringArray} ({@link #pointer()}) is read through that
     * array's own record instead, and a closed {@link IndirectPointer} is refused.
     *
     * @param table   the {@code char**}
     * @param charset the strings' encoding
     * @return the strings, in order
     * @throws IllegalArgumentException if {@code table} is NULL
     * @throws IllegalStateException    if {@code table} is an {@link IndirectPointer} that has ended, or the memory it
     *                                  points into is closed during the read
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String[] read(Pointer table, Charset charset) {
        Restricted.check(CStringArray.class, "CStringArray.read");
        return readUpTo(table, charset, Integer.MAX_VALUE - 8);
    }

    /**
     * Reads a NULL-terminated {@code char**} of at most {@code maxCount} strings. Borrows: frees nothing.
     *
     * <p><b>Restricted, unchecked:</b> as {@link #read(Pointer, Charset)}, but the table is read to at most {@code
     * maxCount + 1} entries; each string is still trusted to be terminated.
     *
     * @param table    the {@code char**}
     * @param charset  the strings' encoding
     * @param maxCount the most entries to read before the NULL one
     * @return the strings, in order
     * @throws IllegalArgumentException if {@code table} is NULL, or no NULL entry comes within {@code maxCount}
     *                                  entries
     * @throws IllegalStateException    if {@code table} is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String[] read(Pointer table, Charset charset, int maxCount) {
        Restricted.check(CStringArray.class, "CStringArray.read");
        return readUpTo(table, charset, maxCount);
    }

    private static String[] readUpTo(Pointer table, Charset charset, int maxCount) {
        Objects.requireNonNull(charset, "charset");
        long t = address(table, "table");
        if (maxCount < 0) {
            throw new IllegalArgumentException("maxCount = " + maxCount + ": expected >= 0");
        }
        int width = nulWidth(charset);
        CStringArray own = LentTables.lookup(t, CStringArray.class);
        if (own != null) {
            if (own.size > maxCount) {
                throw new IllegalArgumentException("char** at 0x" + Long.toHexString(t) + ": no NULL entry within"
                        + " the first " + maxCount + " entries");
            }
            String[] out = new String[own.size];
            for (int i = 0; i < out.length; i++) {
                out[i] = own.recordedAs(i, charset, width);
            }
            return out;
        }
        return CStringTable.read(segment(table, t), charset, maxCount);
    }

    /**
     * Reads the first {@code count} entries of a {@code char**} (NULL entries become {@code null}). Borrows.
     *
     * <p><b>Restricted, unchecked:</b> the table is trusted to hold {@code count} entries, each NULL or a string
     * terminated in {@code charset}; the caller's module must have native access. The table of a {@code
     * CStringArray} is read through its own record, and holds {@code size() + 1} entries (the last NULL).
     *
     * @param table   the {@code char**}
     * @param count   how many entries
     * @param charset the strings' encoding
     * @return the strings
     * @throws IllegalArgumentException if {@code table} is NULL while {@code count > 0}, {@code count} is negative,
     *                                  or {@code count} exceeds the entries of a {@code CStringArray}'s table
     * @throws IllegalStateException    if {@code table} is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String[] readCounted(Pointer table, int count, Charset charset) {
        Restricted.check(CStringArray.class, "CStringArray.readCounted");
        Objects.requireNonNull(charset, "charset");
        if (count < 0) {
            throw new IllegalArgumentException("count = " + count + ": expected >= 0");
        }
        if (count == 0) {
            return new String[0];
        }
        long t = address(table, "table");
        int width = nulWidth(charset);
        String[] out = new String[count];
        CStringArray own = LentTables.lookup(t, CStringArray.class);
        if (own != null) {
            if (count > own.size + 1) {
                throw new IllegalArgumentException("count = " + count + ": the char** at 0x" + Long.toHexString(t)
                        + " is the table of " + own + ", which holds " + (own.size + 1) + " entries (the last NULL)");
            }
            for (int i = 0; i < count; i++) {
                out[i] = i < own.size ? own.recordedAs(i, charset, width) : null;
            }
            return out;
        }
        return CStringTable.readCounted(segment(table, t), count, charset);
    }

    /**
     * Reads one NUL-terminated C string. Borrows.
     *
     * <p><b>Restricted, unchecked:</b> the string is trusted to end with a NUL in {@code charset}; the caller's
     * module must have native access.
     *
     * @param string  the {@code char*}
     * @param charset its encoding
     * @return the string
     * @throws IllegalArgumentException if {@code string} is NULL
     * @throws IllegalStateException    if {@code string} is an {@link IndirectPointer} that has ended
     * @throws IllegalCallerException   if the caller's module has no native access
     */
    public static String readString(Pointer string, Charset charset) {
        Restricted.check(CStringArray.class, "CStringArray.readString");
        Objects.requireNonNull(charset, "charset");
        long a = address(string, "string");
        return CStringTable.readString(segment(string, a), charset);
    }

    /** String {@code i} of the record, decoded in another charset (for {@code read} of this array's table). */
    private String recordedAs(int i, Charset cs, int width) {
        MemorySegment s = strings[i];
        long n = CStringCodec.terminatorIn(s, width);
        if (n < 0) {
            throw new IllegalStateException("string " + i + " of " + describe() + " has no " + cs.name() + " NUL"
                    + " terminator within the " + s.byteSize() + " bytes allocated for it; it is not read past its"
                    + " end");
        }
        return new String(s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), cs);
    }

    private static long address(Pointer p, String what) {
        if (p instanceof IndirectPointer ip) {
            ip.ensureUsable(what);
        }
        long a = p == null ? 0 : Pointer.nativeValue(p);
        if (a == 0) {
            throw new IllegalArgumentException(what + " is NULL; expected a C " + ("table".equals(what) ? "char**"
                    : "char*"));
        }
        return a;
    }

    /**
     * The memory at {@code address} as core's reader takes it: in the scope of the memory a keep-alive Pointer points
     * into (so its owner closing during the read is an {@code IllegalStateException}), else a bare global pointer.
     */
    private static MemorySegment segment(Pointer p, long address) {
        MemorySegment.Scope scope = p instanceof IndirectPointer ip ? ip.scope() : null;
        return scope == null ? MemorySegment.ofAddress(address)
                : MemorySegment.NULL.reinterpret(Long.MAX_VALUE, ScopeArena.of(scope), null).asSlice(address, 0);
    }
}
