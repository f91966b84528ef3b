package org.indirectbuffer.hostile;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.indirectbuffer.BufferView;
import org.indirectbuffer.CStringTable;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.PointerBorrower;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;

/**
 * Run in a JVM of its own by {@code RestrictedMethodsTest}, on the class path, with the library on the module path:
 * calls each restricted method and prints one line per call, {@code <name> ok} or {@code <name> <exception>:
 * <message>}. Its module (the unnamed one) has native access only if the JVM was started with
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
public final class NoNativeAccess {
    private NoNativeAccess() {
    }

    public static void main(String[] args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocate(16, 8);
            row.set(ValueLayout.JAVA_DOUBLE, 8, 2.5);
            MemorySegment table = arena.allocate(8, 8);
            table.set(ValueLayout.ADDRESS, 0, row);
            MemorySegment foreignTable = MemorySegment.ofAddress(table.address());
            MemorySegment foreignRow = MemorySegment.ofAddress(row.address());
            call("wrap", () -> {
                try (IndirectMemory2D m = IndirectMemory2D.wrap(table, 1, 2, "d", true)) {
                    check(m.getDouble(0, 1));
                }
            });
            call("adopt", () -> {
                try (IndirectMemory2D m = IndirectMemory2D.adopt(table, 1, 2, "d", true,
                        MemoryNanny.running("nothing", () -> { }))) {
                    check(m.getDouble(0, 1));
                }
            });
            call("CStringTable.read", () -> {
                try (CStringTable strings = CStringTable.create(java.nio.charset.StandardCharsets.UTF_8, "a")) {
                    if (CStringTable.read(strings.pointerTable(), java.nio.charset.StandardCharsets.UTF_8).length != 1) {
                        throw new AssertionError("read the wrong number of strings");
                    }
                }
            });
            call("PointerBorrower.of", () -> {
                try (IndirectMemory2D m = PointerBorrower.of("d", true, Sharing.CONFINED).borrow(table, 1, 2)) {
                    check(m.getDouble(0, 1));
                }
            });
            call("wrapKeepingAlive", () -> {
                try (IndirectMemory2D m = IndirectMemory2D.wrapKeepingAlive(table, 1, 2, "d", true,
                        new Object())) {
                    check(m.getDouble(0, 1));
                }
            });
            call("wrapWithSuboffsets", () -> {
                try (BufferView v = BufferView.wrap(table, Format.parse("d"), new long[] {1, 2}, new long[] {8, 8},
                        new long[] {0, -1}, true)) {
                    check(v.getDouble(0, 1));
                }
            });
            // The nannies are made but never closed: the memory is the arena's (freeing it would be the bug).
            call("freeingTable", () -> MemoryNanny.freeingTable(foreignRow));
            call("freeingRowsAndTable", () -> MemoryNanny.freeingRowsAndTable(foreignTable, 1));
            // Not restricted: fully checked.
            call("createMemory", () -> IndirectMemory2D.createMemory(1, 1, "d", false).close());
            call("wrapDirect", () -> BufferView.wrap(row, Format.parse("d"), new long[] {2}, null, null, true)
                    .close());
        }
        // Keep the nannies made above from freeing arena memory through their Cleaners after the arena closed.
        Runtime.getRuntime().halt(0);
    }

    private static void check(double value) {
        if (value != 2.5) {
            throw new AssertionError("read " + value + ", expected 2.5");
        }
    }

    private static void call(String name, Runnable call) {
        try {
            call.run();
            System.out.println(name + " ok");
        } catch (RuntimeException e) {
            System.out.println(name + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        System.out.flush();
    }
}
