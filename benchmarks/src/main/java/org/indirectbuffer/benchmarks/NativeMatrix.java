package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * A {@code double**} made the way a C library makes one, with the process's {@code malloc}, in one of the {@link
 * Placement}s, filled with reproducible values: the memory every variant of a benchmark family reads; also the
 * library's borrow of it ({@link #borrowedView}) and contiguous blocks of the same size ({@link #newBlock}). Not
 * thread-safe; {@link #close()} closes the borrow and frees every block.
 */
final class NativeMatrix implements AutoCloseable {
    /** The most bytes all spacers of a {@link Placement#SCATTERED} matrix take together. */
    static final long SPACER_BUDGET = 1L << 30;
    private static final long MIN_SPACER = 16 * 1024;
    private static final long MAX_SPACER = 64 * 1024;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("malloc"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("free"),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    final int rows;
    final int cols;
    final Placement placement;
    /** The table, sized to {@code rows} pointers. */
    final MemorySegment table;
    /** Row {@code r} of the table, sized to {@code cols} doubles. */
    final MemorySegment[] rowSegments;
    /** The values, as Java arrays: {@code data[r][c]} is item {@code (r, c)} of the table. */
    final double[][] data;
    private final List<MemorySegment> blocks = new ArrayList<>();
    /** Arrays of block addresses from {@link #mallocBlocks}, each freed with one downcall. */
    private final List<MemorySegment> blockArrays = new ArrayList<>();
    private final Arena arena = Arena.ofShared();
    private IndirectMemory2D borrowed;
    private BufferView view;

    NativeMatrix(String shape, Placement placement, long seed) {
        String[] dims = shape.split("x");
        this.rows = Integer.parseInt(dims[0]);
        this.cols = Integer.parseInt(dims[1]);
        this.placement = placement;
        this.data = Matrices.random(rows, cols, seed);
        long rowBytes = 8L * cols;
        table = malloc(8L * rows);
        rowSegments = new MemorySegment[rows];
        switch (placement) {
            case ONE_BLOCK -> {
                MemorySegment block = malloc(rowBytes * rows);
                for (int r = 0; r < rows; r++) {
                    rowSegments[r] = block.asSlice(r * rowBytes, rowBytes);
                }
            }
            case MALLOC_PER_ROW -> {
                long[] sizes = new long[rows];
                Arrays.fill(sizes, rowBytes);
                MemorySegment allocated = mallocBlocks(sizes);
                for (int r = 0; r < rows; r++) {
                    rowSegments[r] = allocated.getAtIndex(ValueLayout.ADDRESS, r).reinterpret(rowBytes);
                }
            }
            case SCATTERED -> {
                // row r, then a live spacer, for every row; the table then points at the rows in shuffled order
                Random random = new Random(seed ^ 0x5ca77e7edL);
                long max = Math.max(64, Math.min(MAX_SPACER, SPACER_BUDGET / rows));
                long min = Math.max(32, max * MIN_SPACER / MAX_SPACER);
                long[] sizes = new long[2 * rows];
                for (int r = 0; r < rows; r++) {
                    sizes[2 * r] = rowBytes;
                    sizes[2 * r + 1] = min + (long) (random.nextDouble() * (max - min));
                }
                MemorySegment allocated = mallocBlocks(sizes);
                int[] order = shuffled(rows, random);
                for (int r = 0; r < rows; r++) {
                    rowSegments[r] = allocated.getAtIndex(ValueLayout.ADDRESS, 2L * order[r]).reinterpret(rowBytes);
                }
            }
            default -> throw new AssertionError(placement);
        }
        for (int r = 0; r < rows; r++) {
            table.setAtIndex(ValueLayout.ADDRESS, r, rowSegments[r]);
            MemorySegment.copy(data[r], 0, rowSegments[r], ValueLayout.JAVA_DOUBLE, 0, cols);
        }
    }

    /** The table as C hands it over: a bare address with no size and the global scope. */
    MemorySegment bareTable() {
        return MemorySegment.ofAddress(table.address());
    }

    /**
     * The library's view of this table, borrowed as C hands it over ({@code wrap} of the bare table), made once.
     *
     * @param readOnly a read-only borrow and view, or a writable one
     * @return the view, closed by {@link #close()}
     */
    BufferView borrowedView(boolean readOnly) {
        if (view == null) {
            borrowed = IndirectMemory2D.wrap(bareTable(), rows, cols, "d", readOnly);
            view = borrowed.getBuffer(readOnly ? BufferRequest.FULL_RO : BufferRequest.FULL);
        }
        return view;
    }

    /** A new 64-byte aligned block of {@code rows * cols} doubles, freed by {@link #close()}. */
    MemorySegment newBlock() {
        return arena.allocate(8L * rows * cols, 64);
    }

    /** Copies the rows, in order, into one block of {@code rows * cols} doubles. */
    void copyContiguous(MemorySegment block) {
        long rowBytes = 8L * cols;
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(rowSegments[r], 0, block, r * rowBytes, rowBytes);
        }
    }

    /** Writes {@link #data} back into the rows, undoing whatever a benchmark wrote. */
    void restore() {
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(data[r], 0, rowSegments[r], ValueLayout.JAVA_DOUBLE, 0, cols);
        }
    }

    @Override
    public void close() {
        if (view != null) {
            view.close();
            borrowed.close();
        }
        try {
            for (MemorySegment block : blocks) {
                FREE.invokeExact(block);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
        for (MemorySegment array : blockArrays) {
            CKernels.freeBlocks(array.byteSize() / ValueLayout.ADDRESS.byteSize(), array);
        }
        blocks.clear();
        blockArrays.clear();
        arena.close(); // after the frees: it holds the arrays of block addresses
    }

    private MemorySegment malloc(long bytes) {
        MemorySegment block;
        try {
            block = (MemorySegment) MALLOC.invokeExact(Math.max(bytes, 1));
        } catch (Throwable t) {
            throw new IllegalStateException("malloc(" + bytes + ") failed", t);
        }
        if (block.address() == 0) {
            throw new OutOfMemoryError("malloc(" + bytes + ") returned NULL");
        }
        blocks.add(block);
        return block.reinterpret(bytes);
    }

    /**
     * {@code malloc} of one block per entry of {@code sizes}, in that order, in one downcall; the blocks are freed by
     * {@link #close()}.
     *
     * @return the blocks' addresses, one {@code ADDRESS} per entry
     */
    private MemorySegment mallocBlocks(long[] sizes) {
        MemorySegment sizesSegment = arena.allocateFrom(ValueLayout.JAVA_LONG, sizes);
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS, sizes.length);
        long allocated = CKernels.mallocBlocks(sizesSegment, sizes.length, out);
        blockArrays.add(out.asSlice(0, allocated * ValueLayout.ADDRESS.byteSize()));
        if (allocated != sizes.length) {
            throw new OutOfMemoryError("malloc(" + sizes[(int) allocated] + ") returned NULL for block " + allocated
                    + " of " + sizes.length);
        }
        return out;
    }

    private static int[] shuffled(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * The variant a trial measures: the name of its benchmark method. Each family's setup checks that one variant
     * against the expected result (every variant is measured in a fork of its own, so each is checked once, and a
     * trial pays for its own check only).
     */
    static String variant(BenchmarkParams params) {
        String benchmark = params.getBenchmark();
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /** For a benchmark method that its family's setup does not know how to check: a new method without a check. */
    static IllegalStateException noCheck(String variant) {
        return new IllegalStateException("no result check for benchmark method " + variant
                + ": add it to its family's setup (the variants disagree; not reporting)");
    }

    /** Fails unless every item {@code (r, c)} of the rows is {@code expected.applyAsDouble(data[r][c])}, bit for bit. */
    void checkRows(String what, DoubleUnaryOperator expected) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double want = expected.applyAsDouble(data[r][c]);
                double got = rowSegments[r].getAtIndex(ValueLayout.JAVA_DOUBLE, c);
                if (Double.doubleToRawLongBits(want) != Double.doubleToRawLongBits(got)) {
                    throw new IllegalStateException(what + ": item (" + r + ", " + c + ") is " + got + ", expected "
                            + want + " (the variants disagree; not reporting)");
                }
            }
        }
    }

    /**
     * Fails unless item {@code k} of {@code block} is {@code expected.applyAsDouble(data[k / cols][k % cols])}, bit
     * for bit: the block holds the rows of {@code data} one after another, transformed.
     */
    static void checkBlock(String what, MemorySegment block, double[][] data, DoubleUnaryOperator expected) {
        long k = 0;
        for (double[] row : data) {
            for (double v : row) {
                double want = expected.applyAsDouble(v);
                double got = block.getAtIndex(ValueLayout.JAVA_DOUBLE, k);
                if (Double.doubleToRawLongBits(want) != Double.doubleToRawLongBits(got)) {
                    throw new IllegalStateException(what + ": item " + k + " of the block is " + got + ", expected "
                            + want + " (the variants disagree; not reporting)");
                }
                k++;
            }
        }
    }

    /** Writes {@code f(data[r][c])} into {@code block}, row after row. */
    static void fillBlock(MemorySegment block, double[][] data, DoubleUnaryOperator f) {
        long k = 0;
        for (double[] row : data) {
            for (double v : row) {
                block.setAtIndex(ValueLayout.JAVA_DOUBLE, k++, f.applyAsDouble(v));
            }
        }
    }

    /** Fails unless {@code a} and {@code b} agree within 1e-9 relative: every variant must compute the same result. */
    static void checkSame(String what, double expected, double actual) {
        if (!(Math.abs(expected - actual) <= 1e-9 * Math.max(1, Math.abs(expected)))) {
            throw new IllegalStateException(what + ": " + actual + ", expected " + expected
                    + " (the variants disagree; not reporting)");
        }
    }

    /** Fails unless the two segments hold the same bytes. */
    static void checkSame(String what, MemorySegment expected, MemorySegment actual) {
        long at = expected.mismatch(actual);
        if (at != -1) {
            throw new IllegalStateException(what + ": the bytes differ at offset " + at
                    + " (the variants disagree; not reporting)");
        }
    }
}
