package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;

import org.indirectbuffer.internal.MappedScopes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreFormat#copyChecksummed}, the copy and checksum of a contiguous buffer being stored, against the simple
 * computation (one {@code CRC32C} over the whole, byte by byte equality), over awkward sizes and offsets and every
 * kind of source: native, heap {@code byte[]} (checksummed in place), heap {@code double[]}, read-only and mapped
 * (through the heap chunk).
 */
class StoreFormatTest {
    /** A few bytes before and after the copy's destination, which must stay as they were. */
    private static final int GUARD = 67;
    private static final byte UNTOUCHED = (byte) 0xA5;

    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static int crcOf(int seed, byte[] bytes, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(seed);
        c.update(bytes, offset, length);
        return (int) c.getValue();
    }

    /**
     * Copies {@code src} to an unaligned offset of a fresh segment with a checksum already holding one byte (as a row
     * table precedes the rows), and checks the copy, the bytes around it and the checksum.
     */
    private static void check(MemorySegment src, byte[] expected, int expectedOffset, byte[] chunk, long piece) {
        int length = Math.toIntExact(src.byteSize());
        int dstOffset = GUARD + 3;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(dstOffset + length + GUARD, 64);
            dst.fill(UNTOUCHED);
            CRC32C crc = new CRC32C();
            crc.update(0x5C);
            StoreFormat.copyChecksummed(src, dst, dstOffset, length, crc, chunk, piece);
            String what = length + " bytes of " + src + " in pieces of " + piece + ", chunks of " + chunk.length;
            assertThat((int) crc.getValue()).as("the checksum of %s", what)
                    .isEqualTo(crcOf(0x5C, expected, expectedOffset, length));
            byte[] copied = dst.asSlice(dstOffset, length).toArray(ValueLayout.JAVA_BYTE);
            byte[] want = Arrays.copyOfRange(expected, expectedOffset, expectedOffset + length);
            assertThat(copied).as("the copy of %s", what).isEqualTo(want);
            for (long i = 0; i < dstOffset; i++) {
                assertThat(dst.get(ValueLayout.JAVA_BYTE, i)).as("byte %d before the copy of %s", i, what)
                        .isEqualTo(UNTOUCHED);
            }
            for (long i = dstOffset + length; i < dst.byteSize(); i++) {
                assertThat(dst.get(ValueLayout.JAVA_BYTE, i)).as("byte %d after the copy of %s", i, what)
                        .isEqualTo(UNTOUCHED);
            }
        }
    }

    /** Sizes around the chunk and the piece: empty, one byte, each boundary and one either side, several pieces. */
    private static int[] sizes(int chunk, int piece) {
        return new int[] {0, 1, 63, 64, 65, chunk - 1, chunk, chunk + 1, piece - 1, piece, piece + 1, 2 * piece - 1,
            2 * piece, 2 * piece + 1, 3 * piece + chunk + 7};
    }

    @Test
    void copiesAndChecksumsEverySourceKindOverAwkwardSizes() {
        byte[] chunk = new byte[64];
        int piece = 1000;
        int max = 3 * piece + chunk.length + 7;
        byte[] bytes = random(max + 5, 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeBytes = arena.allocate(bytes.length + 5, 64);
            MemorySegment.copy(bytes, 0, nativeBytes, ValueLayout.JAVA_BYTE, 5, bytes.length);
            double[] doubles = new double[(bytes.length + 7) / 8];
            MemorySegment.copy(bytes, 0, MemorySegment.ofArray(doubles), ValueLayout.JAVA_BYTE, 0, bytes.length);
            for (int n : sizes(chunk.length, piece)) {
                for (int skew : new int[] {0, 5}) {
                    // native, at an aligned and an unaligned address; the latter skew bytes into the source
                    check(nativeBytes.asSlice(5 + skew, n), bytes, skew, chunk, piece);
                    check(MemorySegment.ofArray(bytes).asSlice(skew, n), bytes, skew, chunk, piece);
                    check(MemorySegment.ofArray(bytes).asSlice(skew, n).asReadOnly(), bytes, skew, chunk, piece);
                    check(MemorySegment.ofArray(doubles).asSlice(skew, n), bytes, skew, chunk, piece);
                }
            }
        }
    }

    @Test
    void copiesAndChecksumsInTheRealPiecesAndChunks() {
        byte[] chunk = new byte[StoreFormat.CHUNK];
        int piece = Math.toIntExact(StoreFormat.PIECE);
        byte[] bytes = random(2 * piece + 2 + 3, 2);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeBytes = arena.allocate(bytes.length, 64);
            MemorySegment.copy(bytes, 0, nativeBytes, ValueLayout.JAVA_BYTE, 0, bytes.length);
            for (int n : new int[] {StoreFormat.CHUNK + 1, piece - 1, piece + 1, 2 * piece - 1, 2 * piece + 1}) {
                check(nativeBytes.asSlice(3, n), bytes, 3, chunk, piece);
                check(MemorySegment.ofArray(bytes).asSlice(1, n).asReadOnly(), bytes, 1, chunk, piece);
            }
        }
    }

    @Test
    void copiesAndChecksumsAMappedSourceThroughTheChunk() throws IOException {
        byte[] chunk = new byte[64];
        int piece = 1000;
        byte[] bytes = random(3 * piece + 200, 3);
        Path file = dir.resolve("source");
        Files.write(file, bytes);
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            MappedScopes.noteIfMapped(mapped);
            assertThat(StoreFormat.checksumsInPlace(mapped)).as("a mapped source is checksummed in place").isFalse();
            for (int n : sizes(chunk.length, piece)) {
                check(mapped.asSlice(7, n), bytes, 7, chunk, piece);
            }
        }
    }

    /**
     * A mapped source another writer changes during the put (a shared array another process writes) is stored as it
     * was read, with the checksum of what was stored: it is read once. Read twice (checksum, then copy), the stored
     * bytes would differ from the checksummed ones in nearly every round, with a writer this busy.
     */
    @Test
    void aMappedSourceChangingDuringTheCopyIsStoredWithTheChecksumOfWhatWasStored() throws Exception {
        int bytes = 4 << 20;
        Path file = dir.resolve("changing");
        try (Arena arena = Arena.ofShared();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            MappedScopes.noteIfMapped(mapped);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (long round = 1; !stop.get(); round++) {
                    for (long at = 0; at < bytes; at += 8) {
                        mapped.set(ValueLayout.JAVA_LONG_UNALIGNED, at, round);
                    }
                }
            });
            writer.start();
            try (Arena local = Arena.ofConfined()) {
                MemorySegment dst = local.allocate(bytes);
                for (int round = 0; round < 8; round++) {
                    CRC32C crc = new CRC32C();
                    StoreFormat.copyChecksummed(mapped, dst, 0, bytes, crc, new byte[64 << 10], 1 << 20);
                    CRC32C stored = new CRC32C();
                    stored.update(dst.asByteBuffer());
                    assertThat(crc.getValue()).as("round %d: the checksum of the stored bytes", round)
                            .isEqualTo(stored.getValue());
                }
            } finally {
                stop.set(true);
                writer.join();
            }
        }
    }

    @Test
    void onlyMemoryThatCannotFaultAndIsBytesIsChecksummedInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(StoreFormat.checksumsInPlace(arena.allocate(16))).as("native").isTrue();
            assertThat(StoreFormat.checksumsInPlace(arena.allocate(16).asReadOnly())).as("native, read-only")
                    .isTrue();
        }
        assertThat(StoreFormat.checksumsInPlace(MemorySegment.ofArray(new byte[16]))).as("byte[]").isTrue();
        assertThat(StoreFormat.checksumsInPlace(MemorySegment.ofArray(new double[2]))).as("double[]").isFalse();
    }

    @Test
    void piecesAreAtLeastThePieceAndUnderTwiceItUnlessTheWholeIsShorter() {
        long piece = 1000;
        for (long length : new long[] {0, 1, 999, 1000, 1001, 1999, 2000, 2001, 2999, 3000, 1_000_001}) {
            long pieces = 0;
            for (long done = 0; done < length; pieces++) {
                long n = StoreFormat.pieceLength(length - done, piece);
                assertThat(n).as("piece %d of %d bytes", pieces, length).isPositive().isLessThan(2 * piece);
                if (length >= piece) {
                    assertThat(n).as("piece %d of %d bytes", pieces, length).isGreaterThanOrEqualTo(piece);
                }
                done += n;
                assertThat(done).as("bytes after piece %d of %d", pieces, length).isLessThanOrEqualTo(length);
            }
            assertThat(pieces).as("pieces of %d bytes", length).isEqualTo(length < piece ? Math.min(length, 1)
                    : length / piece);
        }
        assertThat(StoreFormat.pieceLength(Long.MAX_VALUE, StoreFormat.PIECE)).as("a piece of the largest length")
                .isEqualTo(StoreFormat.PIECE);
    }
}
