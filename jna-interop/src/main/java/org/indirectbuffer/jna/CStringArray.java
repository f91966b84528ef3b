package org.indirectbuffer.jna;

import java.lang.foreign.MemorySegment;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Objects;

import com.sun.jna.Pointer;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.CStringTable;
import org.indirectbuffer.internal.CStringSecrets;
import org.indirectbuffer.internal.Restricted;
import org.indirectbuffer.internal.ScopeArena;

/**
 * A NULL-terminated {@code char**} built from Java strings in a chosen charset — what {@code main(argc, argv)}-style
 * and list-taking C functions expect — and the reverse: {@link #read(Pointer, Charset)} turns a {@code char**} that C
 * returned into a {@code String[]}. It is core's {@link CStringTable} as a JNA argument: the table, its encoding and
 * its record, its lifetime and leak report are the {@code CStringTable}'s; this class adds keep-alive Pointers ({@link
 * #pointer()}), holds of that lifetime that refuse {@code close()} during a native call made through {@link
 * IndirectLibrary}, and readers taking JNA Pointers.
 *
 * <h2>Ownership</h2>
 * {@link #create} <b>owns</b> its memory (the table of {@code size() + 1} pointers, the last NULL, and every string with its
 * terminator), freed by {@link #close()}, or by a Cleaner once this object and every {@link IndirectPointer} of it
 * are unreachable. C may read and write the bytes and reorder the table, but must not free anything. The static
 * {@code read} methods <b>borrow</b>: they copy the strings into Java and never free the C memory (free it with the
 * library's own function, for example through a {@link FreeFunction}).
 *
 * <h2>Java reads through the library's own record</h2>
 * The table ({@link #pointerTable()}, {@link #pointer()}) is lent to C, which may rewrite it; Java code gets it
 * read-only. {@link #get(int)} never follows it: string {@code i} is read through the segment the library allocated
 * for it (its bytes and its terminator), in this object's scope. So bytes C wrote in place are seen, a table C
 * reordered or rewrote changes what C sees but not what {@code get} reads, a string whose terminator C overwrote is
 * an {@link IllegalStateException} instead of a scan past its end, and a {@code get} racing {@code close()} on
 * another thread gets an {@code IllegalStateException}, never a read of freed memory. The same record is used when
 * the table comes back to {@link #read(Pointer, Charset)} or {@link #readCounted} (the record's messages name the
 * {@code CStringTable} inside).
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
 * throw {@link IllegalCallerException} otherwise. {@link #create} only allocates and owns: it is not restricted.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may read at once; {@code close()} may be called from any thread, and refuses ({@link
 * org.indirectbuffer.BufferException}, "buffer is locked") while a native call made through {@link IndirectLibrary}
 * uses the array.
 */
public final class CStringArray implements AutoCloseable {
    /** The owned table: allocation, encoding, the record, the lifetime (and its holds) and the Cleaner are core's. */
    private final CStringTable table;
    private final int size;

    private CStringArray(CStringTable table) {
        this.table = table;
        this.size = table.size();
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
    public static CStringArray create(Charset charset, String... strings) {
        return create(charset, List.of(Objects.requireNonNull(strings, "strings")));
    }

    /**
     * Encodes strings into an owned, NULL-terminated {@code char**}; see {@link #create(Charset, String...)} and {@link
     * CStringTable#create(Charset, List)}, which makes the memory.
     *
     * @param charset the encoding
     * @param strings the strings, none null
     * @return the owning array
     * @throws NullPointerException     if {@code charset}, the list or a string is null
     * @throws IllegalArgumentException if a string holds a NUL character or a character the charset cannot encode
     */
    public static CStringArray create(Charset charset, List<String> strings) {
        return new CStringArray(CStringTable.create(charset, strings));
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /**
     * Returns the number of strings (the NULL entry not counted).
     *
     * @return the number of strings (the NULL entry not counted)
     * @throws IllegalStateException if closed
     */
    public int size() {
        ensureOpen();
        return table.size();
    }

    /**
     * Returns the charset the strings are encoded in.
     *
     * @return the charset the strings are encoded in
     */
    public Charset charset() {
        return table.charset();
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
        ensureOpen();
        try {
            return table.get(i);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(describe() + ": " + e.getMessage(), e);
        }
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
        ensureOpen();
        return table.pointerTable();
    }

    /**
     * Returns the table as a JNA Pointer that keeps this array reachable.
     *
     * @return a keep-alive Pointer to the {@code char**}
     * @throws IllegalStateException if closed
     */
    public IndirectPointer pointer() {
        MemorySegment t = pointerTable();
        return IndirectPointer.keeping(t.address(), this, t.scope(), null, null);
    }

    /**
     * Holds the array open for a native call: {@link #close()} refuses, naming the call, until the returned hold has
     * run (once).
     *
     * @throws IllegalStateException if closed
     */
    Runnable pinForCall() {
        try {
            return CStringSecrets.hold(table, "native call on " + Thread.currentThread().getName());
        } catch (IllegalStateException closed) {
            throw new IllegalStateException(describe() + " is closed", closed);
        }
    }

    /**
     * Frees the memory; every segment handed out becomes unusable. Closing twice is harmless.
     *
     * @throws BufferException       if a native call made through {@link IndirectLibrary} uses the array now
     *                               ("buffer is locked")
     * @throws IllegalStateException if an FFM downcall is using the memory right now
     */
    @Override
    public void close() {
        CStringSecrets.close(table, "close " + describe());
    }

    /**
     * Returns whether closed.
     *
     * @return whether closed
     */
    public boolean isClosed() {
        return table.isClosed();
    }

    private void ensureOpen() {
        if (table.isClosed()) {
            throw new IllegalStateException(describe() + " is closed");
        }
    }

    private String describe() {
        return "CStringArray[" + size + " strings, " + table.charset().name() + "]";
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
