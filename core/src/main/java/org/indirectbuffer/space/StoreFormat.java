package org.indirectbuffer.space;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

import org.indirectbuffer.format.Format;
import org.indirectbuffer.format.FormatException;
import org.indirectbuffer.internal.MappedScopes;
import org.indirectbuffer.space.BufferStoreException.Reason;

/**
 * The file layout of a buffer store, version 1 (see {@code docs/buffer-store-format.md}): encoding and checking of
 * the header, the three root slots and the catalog. Everything is little-endian. Package-private; the records are
 * immutable.
 *
 * <pre>
 * page 0         header: magic "IBUFSTOR", version, page size, capacity, slot count, CRC-32C;
 *                at 2048 the flush mark: magic "IBSFLUSH", the revision the last flush forced, CRC-32C
 * pages 1..3     root slots: magic "IBSROOT1", revision, flushed revision, catalog offset, length and CRC, CRC
 * page 4..       extents (64-byte aligned): catalogs and buffers, written copy-on-write
 * </pre>
 */
final class StoreFormat {
    static final int PAGE = 4096;
    static final int SLOTS = 3;
    static final long DATA_START = (long) PAGE * (1 + SLOTS);
    static final int ALIGN = 64;
    static final int VERSION = 1;
    /** The smallest capacity: the header, the slots, and one page for catalogs and buffers. */
    static final long MIN_CAPACITY = DATA_START + PAGE;
    static final int MAX_NAME_BYTES = 1024;
    static final int MAX_FORMAT_BYTES = 4096;
    static final int MAX_NDIM = 64;

    static final long HEADER_MAGIC = magic("IBUFSTOR");
    static final long ROOT_MAGIC = magic("IBSROOT1");
    static final long CATALOG_MAGIC = magic("IBSCATL1");
    static final int HEADER_BYTES = 36;
    static final int ROOT_BYTES = 48;

    static final int KIND_DENSE = 0;
    static final int KIND_INDIRECT = 1;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes checksummed per step; the mapped bytes are first copied here (a fault there is a Java exception). */
    static final int CHUNK = 64 * 1024;

    private StoreFormat() {
    }

    private static long magic(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static long slotOffset(int slot) {
        return (long) PAGE * (1 + slot);
    }

    static long align(long n) {
        return Math.addExact(n, ALIGN - 1) & -ALIGN;
    }

    // ------------------------------------------------------------------------------------------------ header

    static void writeHeader(MemorySegment file, long capacity) {
        MemorySegment h = MemorySegment.ofArray(new byte[HEADER_BYTES]);
        h.set(I64, 0, HEADER_MAGIC);
        h.set(U32, 8, VERSION);
        h.set(U32, 12, PAGE);
        h.set(I64, 16, capacity);
        h.set(U32, 24, SLOTS);
        h.set(U32, 28, 0);
        h.set(U32, 32, crc(h.asSlice(0, 32)));
        MemorySegment.copy(h, 0, file, 0, HEADER_BYTES);
    }

    /**
     * Checks the header page against the file's length.
     *
     * @param head     the header's bytes, copied from the file (fewer when the file is shorter)
     * @param fileSize the file's length now
     * @param where    the file, for messages
     * @return the capacity
     * @throws BufferStoreException naming what is wrong
     */
    static long checkHeader(MemorySegment head, long fileSize, String where) {
        if (head.byteSize() < HEADER_BYTES || head.get(I64, 0) != HEADER_MAGIC) {
            throw failure(Reason.NOT_A_STORE, null, "header", where + ": not a buffer store (the first 8 bytes are not"
                    + " \"IBUFSTOR\"" + (head.byteSize() < 8 ? "; the file has only " + fileSize + " bytes" : "")
                    + ")");
        }
        int crc = crc(head.asSlice(0, 32));
        if (head.get(U32, 32) != crc) {
            throw failure(Reason.CORRUPT, null, "header checksum", where + ": the header's checksum is 0x"
                    + Integer.toHexString(head.get(U32, 32)) + "; its bytes give 0x" + Integer.toHexString(crc));
        }
        int version = head.get(U32, 8);
        if (version != VERSION) {
            throw failure(Reason.UNSUPPORTED_VERSION, null, "version", where + ": store format version " + version
                    + "; this library reads version " + VERSION);
        }
        int page = head.get(U32, 12);
        int slots = head.get(U32, 24);
        long capacity = head.get(I64, 16);
        if (page != PAGE || slots != SLOTS || capacity < MIN_CAPACITY) {
            throw failure(Reason.CORRUPT, null, "header", where + ": header says page size " + page + ", " + slots
                    + " slots, capacity " + capacity + "; expected " + PAGE + ", " + SLOTS + " and at least "
                    + MIN_CAPACITY);
        }
        if (fileSize < capacity) {
            throw failure(Reason.TRUNCATED, null, "length", where + ": the file has " + fileSize + " bytes; its header"
                    + " says " + capacity + " (truncated)");
        }
        if (fileSize > capacity) {
            throw failure(Reason.CORRUPT, null, "length", where + ": the file has " + fileSize + " bytes; its header"
                    + " says " + capacity);
        }
        return capacity;
    }

    // ------------------------------------------------------------------------------------------------ flush mark

    /** Where in page 0 the flush mark lies: the revision the last flush forced, so that open knows it. */
    static final long FLUSH_MARK = 2048;
    static final long FLUSH_MAGIC = magic("IBSFLUSH");
    static final int FLUSH_MARK_BYTES = 20;

    static void writeFlushMark(MemorySegment file, long revision) {
        MemorySegment r = MemorySegment.ofArray(new byte[FLUSH_MARK_BYTES]);
        r.set(I64, 0, FLUSH_MAGIC);
        r.set(I64, 8, revision);
        r.set(U32, 16, crc(r.asSlice(0, 16)));
        MemorySegment.copy(r, 0, file, FLUSH_MARK, FLUSH_MARK_BYTES);
    }

    /** {@return the revision the flush mark names, or 0 when there is none or it is torn} */
    static long readFlushMark(MemorySegment bytes) {
        if (bytes.byteSize() < FLUSH_MARK_BYTES || bytes.get(I64, 0) != FLUSH_MAGIC
                || bytes.get(U32, 16) != crc(bytes.asSlice(0, 16))) {
            return 0;
        }
        return bytes.get(I64, 8);
    }

    /** {@return whether the file's first 8 bytes are the header's magic} */
    static boolean startsWithMagic(java.nio.channels.FileChannel channel) throws java.io.IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
            // read on
        }
        return !b.hasRemaining() && b.getLong(0) == HEADER_MAGIC;
    }

    // ------------------------------------------------------------------------------------------------ roots

    /**
     * One root: the commit a slot holds.
     *
     * @param slot             which slot it was read from (0..2)
     * @param revision         the commit's number, from 1, one more per commit
     * @param flushedRevision  the revision of the last root forced to disk when this one was written (0: none)
     * @param catalogOffset    where the commit's catalog starts
     * @param catalogLength    its bytes
     * @param catalogCrc       its CRC-32C
     */
    record Root(int slot, long revision, long flushedRevision, long catalogOffset, long catalogLength,
                int catalogCrc) {
    }

    static void writeRoot(MemorySegment file, Root root) {
        MemorySegment r = MemorySegment.ofArray(new byte[ROOT_BYTES]);
        r.set(I64, 0, ROOT_MAGIC);
        r.set(I64, 8, root.revision());
        r.set(I64, 16, root.flushedRevision());
        r.set(I64, 24, root.catalogOffset());
        r.set(I64, 32, root.catalogLength());
        r.set(U32, 40, root.catalogCrc());
        r.set(U32, 44, crc(r.asSlice(0, 44)));
        MemorySegment.copy(r, 0, file, slotOffset(root.slot()), ROOT_BYTES);
    }

    /**
     * Reads a slot, or says why it holds no root.
     *
     * @param bytes    the slot's {@link #ROOT_BYTES}, copied from the file
     * @param capacity the store's capacity
     * @return the root, or a {@link String} saying what is wrong
     */
    static Object readRoot(int slot, MemorySegment bytes, long capacity) {
        if (bytes.get(I64, 0) != ROOT_MAGIC) {
            return "slot " + slot + ": no root (magic 0x" + Long.toHexString(bytes.get(I64, 0)) + ")";
        }
        int crc = crc(bytes.asSlice(0, 44));
        if (bytes.get(U32, 44) != crc) {
            return "slot " + slot + ": checksum 0x" + Integer.toHexString(bytes.get(U32, 44)) + ", its bytes give 0x"
                    + Integer.toHexString(crc) + " (torn or damaged)";
        }
        Root r = new Root(slot, bytes.get(I64, 8), bytes.get(I64, 16), bytes.get(I64, 24), bytes.get(I64, 32),
                bytes.get(U32, 40));
        if (r.revision() < 1 || r.flushedRevision() < 0 || r.flushedRevision() > r.revision()
                || !inData(r.catalogOffset(), r.catalogLength(), capacity) || r.catalogLength() < 24
                || r.catalogLength() > Integer.MAX_VALUE - 8) {
            return "slot " + slot + ": revision " + r.revision() + ", flushed " + r.flushedRevision()
                    + ", catalog at " + r.catalogOffset() + " of " + r.catalogLength() + " bytes: out of range for"
                    + " capacity " + capacity;
        }
        return r;
    }

    static boolean inData(long offset, long length, long capacity) {
        return offset >= DATA_START && length >= 0 && offset <= capacity && length <= capacity - offset;
    }

    // ------------------------------------------------------------------------------------------------ catalog

    /**
     * A space no longer referenced by the newest commit, kept until no root or reader that might still read it is
     * left (see {@code BufferStore}).
     *
     * @param offset      where it starts
     * @param length      its bytes
     * @param allocatedAt the revision of the first commit that referenced it
     * @param freedAt     the revision of the first commit that no longer references it: the revisions that may read
     *                    it are {@code [allocatedAt, freedAt)}
     */
    record Pending(long offset, long length, long allocatedAt, long freedAt) {
    }

    /**
     * One stored buffer, as the catalog records it.
     *
     * @param name          the buffer's name
     * @param format        the format string as given
     * @param itemSize      bytes per item
     * @param shape         the extent of each dimension
     * @param kind          {@link #KIND_DENSE} (items in C order) or {@link #KIND_INDIRECT} (a row table then rows)
     * @param extentOffset  where the buffer's bytes start (table and items)
     * @param extentLength  how many bytes it has
     * @param tableOffset   indirect: where the row table starts (file offsets of each row); 0 when dense
     * @param dataOffset    where the items (dense) or the first row (indirect) start
     * @param dataLength    the bytes of the items
     * @param crc           the CRC-32C of the extent's bytes
     * @param revision      the commit that stored it
     */
    record Entry(String name, String format, long itemSize, long[] shape, int kind, long extentOffset,
                 long extentLength, long tableOffset, long dataOffset, long dataLength, int crc, long revision) {
        Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        boolean isIndirect() {
            return kind == KIND_INDIRECT;
        }

        long rows() {
            return shape[0];
        }

        long rowBytes() {
            return shape[0] == 0 ? 0 : dataLength / shape[0];
        }

        @Override
        public String toString() {
            return "'" + name + "' ('" + format + "', shape " + Arrays.toString(shape) + (isIndirect() ? ", indirect"
                    : "") + ", revision " + revision + ")";
        }
    }

    /**
     * A commit's catalog: every buffer, and the spaces waiting to be reused.
     *
     * @param revision the commit's revision
     * @param entries  the buffers, in the order they were first stored
     * @param pending  the spaces freed by recent commits
     */
    record Catalog(long revision, List<Entry> entries, List<Pending> pending) {
        Catalog {
            entries = List.copyOf(entries);
            pending = List.copyOf(pending);
        }

        Entry find(String name) {
            for (Entry e : entries) {
                if (e.name().equals(name)) {
                    return e;
                }
            }
            return null;
        }
    }

    static byte[] encode(Catalog c) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(encodedLength(c))).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(CATALOG_MAGIC).putLong(c.revision()).putInt(c.entries().size()).putInt(c.pending().size());
        for (Entry e : c.entries()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] format = e.format().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) name.length).put(name).putShort((short) format.length).put(format);
            b.put((byte) e.shape.length).put((byte) e.kind()).putShort((short) 0);
            b.putLong(e.itemSize());
            for (long s : e.shape) {
                b.putLong(s);
            }
            b.putLong(e.extentOffset()).putLong(e.extentLength()).putLong(e.tableOffset()).putLong(e.dataOffset())
                    .putLong(e.dataLength()).putInt(e.crc()).putLong(e.revision());
        }
        for (Pending p : c.pending()) {
            b.putLong(p.offset()).putLong(p.length()).putLong(p.allocatedAt()).putLong(p.freedAt());
        }
        return b.array();
    }

    static long encodedLength(Catalog c) {
        long n = 24;
        for (Entry e : c.entries()) {
            n += 2 + utf8Length(e.name()) + 2 + utf8Length(e.format()) + 4 + 8 + 8L * e.shape.length + 5 * 8 + 4 + 8;
        }
        return n + 32L * c.pending().size();
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Decodes and checks a catalog: every field in range, every extent inside the data area and apart from the
     * others, every format parseable and of the recorded item size.
     *
     * @param bytes    the catalog's bytes (its checksum already checked)
     * @param revision the revision the root gave it
     * @param capacity the store's capacity
     * @return the catalog
     * @throws BufferStoreException ({@link Reason#CORRUPT}, field "catalog") naming the first bad field
     */
    static Catalog decode(byte[] bytes, long revision, long capacity, String where) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            if (b.getLong() != CATALOG_MAGIC) {
                throw corrupt(where, "its magic is not \"IBSCATL1\"");
            }
            long rev = b.getLong();
            if (rev != revision) {
                throw corrupt(where, "it says revision " + rev + "; its root says " + revision);
            }
            int count = b.getInt();
            int pendingCount = b.getInt();
            if (count < 0 || pendingCount < 0 || count > bytes.length / 60 || pendingCount > bytes.length / 32) {
                throw corrupt(where, count + " entries and " + pendingCount + " pending spaces do not fit its "
                        + bytes.length + " bytes");
            }
            List<Entry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                entries.add(decodeEntry(b, i, capacity, where));
            }
            List<Pending> pending = new ArrayList<>(pendingCount);
            for (int i = 0; i < pendingCount; i++) {
                Pending p = new Pending(b.getLong(), b.getLong(), b.getLong(), b.getLong());
                if (!inData(p.offset(), p.length(), capacity) || p.allocatedAt() < 1 || p.freedAt() <= p.allocatedAt()
                        || p.freedAt() > revision) {
                    throw corrupt(where, "pending space " + i + " (" + p + ") is out of range");
                }
                pending.add(p);
            }
            if (b.hasRemaining()) {
                throw corrupt(where, b.remaining() + " bytes are left after its last record");
            }
            Catalog c = new Catalog(revision, entries, pending);
            checkApart(c, where);
            return c;
        } catch (java.nio.BufferUnderflowException e) {
            throw corrupt(where, "it ends inside a record (" + bytes.length + " bytes)");
        }
    }

    private static Entry decodeEntry(ByteBuffer b, int i, long capacity, String where) {
        String name = utf8(b, b.getShort() & 0xFFFF, where, "entry " + i + " name");
        String format = utf8(b, b.getShort() & 0xFFFF, where, "entry " + i + " format");
        int ndim = b.get() & 0xFF;
        int kind = b.get() & 0xFF;
        b.getShort();
        long itemSize = b.getLong();
        if (ndim > MAX_NDIM || (kind != KIND_DENSE && kind != KIND_INDIRECT) || (kind == KIND_INDIRECT && ndim < 1)) {
            throw corrupt(where, "entry " + i + " '" + name + "': " + ndim + " dimensions, kind " + kind);
        }
        long[] shape = new long[ndim];
        for (int d = 0; d < ndim; d++) {
            shape[d] = b.getLong();
        }
        Entry e = new Entry(name, format, itemSize, shape, kind, b.getLong(), b.getLong(), b.getLong(),
                b.getLong(), b.getLong(), b.getInt(), b.getLong());
        String bad = checkEntry(e, capacity);
        if (bad != null) {
            throw corrupt(where, "entry " + i + " '" + name + "': " + bad);
        }
        return e;
    }

    /** Why an entry cannot be right, or null. */
    private static String checkEntry(Entry e, long capacity) {
        if (checkName(e.name()) != null) {
            return checkName(e.name());
        }
        Format f;
        try {
            f = Format.parse(e.format());
        } catch (FormatException ex) {
            return "format: " + ex.getMessage();
        }
        if (f.itemSize() != e.itemSize() || e.itemSize() < 1) {
            return "item size " + e.itemSize() + "; format '" + e.format() + "' has " + f.itemSize();
        }
        long items;
        try {
            items = 1;
            for (long s : e.shape) {
                if (s < 0) {
                    return "shape " + Arrays.toString(e.shape) + " has a negative extent";
                }
                items = Math.multiplyExact(items, s);
            }
            if (Math.multiplyExact(items, e.itemSize()) != e.dataLength()) {
                return "data length " + e.dataLength() + "; shape " + Arrays.toString(e.shape) + " of "
                        + e.itemSize() + "-byte items has " + items * e.itemSize();
            }
        } catch (ArithmeticException ex) {
            return "shape " + Arrays.toString(e.shape) + " overflows";
        }
        if (!inData(e.extentOffset(), e.extentLength(), capacity)) {
            return "extent [" + e.extentOffset() + ", +" + e.extentLength() + ") is outside the data area";
        }
        if (!within(e, e.dataOffset(), e.dataLength())) {
            return "items [" + e.dataOffset() + ", +" + e.dataLength() + ") lie outside its extent";
        }
        if (e.isIndirect() && (e.rows() > e.extentLength() / 8 || !within(e, e.tableOffset(), 8 * e.rows()))) {
            return "row table at " + e.tableOffset() + " of " + e.rows() + " rows lies outside its extent";
        }
        if (!e.isIndirect() && e.tableOffset() != 0) {
            return "a dense buffer with a row table offset " + e.tableOffset();
        }
        return null;
    }

    private static boolean within(Entry e, long offset, long length) {
        return length >= 0 && offset >= e.extentOffset() && length <= e.extentLength()
                && offset - e.extentOffset() <= e.extentLength() - length;
    }

    /** Extents of the entries, the pending spaces and nothing else overlap. */
    private static void checkApart(Catalog c, String where) {
        List<long[]> spans = new ArrayList<>();
        for (Entry e : c.entries()) {
            spans.add(new long[] {e.extentOffset(), e.extentLength()});
        }
        for (Pending p : c.pending()) {
            spans.add(new long[] {p.offset(), p.length()});
        }
        spans.sort((x, y) -> Long.compare(x[0], y[0]));
        for (int i = 1; i < spans.size(); i++) {
            long[] prev = spans.get(i - 1);
            if (spans.get(i)[0] < prev[0] + prev[1]) {
                throw corrupt(where, "the spaces at " + prev[0] + " (" + prev[1] + " bytes) and " + spans.get(i)[0]
                        + " overlap");
            }
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Entry e : c.entries()) {
            if (!names.add(e.name())) {
                throw corrupt(where, "the name '" + e.name() + "' appears twice");
            }
        }
    }

    private static String utf8(ByteBuffer b, int length, String where, String what) {
        byte[] bytes = new byte[length];
        b.get(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(where, what + " is not UTF-8");
        }
    }

    private static BufferStoreException corrupt(String where, String what) {
        return failure(Reason.CORRUPT, null, "catalog", where + ": the catalog is damaged: " + what);
    }

    // ------------------------------------------------------------------------------------------------ names

    /** Why a name is not allowed, or null. */
    static String checkName(String name) {
        if (name.isEmpty()) {
            return "buffer name is empty; expected 1 to " + MAX_NAME_BYTES + " bytes of UTF-8";
        }
        int nul = name.indexOf('\0');
        if (nul >= 0) {
            return "buffer name contains a NUL character at position " + nul;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                return "buffer name has an unpaired surrogate at position " + i + " (not encodable as UTF-8)";
            }
        }
        int bytes = utf8Length(name);
        if (bytes > MAX_NAME_BYTES) {
            return "buffer name is " + bytes + " bytes of UTF-8; expected 1 to " + MAX_NAME_BYTES;
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ checksums

    /** CRC-32C of bytes on the heap or in memory that cannot fault. */
    static int crc(MemorySegment heapBytes) {
        CRC32C c = new CRC32C();
        c.update(heapBytes.asByteBuffer());
        return (int) c.getValue();
    }

    /**
     * CRC-32C of mapped bytes, read in chunks through a heap buffer: the JDK's checksum intrinsic faults fatally on
     * memory whose file was truncated, a copy faults into an {@code InternalError}.
     */
    static int crcOfMapped(MemorySegment mapped, long offset, long length, byte[] chunk) {
        CRC32C c = new CRC32C();
        updateFromMapped(c, mapped, offset, length, chunk);
        return (int) c.getValue();
    }

    /** Adds mapped bytes to a checksum, through a heap chunk (see {@link #crcOfMapped}). */
    static void updateFromMapped(CRC32C crc, MemorySegment mapped, long offset, long length, byte[] chunk) {
        MemorySegment heap = MemorySegment.ofArray(chunk);
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(chunk.length, length - done);
            MemorySegment.copy(mapped, offset + done, heap, 0, n);
            crc.update(chunk, 0, n);
            done += n;
        }
    }

    /**
     * Bytes a contiguous buffer is stored by at a time ({@link #copyChecksummed}): each piece is checksummed, then
     * copied while it is still in the last-level cache, in one {@code MemorySegment.copy} large enough to take the
     * JDK's path for large copies (HotSpot on x86 with AVX-512: 2.5 MB and more, with stores that bypass the cache,
     * about twice as fast into memory not in the cache as the smaller copies' stores). Copies of 64 KB chunks, each
     * after its checksum, made an 8 MB put take 2.5 to 3 times the bare copy.
     */
    static final long PIECE = 4L << 20;

    /**
     * Copies {@code length} bytes of {@code src} from its start to {@code dst} at {@code dstOffset} and adds them to
     * {@code crc}, in pieces of {@code piece} bytes (the last one up to twice that; a shorter buffer is one piece):
     * each piece is checksummed, then copied in one call. Bytes that cannot fault (not mapped) and can be read as a
     * byte buffer are checksummed where they are; other heap arrays through {@code chunk}. Such a source is read
     * twice, so one that changes meanwhile (a race in the caller's own threads) may be stored with a checksum its
     * stored bytes fail. Memory that may be mapped is read once instead, 64 KB at a time into {@code chunk}, which
     * is checksummed and written: another process may be writing it (a shared array), and what is stored is then
     * what was read, with its own checksum. Mapped memory never reaches the checksum intrinsic either way (see
     * {@link #crcOfMapped}).
     *
     * @throws InternalError (possibly pending, see {@code MappedScopes.raisePendingFault}) if mapped memory faulted
     */
    static void copyChecksummed(MemorySegment src, MemorySegment dst, long dstOffset, long length, CRC32C crc,
                                byte[] chunk, long piece) {
        if (MappedScopes.mayBeMapped(src)) {
            MemorySegment heap = MemorySegment.ofArray(chunk);
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(chunk.length, length - done);
                MemorySegment.copy(src, done, heap, 0, n);
                crc.update(chunk, 0, n);
                MemorySegment.copy(heap, 0, dst, dstOffset + done, n);
                done += n;
            }
            return;
        }
        boolean inPlace = checksumsInPlace(src);
        for (long done = 0; done < length; ) {
            long n = pieceLength(length - done, piece);
            if (inPlace) {
                crc.update(src.asSlice(done, n).asByteBuffer());
            } else {
                updateFromMapped(crc, src, done, n, chunk);
            }
            MemorySegment.copy(src, done, dst, dstOffset + done, n);
            done += n;
        }
    }

    /** {@return the next piece's bytes when {@code remaining} are left: {@code piece}, or all when fewer than twice} */
    static long pieceLength(long remaining, long piece) {
        return remaining < 2 * piece ? remaining : piece;
    }

    /**
     * {@return whether the checksum intrinsic may read {@code src} where it is: memory that cannot fault (not
     * mapped) and can be read as a byte buffer (native, or a writable heap segment of a {@code byte[]})}
     */
    static boolean checksumsInPlace(MemorySegment src) {
        return !MappedScopes.mayBeMapped(src) && (src.isNative()
                || src.heapBase().filter(byte[].class::isInstance).isPresent());
    }

    static BufferStoreException failure(Reason reason, String name, String field, String message) {
        return new BufferStoreException(reason, name, field, message, null);
    }
}
