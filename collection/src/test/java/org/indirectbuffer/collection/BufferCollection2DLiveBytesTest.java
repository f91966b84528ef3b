package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.LeakDetection;
import org.indirectbuffer.contract.LiveBytes;
import org.junit.jupiter.api.Test;

/**
 * Staged memory is counted in {@link LeakDetection#liveNativeBytes()} while it is the library's: a block lent to an
 * export, the spare block kept between exports, and none of it after the collection closes, whatever the sizes of
 * many exports were open at once; an open collection is listed among the open resources.
 */
class BufferCollection2DLiveBytesTest {

    @Test
    void stagedBlocksAndTheSpareAreCountedUntilClose() {
        assertThat(LiveBytes.delta(() -> {
            try (BufferCollection2D c = BufferCollection2D.wrap(new double[4][10])) {
                long open = LeakDetection.liveNativeBytes();
                try (BufferView v = c.getBuffer(BufferRequest.FULL)) {
                    // the table (4 pointers) and four staged rows of 80 bytes
                    assertThat(LeakDetection.liveNativeBytes() - open).isEqualTo(4 * 8 + 4 * 80);
                    assertThat(v.shape()).containsExactly(4, 10);
                }
                assertThat(LeakDetection.liveNativeBytes() - open).as("kept as the spare").isEqualTo(4 * 8 + 4 * 80);
                assertThat(LeakDetection.openResources()).anyMatch(s -> s.startsWith("BufferCollection2D: 4 x 10 'd'"));
            }
        })).isZero();
    }

    @Test
    void exportsOpenAtOnceFreeTheBlocksTheSpareCannotKeep() {
        double[][] rows = new double[3][50];
        assertThat(LiveBytes.delta(() -> {
            try (BufferCollection2D big = BufferCollection2D.wrap(rows)) {
                try (BufferView first = big.getBuffer(BufferRequest.FULL);
                     BufferView second = big.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(first.shape()).containsExactly(second.shape());
                }
                for (int i = 0; i < 3; i++) {
                    big.getBuffer(BufferRequest.FULL_RO).close();
                }
            }
        })).isZero();
    }
}
