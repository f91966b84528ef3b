package org.indirectbuffer.leaks;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.LeakDetection;

/**
 * Run in a JVM of its own by {@code LeakDetectionTest}, with {@code -Dindirectbuffer.leakDetection} set: drops a
 * view unclosed, waits for the Cleaner to report it (unless the level is off) and prints the level, the report, the
 * open resources and the counts, one item per line.
 */
public final class LeakProbe {
    private LeakProbe() {
    }

    /**
     * Runs the probe.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while waiting for the Cleaner
     */
    public static void main(String[] args) throws InterruptedException {
        System.out.println("level " + LeakDetection.level());
        IndirectMemory2D m = IndirectMemory2D.createMemory(2, 9, "i", false);
        try (BufferView closedOne = m.getBuffer(BufferRequest.FULL_RO)) {
            System.out.println("exported " + closedOne.ndim());
        }
        dropView(m);
        for (int i = 0; i < 200 && m.exportCount() > 0; i++) {
            System.gc();
            Thread.sleep(20);
        }
        for (int i = 0; i < 50 && LeakDetection.level() != LeakDetection.Level.OFF
                && LeakDetection.leaksReported() == 0; i++) {
            Thread.sleep(20);
        }
        System.out.println("reports " + LeakDetection.leaksReported());
        LeakDetection.recentReports().forEach(System.out::println);
        System.out.println("open " + LeakDetection.openResources().size());
        LeakDetection.openResources().forEach(r -> System.out.println("open: " + r));
        BufferView held = m.getBuffer(BufferRequest.FULL_RO);
        try {
            m.close();
        } catch (BufferException e) {
            System.out.println("refused: " + e.getMessage());
        }
        held.close();
        m.close();
        System.out.println("done");
    }

    private static void dropView(IndirectMemory2D m) {
        BufferView v = m.getBuffer(BufferRequest.FULL_RO);
        System.out.println("dropped " + v.ndim());
    }
}
