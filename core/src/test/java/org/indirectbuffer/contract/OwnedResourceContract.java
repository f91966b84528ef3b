package org.indirectbuffer.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.indirectbuffer.LeakDetection;
import org.junit.jupiter.api.Test;

/**
 * What every owner of native memory promises, run against each one by a subclass that says how to make it: close
 * frees what it owned (native bytes, unless {@link #held()} says what else); the Cleaner frees an owner dropped unclosed and reports it; an open owner is listed among
 * {@link LeakDetection#openResources()}, a closed one is not.
 *
 * @param <O> the owner type
 */
public abstract class OwnedResourceContract<O extends AutoCloseable> {

    /**
     * Makes a new owner of native memory.
     *
     * @return the owner, open
     */
    protected abstract O newOwner();

    /**
     * How {@link LeakDetection} names the owner: its type then a description unique to the fixture, as in
     * {@code "IndirectMemory2D: 5 x 11 'h'"}; the leak report reads {@code "IndirectMemory2D was never closed: 5 x
     * 11 'h'"}.
     *
     * @return the type's simple name and the description, joined by {@code ": "}
     */
    protected abstract String listedAs();

    /**
     * What an open owner holds and its close gives back, summed over every open owner of the fixture: by default
     * the library's live native bytes. A fixture whose owners hold something else overrides it (memory C allocated
     * and an adopting owner frees, the exports a Pointer holds).
     *
     * @return the amount held now
     */
    protected long held() {
        return LeakDetection.liveNativeBytes();
    }

    private String reportedAs() {
        int colon = listedAs().indexOf(": ");
        return listedAs().substring(0, colon) + " was never closed: " + listedAs().substring(colon + 2);
    }

    private void closeAll(List<O> owners) {
        for (O o : owners) {
            try {
                o.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    public void anOpenOwnerCountsItsMemoryAndCloseFreesIt() {
        List<O> open = new ArrayList<>();
        try {
            assertThat(LiveBytes.delta(this::held, () -> open.add(newOwner())))
                    .as("held by an open %s", listedAs()).isPositive();
        } finally {
            closeAll(open);
        }
        assertThat(LiveBytes.delta(this::held, () -> closeAll(List.of(newOwner())))).as("held after close")
                .isZero();
    }

    @Test
    public void anOpenOwnerIsListedAndAClosedOneIsNot() throws Exception {
        O owner = newOwner();
        assertThat(LeakDetection.openResources()).anyMatch(s -> s.startsWith(listedAs()));
        owner.close();
        owner.close();
        assertThat(LeakDetection.openResources()).noneMatch(s -> s.startsWith(listedAs()));
    }

    @Test
    public void aDroppedOwnerIsFreedByTheCleanerAndReported() throws InterruptedException {
        long leftOver = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 10 && leftOver != 0; attempt++) {
            long reports = matchingReports();
            long total = LeakDetection.leaksReported();
            long before = held();
            dropOne();
            awaitReport(reports, total);
            leftOver = held() - before;
        }
        assertThat(leftOver).as("held after the Cleaner freed a dropped %s", listedAs()).isZero();
        assertThat(LeakDetection.recentReports()).filteredOn(r -> r.contains(reportedAs())).last().asString()
                .startsWith("LEAK: " + reportedAs());
        assertThat(LeakDetection.openResources()).noneMatch(s -> s.startsWith(listedAs()));
    }

    private void dropOne() {
        assertThat(newOwner()).isNotNull();
    }

    private long matchingReports() {
        return LeakDetection.recentReports().stream().filter(r -> r.contains(reportedAs())).count();
    }

    /** Waits for a new report naming the fixture (the recent reports are the last 64: when full, the newest). */
    private void awaitReport(long matchingBefore, long totalBefore) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            System.gc();
            List<String> recent = LeakDetection.recentReports();
            if (matchingReports() > matchingBefore || LeakDetection.leaksReported() > totalBefore
                    && recent.size() == 64 && recent.getLast().contains(reportedAs())) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no leak reported for " + reportedAs() + ": " + LeakDetection.recentReports());
    }
}
