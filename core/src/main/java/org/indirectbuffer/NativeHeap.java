package org.indirectbuffer;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C allocator ({@code calloc}, {@code free}) found through the FFM linker, for memory that C code may free or
 * that must be freed the way C frees it. Package-private; stateless and thread-safe.
 */
final class NativeHeap {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("calloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    /** {@code void free(void *)}, taking the pointer as an address. */
    static final MethodHandle FREE = LINKER.downcallHandle(
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
    static long calloc(long bytes) {
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
     * Frees memory with C's {@code free}, or with the given function of type {@code (MemorySegment)void}.
     *
     * @param free    the free function
     * @param address what to free; 0 is ignored
     */
    static void free(MethodHandle free, long address) {
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
