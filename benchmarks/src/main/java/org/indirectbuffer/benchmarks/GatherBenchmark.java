package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.kernels.Kernels;
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

/** Gather of a {@code double**} into one contiguous block, against one {@code MemorySegment.copy} of a block. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GatherBenchmark {
    @Param({"1000x1000"})
    public String shape;

    @Param({"ONE_BLOCK", "ROW_BY_ROW"})
    public IndirectMemory2D.RowPlacement placement;

    private IndirectMemory2D matrix;
    private BufferView view;
    private Arena arena;
    private MemorySegment block;
    private MemorySegment destination;
    private MemorySegment[] rowSegments;
    private long rowBytes;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        matrix = IndirectMemory2D.createMemory(rows, cols, "d", false, placement);
        double[][] data = Matrices.random(rows, cols, 7);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(data[r], 0, matrix.row(r), ValueLayout.JAVA_DOUBLE, 0, cols);
        }
        view = matrix.getBuffer(BufferRequest.FULL_RO);
        arena = Arena.ofShared();
        long bytes = (long) rows * cols * 8;
        if (placement == IndirectMemory2D.RowPlacement.ONE_BLOCK) {
            // the matrix's own block, rows one after another: the same bytes in the same memory the gather reads
            block = matrix.row(0).reinterpret(bytes);
        } else {
            block = arena.allocate(bytes, 64);
            Matrices.copyContiguous(matrix, block);
        }
        destination = arena.allocate(block.byteSize(), 64);
        rowSegments = new MemorySegment[rows];
        for (int r = 0; r < rows; r++) {
            rowSegments[r] = matrix.row(r);
        }
        rowBytes = cols * 8L;
        library();
        if (destination.mismatch(block) != -1) {
            throw new IllegalStateException("gather differs from the contiguous copy");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        view.close();
        matrix.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment library() {
        Kernels.gather(view, destination);
        return destination;
    }

    /** What a user would write by hand: one copy per row, from the row's own segment. */
    @Benchmark
    public MemorySegment rowCopiesHandwritten() {
        for (int r = 0; r < rowSegments.length; r++) {
            MemorySegment.copy(rowSegments[r], 0, destination, r * rowBytes, rowBytes);
        }
        return destination;
    }

    /**
     * The ceiling: one copy of the same bytes. For one block, the matrix's own block (the memory the gather reads);
     * row by row, where no such block exists, a contiguous copy of the rows made at setup.
     */
    @Benchmark
    public MemorySegment segmentCopy() {
        MemorySegment.copy(block, 0, destination, 0, block.byteSize());
        return destination;
    }
}
