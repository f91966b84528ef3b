package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.sun.jna.Memory;
import com.sun.jna.Native;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.Sharing;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Building a {@code double**} from a {@code double[][]} and freeing it: {@code IndirectMemory2D.createFrom} against
 * the usual JNA way, one {@code Memory} per row plus a {@code Memory} table of their pointers, and against
 * hand-written FFM code. Each trial's setup runs the variant it measures once with a check of what it built (every
 * row of the table, or of the block for {@code copyOnly}, equal to the {@code double[][]} bit for bit) and refuses
 * to run otherwise; the measured calls pass a check that does nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CreateBenchmark {
    @Param({"1000x1000", "100000x8"})
    public String shape;

    private double[][] data;
    private Arena arena;
    private MemorySegment allocatedOnce;

    /** What the measured calls pass: nothing is read back. */
    private static final Consumer<MemorySegment> NO_CHECK = table -> { };

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String[] dims = shape.split("x");
        data = Matrices.random(Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), 3);
        arena = Arena.ofConfined();
        allocatedOnce = arena.allocate(8L * data.length * data[0].length, 64);
        String variant = NativeMatrix.variant(params);
        Consumer<MemorySegment> table = t -> checkTable(variant, t);
        long made = switch (variant) {
            case "copyOnly" -> copyOnly(block -> checkBlock(variant, block));
            case "library" -> library(table);
            case "libraryConfined" -> libraryConfined(table);
            case "handwrittenFfm" -> handwrittenFfm(table);
            case "jnaMemory" -> jnaMemory(table);
            // The arenas alone: no data to compare, only that memory was allocated.
            case "sharedArenaOpenClose" -> sharedArenaOpenClose();
            case "confinedArenaOpenClose" -> confinedArenaOpenClose();
            default -> throw NativeMatrix.noCheck(variant);
        };
        if (made == 0) {
            throw new IllegalStateException(variant + " returned the address 0 (not reporting)");
        }
    }

    /** Fails unless the {@code T**} at {@code table} holds the rows of {@link #data}, bit for bit. */
    private void checkTable(String variant, MemorySegment table) {
        MemorySegment pointers = MemorySegment.ofAddress(table.address()).reinterpret(8L * data.length);
        for (int r = 0; r < data.length; r++) {
            MemorySegment row = pointers.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(8L * data[r].length);
            NativeMatrix.checkSame(variant + " row " + r, MemorySegment.ofArray(data[r]), row);
        }
    }

    /** Fails unless {@code block} holds the rows of {@link #data} one after another, bit for bit. */
    private void checkBlock(String variant, MemorySegment block) {
        long rowBytes = 8L * data[0].length;
        for (int r = 0; r < data.length; r++) {
            NativeMatrix.checkSame(variant + " row " + r, MemorySegment.ofArray(data[r]),
                    block.asSlice(r * rowBytes, rowBytes));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /**
     * Only the copy: one {@code MemorySegment.copy} per row into memory allocated and touched once, outside the
     * measurement (no allocation, no table, no free). For long rows no create can do much better than this.
     */
    @Benchmark
    public long copyOnly() {
        return copyOnly(NO_CHECK);
    }

    private long copyOnly(Consumer<MemorySegment> check) {
        MemorySegment block = allocatedOnce;
        int cols = data[0].length;
        long rowBytes = 8L * cols;
        for (int r = 0; r < data.length; r++) {
            MemorySegment.copy(data[r], 0, block, ValueLayout.JAVA_DOUBLE, r * rowBytes, cols);
        }
        check.accept(block);
        return block.address();
    }

    @Benchmark
    public long library() {
        return library(NO_CHECK);
    }

    private long library(Consumer<MemorySegment> check) {
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(data)) {
            check.accept(m.pointerTable());
            return m.pointerTable().address();
        }
    }

    /** The same, confined to this thread: closing skips the handshake with every Java thread. */
    @Benchmark
    public long libraryConfined() {
        return libraryConfined(NO_CHECK);
    }

    private long libraryConfined(Consumer<MemorySegment> check) {
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(data, Sharing.CONFINED)) {
            check.accept(m.pointerTable());
            return m.pointerTable().address();
        }
    }

    /**
     * Hand-written FFM, as a user would write it: a confined arena, a table and one block of rows from it (the arena
     * zeroes them), a copy and a pointer per row, then close.
     */
    @Benchmark
    public long handwrittenFfm() {
        return handwrittenFfm(NO_CHECK);
    }

    private long handwrittenFfm(Consumer<MemorySegment> check) {
        int rows = data.length;
        int cols = rows == 0 ? 0 : data[0].length;
        long rowBytes = 8L * cols;
        try (Arena scope = Arena.ofConfined()) {
            MemorySegment table = scope.allocate(ValueLayout.ADDRESS, rows);
            MemorySegment block = scope.allocate(rowBytes * rows, 64);
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(data[r], 0, block, ValueLayout.JAVA_DOUBLE, r * rowBytes, cols);
                table.setAtIndex(ValueLayout.ADDRESS, r, block.asSlice(r * rowBytes, rowBytes));
            }
            check.accept(table);
            return table.address();
        }
    }

    /** What closing a shared arena costs by itself: a handshake with every Java thread (part of a shared create). */
    @Benchmark
    public long sharedArenaOpenClose() {
        Arena scope = Arena.ofShared();
        long address = scope.allocate(8).address();
        scope.close();
        return address;
    }

    /** The same for a confined arena: no handshake. */
    @Benchmark
    public long confinedArenaOpenClose() {
        Arena scope = Arena.ofConfined();
        long address = scope.allocate(8).address();
        scope.close();
        return address;
    }

    @Benchmark
    public long jnaMemory() {
        return jnaMemory(NO_CHECK);
    }

    private long jnaMemory(Consumer<MemorySegment> check) {
        int rows = data.length;
        Memory table = new Memory((long) Native.POINTER_SIZE * Math.max(rows, 1));
        Memory[] rowMemory = new Memory[rows];
        for (int r = 0; r < rows; r++) {
            double[] row = data[r];
            Memory m = new Memory(8L * Math.max(row.length, 1));
            m.write(0, row, 0, row.length);
            table.setPointer((long) r * Native.POINTER_SIZE, m);
            rowMemory[r] = m;
        }
        long address = Memory.nativeValue(table);
        check.accept(MemorySegment.ofAddress(address));
        for (Memory m : rowMemory) {
            m.close();
        }
        table.close();
        return address;
    }
}
