package org.indirectbuffer.space;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.Format;

/**
 * The header of a shared array, version 1 (see {@code docs/shared-array-format.md}): what a creator writes and what
 * an attacher checks, field by field. Package-private; immutable.
 */
final class SharedHeader {
    static final byte[] MAGIC = "IBSHMARR".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** Bytes of the header page; the data (or the row table) starts here. */
    static final int PAGE = 4096;
    static final int FIXED = 96;
    static final int MAX_FORMAT = 3000;
    static final int DENSE = 1;
    static final int INDIRECT = 2;

    static final int OFF_VERSION = 8;
    static final int OFF_READY = 16;
    static final int OFF_CHECKSUM = 20;
    static final int OFF_HEADER_LENGTH = 24;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle READY = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    final int kind;
    final long creatorPid;
    final long created;
    final long dataOffset;
    final long dataLength;
    final long rowTableOffset;
    final long fileLength;
    final long itemSize;
    final long[] shape;
    final String format;
    final boolean ready;

    private SharedHeader(int kind, long creatorPid, long created, long dataOffset, long dataLength,
                         long rowTableOffset, long fileLength, long itemSize, long[] shape, String format,
                         boolean ready) {
        this.kind = kind;
        this.creatorPid = creatorPid;
        this.created = created;
        this.dataOffset = dataOffset;
        this.dataLength = dataLength;
        this.rowTableOffset = rowTableOffset;
        this.fileLength = fileLength;
        this.itemSize = itemSize;
        this.shape = shape;
        this.format = format;
        this.ready = ready;
    }

    /** The header of a new dense array; the caller checked the shape and that the byte count fits. */
    static SharedHeader dense(Format format, String text, long[] shape, long dataLength) {
        long file = Math.addExact(PAGE, Math.max(dataLength, 1));
        return new SharedHeader(DENSE, ProcessHandle.current().pid(), System.currentTimeMillis(), PAGE, dataLength,
                0, file, format.itemSize(), shape, text, false);
    }

    /** The header of a new indirect array of {@code rows} rows of {@code cols} items. */
    static SharedHeader indirect(Format format, String text, long rows, long cols, long dataLength) {
        long table = Math.multiplyExact(rows, 8);
        long data = align64(Math.addExact(PAGE, table));
        long file = Math.addExact(data, Math.max(dataLength, 1));
        return new SharedHeader(INDIRECT, ProcessHandle.current().pid(), System.currentTimeMillis(), data,
                dataLength, PAGE, file, format.itemSize(), new long[] {rows, cols}, text, false);
    }

    private static long align64(long n) {
        return Math.addExact(n, 63) & ~63L;
    }

    boolean isIndirect() {
        return kind == INDIRECT;
    }

    int headerLength() {
        return FIXED + 8 * shape.length + format.length();
    }

    /** Writes the header into a fresh mapping (all zero): every field, the checksum, and the ready flag last. */
    void write(MemorySegment file) {
        MemorySegment.copy(MemorySegment.ofArray(MAGIC), 0, file, 0, MAGIC.length);
        file.set(U32, OFF_VERSION, VERSION);
        file.set(U32, OFF_HEADER_LENGTH, headerLength());
        file.set(U32, 28, kind);
        file.set(I64, 32, creatorPid);
        file.set(I64, 40, created);
        file.set(I64, 48, dataOffset);
        file.set(I64, 56, dataLength);
        file.set(I64, 64, rowTableOffset);
        file.set(I64, 72, fileLength);
        file.set(I64, 80, itemSize);
        file.set(U32, 88, shape.length);
        file.set(U32, 92, format.length());
        for (int i = 0; i < shape.length; i++) {
            file.set(I64, FIXED + 8L * i, shape[i]);
        }
        byte[] f = format.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(f), 0, file, FIXED + 8L * shape.length, f.length);
        file.set(U32, OFF_CHECKSUM, checksum(file.asSlice(OFF_HEADER_LENGTH, headerLength() - OFF_HEADER_LENGTH)));
        READY.setRelease(file, (long) OFF_READY, 1);
    }

    static int checksum(MemorySegment covered) {
        CRC32C crc = new CRC32C();
        crc.update(covered.asByteBuffer());
        return (int) crc.getValue();
    }

    /**
     * Reads and checks a header: {@code bytes} are the file's first bytes (up to {@link #PAGE}), {@code size} its
     * length now.
     *
     * @throws SharedMemoryException (CORRUPT) naming the first field that is wrong
     */
    static SharedHeader read(String name, ByteBuffer bytes, long size) {
        MemorySegment h = MemorySegment.ofBuffer(bytes);
        long have = h.byteSize();
        if (have < FIXED) {
            throw corrupt(name, "length", "the file holds " + size + " bytes; a shared array's header needs at least "
                    + FIXED);
        }
        byte[] magic = h.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE);
        if (!Arrays.equals(magic, MAGIC)) {
            throw corrupt(name, "magic", "bytes 0-7 are " + hex(magic) + "; expected " + hex(MAGIC) + " ('IBSHMARR'):"
                    + " not a shared array");
        }
        int version = h.get(U32, OFF_VERSION);
        if (version != VERSION) {
            throw corrupt(name, "version", "version " + Integer.toUnsignedString(version) + "; this library reads "
                    + "version " + VERSION);
        }
        int ready = h.get(U32, OFF_READY);
        long headerLength = Integer.toUnsignedLong(h.get(U32, OFF_HEADER_LENGTH));
        if (headerLength < FIXED || headerLength > have) {
            throw corrupt(name, "header length", "header length " + headerLength + "; expected " + FIXED + " to "
                    + have);
        }
        int stored = h.get(U32, OFF_CHECKSUM);
        int computed = checksum(h.asSlice(OFF_HEADER_LENGTH, headerLength - OFF_HEADER_LENGTH));
        if (ready != 0 && stored != computed) {
            throw corrupt(name, "checksum", "header checksum 0x" + Integer.toHexString(stored)
                    + " does not match the CRC32C of bytes [24, " + headerLength + "), 0x"
                    + Integer.toHexString(computed) + ": the header was changed or torn");
        }
        int kind = h.get(U32, 28);
        long ndim = Integer.toUnsignedLong(h.get(U32, 88));
        long formatLength = Integer.toUnsignedLong(h.get(U32, 92));
        if (kind != DENSE && kind != INDIRECT) {
            throw corrupt(name, "kind", "kind " + kind + "; expected 1 (dense) or 2 (indirect)");
        }
        if (ndim > BufferView.MAX_NDIM || kind == INDIRECT && ndim != 2) {
            throw corrupt(name, "ndim", "ndim " + ndim + "; expected " + (kind == INDIRECT ? "2 for an indirect array"
                    : "0 to " + BufferView.MAX_NDIM));
        }
        if (formatLength < 1 || formatLength > MAX_FORMAT || FIXED + 8 * ndim + formatLength != headerLength) {
            throw corrupt(name, "format length", "format length " + formatLength + " with ndim " + ndim
                    + " does not match header length " + headerLength + " (expected 1 to " + MAX_FORMAT + " bytes)");
        }
        long[] shape = new long[(int) ndim];
        for (int i = 0; i < ndim; i++) {
            shape[i] = h.get(I64, FIXED + 8L * i);
            if (shape[i] < 0) {
                throw corrupt(name, "shape", "shape[" + i + "] = " + shape[i] + "; expected >= 0");
            }
        }
        String format = new String(h.asSlice(FIXED + 8 * ndim, formatLength).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII);
        SharedHeader header = new SharedHeader(kind, h.get(I64, 32), h.get(I64, 40), h.get(I64, 48), h.get(I64, 56),
                h.get(I64, 64), h.get(I64, 72), h.get(I64, 80), shape, format, ready != 0);
        if (header.ready) {
            header.checkLengths(name, size);
        }
        return header;
    }

    /** The lengths agree with each other, with the format and with the file. */
    private void checkLengths(String name, long size) {
        Format f;
        try {
            f = Format.parse(format);
        } catch (IllegalArgumentException e) {
            throw corrupt(name, "format", "format '" + format + "' does not parse: " + e.getMessage());
        }
        if (f.itemSize() != itemSize || itemSize <= 0) {
            throw corrupt(name, "item size", "item size " + itemSize + "; format '" + format + "' has items of "
                    + f.itemSize() + " bytes");
        }
        long expected;
        try {
            expected = Math.multiplyExact(itemSize, product(shape));
        } catch (ArithmeticException e) {
            throw corrupt(name, "shape", "shape " + Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        if (dataLength != expected) {
            throw corrupt(name, "data length", "data length " + dataLength + "; shape " + Arrays.toString(shape)
                    + " of " + itemSize + "-byte items needs " + expected);
        }
        long tableEnd = kind == INDIRECT ? rowTableOffset + 8 * shape[0] : PAGE;
        if (kind == INDIRECT && (rowTableOffset < PAGE || rowTableOffset % 8 != 0 || shape[0] > (1L << 56))) {
            throw corrupt(name, "row table offset", "row table offset " + rowTableOffset + "; expected a multiple of"
                    + " 8 at or after " + PAGE);
        }
        if (kind == DENSE && rowTableOffset != 0) {
            throw corrupt(name, "row table offset", "row table offset " + rowTableOffset + "; a dense array has 0");
        }
        if (dataOffset % 64 != 0 || dataOffset < tableEnd) {
            throw corrupt(name, "data offset", "data offset " + dataOffset + "; expected a multiple of 64 at or after "
                    + tableEnd);
        }
        if (fileLength < dataOffset || fileLength - dataOffset < dataLength) {
            throw corrupt(name, "file length", "file length " + fileLength + " cannot hold " + dataLength
                    + " bytes at offset " + dataOffset);
        }
        if (size < fileLength) {
            throw corrupt(name, "file length", "the file holds " + size + " bytes, but its header says "
                    + fileLength + ": it was truncated");
        }
    }

    private static long product(long[] shape) {
        long p = 1;
        for (long s : shape) {
            p = Math.multiplyExact(p, s);
        }
        return p;
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(String.format("%02x", b & 0xFF));
        }
        return s.toString();
    }

    static SharedMemoryException corrupt(String name, String field, String detail) {
        return new SharedMemoryException(SharedMemoryException.Reason.CORRUPT, name, field, "shared array '" + name
                + "': header field '" + field + "' is wrong: " + detail, null);
    }

    @Override
    public String toString() {
        return (kind == INDIRECT ? "indirect" : "dense") + ", format '" + format + "', shape "
                + Arrays.toString(shape) + ", item size " + itemSize + ", data offset " + dataOffset + ", data length "
                + dataLength + (kind == INDIRECT ? ", row table offset " + rowTableOffset : "") + ", file length "
                + fileLength + ", creator pid " + creatorPid + ", created " + java.time.Instant.ofEpochMilli(created)
                + (ready ? "" : ", NOT READY");
    }
}
