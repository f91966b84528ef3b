package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Access;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.format.FormatException;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/** Wrapping T** that C returns, and T** built from JNA objects. */
class WrapTest {
    private static final TestNative.Raw C = TestNative.RAW;
    private static final Function FREE_MATRIX = TestNative.LIBRARY.getFunction("jt_free_matrix");

    private static double expectedNewMatrixSum(int rows, int cols) {
        double s = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                s += i + j / 10.0;
            }
        }
        return s;
    }

    @Test
    void borrowedTableIsReadAndNeverFreed() {
        Pointer table = C.jt_new_matrix(3, 4);
        int freesBefore = C.jt_free_calls();
        try (IndirectMemory2D m = JnaIndirect.wrap(table, 3, 4, "d", true)) {
            assertThat(m.access()).isEqualTo(Access.READ_ONLY);
            assertThat(m.getDouble(2, 3)).isEqualTo(2.3);
            assertThat(m.toString()).contains("borrowed");
        }
        assertThat(C.jt_free_calls()).isEqualTo(freesBefore);
        // Still the caller's: readable after the wrapper closed, then freed by the caller.
        assertThat(C.jt_sum(table, 3, 4)).isEqualTo(expectedNewMatrixSum(3, 4));
        C.jt_free_matrix(table, 3);
    }

    @Test
    void adoptedTableIsFreedExactlyOnceAfterTheLastViewCloses() {
        int frees = C.jt_free_calls();
        int live = C.jt_live_matrices();
        Pointer table = C.jt_new_matrix(5, 7);
        IndirectMemory2D m = JnaIndirect.adopt(table, 5, 7, "d", false,
                FreeFunction.withRowCount(FREE_MATRIX));
        IndirectMemory2D readOnlyHandle = m.narrowed(Access.READ_ONLY);
        BufferView first = m.getBuffer(BufferRequest.FULL_RO);
        BufferView second = m.getBuffer(BufferRequest.FULL);
        assertThat(Kernels.sum(first)).isCloseTo(expectedNewMatrixSum(5, 7), org.assertj.core.data.Offset.offset(1e-9));

        assertThatThrownBy(m::close).isInstanceOf(BufferException.class).hasMessageContaining("buffer is locked");
        first.close();
        assertThatThrownBy(m::close).isInstanceOf(BufferException.class).hasMessageContaining("1 view is exported");
        assertThat(C.jt_free_calls()).isEqualTo(frees);
        second.setDouble(42.0, 4, 6);
        assertThat(readOnlyHandle.getDouble(4, 6)).isEqualTo(42.0);
        second.close();

        m.close();
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);
        assertThat(C.jt_live_matrices()).isEqualTo(live);
        m.close();
        readOnlyHandle.close();
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);
        assertThatThrownBy(() -> m.getDouble(0, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> readOnlyHandle.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void adoptedTableDroppedUnclosedIsFreedOnceByTheCleaner() throws InterruptedException {
        int frees = C.jt_free_calls();
        WeakReference<IndirectMemory2D> ref = adoptAndDrop();
        for (int i = 0; i < 200 && (ref.get() != null || C.jt_free_calls() == frees); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);
        System.gc();
        Thread.sleep(50);
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);
    }

    private static WeakReference<IndirectMemory2D> adoptAndDrop() {
        IndirectMemory2D m = JnaIndirect.adopt(C.jt_new_matrix(2, 2), 2, 2, "d", false,
                FreeFunction.withRowCount(FREE_MATRIX));
        assertThat(m.getDouble(1, 1)).isEqualTo(1.1);
        return new WeakReference<>(m);
    }

    @Test
    void cFreeFunctionsFreeRowsAndTableThroughNativeFree() {
        // A double** built with malloc from Java (Native.malloc), as C code would: adopted, freed with C's free.
        Pointer table = new Pointer(Native.malloc(3 * Native.POINTER_SIZE));
        for (int r = 0; r < 3; r++) {
            Pointer row = new Pointer(Native.malloc(2 * 8));
            row.setDouble(0, r);
            row.setDouble(8, r + 0.5);
            table.setPointer((long) r * Native.POINTER_SIZE, row);
        }
        AtomicInteger calls = new AtomicInteger();
        FreeFunction counting = FreeFunction.of("count, then C free", (t, rows) -> {
            calls.incrementAndGet();
            FreeFunction.C_FREE_ROWS_AND_TABLE.free(t, rows);
        });
        try (IndirectMemory2D m = JnaIndirect.adopt(table, 3, 2, "d", true, counting)) {
            assertThat(C.jt_sum(JnaIndirect.pointer(m), 3, 2)).isEqualTo(0 + 0.5 + 1 + 1.5 + 2 + 2.5);
        }
        assertThat(calls).hasValue(1);
        assertThat(FreeFunction.C_FREE_TABLE.toString()).contains("table only");
    }

    @Test
    void aFreeFunctionsNannyAdoptsThroughTheNannyTakingFactories() {
        int frees = C.jt_free_calls();
        Pointer table = C.jt_new_matrix(3, 2);
        org.indirectbuffer.MemoryNanny nanny = FreeFunction.withRowCount(FREE_MATRIX).nanny(table, 3);
        try (IndirectMemory2D m = JnaIndirect.adopt(table, 3, 2, "d", true, nanny)) {
            assertThat(m.getDouble(2, 1)).isCloseTo(2.1, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(nanny.isFreed()).isFalse();
        }
        assertThat(nanny.isFreed()).isTrue();
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);

        Pointer nodes = C.jt_new_nodes(3);
        try (RaggedRows r = JnaIndirect.adoptRagged(nodes, new long[] {1, 2, 3}, "i4xd", true,
                FreeFunction.withRowCount(FREE_MATRIX))) {
            assertThat(r.field(0).getInt(2, 2)).isEqualTo(3);
        }
        assertThat(C.jt_free_calls()).isEqualTo(frees + 2);
    }

    @Test
    void aTableOnlyFreeFunctionFreesTheTableAndLeavesBorrowedRows() {
        int frees = C.jt_free_calls();
        try (IndirectMemory2D rows = IndirectMemory2D.createFrom(new double[][] {{1, 2}, {3, 4}})) {
            for (FreeFunction d : new FreeFunction[] {
                    FreeFunction.of(TestNative.LIBRARY.getFunction("jt_free_table_only")),
                    FreeFunction.C_FREE_TABLE}) {
                // A table C code would malloc, pointing at rows someone else owns.
                Pointer table = new Pointer(Native.malloc(2L * Native.POINTER_SIZE));
                table.setPointer(0, new Pointer(rows.row(1).address()));
                table.setPointer(Native.POINTER_SIZE, new Pointer(rows.row(0).address()));
                try (IndirectMemory2D swapped = JnaIndirect.adopt(table, 2, 2, "d", true, d)) {
                    assertThat(swapped.getDouble(0, 0)).isEqualTo(3.0);
                }
            }
            assertThat(rows.getDouble(1, 1)).as("rows untouched").isEqualTo(4.0);
        }
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1); // jt_free_table_only once; C free is not counted
    }

    @Test
    void runnableFreeFunctionAndMemoryNannyAdoptionAlsoFreeOnce() {
        int frees = C.jt_free_calls();
        Pointer table = C.jt_new_matrix(2, 3);
        try (IndirectMemory2D m = JnaIndirect.adopt(table, 2, 3, "d", false,
                FreeFunction.running("jt_free_matrix(table, 2)", () -> C.jt_free_matrix(table, 2)))) {
            assertThat(m.getDouble(1, 2)).isCloseTo(1.2, org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);

        Pointer other = C.jt_new_matrix(2, 3);
        org.indirectbuffer.MemoryNanny nanny = org.indirectbuffer.MemoryNanny.running("jt_free_matrix",
                () -> C.jt_free_matrix(other, 2));
        try (IndirectMemory2D m = JnaIndirect.adopt(other, 2, 3, "d", false, nanny)) {
            assertThat(m.toString()).contains("adopted");
        }
        assertThat(nanny.isFreed()).isTrue();
        assertThat(C.jt_free_calls()).isEqualTo(frees + 2);
    }

    @Test
    void failedAdoptionFreesNothing() throws InterruptedException {
        int frees = C.jt_free_calls();
        Pointer table = C.jt_new_matrix(2, 2);
        FreeFunction d = FreeFunction.withRowCount(FREE_MATRIX);
        assertThatThrownBy(() -> JnaIndirect.adopt(table, 2, 2, "d(", false, d))
                .isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> JnaIndirect.adopt(table, -1, 2, "d", false, d))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1 x 2");
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertThat(C.jt_free_calls()).isEqualTo(frees);
        d.free(table, 2);
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);
    }

    @Test
    void outParameterAllocationIsAdopted() {
        int frees = C.jt_free_calls();
        PointerByReference out = new PointerByReference();
        assertThat(C.jt_make_matrix(out, 4, 3)).isZero();
        try (IndirectMemory2D m = JnaIndirect.adoptOutParameter(out, 4, 3, "d", true,
                FreeFunction.withRowCount(FREE_MATRIX))) {
            assertThat(m.rows()).isEqualTo(4);
            assertThat(m.getDouble(3, 2)).isCloseTo(3.2, org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);

        PointerByReference unset = new PointerByReference();
        assertThat(C.jt_make_matrix_fails(unset, 4, 3)).isEqualTo(-2);
        assertThatThrownBy(() -> JnaIndirect.adoptOutParameter(unset, 4, 3, "d", true,
                FreeFunction.withRowCount(FREE_MATRIX)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds NULL").hasMessageContaining("4-row T**");
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);
    }

    @Test
    void nullAndTooSmallTablesAreRefusedWithTheirSizes() {
        assertThatThrownBy(() -> JnaIndirect.wrap(new Pointer(0), 2, 2, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("table is NULL, but 2 rows were given");
        assertThatThrownBy(() -> JnaIndirect.wrap(null, 2, 2, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("NULL");
        Memory three = new Memory(3L * Native.POINTER_SIZE);
        assertThatThrownBy(() -> JnaIndirect.wrap(three, 4, 2, "d", false))
                .isInstanceOf(BufferException.class)
                .hasMessage("table Memory of 24 bytes holds 3 row pointers; 4 rows were asked for (32 bytes)");
        try (IndirectMemory2D empty = JnaIndirect.wrap(Pointer.NULL, 0, 5, "d", false)) {
            assertThat(empty.rows()).isZero();
        }
    }

    @Test
    void memoryTableWithMemoryRowsLikeACtypesArray() {
        Memory[] rows = new Memory[3];
        Memory table = new Memory(3L * Native.POINTER_SIZE);
        for (int r = 0; r < 3; r++) {
            rows[r] = new Memory(4 * 8);
            for (int c = 0; c < 4; c++) {
                rows[r].setDouble(c * 8L, r * 10 + c);
            }
            table.setPointer((long) r * Native.POINTER_SIZE, rows[r]);
        }
        try (IndirectMemory2D m = JnaIndirect.wrap(table, 3, 4, "d", false)) {
            assertThat(m.getDouble(2, 3)).isEqualTo(23.0);
            m.setDouble(0, 0, -1);
            assertThat(rows[0].getDouble(0)).isEqualTo(-1.0);
        }
    }

    @Test
    void tableOverChecksLikeFromCtypePtr() {
        Memory a = new Memory(3 * 8);
        Memory b = new Memory(3 * 8);
        Memory small = new Memory(2 * 8);
        assertThatThrownBy(() -> JnaIndirect.tableOver(new Pointer[] {a, b, a}, 4, 3, "d", false))
                .isInstanceOf(BufferException.class).hasMessage("row array has 3 entries; 4 rows were asked for");
        assertThatThrownBy(() -> JnaIndirect.tableOver(new Pointer[] {a, null}, 3, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 1 is null; expected a pointer to 3 items of 'd'");
        assertThatThrownBy(() -> JnaIndirect.tableOver(new Pointer[] {a, new Pointer(0)}, 3, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("row 1 is NULL");
        assertThatThrownBy(() -> JnaIndirect.tableOver(new Pointer[] {a, small}, 3, "d", false))
                .isInstanceOf(BufferException.class)
                .hasMessage("row 1: Memory of 16 bytes holds 2 items of 'd'; expected 3 columns (24 bytes)");
        assertThatThrownBy(() -> JnaIndirect.tableOver(new Pointer[] {a}, -1, 3, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1 x 3");
        // More entries than asked for is fine: the first rowCount are used.
        try (IndirectMemory2D m = JnaIndirect.tableOver(new Pointer[] {a, b, small}, 2, 3, "d", false)) {
            assertThat(m.rows()).isEqualTo(2);
        }
    }

    @Test
    void memoryRowsStayReachableThroughTheTableUnderGc() throws InterruptedException {
        IndirectMemory2D m = memoryRowsDropped(16, 64);
        WeakReference<Object> probe = new WeakReference<>(new Object());
        for (int i = 0; i < 20 || probe.get() != null; i++) {
            System.gc();
            byte[][] garbage = new byte[256][];
            for (int g = 0; g < garbage.length; g++) {
                garbage[g] = new byte[4096];
            }
            Thread.sleep(2);
        }
        Memory.purge();
        try (m) {
            double expected = 0;
            for (int r = 0; r < 16; r++) {
                for (int c = 0; c < 64; c++) {
                    expected += r * 100 + c;
                }
            }
            assertThat(C.jt_sum(JnaIndirect.pointer(m), 16, 64)).isEqualTo(expected);
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(Kernels.sum(v)).isEqualTo(expected);
            }
        }
    }

    private static IndirectMemory2D memoryRowsDropped(int rows, int cols) {
        Pointer[] memoryRows = new Pointer[rows];
        for (int r = 0; r < rows; r++) {
            Memory row = new Memory((long) cols * 8);
            for (int c = 0; c < cols; c++) {
                row.setDouble(c * 8L, r * 100 + c);
            }
            memoryRows[r] = row;
        }
        return JnaIndirect.tableOver(memoryRows, cols, "d", false);
    }

    @Test
    void rowsOfAnotherIndirectMemoryAsKeepAlivePointers() {
        try (IndirectMemory2D source = IndirectMemory2D.createFrom(new double[][] {{1, 2}, {3, 4}, {5, 6}})) {
            IndirectPointer table = JnaIndirect.pointer(source);
            Pointer[] rows = {table.getPointer(2L * Native.POINTER_SIZE), table.getPointer(0)};
            try (IndirectMemory2D swapped = JnaIndirect.tableOver(rows, 2, "d", true)) {
                assertThat(swapped.getDouble(0, 1)).isEqualTo(6.0);
                assertThat(swapped.getDouble(1, 0)).isEqualTo(1.0);
                assertThat(C.jt_sum(JnaIndirect.pointer(swapped), 2, 2)).isEqualTo(14.0);
            }
            // The keep-alive pointer shares its owner with its slices.
            Pointer shared = table.share(Native.POINTER_SIZE);
            assertThat(shared).isInstanceOf(IndirectPointer.class);
            assertThat(((IndirectPointer) shared).owner()).isSameAs(source);
        }
    }
}
