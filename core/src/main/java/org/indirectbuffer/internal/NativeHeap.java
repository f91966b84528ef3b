package org.indirectbuffer.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The process's C allocator ({@code malloc}, {@code calloc}, {@code free}), for memory that C code may free, that
 * must be freed the way C frees it, or that need not be zeroed. Internal: exported only to the sibling modules.
 * Stateless and thread-safe.
 *
 * <p>The functions are the ones the process's C code calls, found as {@code dlsym(RTLD_DEFAULT, name)} finds them
 * (the global symbol namespace), not libc's own: under an interposed allocator ({@code LD_PRELOAD=libjemalloc.so.2},
 * tcmalloc, mimalloc) the linker's default lookup still answers with glibc's {@code free}, and freeing with it what
 * {@code strdup} or {@code backtrace_symbols} returned (memory of the interposed allocator) aborts the process. Where
 * there is no {@code dlsym} (Windows), the linker's default lookup is used.
 */
public final class NativeHeap {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup PROCESS = processLookup();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(find("malloc"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CALLOC = LINKER.downcallHandle(find("calloc"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    /** {@code void free(void *)} of the process's allocator, taking the pointer as an address. */
    public static final MethodHandle FREE = LINKER.downcallHandle(find("free"),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    /**
     * Returns where the process's C code finds {@code name}: {@code dlsym(RTLD_DEFAULT, name)}, or the linker's
     * default lookup where there is no {@code dlsym}.
     *
     * @param name a C function of the allocator
     * @return its address
     * @throws IllegalStateException if neither lookup finds it
     */
    public static MemorySegment find(String name) {
        return PROCESS.find(name).or(() -> LINKER.defaultLookup().find(name)).orElseThrow(
                () -> new IllegalStateException("C function " + name + " not found in the process"));
    }

    /** The global symbol namespace through {@code dlsym(RTLD_DEFAULT, name)}; the default lookup without dlsym. */
    private static SymbolLookup processLookup() {
        Optional<MemorySegment> dlsym = LINKER.defaultLookup().find("dlsym");
        if (dlsym.isEmpty() || System.getProperty("os.name", "").startsWith("Windows")) {
            return LINKER.defaultLookup();
        }
        MethodHandle lookup = LINKER.downcallHandle(dlsym.get(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        // RTLD_DEFAULT is ((void *) 0) in glibc and musl, ((void *) -2) on macOS.
        MemorySegment rtldDefault = MemorySegment.ofAddress(
                System.getProperty("os.name", "").startsWith("Mac") ? -2L : 0L);
        return name -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment found = (MemorySegment) lookup.invokeExact(rtldDefault, arena.allocateFrom(name));
                return found.address() == 0 ? Optional.empty() : Optional.of(found);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("dlsym(RTLD_DEFAULT, \"" + name + "\") failed", t);
            }
        };
    }

    private NativeHeap() {
    }

    /**
     * Allocates zeroed memory with the process's {@code calloc}.
     *
     * @param bytes how many bytes (0 allocates one byte, so that the pointer is never NULL); counted in {@link
     *              NativeBytes} until {@link #freeOwned freed} (or handed to C)
     * @return the address
     * @throws OutOfMemoryError if {@code calloc} returns NULL
     */
    public static long calloc(long bytes) {
        try {
            MemorySegment p = (MemorySegment) CALLOC.invokeExact(1L, Math.max(bytes, 1L));
            if (p.address() == 0) {
                throw new OutOfMemoryError("calloc(1, " + bytes + ") returned NULL");
            }
            NativeBytes.add(Math.max(bytes, 1L));
            return p.address();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calloc failed", t);
        }
    }

    /**
     * Allocates memory with the process's {@code malloc}, not zeroed: for memory about to be overwritten.
     *
     * @param bytes how many bytes (0 allocates one byte, so that the pointer is never NULL); counted in {@link
     *              NativeBytes} until {@link #freeOwned freed} (or handed to C)
     * @return the address
     * @throws OutOfMemoryError if {@code malloc} returns NULL
     */
    public static long malloc(long bytes) {
        try {
            MemorySegment p = (MemorySegment) MALLOC.invokeExact(Math.max(bytes, 1L));
            if (p.address() == 0) {
                throw new OutOfMemoryError("malloc(" + bytes + ") returned NULL");
            }
            NativeBytes.add(Math.max(bytes, 1L));
            return p.address();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("malloc failed", t);
        }
    }

    /**
     * Frees memory this library allocated with {@link #malloc} or {@link #calloc}, counting it off {@link
     * NativeBytes}.
     *
     * @param address what to free; 0 is ignored
     * @param bytes   the size it was allocated with
     */
    public static void freeOwned(long address, long bytes) {
        if (address != 0) {
            free(FREE, address);
            NativeBytes.add(-Math.max(bytes, 1L));
        }
    }

    /**
     * Frees memory with the process's {@code free}, or with the given function of type {@code (MemorySegment)void}.
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
