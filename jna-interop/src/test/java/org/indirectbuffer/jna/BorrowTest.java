package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.ptr.PointerByReference;

import org.assertj.core.data.Offset;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.collection.BufferCollection2D;
import org.junit.jupiter.api.Test;

/** Borrowing through JNA: a table C keeps owning, from a Pointer or an out-parameter, shared or confined. */
class BorrowTest {
    private static final TestNative.Raw C = TestNative.RAW;

    @Test
    void anOutParameterCanBeBorrowedAndIsNeverFreedHere() throws Exception {
        int frees = C.jt_free_calls();
        PointerByReference out = new PointerByReference();
        assertThat(C.jt_make_matrix(out, 4, 3)).isZero();
        try {
            try (IndirectMemory2D m = JnaIndirect.wrapOutParameter(out, 4, 3, "d", true, Sharing.CONFINED)) {
                assertThat(m.sharing()).isEqualTo(Sharing.CONFINED);
                assertThat(m.getDouble(3, 2)).isCloseTo(3.2, Offset.offset(1e-12));
                Throwable other = null;
                try {
                    CompletableFuture.runAsync(() -> m.getDouble(0, 0)).get();
                } catch (ExecutionException e) {
                    other = e.getCause();
                }
                assertThat(other).isInstanceOf(WrongThreadException.class);
            }
            try (IndirectMemory2D m = JnaIndirect.wrapOutParameter(out, 4, 3, "d", true, Sharing.SHARED)) {
                assertThat(CompletableFuture.supplyAsync(() -> m.getDouble(2, 1)).get())
                        .isCloseTo(2.1, Offset.offset(1e-12));
            }
            assertThat(C.jt_free_calls()).as("borrowing freed nothing").isEqualTo(frees);
        } finally {
            C.jt_free_matrix(out.getValue(), 4);
        }
        assertThat(C.jt_free_calls()).isEqualTo(frees + 1);
        PointerByReference unset = new PointerByReference();
        assertThatThrownBy(() -> JnaIndirect.wrapOutParameter(unset, 2, 2, "d", true, Sharing.CONFINED))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds NULL");
    }

    @Test
    void aConfinedWrapOfAMemoryTableKeepsTheTableAndReadsIt() {
        Memory row = new Memory(16);
        row.setDouble(8, 2.5);
        Memory table = new Memory(Native.POINTER_SIZE);
        table.setPointer(0, row);
        try (IndirectMemory2D m = JnaIndirect.wrap(table, 1, 2, "d", false, Sharing.CONFINED)) {
            assertThat(m.getDouble(0, 1)).isEqualTo(2.5);
            m.setDouble(0, 0, -1);
        }
        assertThat(row.getDouble(0)).isEqualTo(-1.0);
    }

    @Test
    void aReadOnlyArgumentIsStagedForTheCallAndNeverCopiedBack() {
        double[][] data = {{1, 2, 3}, {4, 5, 6}};
        try (BufferCollection2D rows = BufferCollection2D.wrap(data)) {
            assertThat(TestNative.TYPED.jt_sum(IndirectLibrary.readOnly(rows), 2, 3)).isEqualTo(21.0);
            // A C function that writes through a const table writes the staged copy only.
            TestNative.TYPED.jt_fill(IndirectLibrary.readOnly(rows), 2, 3);
            assertThat(data[1][2]).as("not copied back").isEqualTo(6.0);
            assertThat(rows.exportCount()).isZero();
            // The same collection passed as writable is copied back, as before.
            TestNative.TYPED.jt_fill(rows, 2, 3);
            assertThat(data[1][2]).isEqualTo(1002.0);
        }
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(data)) {
            assertThat(TestNative.TYPED.jt_sum(IndirectLibrary.readOnly(m), 2, 3)).isEqualTo(3006.0);
            assertThat(m.exportCount()).isZero();
        }
        assertThatThrownBy(() -> IndirectLibrary.readOnly(null)).isInstanceOf(NullPointerException.class);
    }
}
