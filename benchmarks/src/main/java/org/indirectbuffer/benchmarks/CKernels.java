package org.indirectbuffer.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The C baselines ({@code src/main/c/bench_kernels.c}, built by the benchmarks module with {@code gcc -O3
 * -march=native}) as FFM downcall handles. The library is found at the system property {@code
 * indirectbuffer.bench.native}, else at {@code target/native/libbenchkernels.so} under the working directory (the
 * benchmarks module's, where Maven runs JMH). Ordinary downcalls, as a user writes them: the thread-state
 * transition (some 10 ns) is noise beside a loop over a matrix.
 */
final class CKernels {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = load();
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    static final MethodHandle SUM = handle("sum_rows", FunctionDescriptor.of(DOUBLE, ADDR, LONG, LONG));
    static final MethodHandle SUM_UNROLLED = handle("sum_rows_unrolled", FunctionDescriptor.of(DOUBLE, ADDR, LONG, LONG));
    static final MethodHandle MAX = handle("max_rows", FunctionDescriptor.of(DOUBLE, ADDR, LONG, LONG));
    static final MethodHandle FILL = handle("fill_rows", FunctionDescriptor.ofVoid(ADDR, LONG, LONG, DOUBLE));
    static final MethodHandle SCALE = handle("scale_rows", FunctionDescriptor.ofVoid(ADDR, LONG, LONG, DOUBLE));
    static final MethodHandle GATHER = handle("gather_rows", FunctionDescriptor.ofVoid(ADDR, LONG, LONG, ADDR));
    static final MethodHandle SCATTER = handle("scatter_rows", FunctionDescriptor.ofVoid(ADDR, LONG, LONG, ADDR));
    static final MethodHandle MALLOC_BLOCKS = handle("malloc_blocks", FunctionDescriptor.of(LONG, LONG, ADDR, ADDR));
    static final MethodHandle FREE_BLOCKS = handle("free_blocks", FunctionDescriptor.ofVoid(LONG, ADDR));

    private CKernels() {
    }

    private static SymbolLookup load() {
        Path lib = Path.of(System.getProperty("indirectbuffer.bench.native", "target/native/libbenchkernels.so"));
        if (!Files.isRegularFile(lib)) {
            throw new IllegalStateException("the C baselines are not built: no " + lib.toAbsolutePath()
                    + " (built by `mvn -Pbenchmarks` in the benchmarks module; or set -Dindirectbuffer.bench.native)");
        }
        return SymbolLookup.libraryLookup(lib, Arena.global());
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIB.findOrThrow(name), descriptor);
    }

    static double sum(MemorySegment table, long rows, long cols) {
        try {
            return (double) SUM.invokeExact(table, rows, cols);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static double sumUnrolled(MemorySegment table, long rows, long cols) {
        try {
            return (double) SUM_UNROLLED.invokeExact(table, rows, cols);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static double max(MemorySegment table, long rows, long cols) {
        try {
            return (double) MAX.invokeExact(table, rows, cols);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void fill(MemorySegment table, long rows, long cols, double value) {
        try {
            FILL.invokeExact(table, rows, cols, value);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void scale(MemorySegment table, long rows, long cols, double factor) {
        try {
            SCALE.invokeExact(table, rows, cols, factor);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void gather(MemorySegment table, long rows, long cols, MemorySegment out) {
        try {
            GATHER.invokeExact(table, rows, cols, out);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void scatter(MemorySegment table, long rows, long cols, MemorySegment in) {
        try {
            SCATTER.invokeExact(table, rows, cols, in);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Setup, not a baseline: {@code malloc} of {@code sizes.length} blocks in that order, their addresses written to
     * {@code out}; returns how many were allocated (fewer than asked when malloc failed).
     */
    static long mallocBlocks(MemorySegment sizes, long n, MemorySegment out) {
        try {
            return (long) MALLOC_BLOCKS.invokeExact(n, sizes, out);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Frees the first {@code n} blocks whose addresses {@code blocks} holds. */
    static void freeBlocks(long n, MemorySegment blocks) {
        try {
            FREE_BLOCKS.invokeExact(n, blocks);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
