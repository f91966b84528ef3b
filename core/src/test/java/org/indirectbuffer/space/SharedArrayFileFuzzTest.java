package org.indirectbuffer.space;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes what {@link SharedArrays#attach} makes of a damaged file: a dense ({@code d}, 3x4) or indirect ({@code i},
 * 3x4) array is created, its file patched byte by byte as the input says (in the header page, the row table and the
 * data) and optionally truncated, with the header's CRC32C recomputed when the input asks (so that the checks past
 * the checksum — kind, format, shape, lengths, data offset, row table — are reached), and attached. Each input must
 * end in one of two ways: {@code attach} throws a {@link SharedMemoryException} with a message naming the array, or
 * it succeeds and every item of every view of the array reads inside the file (a sum over the kernels, which
 * may refuse only a format they do not handle, and a contiguous copy) with no other exception. Either way {@link SharedArrays#delete} then removes the file. The bytes
 * of the ready flag are never patched: an array whose flag stays 0 makes attach wait its whole deadline, which
 * {@code SharedArraysTest} checks once. The normal test run replays the inputs in {@code
 * SharedArrayFileFuzzTestInputs/attachPatchedFiles/}; {@code test-scripts/fuzz.sh 60
 * SharedArrayFileFuzzTest#attachPatchedFiles} fuzzes.
 *
 * <p>Input layout: byte 0 bit 0 = indirect, bit 1 = recompute the checksum, bit 2 = truncate to the length in bytes
 * 1-2 (little-endian, times 16); then groups of three bytes, a little-endian offset (0-65535, taken modulo the file
 * length) and the byte to write there.
 */
@Tag("fuzz")
class SharedArrayFileFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void attachPatchedFiles(byte[] data) throws Exception {
        if (data.length < 3) {
            return;
        }
        boolean indirect = (data[0] & 1) != 0;
        boolean reChecksum = (data[0] & 2) != 0;
        boolean truncate = (data[0] & 4) != 0;
        String name = "ib-fuzz-" + UUID.randomUUID();
        Path file = ShmNames.file(name);
        try {
            try (SharedArray a = indirect ? SharedArrays.createIndirect(name, 3, 4, "i")
                    : SharedArrays.create(name, "d", 3, 4)) {
                a.getBuffer(BufferRequest.FULL_RO).close();
            }
            byte[] bytes = Files.readAllBytes(file);
            for (int k = 3; k + 2 < data.length; k += 3) {
                int at = ((data[k] & 0xff) | (data[k + 1] & 0xff) << 8) % bytes.length;
                if (at < SharedHeader.OFF_READY || at >= SharedHeader.OFF_READY + 4) {
                    bytes[at] = data[k + 2];
                }
            }
            if (reChecksum) {
                recomputeChecksum(bytes);
            }
            int length = truncate ? Math.min(bytes.length, ((data[1] & 0xff) | (data[2] & 0xff) << 8) * 16)
                    : bytes.length;
            byte[] written = new byte[length];
            System.arraycopy(bytes, 0, written, 0, length);
            Files.write(file, written);
            attachAndReadEverything(name);
        } finally {
            try {
                SharedArrays.delete(name);
            } catch (SharedMemoryException e) {
                require(e.getMessage() != null && e.getMessage().contains(name), name, "delete: " + e);
            }
            Files.deleteIfExists(file);
        }
    }

    private static void attachAndReadEverything(String name) {
        SharedArray a;
        try {
            a = SharedArrays.attach(name, true);
        } catch (SharedMemoryException e) {
            require(e.getMessage() != null && e.getMessage().contains(name), name, "message without the name: " + e);
            require(e.reason() != null, name, "no reason: " + e);
            return;
        }
        try (a; BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
            long items = 1;
            for (long n : v.shape()) {
                items = Math.multiplyExact(items, n);
            }
            require(items * v.itemSize() <= Math.max(0, a.byteSize()), name, "the view describes " + items
                    + " items of " + v.itemSize() + " bytes in an array of " + a.byteSize() + " bytes");
            try {
                Kernels.sum(v);
            } catch (BufferException notNumeric) {
                // documented for formats the kernels do not handle (a patched format may be 'w', '?', a struct...)
                require(notNumeric.getMessage().contains("is not supported") || notNumeric.getMessage()
                        .contains("unsigned"), name, "sum refused otherwise than for its format: " + notNumeric);
            }
            byte[] copy = v.toBytes('C');
            require(copy.length == items * v.itemSize(), name, "a copy of " + copy.length + " bytes");
        }
    }

    private static void recomputeChecksum(byte[] bytes) {
        if (bytes.length < SharedHeader.OFF_HEADER_LENGTH + 4) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = Integer.toUnsignedLong(b.getInt(SharedHeader.OFF_HEADER_LENGTH));
        if (headerLength < SharedHeader.OFF_HEADER_LENGTH || headerLength > bytes.length) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment covered = arena.allocate(headerLength - SharedHeader.OFF_HEADER_LENGTH);
            MemorySegment.copy(MemorySegment.ofArray(bytes), SharedHeader.OFF_HEADER_LENGTH, covered, 0,
                    covered.byteSize());
            b.putInt(SharedHeader.OFF_CHECKSUM, SharedHeader.checksum(covered));
        }
    }

    private static void require(boolean condition, String name, String what) {
        if (!condition) {
            throw new AssertionError(name + ": " + what);
        }
    }
}
