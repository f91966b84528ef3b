package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

import org.indirectbuffer.contract.GcPressure;
import org.indirectbuffer.contract.LiveBytes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Owners dropped while FFM calls use their tables, {@value #CALLS} calls after {@value #WARM_UP} of warm-up (so the
 * downcalls and the library's paths are compiled), under {@link GcPressure}. Every {@value #CALLS_PER_OWNER}
 * calls a new owner of the next kind of {@link CleanerInFlightTest#cases()} is made and dropped at once: the calls
 * hold nothing of it but the segment they pass to C, so its Cleaner runs while calls are in flight or between them.
 *
 * <p>What must hold: 0 crashes; every call that ran returned the value computed from the data; a call whose shared
 * owner's Cleaner had already closed the memory before the call began was refused by the linker with the JDK's
 * {@code IllegalStateException} ("Already closed"), which is what the library documents for a segment kept after
 * its owner was dropped; confined owners, freed only once their scope is unreachable, are never refused; and at the
 * end every byte is freed.
 */
@Tag("gc")
class CleanerUnderLoadTest {
    private static final int WARM_UP = 10_000;
    private static final int CALLS = 100_000;
    private static final int CALLS_PER_OWNER = 32;

    private static final List<CleanerInFlightTest.Case> CASES = CleanerInFlightTest.cases().toList();

    @Test
    void callsWhoseOwnersAreDroppedReturnTheRightResultOrAreRefusedBeforeC() {
        long before = LiveBytes.settled();
        run(WARM_UP);
        Tally t;
        long collections;
        try (GcPressure pressure = GcPressure.start(20)) {
            t = run(CALLS);
            collections = pressure.collections();
        }
        System.out.println(CALLS + " calls under GC pressure (" + collections + " forced collections): " + t);
        assertThat(t.wrong()).as("calls that returned a wrong result").isZero();
        assertThat(t.right() + t.refused()).as("every call accounted for").isEqualTo(CALLS);
        for (int k = 0; k < CASES.size(); k++) {
            if (!CASES.get(k).shared()) {
                assertThat(t.refusedByKind().get(k)).as("refused calls of confined " + CASES.get(k)).isZero();
            }
        }
        assertThat(t.right()).as("calls that ran").isGreaterThan(CALLS / 2);
        assertThat(collections).as("collections forced from the other thread").isPositive();
        assertThat(LiveBytes.backTo(before)).as("live native bytes at the end").isEqualTo(before);
    }

    /** What the calls gave. */
    private record Tally(long right, long wrong, long refused, AtomicLongArray refusedByKind) {
        @Override
        public String toString() {
            return right + " right, " + wrong + " wrong, " + refused + " refused before C (Already closed) by kind "
                    + refusedByKind + " of " + CASES;
        }
    }

    private static Tally run(int calls) {
        long right = 0;
        long wrong = 0;
        long refused = 0;
        AtomicLongArray refusedByKind = new AtomicLongArray(CASES.size());
        CleanerInFlightTest.Handed current = null;
        int kind = 0;
        for (int i = 0; i < calls; i++) {
            if (i % CALLS_PER_OWNER == 0) {
                kind = (i / CALLS_PER_OWNER) % CASES.size();
                current = CASES.get(kind).make().get();
            }
            try {
                if (current.call().run(current.table(), MemorySegment.NULL) == current.expected()) {
                    right++;
                } else {
                    wrong++;
                }
            } catch (IllegalStateException e) {
                if (!"Already closed".equals(e.getMessage())) {
                    throw e;
                }
                refused++;
                refusedByKind.incrementAndGet(kind);
            }
        }
        return new Tally(right, wrong, refused, refusedByKind);
    }
}
