package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.zip.CRC32C;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.kernels.Kernels;
import org.indirectbuffer.space.BufferStoreException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferStoreTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        BufferStore.forcerForTests(null);
    }

    private Path file() {
        return dir.resolve("s.store");
    }

    static BufferExporter bytes(byte[] b) {
        return flags -> BufferView.wrap(MemorySegment.ofArray(b), Format.parse("B"), new long[] {b.length}, null,
                null, true);
    }

    static BufferExporter doubles(double[] d, long... shape) {
        return flags -> BufferView.wrap(MemorySegment.ofArray(d), Format.parse("d"), shape, null, null, true);
    }

    private static byte[] contents(StoredBuffer b) {
        try (BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
            return v.toBytes('C');
        }
    }

    private static byte[] contents(BufferExporter e) {
        try (BufferView v = e.getBuffer(BufferRequest.FULL_RO)) {
            return v.toBytes('C');
        }
    }

    // ------------------------------------------------------------------------------------------------ the tour

    @Test
    void thePtypesTourWorks() {
        byte[] text = "Hello, persistent world".getBytes(StandardCharsets.UTF_8);
        Random random = new Random(42);
        double[] array = new double[6];
        for (int i = 0; i < array.length; i++) {
            array[i] = random.nextDouble();
        }
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            s.put("text", bytes(text));
            s.put("array", doubles(array, 1, 2, 3));
        }
        try (BufferStore s = BufferStore.open(file())) {
            assertThat(s.names()).containsExactly("text", "array");
            StoredBuffer b = s.get("array");
            BufferView v = b.getBuffer(BufferRequest.FULL_RO);
            assertThat(v.shape()).containsExactly(1, 2, 3);
            assertThat(v.format().source()).isEqualTo("d");
            // Zero copy: the view's memory is the store's mapping of the file.
            assertThat(v.buf().isMapped()).isTrue();
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 3; k++) {
                    assertThat(v.getDouble(0, j, k)).isEqualTo(array[j * 3 + k]);
                }
            }
            try (StoredBuffer t = s.get("text")) {
                assertThat(new String(contents(t), StandardCharsets.UTF_8)).isEqualTo("Hello, persistent world");
            }
            assertThatThrownBy(s::close).isInstanceOfSatisfying(BufferStoreException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.IN_USE);
                assertThat(e.getMessage()).contains("StoredBuffer 'array'");
            });
            assertThat(s.isClosed()).isFalse();
            v.close();
            b.close();
        }
    }

    @Test
    void afterCloseEveryOldViewAndSegmentThrows() {
        MemorySegment leaked;
        StoredBuffer b;
        BufferStore s = BufferStore.create(file(), 1 << 20);
        s.put("a", doubles(new double[] {1, 2, 3}, 3));
        b = s.get("a");
        try (BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
            leaked = v.buf();
        }
        b.close();
        s.close();
        assertThatThrownBy(() -> leaked.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.getBuffer(BufferRequest.FULL_RO)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.get("a")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> s.put("b", bytes(new byte[1]))).isInstanceOf(IllegalStateException.class);
        s.close(); // twice is harmless
    }

    // ------------------------------------------------------------------------------------------------ layouts

    @Test
    void indirectBuffersComeBackIndirectAndAgreeElementByElement() {
        double[][] rows = new double[37][];
        Random random = new Random(7);
        for (int r = 0; r < rows.length; r++) {
            rows[r] = new double[13];
            for (int c = 0; c < 13; c++) {
                rows[r][c] = random.nextGaussian();
            }
        }
        double expectedSum;
        try (BufferStore s = BufferStore.create(file(), 1 << 20);
             IndirectMemory2D m = IndirectMemory2D.createFrom(rows)) {
            StoreEntry e = s.put("rows", m);
            assertThat(e.indirect()).isTrue();
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                expectedSum = Kernels.sum(v);
            }
        }
        try (BufferStore s = BufferStore.open(file(), true);
             StoredBuffer b = s.get("rows");
             BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(v.suboffsets()).hasSize(2);
            assertThat(v.suboffsets()[0]).isPositive();
            assertThat(v.suboffsets()[1]).isNegative();
            for (int r = 0; r < rows.length; r++) {
                for (int c = 0; c < 13; c++) {
                    assertThat(v.getDouble(r, c)).isEqualTo(rows[r][c]);
                }
            }
            // The PEP 3118 rule on the stored table (offsets) lands on each row: p = *(char**)p + suboffsets[0].
            MemorySegment table = v.buf();
            for (int r = 0; r < rows.length; r++) {
                long p = table.get(ValueLayout.JAVA_LONG_UNALIGNED, 8L * r) + v.suboffsets()[0];
                assertThat(p).isEqualTo(v.elementAt(r, 0).address());
            }
            // Mapped memory is summed by other kernels than private memory: the order of additions may differ.
            assertThat(Kernels.sum(v)).isCloseTo(expectedSum, offset(1e-9));
            assertThatThrownBy(() -> b.getBuffer(BufferRequest.STRIDED_RO)).isInstanceOf(BufferException.class);
        }
    }

    @Test
    void pilStyleBuffersKeepTheirRowShape() {
        // A 3-D PIL-style layout: a table of 4 row pointers, each row 2 x 3 doubles.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rows = arena.allocate(4 * 6 * 8L, 8);
            for (int i = 0; i < 24; i++) {
                rows.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i * 1.5);
            }
            MemorySegment table = arena.allocate(4 * 8L, 8);
            for (int r = 0; r < 4; r++) {
                table.setAtIndex(ValueLayout.JAVA_LONG, r, rows.address() + (3 - r) * 48L); // rows in reverse
            }
            BufferExporter pil = flags -> BufferView.wrap(table, 0, Format.parse("d"), new long[] {4, 2, 3},
                    new long[] {8, 24, 8}, new long[] {0, -1, -1}, true);
            try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
                s.put("pil", pil);
            }
            try (BufferStore s = BufferStore.open(file());
                 StoredBuffer b = s.get("pil");
                 BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.shape()).containsExactly(4, 2, 3);
                assertThat(v.suboffsets()[0]).isPositive();
                for (int r = 0; r < 4; r++) {
                    for (int j = 0; j < 2; j++) {
                        for (int k = 0; k < 3; k++) {
                            assertThat(v.getDouble(r, j, k)).isEqualTo(((3 - r) * 6 + j * 3 + k) * 1.5);
                        }
                    }
                }
            }
        }
    }

    @Test
    void stridedAndFortranSourcesAreStoredInCOrder() {
        double[] d = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        // Every other item: a strided 1-D view of 6; and the 3 x 4 array read in Fortran order (strides 8, 24).
        BufferExporter strided = flags -> BufferView.wrap(MemorySegment.ofArray(d), 0, Format.parse("d"),
                new long[] {6}, new long[] {16}, null, true);
        BufferExporter fortran = flags -> BufferView.wrap(MemorySegment.ofArray(d), 0, Format.parse("d"),
                new long[] {3, 4}, new long[] {8, 24}, null, true);
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            s.put("strided", strided);
            s.put("fortran", fortran);
            try (StoredBuffer b = s.get("strided"); BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.strides()).containsExactly(8);
                for (int i = 0; i < 6; i++) {
                    assertThat(v.getDouble(i)).isEqualTo(2 * i);
                }
            }
            try (StoredBuffer b = s.get("fortran"); BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.strides()).containsExactly(32, 8);
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        assertThat(v.getDouble(i, j)).isEqualTo(d[i + 3 * j]);
                    }
                }
            }
        }
    }

    @Test
    void emptyAndStructBuffersRoundTrip() {
        byte[] records = new byte[3 * 12];
        new Random(3).nextBytes(records);
        BufferExporter structs = flags -> BufferView.wrap(MemorySegment.ofArray(records), Format.parse("<iq"),
                new long[] {3}, null, null, true);
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            s.put("empty", doubles(new double[0], 0, 5));
            s.put("structs", structs);
        }
        try (BufferStore s = BufferStore.open(file())) {
            assertThat(s.info("empty").shape()).containsExactly(0, 5);
            assertThat(s.info("structs").format()).isEqualTo(Format.parse("<iq"));
            try (StoredBuffer e = s.get("empty"); StoredBuffer r = s.get("structs")) {
                assertThat(contents(e)).isEmpty();
                assertThat(contents(r)).isEqualTo(records);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ commits

    @Test
    void putReplacesRemoveRemovesAndOldBuffersKeepTheirBytes() {
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            s.put("a", bytes(new byte[] {1, 2, 3}));
            long r1 = s.revision();
            StoredBuffer old = s.get("a");
            s.put("a", bytes(new byte[] {9, 9}));
            assertThat(s.revision()).isGreaterThan(r1);
            try (StoredBuffer now = s.get("a")) {
                assertThat(contents(now)).containsExactly(9, 9);
            }
            for (int i = 0; i < 200; i++) { // many commits: the old bytes must not be reused while old is open
                s.put("b" + (i % 3), bytes(new byte[100 + i]));
                if (i % 50 == 0) {
                    s.flush();
                }
            }
            assertThat(contents(old)).containsExactly(1, 2, 3);
            old.close();
            assertThat(s.remove("a")).isTrue();
            assertThat(s.remove("a")).isFalse();
            assertThat(s.contains("a")).isFalse();
            assertThatThrownBy(() -> s.get("a")).isInstanceOf(NoSuchElementException.class)
                    .hasMessageContaining("'a'").hasMessageContaining("b0");
            assertThatThrownBy(() -> s.info("a")).isInstanceOf(NoSuchElementException.class);
        }
        try (BufferStore s = BufferStore.open(file())) {
            assertThat(s.names()).containsExactlyInAnyOrder("b0", "b1", "b2");
        }
    }

    @Test
    void spaceIsReusedSoAStoreRewrittenManyTimesNeverFillsUp() {
        long capacity = StoreFormat.DATA_START + 64 * 1024;
        try (BufferStore s = BufferStore.create(file(), capacity)) {
            for (int i = 0; i < 2000; i++) {
                byte[] b = new byte[8 * 1024];
                b[0] = (byte) i;
                s.put("x" + (i % 2), bytes(b));
            }
            try (StoredBuffer b = s.get("x1")) {
                assertThat(contents(b)[0]).isEqualTo((byte) 1999);
            }
        }
    }

    @Test
    void aFullStoreSaysWhatWasAskedAndStaysUsable() {
        long capacity = StoreFormat.DATA_START + 16 * 1024;
        try (BufferStore s = BufferStore.create(file(), capacity)) {
            s.put("small", bytes(new byte[] {5}));
            assertThatThrownBy(() -> s.put("big", bytes(new byte[20 * 1024])))
                    .isInstanceOfSatisfying(BufferStoreException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.FULL);
                        assertThat(e.getMessage()).contains("needs 20480 bytes").contains("are free");
                    });
            assertThat(s.names()).containsExactly("small");
            s.put("other", bytes(new byte[] {6}));
            try (StoredBuffer b = s.get("small")) {
                assertThat(contents(b)).containsExactly(5);
            }
        }
        try (BufferStore s = BufferStore.open(file())) {
            assertThat(s.names()).containsExactly("small", "other");
        }
    }

    @Test
    void badNamesAndCapacitiesAreRefusedBeforeAnythingChanges() {
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            BufferExporter one = bytes(new byte[1]);
            assertThatThrownBy(() -> s.put("", one)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> s.put("a\0b", one)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NUL character at position 1");
            assertThatThrownBy(() -> s.put("x".repeat(1025), one)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1025 bytes");
            assertThatThrownBy(() -> s.put("bad\uD800", one)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unpaired surrogate at position 3");
            s.put("ünïcødé ☃ 𝄞", one);
            assertThat(s.revision()).isEqualTo(2);
        }
        assertThatThrownBy(() -> BufferStore.create(dir.resolve("tiny"), 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity 100");
        assertThatThrownBy(() -> BufferStore.create(file(), 1 << 20)).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> BufferStore.open(dir.resolve("missing"))).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(NoSuchFileException.class);
        try (BufferStore s = BufferStore.open(file())) {
            assertThat(s.names()).containsExactly("ünïcødé ☃ 𝄞");
        }
    }

    // ------------------------------------------------------------------------------------------------ readers

    @Test
    void oneWriterManyReadersAndReadersSeeTheirSnapshot() {
        try (BufferStore w = BufferStore.create(file(), 256 * 1024)) {
            w.put("a", bytes(new byte[] {1, 1, 1}));
            assertThatThrownBy(() -> BufferStore.open(file())).isInstanceOfSatisfying(BufferStoreException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.LOCKED));
            try (BufferStore r = BufferStore.open(file(), true); StoredBuffer a = r.get("a")) {
                long seen = r.revision();
                for (int i = 0; i < 500; i++) { // far more than the free space: spaces are reused
                    w.put("a", bytes(new byte[] {(byte) i, 2, 3}));
                    w.put("pad", bytes(new byte[4000]));
                    if (i % 10 == 0) {
                        w.flush();
                    }
                }
                assertThat(r.revision()).isEqualTo(seen);
                assertThat(contents(a)).containsExactly(1, 1, 1);
                try (StoredBuffer again = r.get("a")) {
                    assertThat(contents(again)).containsExactly(1, 1, 1);
                }
                assertThatThrownBy(() -> r.put("b", bytes(new byte[1]))).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> a.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class);
            }
            try (BufferStore r = BufferStore.open(file(), true); StoredBuffer a = r.get("a")) {
                assertThat(contents(a)).containsExactly((byte) 499, 2, 3);
            }
        }
        try (BufferStore w = BufferStore.open(file())) { // the writer lock went with the first writer
            assertThat(w.names()).containsExactly("a", "pad");
        }
    }

    // ------------------------------------------------------------------------------------------------ bad files

    @Test
    void filesThatAreNotStoresAreRefusedWithTheirReason() throws Exception {
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertReason(empty, Reason.NOT_A_STORE);
        byte[] junk = new byte[64 * 1024];
        new Random(1).nextBytes(junk);
        assertReason(Files.write(dir.resolve("junk"), junk), Reason.NOT_A_STORE);
        assertReason(Files.write(dir.resolve("short"), new byte[10]), Reason.NOT_A_STORE);

        makeStore();
        Path truncated = copy("truncated");
        try (FileChannel c = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            c.truncate(StoreFormat.DATA_START + 100);
        }
        assertReason(truncated, Reason.TRUNCATED);

        Path cut = copy("cut");
        try (FileChannel c = FileChannel.open(cut, StandardOpenOption.WRITE)) {
            c.truncate(20); // inside the header
        }
        assertReason(cut, Reason.TRUNCATED);

        Path header = copy("header");
        flip(header, 20);
        assertReason(header, Reason.CORRUPT);

        Path version = copy("version");
        patchHeader(version, 8, 2);
        assertReason(version, Reason.UNSUPPORTED_VERSION);

        Path roots = copy("roots");
        for (int s = 0; s < StoreFormat.SLOTS; s++) {
            flip(roots, StoreFormat.slotOffset(s) + 9);
        }
        assertThatThrownBy(() -> BufferStore.open(roots)).isInstanceOfSatisfying(BufferStoreException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
            assertThat(e.field()).isEqualTo("roots");
            assertThat(e.getMessage()).contains("slot 0").contains("slot 1").contains("slot 2");
        });
    }

    @Test
    void aDamagedNewestRootFallsBackToTheCommitBefore() throws Exception {
        makeStore();
        long newest;
        int newestSlot = -1;
        try (BufferStore s = BufferStore.open(file(), true)) {
            newest = s.revision();
        }
        for (int s = 0; s < StoreFormat.SLOTS; s++) {
            ByteBuffer b = read(file(), StoreFormat.slotOffset(s), 16);
            if (b.getLong(8) == newest) {
                newestSlot = s;
            }
        }
        flip(file(), StoreFormat.slotOffset(newestSlot) + 30);
        try (BufferStore s = BufferStore.open(file(), true)) {
            assertThat(s.revision()).isLessThan(newest);
            // The commit before the newest held the same two buffers (the newest put "text" again, unchanged): each
            // reads back as it was stored, or is refused as damaged; never wrong.
            assertThat(s.names()).containsExactly("text", "doubles");
            for (String n : s.names()) {
                try (StoredBuffer b = s.get(n)) {
                    assertThat(contents(b)).as(n).isEqualTo(n.equals("text") ? "abc".getBytes(StandardCharsets.UTF_8)
                            : storedDoubles());
                } catch (BufferStoreException e) {
                    assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
                }
            }
        }
    }

    @Test
    void aFlippedDataByteIsAnExceptionNamingTheBuffer() throws Exception {
        makeStore();
        long offset = dataOffset();
        flip(file(), offset + 17);
        try (BufferStore s = BufferStore.open(file(), true)) {
            assertThatThrownBy(() -> s.get("doubles")).isInstanceOfSatisfying(BufferStoreException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
                assertThat(e.bufferName()).isEqualTo("doubles");
                assertThat(e.field()).isEqualTo("data checksum");
            });
            try (StoredBuffer ok = s.get("text")) {
                assertThat(new String(contents(ok), StandardCharsets.UTF_8)).isEqualTo("abc");
            }
        }
    }

    @Test
    void aFileTruncatedWhileMappedFaultsIntoExceptions() throws Exception {
        double[] d = new double[64 * 1024];
        for (int i = 0; i < d.length; i++) {
            d[i] = i;
        }
        try (BufferStore s = BufferStore.create(file(), 4 << 20)) {
            s.put("big", doubles(d, d.length));
            try (StoredBuffer b = s.get("big"); BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(Kernels.sum(v)).isEqualTo((d.length - 1) * (double) d.length / 2);
                // Another process truncates the file under the mapping.
                Process p = new ProcessBuilder("truncate", "-s", String.valueOf(StoreFormat.DATA_START + 4096),
                        file().toString()).inheritIO().start();
                assertThat(p.waitFor()).isZero();
                assertThatThrownBy(() -> v.getDouble(d.length - 1)).isInstanceOf(MemoryFaultException.class);
                assertThatThrownBy(() -> Kernels.sum(v)).isInstanceOf(MemoryFaultException.class);
                assertThatThrownBy(() -> s.put("more", doubles(d, d.length))).isInstanceOf(BufferException.class);
            }
        }
    }

    @Test
    void aFailedFlushMarksTheStoreFailed() {
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            s.put("a", bytes(new byte[] {1}));
            BufferStore.forcerForTests(segment -> {
                throw new UncheckedIOException(new java.io.IOException("disk on fire"));
            });
            assertThatThrownBy(s::flush).isInstanceOfSatisfying(BufferStoreException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.FAILED);
                assertThat(e.getMessage()).contains("disk on fire");
            });
            BufferStore.forcerForTests(null);
            assertThatThrownBy(() -> s.put("b", bytes(new byte[1]))).isInstanceOfSatisfying(
                    BufferStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.FAILED));
            assertThatThrownBy(() -> s.remove("a")).isInstanceOf(BufferStoreException.class);
            try (StoredBuffer a = s.get("a")) { // reading still works
                assertThat(contents(a)).containsExactly(1);
            }
        }
        try (BufferStore s = BufferStore.open(file())) { // what was committed is in the file
            assertThat(s.names()).containsExactly("a");
        }
    }

    @Test
    void aDroppedStoredBufferIsReleasedByTheCleaner() throws Exception {
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            s.put("a", bytes(new byte[] {1}));
            s.get("a"); // dropped unclosed
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (true) {
                System.gc();
                try {
                    s.close();
                    break;
                } catch (BufferStoreException e) {
                    assertThat(e.reason()).isEqualTo(Reason.IN_USE);
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(20);
                }
            }
            assertThat(s.isClosed()).isTrue();
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void makeStore() {
        try (BufferStore s = BufferStore.create(file(), 1 << 20)) {
            s.put("text", bytes("abc".getBytes(StandardCharsets.UTF_8)));
            s.put("doubles", doubles(doublesOfMakeStore(), 10, 10));
            s.put("text", bytes("abc".getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static double[] doublesOfMakeStore() {
        double[] d = new double[100];
        for (int i = 0; i < d.length; i++) {
            d[i] = i / 3.0;
        }
        return d;
    }

    /** The bytes of {@link #doublesOfMakeStore()} as stored (native order). */
    private static byte[] storedDoubles() {
        ByteBuffer b = ByteBuffer.allocate(800).order(ByteOrder.nativeOrder());
        for (double x : doublesOfMakeStore()) {
            b.putDouble(x);
        }
        return b.array();
    }

    /** Where the "doubles" buffer of {@link #makeStore} starts: its first items (0, 1/3) identify it. */
    private long dataOffset() throws Exception {
        byte[] all = Files.readAllBytes(file());
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = (int) StoreFormat.DATA_START; at + 16 <= all.length; at += 64) {
            if (b.getDouble(at) == 0.0 && b.getDouble(at + 8) == 1 / 3.0) {
                return at;
            }
        }
        throw new AssertionError("the buffer's items were not found");
    }

    private Path copy(String name) throws Exception {
        return Files.copy(file(), dir.resolve(name));
    }

    private static void flip(Path p, long offset) throws Exception {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            c.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
            c.write(b, offset);
        }
    }

    private static ByteBuffer read(Path p, long offset, int length) throws Exception {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            c.read(b, offset);
            return b.flip();
        }
    }

    /** Sets a 32-bit header field and recomputes the header's checksum, as a newer writer would. */
    private static void patchHeader(Path p, int offset, int value) throws Exception {
        ByteBuffer h = read(p, 0, StoreFormat.HEADER_BYTES);
        h.putInt(offset, value);
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, 32);
        h.putInt(32, (int) crc.getValue());
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
            c.write(h.rewind(), 0);
        }
    }

    private static void assertReason(Path p, Reason reason) {
        assertThatThrownBy(() -> BufferStore.open(p, true)).isInstanceOfSatisfying(BufferStoreException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }
}
