package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.indirectbuffer.contract.ChildJvm;
import org.indirectbuffer.contract.LiveBytes;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.leaks.LeakProbe;
import org.junit.jupiter.api.Test;

/**
 * {@link LeakDetection}: the live native bytes are counted exactly for every kind of memory the library allocates;
 * a view or owner dropped unclosed is reported when the Cleaner finds it, naming what it was; {@code paranoid}
 * records where it was created and every release, {@code off} nothing ({@link LeakProbe} runs in JVMs of their own,
 * one per level). This JVM runs at the default level, {@code simple}.
 */
class LeakDetectionTest {

    @Test
    void theDefaultLevelIsSimple() {
        assertThat(LeakDetection.level()).isEqualTo(LeakDetection.Level.SIMPLE);
    }

    @Test
    void liveBytesCountOwnedMemoryUntilClosed() {
        // table + record (2 x 3 x 8) and one block of 3 x 4 doubles with 63 bytes of alignment padding
        assertThat(LiveBytes.delta(() -> {
            IndirectMemory2D.createMemory(3, 4, "d", false).close();
        })).isZero();
        assertThat(LiveBytes.delta(() -> {
            IndirectMemory2D.createMemory(3, 4, "d", false); // left open: counted
        })).isEqualTo(48 + 96 + 63);
        assertThat(LiveBytes.delta(() -> {
            IndirectMemory2D.createMemory(3, 4, "d", false, IndirectMemory2D.RowPlacement.ROW_BY_ROW);
        })).as("table + record, then three rows of 32 bytes").isEqualTo(48 + 3 * 32);
        assertThat(LiveBytes.delta(() -> {
            MemoryBuffer.allocate(Format.parse("i"), 'C', 5, 7);
        })).isEqualTo(5 * 7 * 4);
        assertThat(LiveBytes.delta(() -> {
            CStringTable.create(StandardCharsets.UTF_8, "ab", "cdefghij");
        })).as("3 pointers, then each string and its NUL, one malloc block each").isEqualTo(3 * 8 + 3 + 9);
    }

    @Test
    void everyKindOfOwnedMemoryIsCountedOffWhenClosed() {
        assertThat(LiveBytes.delta(() -> {
            try (IndirectMemory2D m = IndirectMemory2D.createMemory(9, 5, "f", false,
                    IndirectMemory2D.RowPlacement.ROW_BY_ROW);
                 IndirectMemory2D rows = IndirectMemory2D.tableOverRows(m);
                 MemoryBuffer b = MemoryBuffer.allocate(Format.parse("d"), 'F', 4, 4);
                 CStringTable t = CStringTable.create(StandardCharsets.UTF_16LE, "x", "yz")) {
                m.resize(11, 6);
                assertThat(rows.rows() + b.shape()[0] + t.size()).isPositive();
            } catch (BufferException expected) {
                // resize is refused while tableOverRows holds the export: the count must still come back
            }
        })).isZero();
        assertThat(LiveBytes.delta(() -> {
            try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "q", false)) {
                m.resize(5, 8);
                m.setLong(4, 7, 42);
            }
        })).as("resized memory counted off when the old block is freed and the new one closed").isZero();
    }

    @Test
    void memoryHandedToCIsNoLongerCounted() {
        long[] table = new long[1];
        assertThat(LiveBytes.delta(() -> {
            IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", false,
                    IndirectMemory2D.RowPlacement.ROW_BY_ROW);
            table[0] = m.handOffToC().address();
        })).isZero();
        assertThat(LiveBytes.delta(() -> {
            CStringTable.handOffToC(StandardCharsets.UTF_8, List.of("a", "bc"));
        })).isZero();
        // C frees the handed memory (here through a nanny running the process's free, as C would)
        MemoryNanny.freeingRowsAndTable(MemorySegment.ofAddress(table[0]), 2).close();
    }

    @Test
    void aViewDroppedUnclosedIsReportedNamingWhatItWasAndWhoLentIt() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(7, 13, "d", false);
        long reported = LeakDetection.leaksReported();
        exportAndDrop(m);
        assertThat(LeakDetection.openResources()).anyMatch(s -> s.startsWith("BufferView: format 'd', shape [7, 13]"));
        String report = awaitReport(r -> r.contains("shape [7, 13]"));
        assertThat(report).startsWith("LEAK: BufferView was never closed: format 'd', shape [7, 13], lent by"
                + " IndirectMemory2D[7 x 13 'd' (owned, ONE_BLOCK)").contains("its export was released");
        assertThat(LeakDetection.leaksReported()).isGreaterThan(reported);
        assertThat(m.exportCount()).isZero();
        m.close(); // the export was released: close is allowed
        assertThat(LeakDetection.openResources()).noneMatch(s -> s.contains("7 x 13") || s.contains("[7, 13]"));
    }

    @Test
    void anOwnerDroppedUnclosedIsReportedAndItsMemoryFreed() {
        long before = LeakDetection.liveNativeBytes();
        createAndDrop();
        String report = awaitReport(r -> r.contains("5 x 11 'h'"));
        assertThat(report).startsWith("LEAK: IndirectMemory2D was never closed: 5 x 11 'h' (owned, ONE_BLOCK),"
                + " SHARED; its memory was freed");
        assertThat(LeakDetection.openResources()).noneMatch(s -> s.contains("5 x 11 'h'"));
        assertThat(before).isGreaterThanOrEqualTo(0);
    }

    @Test
    void closedResourcesAreNotReportedAndBorrowedMemoryIsNotTracked() {
        long reported = LeakDetection.leaksReported();
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(3, 17, "b", false)) {
            assertThat(LeakDetection.openResources()).anyMatch(s -> s.startsWith("IndirectMemory2D: 3 x 17 'b'"));
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(LeakDetection.openResources()).anyMatch(s -> s.startsWith("BufferView: format 'b', shape"
                        + " [3, 17]"));
                assertThat(v.shape()).containsExactly(3, 17);
            }
            try (IndirectMemory2D borrowed = IndirectMemory2D.wrap(m.pointerTable(), 3, 17, "b", true)) {
                assertThat(borrowed.getByte(2, 16)).isZero();
                assertThat(LeakDetection.openResources()).as("borrowed memory frees nothing: not tracked at simple")
                        .noneMatch(s -> s.contains("(borrowed"));
            }
        }
        System.gc();
        assertThat(LeakDetection.openResources()).noneMatch(s -> s.contains("3 x 17") || s.contains("[3, 17]"));
        assertThat(LeakDetection.recentReports()).noneMatch(s -> s.contains("3 x 17") || s.contains("[3, 17]"));
        assertThat(LeakDetection.leaksReported()).isGreaterThanOrEqualTo(reported);
    }

    @Test
    void paranoidRecordsWhereAViewWasCreatedAndReleasedAndOffReportsNothing() throws Exception {
        List<String> paranoid = probe("paranoid");
        assertThat(paranoid).contains("level PARANOID", "done");
        String report = String.join("\n", paranoid);
        assertThat(report).contains("LEAK: BufferView was never closed: format 'i', shape [2, 9]")
                .contains("created on thread 'main'").contains("at " + LeakProbe.class.getName() + ".dropView(")
                .doesNotContain("Where it was created was not recorded");
        assertThat(paranoid).as("the owner, still open, with where it was made").anyMatch(s -> s.startsWith("open:"
                + " IndirectMemory2D: 2 x 9 'i'"));
        assertThat(report).contains("at " + LeakProbe.class.getName() + ".main(");
        assertThat(report).as("a refused close names each open view and where it was exported").contains(
                "refused: buffer is locked: cannot close while 1 view is exported\n  BufferView: format 'i', shape"
                        + " [2, 9], lent by IndirectMemory2D[2 x 9 'i' (owned, ONE_BLOCK)]\n    created on thread"
                        + " 'main'\n        at org.indirectbuffer.BufferView.<init>(");
        List<String> simple = probe("simple");
        int refused = simple.indexOf("refused: buffer is locked: cannot close while 1 view is exported");
        assertThat(refused).as("at simple, the message only counts: %s", simple).isNotNegative();
        assertThat(simple.get(refused + 1)).doesNotStartWith("  BufferView");

        List<String> off = probe("off");
        assertThat(off).contains("level OFF", "reports 0", "open 0", "done");
        assertThat(String.join("\n", off)).doesNotContain("LEAK");

        List<String> bad = probe("loud");
        assertThat(bad).contains("level SIMPLE", "done");
        assertThat(String.join("\n", bad)).contains("-Dindirectbuffer.leakDetection=loud is not a level: expected"
                + " off, simple or paranoid; using simple");
    }

    private static void exportAndDrop(IndirectMemory2D m) {
        BufferView v = m.getBuffer(BufferRequest.FULL_RO);
        assertThat(v.ndim()).isEqualTo(2);
    }

    private static void createAndDrop() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(5, 11, "h", false);
        assertThat(m.cols()).isEqualTo(11);
    }

    private static String awaitReport(Predicate<String> which) {
        for (int i = 0; i < 200; i++) {
            System.gc();
            for (String r : LeakDetection.recentReports()) {
                if (which.test(r)) {
                    return r;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no such leak reported: " + LeakDetection.recentReports());
    }

    private static List<String> probe(String level) throws Exception {
        String classPath = codeSource(IndirectMemory2D.class) + File.pathSeparator + codeSource(LeakProbe.class);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(ChildJvm.restrictedFlags());
        command.addAll(List.of("-Dindirectbuffer.leakDetection=" + level, "-cp", classPath, LeakProbe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().toList();
    }

    private static String codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
