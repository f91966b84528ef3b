package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ReadOnlyBufferException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Terminator;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Ragged rows across JNA: keep-alive Pointers of the table and of one row, {@code IndirectLibrary} arguments pinned
 * during a call, C-allocated tables wrapped and freed. What needs no JNA is tested in core's {@code RaggedRowsTest}.
 */
class RaggedRowsTest {
    private static final TestNative.Raw RAW = TestNative.RAW;
    private static final TestNative.Typed LIB = TestNative.TYPED;

    /** svm_node-like rows: item k of row i is {index k + 1, value i + k / 10}, ended by index -1. */
    static RaggedRows nodes(long[] lengths, String format) {
        Terminator t = format.contains(":index:") ? Terminator.field("index", -1) : Terminator.field(0, -1);
        RaggedRows rows = RaggedRows.createTerminated(lengths, format, t);
        RaggedRows.FieldAccess index = rows.field(0);
        RaggedRows.FieldAccess value = rows.field(1);
        for (int i = 0; i < lengths.length; i++) {
            for (int k = 0; k < lengths[i]; k++) {
                index.setInt(i, k, k + 1);
                value.setDouble(i, k, i + k / 10.0);
            }
        }
        return rows;
    }

    static double expectedNodeSum(long[] lengths) {
        double s = 0;
        for (int i = 0; i < lengths.length; i++) {
            for (int k = 0; k < lengths[i]; k++) {
                s += (k + 1) * (i + k / 10.0);
            }
        }
        return s;
    }

    @Test
    void rowsOfDifferentLengthsWithALengthsVector() {
        Random random = new Random(5);
        long[] lengths = new long[40];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = random.nextInt(i % 7 == 0 ? 1 : 50); // some empty rows
        }
        try (RaggedRows rows = RaggedRows.create(lengths, "d")) {
            RaggedRows.FieldAccess v = rows.field(0);
            double expected = 0;
            for (int i = 0; i < lengths.length; i++) {
                for (int j = 0; j < lengths[i]; j++) {
                    double x = random.nextGaussian();
                    v.setDouble(i, j, x);
                    expected += x;
                }
            }
            assertThat(rows.lengths()).containsExactly(lengths);
            assertThat(rows.terminator()).isEmpty();
            assertThat(RAW.jt_sum_ragged(JnaIndirect.pointer(rows), lengths, lengths.length))
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(LIB.jt_sum_ragged(rows, lengths, lengths.length))
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
            double viaViews = 0;
            for (int i = 0; i < lengths.length; i++) {
                try (BufferView view = rows.rowView(i)) {
                    assertThat(view.shape()).containsExactly(lengths[i]);
                    viaViews += Kernels.sum(view);
                }
            }
            assertThat(viaViews).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(rows.row(3).byteSize()).isEqualTo(lengths[3] * 8);
        }
    }

    @Test
    void sentinelTerminatedNodesInBothFormatSpellings() {
        long[] lengths = {3, 0, 1, 5};
        for (String format : new String[] {"i4xd", "T{i:index:4x d:value:}"}) {
            try (RaggedRows rows = nodes(lengths, format)) {
                assertThat(rows.format().itemSize()).isEqualTo(16);
                assertThat(rows.terminator()).isPresent();
                assertThat(RAW.jt_sum_nodes(JnaIndirect.pointer(rows), 4)).isEqualTo(expectedNodeSum(lengths));
                for (int i = 0; i < 4; i++) {
                    assertThat(RAW.jt_count_nodes(JnaIndirect.rowPointer(rows, i))).isEqualTo(lengths[i]);
                }
                // The terminator is in memory just past each row's items.
                MemorySegment row0 = MemorySegment.ofAddress(JnaIndirect.rowPointer(rows, 0).address()).reinterpret(4 * 16);
                assertThat(row0.get(ValueLayout.JAVA_INT, 3 * 16)).isEqualTo(-1);
                // C writes in place; Java sees them.
                LIB.jt_double_nodes(rows, 4);
                assertThat(rows.field(1).getDouble(3, 4)).isEqualTo(2 * (3 + 0.4));
                assertThat(rows.holdCount()).isZero();
            }
        }
    }

    @Test
    void cAllocatedTerminatedRowsAreScannedAndFreedOnce() {
        Function free = TestNative.LIBRARY.getFunction("jt_free_matrix");
        int frees = RAW.jt_free_calls();
        Pointer table = RAW.jt_new_nodes(6);
        try (RaggedRows rows = JnaIndirect.adoptTerminated(table, 6, "T{i:index:4x d:value:}",
                Terminator.field("index", -1), 1000, true, FreeFunction.withRowCount(free))) {
            assertThat(rows.lengths()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(rows.field("value").getDouble(5, 5)).isEqualTo(5.5);
            assertThat(rows.toString()).contains("adopted").contains("read-only");
            assertThatThrownBy(() -> rows.field("value").setDouble(0, 0, 1)).isInstanceOf(ReadOnlyBufferException.class)
                    .hasMessageStartingWith("setDouble(1.0) of field 'value' at row 0, item 0: RaggedRows[")
                    .hasMessageEndingWith(" is read-only; nothing was written");
            assertThatThrownBy(() -> rows.field("index").setLong(2, 1, 7)).isInstanceOf(ReadOnlyBufferException.class)
                    .hasMessageStartingWith("setLong(7) of field 'index' at row 2, item 1: RaggedRows[");
            assertThatThrownBy(() -> rows.field("index").setInt(2, 1, 7)).isInstanceOf(ReadOnlyBufferException.class)
                    .hasMessageContaining("at row 2, item 1");
            assertThat(LIB.jt_sum_nodes(rows, 6)).isEqualTo(RAW.jt_sum_nodes(table, 6));
        }
        assertThat(RAW.jt_free_calls()).isEqualTo(frees + 1);
    }

    @Test
    void scanningStopsAtMaxLengthAndAtNullRows() {
        Pointer table = RAW.jt_new_nodes(4);
        try {
            assertThatThrownBy(() -> JnaIndirect.wrapTerminated(table, 4, "i4xd", Terminator.field(0, -1), 2, true)).isInstanceOf(BufferException.class)
                    .hasMessageMatching("row 2 of the T\\*\\* at 0x[0-9a-f]+: no terminator \\(field 0 = -1\\) within"
                            + " the first 2 items of 'i4xd'");
            Memory withNull = new Memory(2L * Native.POINTER_SIZE);
            withNull.setPointer(0, table.getPointer(0));
            withNull.setPointer(Native.POINTER_SIZE, Pointer.NULL);
            assertThatThrownBy(() -> JnaIndirect.wrapTerminated(withNull, 2, "i4xd", Terminator.field(0, -1), 10,
                    true)).isInstanceOf(IllegalStateException.class).hasMessageContaining("row 1 of the T**")
                    .hasMessageContaining("is NULL");
            assertThatThrownBy(() -> JnaIndirect.wrapTerminated(withNull, 3, "i4xd", Terminator.field(0, -1), 10,
                    true)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("holds 2 row pointers; 3 rows were asked for");
        } finally {
            RAW.jt_free_matrix(table, 4);
        }
    }

    @Test
    void rowsArePinnedDuringACall() {
        try (RaggedRows rows = nodes(new long[] {1, 2, 3}, "i4xd")) {
            AtomicReference<Throwable> duringCall = new AtomicReference<>();
            double s = LIB.jt_sum_nodes_with_callback(rows, 3, () -> {
                try {
                    rows.close();
                } catch (Throwable t) {
                    duringCall.set(t);
                }
            });
            assertThat(s).isEqualTo(expectedNodeSum(new long[] {1, 2, 3}));
            assertThat(duringCall.get()).isInstanceOf(BufferException.class).hasMessageContaining("native call");
            assertThat(rows.holdCount()).isZero();
        }
    }

    @Test
    void borrowedRaggedRowsOfKnownLengthsKeepTheOwnersPointerReachable() {
        try (RaggedRows owner = RaggedRows.create(new long[] {2, 3}, "i")) {
            owner.field(0).setInt(1, 2, 7);
            IndirectPointer p = JnaIndirect.pointer(owner);
            try (RaggedRows borrowed = JnaIndirect.wrapRagged(p, new long[] {2, 3}, "i", true)) {
                assertThat(borrowed.field(0).getInt(1, 2)).isEqualTo(7);
                assertThat(borrowed.totalLength()).isEqualTo(5);
                assertThat(borrowed.toString()).contains("borrowed"); // and keeps the owner's Pointer reachable
                assertThat(JnaIndirect.rowPointer(borrowed, 1).address()).isEqualTo(owner.row(1).address());
            }
            assertThat(p.owner()).isSameAs(owner);
            owner.close();
            assertThat(p.address()).as("the Pointer ends with the rows' memory").isZero();
        }
    }

    @Test
    void aHoldKeepsTheRowsOpenWhileCReadsThem() {
        RaggedRows rows = nodes(new long[] {2, 2}, "i4xd");
        RaggedRows.Hold hold = rows.hold("model 42");
        assertThatThrownBy(rows::close).isInstanceOf(BufferException.class).hasMessageContaining("1 hold is open");
        assertThat(RAW.jt_sum_nodes(JnaIndirect.pointer(rows), 2)).isEqualTo(expectedNodeSum(new long[] {2, 2}));
        hold.close();
        rows.close();
        assertThatThrownBy(() -> JnaIndirect.pointer(rows)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> JnaIndirect.rowPointer(rows, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theLentTablesAreReadOnlyAndAClosedExportPointerIsNull() {
        RaggedRows rows = nodes(new long[] {2, 2}, "i4xd");
        assertThatThrownBy(() -> rows.pointerTable().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 0xdead_0000L))
                .isInstanceOf(IllegalArgumentException.class);
        rows.close();
        try (CStringArray strings = CStringArray.create(java.nio.charset.StandardCharsets.UTF_8, "a", "b")) {
            assertThatThrownBy(() -> strings.pointerTable().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        org.indirectbuffer.IndirectMemory2D m = org.indirectbuffer.IndirectMemory2D.createMemory(2, 2, "d", false);
        IndirectPointer exported = JnaIndirect.export(m, org.indirectbuffer.BufferRequest.FULL);
        assertThat(exported.address()).isNotZero();
        exported.close();
        assertThat(exported.address()).as("a released export passes NULL to C").isZero();
        assertThat(com.sun.jna.Pointer.nativeValue(exported)).isZero();
        m.close();
    }
}
