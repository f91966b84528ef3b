package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/** The exporter side of the protocol: what MemoryBuffer gives for each request, what it refuses, and locking. */
class ExportProtocolTest {
    private static final Format D = Format.parse("d");

    private static double[] iota(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    @Test
    void fullRequestGivesEveryField() {
        MemoryBuffer buffer = MemoryBuffer.wrap(iota(12), 'C', 3, 4);
        try (BufferView v = buffer.getBuffer(BufferRequest.FULL)) {
            assertThat(v.format()).isEqualTo(D);
            assertThat(v.itemSize()).isEqualTo(8);
            assertThat(v.ndim()).isEqualTo(2);
            assertThat(v.shape()).containsExactly(3, 4);
            assertThat(v.strides()).containsExactly(32, 8);
            assertThat(v.suboffsets()).isNull();
            assertThat(v.len()).isEqualTo(96);
            assertThat(v.isReadOnly()).isFalse();
            assertThat(v.getDouble(2, 3)).isEqualTo(11.0);
            v.setDouble(-1.5, 1, 2);
            assertThat(v.getDouble(1, 2)).isEqualTo(-1.5);
        }
    }

    @Test
    void fieldsNotRequestedAreNullAsInCPython() {
        MemoryBuffer buffer = MemoryBuffer.wrap(iota(6), 'C', 2, 3);
        try (BufferView simple = buffer.getBuffer(BufferRequest.SIMPLE)) {
            assertThat(simple.format()).isNull();
            assertThat(simple.shape()).isNull();
            assertThat(simple.strides()).isNull();
            assertThat(simple.suboffsets()).isNull();
            assertThat(simple.ndim()).isEqualTo(1);
            assertThat(simple.itemSize()).isEqualTo(8);
            assertThat(simple.len()).isEqualTo(48);
            // Without a shape the view is bytes: index 8 is the first byte of item 1 (1.0 = 0x3ff0...).
            long bits = Double.doubleToRawLongBits(1.0);
            byte expected = (byte) (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? bits : bits >>> 56);
            assertThat(simple.getByte(8)).isEqualTo(expected);
            assertThatThrownBy(() -> simple.getDouble(0)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("getDouble: the view has no format");
        }
        try (BufferView nd = buffer.getBuffer(BufferRequest.ND)) {
            assertThat(nd.shape()).containsExactly(2, 3);
            assertThat(nd.strides()).isNull();
            assertThat(nd.format()).isNull();
        }
        try (BufferView strided = buffer.getBuffer(BufferRequest.STRIDES)) {
            assertThat(strided.strides()).containsExactly(24, 8);
            assertThat(strided.format()).isNull();
        }
        try (BufferView records = buffer.getBuffer(BufferRequest.RECORDS_RO)) {
            assertThat(records.format()).isEqualTo(D);
            assertThat(records.isReadOnly()).isFalse(); // as CPython: readonly follows the exporter
        }
    }

    @Test
    void aConfinedExportIsReleasedOnlyOnTheExportingThread() throws InterruptedException {
        Object exporter = new Object();
        ExportCounter counter = new ExportCounter(exporter);
        List<Thread> releasedOn = new ArrayList<>();
        MemorySegment memory = MemorySegment.ofArray(iota(4));
        BufferView v = counter.exportConfined(() -> BufferView.wrap(memory, D, new long[] {4}, new long[] {8}, null,
                false), BufferRequest.FULL, () -> releasedOn.add(Thread.currentThread()));
        Throwable[] refused = new Throwable[1];
        Thread other = new Thread(() -> {
            try {
                v.close();
            } catch (Throwable t) {
                refused[0] = t;
            }
        }, "other-thread");
        other.start();
        other.join();
        assertThat(refused[0]).isInstanceOf(WrongThreadException.class)
                .hasMessageContaining("'" + Thread.currentThread().getName() + "'").hasMessageContaining("'other-thread'");
        assertThat(v.isClosed()).isFalse();
        assertThat(counter.count()).isEqualTo(1);
        assertThat(releasedOn).isEmpty();
        assertThat(v.getDouble(3)).isEqualTo(3.0); // still usable here
        v.close();
        v.close();
        assertThat(counter.count()).isZero();
        assertThat(releasedOn).containsExactly(Thread.currentThread());
    }

    @Test
    void writableRequestOnReadOnlyMemoryIsRefused() {
        ByteBuffer bytes = ByteBuffer.allocateDirect(32).asReadOnlyBuffer();
        MemoryBuffer buffer = MemoryBuffer.wrap(bytes);
        assertThat(buffer.isReadOnly()).isTrue();
        assertThatThrownBy(() -> buffer.getBuffer(BufferRequest.FULL))
                .isInstanceOf(BufferException.class)
                .hasMessage("request FULL (0x11d) refused for view of format 'B', shape [32], strides [1],"
                        + " read-only: the buffer is read-only");
        assertThat(buffer.exportCount()).isZero();
        try (BufferView v = buffer.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(v.isReadOnly()).isTrue();
            assertThatThrownBy(() -> v.setByte((byte) 1, 0)).isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> v.copyFrom(MemorySegment.ofArray(new byte[32]), 'C'))
                    .isInstanceOf(ReadOnlyBufferException.class);
        }
    }

    @Test
    void nonContiguousMemoryIsRefusedToConsumersWithoutStrides() {
        // Every other column of a 3 x 4 array of doubles: shape (3, 2), strides (32, 16).
        MemorySegment memory = MemorySegment.ofArray(iota(12));
        MemoryBuffer buffer = MemoryBuffer.wrapStrided(memory, 0, D, new long[] {3, 2}, new long[] {32, 16});
        assertThatThrownBy(() -> buffer.getBuffer(BufferRequest.ND))
                .isInstanceOf(BufferException.class)
                .hasMessageEndingWith("the buffer is not C-contiguous, and STRIDES was not requested");
        assertThatThrownBy(() -> buffer.getBuffer(BufferRequest.C_CONTIGUOUS))
                .hasMessageEndingWith("the buffer is not C-contiguous");
        assertThatThrownBy(() -> buffer.getBuffer(BufferRequest.F_CONTIGUOUS))
                .hasMessageEndingWith("the buffer is not Fortran-contiguous");
        assertThatThrownBy(() -> buffer.getBuffer(BufferRequest.ANY_CONTIGUOUS))
                .hasMessageEndingWith("the buffer is neither C- nor Fortran-contiguous");
        try (BufferView v = buffer.getBuffer(BufferRequest.STRIDES | BufferRequest.FORMAT)) {
            assertThat(v.getDouble(2, 1)).isEqualTo(10.0);
            double[] gathered = new double[6];
            v.copyTo(MemorySegment.ofArray(gathered), 'C');
            assertThat(gathered).containsExactly(0, 2, 4, 6, 8, 10);
            v.copyTo(MemorySegment.ofArray(gathered), 'F');
            assertThat(gathered).containsExactly(0, 4, 8, 2, 6, 10);
        }
        assertThat(buffer.exportCount()).isZero();
    }

    @Test
    void contiguityRequestsFollowTheOrder() {
        MemoryBuffer fortran = MemoryBuffer.wrap(iota(6), 'F', 2, 3);
        try (BufferView v = fortran.getBuffer(BufferRequest.F_CONTIGUOUS | BufferRequest.FORMAT)) {
            assertThat(v.strides()).containsExactly(8, 16);
            assertThat(v.getDouble(1, 2)).isEqualTo(5.0);
            assertThat(v.isContiguous('F')).isTrue();
            assertThat(v.isContiguous('C')).isFalse();
            assertThat(v.isContiguous('A')).isTrue();
            double[] out = new double[6];
            v.copyTo(MemorySegment.ofArray(out), 'A'); // F-contiguous, not C: 'A' keeps Fortran order
            assertThat(out).containsExactly(0, 1, 2, 3, 4, 5);
            v.copyTo(MemorySegment.ofArray(out), 'C');
            assertThat(out).containsExactly(0, 2, 4, 1, 3, 5);
        }
        assertThatThrownBy(() -> fortran.getBuffer(BufferRequest.C_CONTIGUOUS))
                .isInstanceOf(BufferException.class);
        assertThatThrownBy(() -> fortran.getBuffer(BufferRequest.ND))
                .hasMessageEndingWith("not C-contiguous, and STRIDES was not requested");
        try (BufferView v = fortran.getBuffer(BufferRequest.ANY_CONTIGUOUS)) {
            assertThat(v.shape()).containsExactly(2, 3);
        }
    }

    @Test
    void indirectLayoutsAreRefusedWithoutIndirect() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = arena.allocate(ValueLayout.ADDRESS, 2);
            for (int i = 0; i < 2; i++) {
                MemorySegment row = arena.allocate(ValueLayout.JAVA_DOUBLE, 3);
                row.setAtIndex(ValueLayout.JAVA_DOUBLE, 2, 10 + i);
                table.setAtIndex(ValueLayout.ADDRESS, i, row);
            }
            BufferView whole = BufferView.wrap(table, D, new long[] {2, 3}, new long[] {8, 8}, new long[] {0, -1},
                    false);
            ExportCounter exports = new ExportCounter(table);
            assertThatThrownBy(() -> exports.export(() -> whole, BufferRequest.RECORDS))
                    .isInstanceOf(BufferException.class)
                    .hasMessageEndingWith("the layout needs suboffsets (it follows pointers), but INDIRECT was not"
                            + " requested");
            assertThatThrownBy(() -> exports.export(() -> whole, BufferRequest.INDIRECT | BufferRequest.C_CONTIGUOUS))
                    .hasMessageEndingWith("the buffer is not C-contiguous");
            assertThat(exports.count()).isZero();
            try (BufferView v = exports.export(() -> whole, BufferRequest.FULL)) {
                assertThat(v.suboffsets()).containsExactly(0, -1);
                assertThat(v.getDouble(1, 2)).isEqualTo(11.0);
                assertThat(v.buf().address()).isEqualTo(table.address());
                assertThat(exports.count()).isEqualTo(1);
            }
            assertThat(exports.count()).isZero();
        }
    }

    @Test
    void formatWithoutShapeIsRefusedUnlessBytes() {
        MemoryBuffer doubles = MemoryBuffer.wrap(iota(4));
        assertThatThrownBy(() -> doubles.getBuffer(BufferRequest.FORMAT))
                .isInstanceOf(BufferException.class)
                .hasMessageContaining("FORMAT without ND: a buffer of format 'd' cannot be given as unsigned bytes");
        MemoryBuffer bytes = MemoryBuffer.wrap(ByteBuffer.allocate(5));
        try (BufferView v = bytes.getBuffer(BufferRequest.FORMAT)) {
            assertThat(v.format()).isEqualTo(Format.parse("B"));
            assertThat(v.shape()).isNull();
        }
    }

    @Test
    void lockedBufferRefusesCloseAndMakeReadOnlyUntilEveryViewIsReleased() {
        MemoryBuffer buffer = MemoryBuffer.allocate(D, 'C', 10, 10);
        List<BufferView> views = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            views.add(buffer.getBuffer(BufferRequest.FULL));
        }
        views.getFirst().setDouble(42, 3, 3);
        assertThat(buffer.exportCount()).isEqualTo(5);
        assertThatThrownBy(buffer::makeReadOnly)
                .isInstanceOf(BufferException.class)
                .hasMessage("buffer is locked: cannot make read-only while 5 views are exported");
        assertThatThrownBy(buffer::close)
                .hasMessage("buffer is locked: cannot close while 5 views are exported");
        // data unchanged, still writable, still usable
        assertThat(buffer.isReadOnly()).isFalse();
        assertThat(views.get(4).getDouble(3, 3)).isEqualTo(42);

        Collections.shuffle(views, new Random(7));
        for (int i = 0; i < views.size(); i++) {
            views.get(i).close();
            views.get(i).close(); // twice is harmless and does not release twice
            assertThat(buffer.exportCount()).isEqualTo(4 - i);
        }
        assertThatCode(buffer::makeReadOnly).doesNotThrowAnyException();
        try (BufferView ro = buffer.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(ro.isReadOnly()).isTrue();
            assertThat(ro.getDouble(3, 3)).isEqualTo(42);
            buffer.makeReadOnly(); // already read-only: a no-op even while exported
            assertThatThrownBy(() -> buffer.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class);
        }
        buffer.close();
        buffer.close();
        assertThatThrownBy(() -> buffer.getBuffer(BufferRequest.FULL_RO))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MemoryBuffer is closed");
    }

    @Test
    void ownedMemoryIsFreedOnCloseAndStaleSegmentsThrow() {
        MemoryBuffer buffer = MemoryBuffer.allocate(D, 'C', 4);
        MemorySegment item;
        try (BufferView v = buffer.getBuffer(BufferRequest.FULL)) {
            item = v.elementAt(2);
            item.set(ValueLayout.JAVA_DOUBLE, 0, 2.5);
        }
        buffer.close();
        assertThatThrownBy(() -> item.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void releasedViewRefusesEveryOperation() {
        MemoryBuffer buffer = MemoryBuffer.wrap(iota(4));
        BufferView v = buffer.getBuffer(BufferRequest.FULL);
        v.close();
        assertThat(v.isClosed()).isTrue();
        List<Runnable> operations = List.of(v::buf, v::memory, v::bufOffset, v::len, v::isReadOnly, v::format,
                v::itemSize, v::ndim, v::shape, v::strides, v::suboffsets, v::isIndirect, () -> v.elementAt(0),
                () -> v.getDouble(0), () -> v.setDouble(1, 0), () -> v.isContiguous('C'), () -> v.toBytes('C'),
                () -> v.copyTo(MemorySegment.ofArray(new double[4]), 'C'),
                () -> v.copyFrom(MemorySegment.ofArray(new double[4]), 'C'));
        for (Runnable operation : operations) {
            assertThatThrownBy(operation::run).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("buffer view is closed (released)");
        }
        assertThat(v.toString()).contains("closed");
    }

    @Test
    void nioBuffersGiveTheirTypeAndByteOrder() {
        DoubleBuffer big = ByteBuffer.allocateDirect(24).order(ByteOrder.BIG_ENDIAN).asDoubleBuffer();
        big.put(0, 1.0).put(1, 2.0).put(2, 3.0);
        MemoryBuffer buffer = MemoryBuffer.wrap(big);
        assertThat(buffer.format().toString()).isEqualTo(
                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? "d" : ">d");
        try (BufferView v = buffer.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(v.getDouble(2)).isEqualTo(3.0);
            assertThat(v.buf().isNative()).isTrue();
        }
        MemoryBuffer heap = MemoryBuffer.wrap(DoubleBuffer.wrap(new double[] {4, 5}));
        try (BufferView v = heap.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(v.format()).isEqualTo(D);
            assertThat(v.getDouble(1)).isEqualTo(5.0);
        }
    }

    @Test
    void shapeMismatchesNameTheSizes() {
        assertThatThrownBy(() -> MemoryBuffer.wrap(new double[10], 'C', 3, 4))
                .isInstanceOf(BufferException.class)
                .hasMessage("segment holds 80 bytes, but shape [3, 4] of format 'd' (item size 8) needs 96");
        assertThatThrownBy(() -> MemoryBuffer.wrap(new double[10], 'C', 2, -5))
                .hasMessage("shape[1] = -5: expected a size >= 0 in shape [2, -5]");
        assertThatThrownBy(() -> MemoryBuffer.wrap(new double[10], 'X', 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("order 'X': expected 'C' or 'F'");
    }
}
