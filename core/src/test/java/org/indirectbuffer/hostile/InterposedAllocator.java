package org.indirectbuffer.hostile;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import org.indirectbuffer.CStringTable;
import org.indirectbuffer.HandOff;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.internal.NativeHeap;

/**
 * Run by {@code InterposedAllocatorTest} in a JVM of its own, started with {@code LD_PRELOAD=libjemalloc.so.2}: frees
 * what libc functions returned (their memory is the interposed allocator's) through the library, and lets libc
 * reallocate what the library allocated. With the wrong allocator on either side the process aborts ({@code
 * munmap_chunk(): invalid pointer}, or jemalloc's own check); each step prints a line when it survived.
 */
public final class InterposedAllocator {
    private static final Linker LINKER = Linker.nativeLinker();

    private InterposedAllocator() {
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /**
     * Runs the steps.
     *
     * @param args unused
     * @throws Throwable if a downcall fails
     */
    public static void main(String[] args) throws Throwable {
        // Which malloc the process's C code calls, against the one the FFM linker's default lookup answers with.
        boolean interposed = NativeHeap.find("malloc").address()
                != LINKER.defaultLookup().find("malloc").orElseThrow().address();
        System.out.println("interposed " + interposed);

        MethodHandle strdup = libc("strdup", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            // A char** that C built: three strdup'd rows in a table that is itself a strdup'd block of 24 bytes.
            MemorySegment table = ((MemorySegment) strdup.invokeExact(arena.allocateFrom("x".repeat(24))))
                    .reinterpret(25);
            for (int r = 0; r < 3; r++) {
                MemorySegment row = (MemorySegment) strdup.invokeExact(arena.allocateFrom("row " + r));
                table.setAtIndex(ValueLayout.ADDRESS, r, row);
            }
            MemoryNanny.freeingRowsAndTable(MemorySegment.ofAddress(table.address()), 3).close();
            System.out.println("strdup rows and table freed");

            // backtrace_symbols returns one malloc'd block: the table and its strings.
            MemorySegment frames = arena.allocate(ValueLayout.ADDRESS, 16);
            int n = (int) libc("backtrace", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT)).invokeExact(frames, 16);
            MemorySegment symbols = (MemorySegment) libc("backtrace_symbols", FunctionDescriptor.of(
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT)).invokeExact(frames, n);
            try (IndirectMemory2D names = IndirectMemory2D.adopt(symbols, n, 1, "B", true,
                    MemoryNanny.freeingTable(symbols))) {
                System.out.println("backtrace_symbols " + (n > 0 && names.getByte(0, 0) != 0) + " freed on close");
            }

            // getline reallocates a buffer the library allocated, with the process's realloc.
            byte[] text = ("a line longer than the four bytes the buffer starts with\n")
                    .getBytes(StandardCharsets.US_ASCII);
            MemorySegment source = arena.allocate(text.length);
            source.copyFrom(MemorySegment.ofArray(text));
            MemorySegment stream = (MemorySegment) libc("fmemopen", FunctionDescriptor.of(ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS))
                    .invokeExact(source, (long) text.length, arena.allocateFrom("r"));
            MemorySegment line = arena.allocate(ValueLayout.ADDRESS);
            line.set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(NativeHeap.malloc(4)));
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            size.set(ValueLayout.JAVA_LONG, 0, 4);
            long read = (long) libc("getline", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS)).invokeExact(line, size, stream);
            int closed = (int) libc("fclose", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS))
                    .invokeExact(stream);
            MemorySegment grown = line.get(ValueLayout.ADDRESS, 0).reinterpret(read);
            String got = new String(grown.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
            NativeHeap.free(NativeHeap.FREE, grown.address());
            System.out.println("getline " + (got.equals(new String(text, StandardCharsets.US_ASCII)) && closed == 0)
                    + " freed");
        }

        // The library's own C memory, row by row, allocated and freed under the interposed allocator.
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(64, 1000, "d", false, RowPlacement.ROW_BY_ROW,
                Sharing.CONFINED)) {
            m.setDouble(63, 999, 1.5);
            System.out.println("row by row " + (m.getDouble(63, 999) == 1.5));
        }

        // Handed to C in part: C frees what it took with the free its code calls, close frees the rest.
        MethodHandle cFree = LINKER.downcallHandle(NativeHeap.find("free"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        IndirectMemory2D rows = IndirectMemory2D.createMemory(8, 100, "i", false, RowPlacement.ROW_BY_ROW);
        MemorySegment rowTable = rows.handOffToC(HandOff.ROWS_ONLY).reinterpret(8 * ValueLayout.ADDRESS.byteSize());
        for (int r = 0; r < 8; r++) {
            cFree.invokeExact(rowTable.getAtIndex(ValueLayout.ADDRESS, r));
        }
        rows.close();
        IndirectMemory2D table = IndirectMemory2D.createMemory(8, 100, "i", false, RowPlacement.ROW_BY_ROW);
        cFree.invokeExact(table.handOffToC(HandOff.TABLE_ONLY));
        table.close();
        CStringTable strings = CStringTable.create(StandardCharsets.UTF_8, "one", "two");
        MemorySegment stringTable = strings.handOffToC(HandOff.ROWS_ONLY)
                .reinterpret(2 * ValueLayout.ADDRESS.byteSize());
        cFree.invokeExact(stringTable.getAtIndex(ValueLayout.ADDRESS, 0));
        cFree.invokeExact(stringTable.getAtIndex(ValueLayout.ADDRESS, 1));
        strings.close();
        System.out.println("handed in part and freed on both sides");
        System.out.println("done");
    }
}
