package org.indirectbuffer.leaks;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.CStringTable;
import org.indirectbuffer.HandOff;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.LeakDetection;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Sharing;

/**
 * Run in a JVM of its own by {@code NativeMemoryGrowthTest}, with a fixed, pre-touched Java heap so that the
 * resident set moves only with native memory: runs one kind of create/close cycle {@code warmUp} times, reads the
 * resident set (from /proc/self/status) and the library's live native bytes, then runs {@code rounds} rounds of
 * {@code cycles} more, reading the resident set after each, and prints {@code rss BEFORE AFTER_1 ... AFTER_n live
 * BEFORE AFTER}.
 */
public final class GrowthProbe {
    private static final double[][] SMALL = {{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}};

    /** The kinds of owner cycled, by name. */
    public static final List<String> KINDS = List.of("createMemory-shared", "createMemory-rowByRow-confined",
            "createFrom-confined-view", "handOff-adopt", "raggedRows-confined", "cStringTable");

    private GrowthProbe() {
    }

    /**
     * Runs the probe.
     *
     * @param args the kind (one of {@link #KINDS}), the warm-up cycles, the measured cycles per round, and the rounds
     *             (1 if absent)
     * @throws IOException if /proc/self/status cannot be read
     */
    public static void main(String[] args) throws IOException {
        IntConsumer cycle = cycle(args[0]);
        int warmUp = Integer.parseInt(args[1]);
        int cycles = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        for (int i = 0; i < warmUp; i++) {
            cycle.accept(i);
        }
        System.gc();
        long liveBefore = LeakDetection.liveNativeBytes();
        StringBuilder rss = new StringBuilder("rss ").append(residentBytes());
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < cycles; i++) {
                cycle.accept(i);
            }
            System.gc();
            rss.append(' ').append(residentBytes());
        }
        System.out.println(rss + " live " + liveBefore + " " + LeakDetection.liveNativeBytes());
    }

    private static IntConsumer cycle(String kind) {
        return switch (kind) {
            case "createMemory-shared" -> i -> {
                try (IndirectMemory2D m = IndirectMemory2D.createMemory(4, 16, "d", false)) {
                    m.setDouble(i & 3, 0, i);
                }
            };
            case "createMemory-rowByRow-confined" -> i -> {
                try (IndirectMemory2D m = IndirectMemory2D.createMemory(4, 16, "i", false,
                        IndirectMemory2D.RowPlacement.ROW_BY_ROW, Sharing.CONFINED)) {
                    m.setInt(i & 3, 1, i);
                }
            };
            case "createFrom-confined-view" -> i -> {
                try (IndirectMemory2D m = IndirectMemory2D.createFrom(SMALL, Sharing.CONFINED);
                     BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                    check(v.getDouble(1, 7) == 16, "the view reads the data");
                }
            };
            case "handOff-adopt" -> i -> {
                MemorySegment table;
                try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, 8, "d", false,
                        IndirectMemory2D.RowPlacement.ROW_BY_ROW, Sharing.CONFINED)) {
                    table = m.handOffToC(HandOff.ALL);
                }
                try (IndirectMemory2D adopted = IndirectMemory2D.adopt(table, 3, 8, "d", false,
                        MemoryNanny.freeingRowsAndTable(table, 3))) {
                    adopted.setDouble(2, 7, i);
                }
            };
            case "raggedRows-confined" -> i -> {
                try (RaggedRows r = RaggedRows.create(new long[] {1, 5, 9}, "d", Sharing.CONFINED)) {
                    r.rowView(2).close();
                }
            };
            case "cStringTable" -> i -> {
                try (CStringTable t = CStringTable.create(StandardCharsets.UTF_8, List.of("alpha", "beta", "γ" + i))) {
                    check(t.size() == 3, "three strings");
                }
            };
            default -> throw new IllegalArgumentException("no such kind '" + kind + "'; expected one of " + KINDS);
        };
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }
}
