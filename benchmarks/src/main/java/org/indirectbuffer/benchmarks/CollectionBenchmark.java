package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.collection.BufferCollection2D;
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
 * Exporting a collection: of direct buffers (referenced in place: the time must not grow with the column count),
 * and of heap arrays (staged: copied to native memory and back, compared with {@code MemorySegment.copy} of the
 * same bytes there and back).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CollectionBenchmark {
    @Param({"1000"})
    public int rows;

    @Param({"10", "1000"})
    public int cols;

    private BufferCollection2D direct;
    private BufferCollection2D heap;
    private double[][] arrays;
    private Arena arena;
    private MemorySegment staging;

    @Setup(Level.Trial)
    public void setUp() {
        List<Object> buffers = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            buffers.add(ByteBuffer.allocateDirect(cols * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer());
        }
        direct = BufferCollection2D.wrap(buffers);
        arrays = Matrices.random(rows, cols, 11);
        heap = BufferCollection2D.wrap(List.of((Object[]) arrays));
        arena = Arena.ofShared();
        staging = arena.allocate((long) rows * cols * 8, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        direct.close();
        heap.close();
        arena.close();
    }

    /** Export and release a collection of direct buffers: a table of addresses, no copy of the items. */
    @Benchmark
    public long exportDirect() {
        try (BufferView v = direct.getBuffer(BufferRequest.FULL)) {
            return v.buf().address();
        }
    }

    /** Export and release a writable view of heap rows: every row copied to native memory and back. */
    @Benchmark
    public long exportHeapStaged() {
        try (BufferView v = heap.getBuffer(BufferRequest.FULL)) {
            return v.buf().address();
        }
    }

    /** The same, exported confined to this thread: no handshake with every Java thread when the view is closed. */
    @Benchmark
    public long exportHeapStagedConfined() {
        try (BufferView v = heap.getBuffer(BufferRequest.FULL, Sharing.CONFINED)) {
            return v.buf().address();
        }
    }

    /** The baseline for staging: the same bytes copied to native memory and back with MemorySegment.copy. */
    @Benchmark
    public MemorySegment copyThereAndBack() {
        long rowBytes = cols * 8L;
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(MemorySegment.ofArray(arrays[r]), 0, staging, r * rowBytes, rowBytes);
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(staging, r * rowBytes, MemorySegment.ofArray(arrays[r]), 0, rowBytes);
        }
        return staging;
    }
}
