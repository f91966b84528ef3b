package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.LongSupplier;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.LeakDetection;
import org.junit.jupiter.api.Test;

/**
 * Staged memory is counted in {@link LeakDetection#liveNativeBytes()} while it is the library's: a block lent to an
 * export, the spare block kept between exports, and none of it after the collection closes, whatever the sizes of
 * many exports were open at once; an open collection is listed among the open resources.
 */
class BufferCollection2DLiveBytesTest {

    /** The change in live bytes made by {@code action}, repeated until two runs agree (see core's LeakDetectionTest). */
    private static long delta(LongSupplier action) {
        long previous = Long.MIN_VALUE;
        for (int attempt = 0; attempt < 20; attempt++) {
            long before = LeakDetection.liveNativeBytes();
            long result = action.getAsLong();
            long d = LeakDetection.liveNativeBytes() - before - result;
            if (d == previous) {
                return d;
            }
            previous = d;
        }
        return previous;
    }

    @Test
    void stagedBlocksAndTheSpareAreCountedUntilClose() {
        assertThat(delta(() -> {
            try (BufferCollection2D c = BufferCollection2D.of(new double[4][10])) {
                long open = LeakDetection.liveNativeBytes();
                try (BufferView v = c.getBuffer(BufferRequest.FULL)) {
                    // the table (4 pointers) and four staged rows of 80 bytes
                    assertThat(LeakDetection.liveNativeBytes() - open).isEqualTo(4 * 8 + 4 * 80);
                    assertThat(v.shape()).containsExactly(4, 10);
                }
                assertThat(LeakDetection.liveNativeBytes() - open).as("kept as the spare").isEqualTo(4 * 8 + 4 * 80);
                assertThat(LeakDetection.openResources()).anyMatch(s -> s.startsWith("BufferCollection2D: 4 x 10 'd'"));
            }
            return 0;
        })).isZero();
    }

    @Test
    void exportsOpenAtOnceFreeTheBlocksTheSpareCannotKeep() {
        double[][] rows = new double[3][50];
        assertThat(delta(() -> {
            try (BufferCollection2D big = BufferCollection2D.of(rows)) {
                try (BufferView first = big.getBuffer(BufferRequest.FULL);
                     BufferView second = big.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(first.shape()).containsExactly(second.shape());
                }
                for (int i = 0; i < 3; i++) {
                    big.getBuffer(BufferRequest.FULL_RO).close();
                }
            }
            return 0;
        })).isZero();
    }
}
