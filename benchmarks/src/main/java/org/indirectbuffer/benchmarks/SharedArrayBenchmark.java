package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.kernels.Kernels;
import org.indirectbuffer.space.SharedArray;
import org.indirectbuffer.space.SharedArrays;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An 8 MB shared array (1024 x 1024 doubles in /dev/shm), attached once, summed with {@link Kernels#sum}, against the
 * same sum of a private array of the same shape ({@code MemoryBuffer.allocate}); and the cost of attaching (attach +
 * close, no sum) on its own (issue 11). Shared memory is mapped, so the kernels read it with {@code MappedRunKernels}
 * (scalar accesses with eight accumulators: a C2-compiled vector load on a truncated mapping kills the JVM).
 * Baselines on the private array: {@code privateScalarSum} (the scalar twin, {@code -Dindirectbuffer.kernels=scalar}
 * in a fork of its own) and {@code privateCopy} (one {@code MemorySegment.copy} of the 8 MB). Issue 12's mapped
 * buffer is {@code BufferStoreBenchmark}'s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SharedArrayBenchmark {
    private static final int N = 1024;

    private String name;
    private SharedArray shared;
    private BufferView sharedView;
    private MemoryBuffer own;
    private BufferView ownView;
    private MemorySegment scratch;
    private Arena arena; // the copy's memory

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        name = "ib-bench-" + UUID.randomUUID();
        try (SharedArray creator = SharedArrays.create(name, "d", N, N)) {
            double[][] data = Matrices.random(N, N, 11);
            for (int r = 0; r < N; r++) {
                for (int c = 0; c < N; c++) {
                    creator.setDouble(data[r][c], r, c);
                }
            }
        }
        shared = SharedArrays.attach(name, true);
        sharedView = shared.getBuffer(BufferRequest.FULL_RO);
        own = MemoryBuffer.allocate(Format.parse("d"), 'C', N, N);
        try (BufferView w = own.getBuffer(BufferRequest.FULL)) {
            w.copyFrom(sharedView.buf(), 'C');
        }
        ownView = own.getBuffer(BufferRequest.FULL_RO);
        scratch = arena.allocate(8L * N * N, 64);
        double a = Kernels.sum(sharedView);
        double b = Kernels.sum(ownView);
        if (Math.abs(a - b) > 1e-9 * Math.abs(b)) { // the kernels add in different orders
            throw new IllegalStateException("the shared and private sums differ: " + a + " and " + b);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sharedView.close();
        shared.close();
        ownView.close();
        own.close();
        SharedArrays.delete(name);
        arena.close();
    }

    /** The attached shared array, summed (mapped memory: MappedRunKernels). */
    @Benchmark
    public double sharedSum() {
        return Kernels.sum(sharedView);
    }

    /** One copy of the private array's 8 MB: what reading them costs with the JDK's copy stub. */
    @Benchmark
    public MemorySegment privateCopy() {
        MemorySegment.copy(ownView.buf(), 0, scratch, 0, scratch.byteSize());
        return scratch;
    }

    /** A private array of the same shape, summed with the kernels the JVM selected (SIMD where available). */
    @Benchmark
    public double privateSum() {
        return Kernels.sum(ownView);
    }

    /** The private array with the scalar twin. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dindirectbuffer.kernels=scalar"})
    public double privateScalarSum() {
        return Kernels.sum(ownView);
    }

    /** Attaching the existing array and detaching again, without touching the data. */
    @Benchmark
    public long attachAndClose() {
        try (SharedArray a = SharedArrays.attach(name, true)) {
            return a.byteSize();
        }
    }

    /** Attaching, summing once and detaching: what a process that attaches for one pass pays. */
    @Benchmark
    public double attachSumClose() {
        try (SharedArray a = SharedArrays.attach(name, true); BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
            return Kernels.sum(v);
        }
    }
}
