package org.indirectbuffer.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.kernels.Kernels;
import org.indirectbuffer.space.BufferStore;
import org.indirectbuffer.space.StoredBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link BufferStore}s in files of {@code capacityMb} MB under the temporary directory (issue 12's targets): one
 * holding the summed buffer, others for the puts ({@link Target}).
 * <ul>
 *   <li><b>get and sum</b>: {@code get} of a stored 1000 x 1000 double buffer, a view of it and {@link Kernels#sum}
 *       over the mapping, warm (its checksum was checked by the first get, in setup), against the same sum over a
 *       private {@code Arena} segment of the same shape ({@code privateSum}) and the Vector-API loop over that
 *       segment ({@code contiguousSum}); {@code libraryMappedSum} is the sum alone over a view already got, to tell
 *       the kernel from the cost of {@code get}. The kernels read mapped memory with a scalar loop until they learn
 *       to do better; {@code privateScalarSum} is the private segment under the scalar provider ({@code
 *       -Dindirectbuffer.kernels=scalar}, a fork of its own), for reference: it is not the same loop.</li>
 *   <li><b>put</b>: {@code put} of a 1024 x 1024 double buffer (8 MB) over the same name, one commit each, against the
 *       bare floor {@code copyPut}: {@code MemorySegment.copy} of the same bytes into a mapped scratch file of the
 *       same size, to the next of the regions it has room for (a put writes to new space each time, copy-on-write),
 *       plus a 48-byte root written to the next of three slots. A store that runs out of space flushes to make the
 *       replaced extents reusable, so {@code libraryPut} includes, amortized, writing its dirty pages to disk, and
 *       the page faults of writing to pages made clean. {@code libraryFlushedPut} / {@code copyFlushedPut} put into
 *       a target forced just before (outside the measured time): no flush inside the put, but clean pages to write,
 *       for both. {@code libraryPutFlush} / {@code copyPutFlush} force after every put, so both pay the disk.
 *       The checksummed floors add the CRC-32C a put computes: {@code pieceChecksumCopyPut} as the store does it (4 MB
 *       pieces, each checksummed then copied), {@code checksumCopyPut} in 64 KB chunks.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BufferStoreBenchmark {
    private static final int ROWS = 1000;
    private static final int COLS = 1000;
    private static final int PUT_N = 1024;
    private static final long PUT_BYTES = 8L * PUT_N * PUT_N;
    private static final int ROOT_BYTES = 48;
    private static final long PAGE = 4096;

    /** The store files' size (and the scratch files'), in MB. */
    @Param({"64"})
    public int capacityMb;

    private Path dir;
    private Arena arena;
    private BufferStore store;
    private StoredBuffer held;
    private BufferView heldView;
    private MemorySegment own;
    private BufferView ownView;
    private MemoryBuffer putSource;
    private BufferView putSourceView;
    private Target target;

    /**
     * Where puts go: a store of its own (a stored buffer lent and kept open, as the summed one is, holds every space
     * freed after its revision, so puts beside it would fill the store) and, for the floor, a mapped scratch file of
     * the same size.
     */
    static final class Target implements AutoCloseable {
        final BufferStore store;
        private final FileChannel channel;
        private final MemorySegment scratch;
        private final long regions;
        private final byte[] root = new byte[ROOT_BYTES];
        private long nextRegion;
        private long revision;

        Target(Path dir, String name, long capacity, Arena arena) throws IOException {
            store = BufferStore.create(dir.resolve(name + ".store"), capacity);
            channel = FileChannel.open(dir.resolve(name + ".scratch"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.write(java.nio.ByteBuffer.wrap(new byte[1]), capacity - 1);
            scratch = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity, arena);
            regions = (capacity - 4 * PAGE) / PUT_BYTES; // after a header page and three root pages, like the store
            if (regions < 2) {
                throw new IllegalStateException("capacityMb " + (capacity >> 20) + " holds " + regions + " puts of "
                        + PUT_BYTES + " bytes; expected at least 2");
            }
        }

        /** Warms both files: every page of either written twice. */
        void warm(MemoryBuffer source) {
            for (int i = 0; i < 2 * regions; i++) {
                put(source);
                copy(source, false);
            }
        }

        long put(MemoryBuffer source) {
            return store.put("p", source).revision();
        }

        /**
         * Copies the source's bytes to the next region of the scratch file, then writes a 48-byte root (a revision
         * in it) to the next of three slots; forces both when asked. Returns the slot.
         */
        long copy(MemoryBuffer source, boolean force) {
            long at = 4 * PAGE + (nextRegion++ % regions) * PUT_BYTES;
            try (BufferView v = source.getBuffer(BufferRequest.FULL_RO)) {
                MemorySegment.copy(v.buf(), 0, scratch, at, PUT_BYTES);
            }
            if (force) {
                scratch.asSlice(at, PUT_BYTES).force();
            }
            revision++;
            long slot = revision % 3;
            root[0] = (byte) revision;
            root[1] = (byte) (revision >>> 8);
            MemorySegment.copy(root, 0, scratch, ValueLayout.JAVA_BYTE, PAGE + slot * PAGE, ROOT_BYTES);
            if (force) {
                scratch.asSlice(PAGE + slot * PAGE, PAGE).force();
            }
            return slot;
        }

        /**
         * The copy with the checksum a durable put needs: CRC-32C of each piece of the source ({@code piece} bytes),
         * the piece copied while in cache, then the root.
         */
        long checksummedCopy(MemoryBuffer source, long piece) {
            long at = 4 * PAGE + (nextRegion++ % regions) * PUT_BYTES;
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            try (BufferView v = source.getBuffer(BufferRequest.FULL_RO)) {
                MemorySegment src = v.buf();
                for (long done = 0; done < PUT_BYTES; done += piece) {
                    long n = Math.min(piece, PUT_BYTES - done);
                    crc.update(src.asSlice(done, n).asByteBuffer());
                    MemorySegment.copy(src, done, scratch, at + done, n);
                }
            }
            revision++;
            long slot = revision % 3;
            root[0] = (byte) revision;
            root[1] = (byte) crc.getValue();
            MemorySegment.copy(root, 0, scratch, ValueLayout.JAVA_BYTE, PAGE + slot * PAGE, ROOT_BYTES);
            return slot;
        }

        /** Forces both files: every page clean, as after a flush. */
        void forceAll() {
            store.flush();
            scratch.force();
        }

        @Override
        public void close() throws IOException {
            store.close();
            channel.close();
        }
    }

    /**
     * A target forced before every operation: the store flushed (so a put reuses space without flushing first) and
     * the scratch file forced, so both write to clean pages.
     */
    @State(Scope.Thread)
    public static class Flushed {
        Target target;
        MemoryBuffer source;
        Arena arena;
        Path dir;

        @Setup(Level.Trial)
        public void setUp(BufferStoreBenchmark b) throws IOException {
            dir = Files.createTempDirectory("ib-storebench-flushed");
            arena = Arena.ofShared();
            target = new Target(dir, "flushed", (long) b.capacityMb << 20, arena);
            source = b.putSource;
            target.warm(source);
        }

        @Setup(Level.Invocation)
        public void force() {
            target.forceAll();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            target.close();
            arena.close();
            deleteTree(dir);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("ib-storebench");
        long capacity = (long) capacityMb << 20;
        arena = Arena.ofShared();
        double[][] data = Matrices.random(ROWS, COLS, 12);
        own = arena.allocate(8L * ROWS * COLS, 64);
        for (int r = 0; r < ROWS; r++) {
            MemorySegment.copy(data[r], 0, own, ValueLayout.JAVA_DOUBLE, 8L * r * COLS, COLS);
        }
        ownView = BufferView.wrap(own, Format.parse("d"), new long[] {ROWS, COLS}, null, null, true);

        store = BufferStore.create(dir.resolve("bench.store"), capacity);
        try (MemoryBuffer m = MemoryBuffer.wrap(own, Format.parse("d"), 'C', ROWS, COLS)) {
            store.put("m", m);
        }
        held = store.get("m"); // checks the checksum once; later gets do not read the bytes
        heldView = held.getBuffer(BufferRequest.FULL_RO);
        double stored = Kernels.sum(heldView);
        double mine = Kernels.sum(ownView);
        double contiguous = Contiguous.sum(own, (long) ROWS * COLS);
        if (Math.abs(stored - mine) > 1e-9 * Math.abs(mine) || Math.abs(contiguous - mine) > 1e-9 * Math.abs(mine)) {
            throw new IllegalStateException("the variants disagree: stored " + stored + ", private " + mine
                    + ", contiguous " + contiguous);
        }

        putSource = MemoryBuffer.allocate(Format.parse("d"), 'C', PUT_N, PUT_N);
        putSourceView = putSource.getBuffer(BufferRequest.FULL_RO);
        try (BufferView w = putSource.getBuffer(BufferRequest.FULL)) {
            for (int r = 0; r < PUT_N; r++) {
                MemorySegment.copy(data[r % ROWS], 0, w.buf(), ValueLayout.JAVA_DOUBLE, 8L * r * PUT_N,
                        Math.min(COLS, PUT_N));
            }
        }
        target = new Target(dir, "put", capacity, arena);
        target.warm(putSource);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        heldView.close();
        held.close();
        putSourceView.close();
        putSource.close();
        store.close();
        target.close();
        ownView.close();
        arena.close();
        deleteTree(dir);
    }

    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** {@code get}, a view, the sum over the mapping, and both closed. */
    @Benchmark
    public double libraryGetSum() {
        try (StoredBuffer b = store.get("m"); BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
            return Kernels.sum(v);
        }
    }

    /** The sum over a view of the stored buffer got once: the kernel over the mapping alone. */
    @Benchmark
    public double libraryMappedSum() {
        return Kernels.sum(heldView);
    }

    /** A private segment of the same shape, summed with the kernels the JVM selected. */
    @Benchmark
    public double privateSum() {
        return Kernels.sum(ownView);
    }

    /** The private segment with the scalar kernels forced. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dindirectbuffer.kernels=scalar"})
    public double privateScalarSum() {
        return Kernels.sum(ownView);
    }

    /** The Vector-API loop over the private segment: the limit. */
    @Benchmark
    public double contiguousSum() {
        return Contiguous.sum(own, (long) ROWS * COLS);
    }

    /** {@code put} of 8 MB over the same name: one commit (and, when the store is full, a flush first). */
    @Benchmark
    public long libraryPut() {
        return target.put(putSource);
    }

    /** The floor of a put: the bytes copied into free space of a mapped file, then a root written. */
    @Benchmark
    public long copyPut() {
        return target.copy(putSource, false);
    }

    /**
     * A floor of a checksummed put: the copy and a CRC-32C of the bytes in 64 KB chunks, each checksummed then copied
     * while in cache (as the store's put did until it copied in pieces), then the root. The small copies cannot take
     * the JDK's path for large copies (2.5 MB and more on x86 with AVX-512), whose stores bypass the cache.
     */
    @Benchmark
    public long checksumCopyPut() {
        return target.checksummedCopy(putSource, 64 << 10);
    }

    /**
     * The floor of the store's checksummed put: the copy and a CRC-32C of the bytes in 4 MB pieces (the store's
     * {@code StoreFormat.PIECE}), each checksummed then copied in one call while in the last-level cache, then the
     * root.
     */
    @Benchmark
    public long pieceChecksumCopyPut() {
        return target.checksummedCopy(putSource, 4 << 20);
    }

    /** {@code put} of 8 MB into a store just flushed: reuses space without a flush, writes to clean pages. */
    @Benchmark
    public long libraryFlushedPut(Flushed f) {
        return f.target.put(f.source);
    }

    /** The floor of a put into clean pages: the copy and the root, into a scratch file just forced. */
    @Benchmark
    public long copyFlushedPut(Flushed f) {
        return f.target.copy(f.source, false);
    }

    /** {@code put} of 8 MB and {@code flush}: durable against power loss. */
    @Benchmark
    public long libraryPutFlush() {
        long r = target.put(putSource);
        target.store.flush();
        return r;
    }

    /** The floor of a flushed put: the copy, the root, and both forced. */
    @Benchmark
    public long copyPutFlush() {
        return target.copy(putSource, true);
    }
}
