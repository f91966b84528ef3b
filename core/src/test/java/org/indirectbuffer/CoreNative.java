package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The core tests' C library (src/test/c/core_test.c, built by gcc in core/pom.xml) through FFM downcalls. Every
 * function takes a {@code void (*)(void)} called once in the middle of the work: {@link MemorySegment#NULL} for
 * none, or {@link #callback(Runnable, Arena)}.
 */
final class CoreNative {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = SymbolLookup.libraryLookup(libraryPath(), Arena.global());
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;
    private static final MethodHandle SUM = bind("ct_sum",
            FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ADDRESS, INT, INT, ADDRESS));
    private static final MethodHandle SUM_RAGGED = bind("ct_sum_ragged",
            FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ADDRESS, ADDRESS, INT, ADDRESS));
    private static final MethodHandle STRINGS_CHECKSUM = bind("ct_strings_checksum",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ADDRESS, INT, ADDRESS));
    private static final MethodHandle RUN;

    static {
        try {
            RUN = MethodHandles.lookup().findVirtual(Runnable.class, "run", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private CoreNative() {
    }

    private static Path libraryPath() {
        String path = System.getProperty("indirectbuffer.core.testlib");
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new IllegalStateException("test library not found: indirectbuffer.core.testlib = " + path
                    + "; `mvn verify` builds it from core/src/test/c with gcc");
        }
        return Path.of(path);
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIB.find(name).orElseThrow(), descriptor);
    }

    /**
     * A C function pointer that runs {@code action} (on the calling thread, inside the downcall).
     *
     * @param action what the callback does; it must not throw (the JVM would end)
     * @param arena  the stub's lifetime
     * @return the function pointer
     */
    static MemorySegment callback(Runnable action, Arena arena) {
        return LINKER.upcallStub(RUN.bindTo(action), FunctionDescriptor.ofVoid(), arena);
    }

    /** {@code double ct_sum(double **m, int rows, int cols, cb)}. */
    static double sum(MemorySegment table, int rows, int cols, MemorySegment cb) {
        try {
            return (double) SUM.invokeExact(table, rows, cols, cb);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code double ct_sum_ragged(double **m, const long long *lengths, int rows, cb)}. */
    static double sumRagged(MemorySegment table, MemorySegment lengths, int rows, MemorySegment cb) {
        try {
            return (double) SUM_RAGGED.invokeExact(table, lengths, rows, cb);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code unsigned long long ct_strings_checksum(char **s, int n, cb)}. */
    static long stringsChecksum(MemorySegment table, int n, MemorySegment cb) {
        try {
            return (long) STRINGS_CHECKSUM.invokeExact(table, n, cb);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** What {@code ct_strings_checksum} computes, in Java (the same bits modulo 2^64). */
    static long stringsChecksum(byte[][] encoded) {
        long sum = 0;
        for (byte[] s : encoded) {
            sum += s.length;
            for (byte b : s) {
                sum = sum * 31 + (b & 0xff);
            }
        }
        return sum;
    }
}
