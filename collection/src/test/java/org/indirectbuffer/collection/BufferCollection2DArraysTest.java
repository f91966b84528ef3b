package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/** The typed {@code of(T[][])} overloads: one per primitive type, the format known, writes copied back on close. */
class BufferCollection2DArraysTest {
    @Test
    void everyPrimitiveArrayTypeCollectsWithItsFormat() {
        try (BufferCollection2D d = BufferCollection2D.wrap(new double[][] {{1, 2, 3}, {4, 5, 6.5}});
             BufferView v = d.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(d.format()).isEqualTo(Format.parse("d"));
            assertThat(v.shape()).containsExactly(2, 3);
            assertThat(v.getDouble(1, 2)).isEqualTo(6.5);
        }
        try (BufferCollection2D f = BufferCollection2D.wrap(new float[][] {{1.5f}, {2.5f}});
             BufferView v = f.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(f.format()).isEqualTo(Format.parse("f"));
            assertThat(v.getFloat(1, 0)).isEqualTo(2.5f);
        }
        try (BufferCollection2D q = BufferCollection2D.wrap(new long[][] {{Long.MIN_VALUE, 7}});
             BufferView v = q.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(q.format()).isEqualTo(Format.parse("q"));
            assertThat(v.getLong(0, 0)).isEqualTo(Long.MIN_VALUE);
        }
        try (BufferCollection2D s = BufferCollection2D.wrap(new short[][] {{-3, 4}, {5, 6}});
             BufferView v = s.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(s.format()).isEqualTo(Format.parse("h"));
            assertThat(v.getShort(0, 0)).isEqualTo((short) -3);
        }
        try (BufferCollection2D b = BufferCollection2D.wrap(new byte[][] {{-1, 2}, {3, 4}});
             BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(b.format()).isEqualTo(Format.parse("b"));
            assertThat(v.getByte(0, 0)).isEqualTo((byte) -1);
        }
        try (BufferCollection2D c = BufferCollection2D.wrap(new char[][] {{'a', 'b'}, {'c', 'd'}});
             BufferView v = c.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(c.format()).isEqualTo(Format.parse("H"));
            assertThat(v.getShort(1, 1)).isEqualTo((short) 'd');
        }
    }

    @Test
    void anIntMatrixIsAnInt32TableAndWritesComeBackOnClose() {
        int[][] channels = {{1, 2, 3, 4}, {10, 20, 30, 40}};
        try (BufferCollection2D pcm = BufferCollection2D.wrap(channels)) {
            assertThat(pcm.rows()).isEqualTo(2);
            assertThat(pcm.cols()).isEqualTo(4);
            assertThat(pcm.format()).isEqualTo(Format.parse("i"));
            try (BufferView v = pcm.getBuffer(BufferRequest.FULL)) {
                assertThat(v.suboffsets()).containsExactly(0, -1);
                assertThat(v.getInt(1, 3)).isEqualTo(40);
                v.setInt(-5, 0, 1);
            }
        }
        assertThat(channels[0][1]).isEqualTo(-5);
    }

    @Test
    void emptyRaggedAndNullRowsAreHandled() {
        try (BufferCollection2D none = BufferCollection2D.wrap(new int[0][])) {
            assertThat(none.rows()).isZero();
            assertThat(none.cols()).isZero();
            assertThat(none.format()).isEqualTo(Format.parse("i"));
        }
        assertThatThrownBy(() -> BufferCollection2D.wrap(new double[][] {{1, 2}, {3}}))
                .isInstanceOf(BufferException.class).hasMessageContaining("row 1").hasMessageContaining("2 columns");
        assertThatThrownBy(() -> BufferCollection2D.wrap(new float[][] {{1}, null}))
                .isInstanceOf(NullPointerException.class).hasMessage("row 1 is null");
        assertThatThrownBy(() -> BufferCollection2D.wrap((long[][]) null)).isInstanceOf(NullPointerException.class);
    }
}
