package org.indirectbuffer.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C allocator ({@code malloc}, {@code calloc}, {@code free}) found through the FFM linker, for memory that C code
 * may free, that must be freed the way C frees it, or that need not be zeroed. Internal: exported only to the
 * sibling modules. Stateless and thread-safe.
 */
public final class NativeHeap {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("calloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    /** {@code void free(void *)}, taking the pointer as an address. */
    public static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    private NativeHeap() {
    }

    /**
     * Allocates zeroed memory with C's {@code calloc}.
     *
     * @param bytes how many bytes (0 allocates one byte, so that the pointer is never NULL)
     * @return the address
     * @throws OutOfMemoryError if {@code calloc} returns NULL
     */
    public static long calloc(long bytes) {
        try {
            MemorySegment p = (MemorySegment) CALLOC.invokeExact(1L, Math.max(bytes, 1L));
            if (p.address() == 0) {
                throw new OutOfMemoryError("calloc(1, " + bytes + ") returned NULL");
            }
            return p.address();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calloc failed", t);
        }
    }

    /**
     * Allocates memory with C's {@code malloc}, not zeroed: for memory about to be overwritten.
     *
     * @param bytes how many bytes (0 allocates one byte, so that the pointer is never NULL)
     * @return the address
     * @throws OutOfMemoryError if {@code malloc} returns NULL
     */
    public static long malloc(long bytes) {
        try {
            MemorySegment p = (MemorySegment) MALLOC.invokeExact(Math.max(bytes, 1L));
            if (p.address() == 0) {
                throw new OutOfMemoryError("malloc(" + bytes + ") returned NULL");
            }
            return p.address();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("malloc failed", t);
        }
    }

    /**
     * Frees memory with C's {@code free}, or with the given function of type {@code (MemorySegment)void}.
     *
     * @param free    the free function
     * @param address what to free; 0 is ignored
     */
    public static void free(MethodHandle free, long address) {
        if (address == 0) {
            return;
        }
        try {
            free.invoke(MemorySegment.ofAddress(address));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("free(0x" + Long.toHexString(address) + ") failed", t);
        }
    }
}
