package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Terminator;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryNanny;
import org.junit.jupiter.api.Test;

/**
 * A memory nanny has one owner, whichever module makes it: every adopting factory here adopts the nanny (the memory's
 * segments belong to it), so a second owner is refused and closing the nanny by hand ends the owner's memory before
 * it frees. And a nanny is typed: no factory takes an {@code Object} where a nanny goes.
 */
class NannyAdoptionTest {
    private static final long POINTER = Native.POINTER_SIZE;

    /** A table of {@code rows} JNA Memory rows of {@code cols} doubles, row r holding r * 10 + c. */
    private static Memory table(Memory[] rowsOut, int cols) {
        Memory table = new Memory(rowsOut.length * POINTER);
        for (int r = 0; r < rowsOut.length; r++) {
            rowsOut[r] = new Memory(cols * 8L);
            for (int c = 0; c < cols; c++) {
                rowsOut[r].setDouble(c * 8L, r * 10 + c);
            }
            table.setPointer(r * POINTER, rowsOut[r]);
        }
        return table;
    }

    private static MemoryNanny countingNanny(AtomicInteger frees) {
        return MemoryNanny.running("counted free", frees::incrementAndGet);
    }

    @Test
    void aNannyIsAdoptedOnceThroughTheJnaPathWithAMemoryTable() {
        Memory[] rows = new Memory[2];
        Memory table = table(rows, 3);
        AtomicInteger frees = new AtomicInteger();
        MemoryNanny nanny = countingNanny(frees);
        try (IndirectMemory2D first = JnaIndirect.adopt(table, 2, 3, "d", true, nanny)) {
            assertThatThrownBy(() -> JnaIndirect.adopt(table, 2, 3, "d", true, nanny))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already adopted");
            assertThatThrownBy(() -> IndirectMemory2D.adopt(MemorySegment.ofAddress(Pointer.nativeValue(table)),
                    2, 3, "d", true, nanny)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already adopted");
            assertThat(first.getDouble(1, 2)).isEqualTo(12.0);
            assertThat(frees).as("the refused adoptions freed nothing").hasValue(0);
        }
        assertThat(frees).hasValue(1);
        assertThat(nanny.isFreed()).isTrue();
    }

    @Test
    void aNannyIsAdoptedOnceByRaggedRowsAndAnyOtherOwner() {
        Memory[] rows = new Memory[2];
        Memory table = table(rows, 3);
        MemorySegment bare = MemorySegment.ofAddress(Pointer.nativeValue(table));
        long[] lengths = {3, 2};
        AtomicInteger frees = new AtomicInteger();
        MemoryNanny nanny = countingNanny(frees);
        try (RaggedRows ragged = RaggedRows.adopt(bare, lengths, "d", true, nanny)) {
            assertThatThrownBy(() -> IndirectMemory2D.adopt(bare, 2, 3, "d", true, nanny))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already adopted");
            assertThatThrownBy(() -> RaggedRows.adopt(bare, lengths, "d", true, nanny))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already adopted");
            assertThat(ragged.row(1).get(ValueLayout.JAVA_DOUBLE, 8)).isEqualTo(11.0);
        }
        assertThat(frees).hasValue(1);

        AtomicInteger frees2 = new AtomicInteger();
        MemoryNanny second = countingNanny(frees2);
        try (IndirectMemory2D dense = IndirectMemory2D.adopt(bare, 2, 3, "d", true, second)) {
            // Row 0 starts with 0.0, its terminator: the scan succeeds, and the adoption is refused.
            assertThatThrownBy(() -> RaggedRows.adoptTerminated(bare, 1, "d", Terminator.zeroItem(), 2, true, second))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already adopted");
            assertThat(dense.getDouble(0, 0)).isEqualTo(0.0);
        }
        assertThat(frees2).hasValue(1);
        assertThat(rows).hasSize(2); // the rows stay reachable to the end of the test
    }

    @Test
    void closingANannyByHandEndsTheRaggedRowsMemoryBeforeItFrees() {
        Memory[] rows = new Memory[2];
        Memory table = table(rows, 3);
        MemorySegment bare = MemorySegment.ofAddress(Pointer.nativeValue(table));
        List<Boolean> aliveWhenFreed = new ArrayList<>();
        MemorySegment[] row = new MemorySegment[1];
        MemoryNanny nanny = MemoryNanny.running("checks the row", () -> aliveWhenFreed.add(row[0].scope().isAlive()));
        RaggedRows ragged = RaggedRows.adopt(bare, new long[] {3, 3}, "d", false, nanny);
        row[0] = ragged.row(0);
        nanny.close();
        assertThat(aliveWhenFreed).as("the row was dead when the free ran").containsExactly(false);
        assertThat(nanny.isFreed()).isTrue();
        assertThatThrownBy(() -> row[0].get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ragged.row(1).get(ValueLayout.JAVA_DOUBLE, 0))
                .isInstanceOf(IllegalStateException.class);
        ragged.close();
        assertThat(rows).hasSize(2);
    }

    @Test
    void aNannyIsNoKeepAlive() {
        Memory[] rows = new Memory[1];
        Memory table = table(rows, 1);
        MemorySegment bare = MemorySegment.ofAddress(Pointer.nativeValue(table));
        MemoryNanny nanny = MemoryNanny.running("rows", () -> { });
        assertThatThrownBy(() -> JnaIndirect.wrapKeepingAlive(table, 1, 1, "d", true, nanny))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a nanny kept alive never frees");
        assertThatThrownBy(() -> RaggedRows.wrapKeepingAlive(bare, new long[] {1}, "d", true, nanny))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a nanny kept alive never frees");
        assertThatThrownBy(() -> RaggedRows.wrapTerminatedKeepingAlive(bare, 1, "d", Terminator.zeroItem(), 1, true,
                nanny)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a nanny kept alive never frees");
        assertThat(nanny.isFreed()).isFalse();
    }

    @Test
    void anAdoptingNannyKeepsAMemoryTableReachableUntilItFrees() throws InterruptedException {
        Memory[] rows = new Memory[2];
        Memory table = table(rows, 3);
        WeakReference<Memory> tableRef = new WeakReference<>(table);
        AtomicInteger frees = new AtomicInteger();
        IndirectMemory2D m = JnaIndirect.adopt(table, 2, 3, "d", true, countingNanny(frees));
        table = null; // only the adopted nanny keeps it now
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(tableRef.get()).as("the table is kept while the memory is open").isNotNull();
        assertThat(m.getDouble(1, 0)).isEqualTo(10.0);
        m.close();
        assertThat(frees).hasValue(1);
        for (int i = 0; i < 50 && tableRef.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(tableRef.get()).as("released once the nanny freed").isNull();
        assertThat(rows).hasSize(2);
    }

    /** Where a nanny goes, the parameter is a MemoryNanny; only the keep-alive factories take an Object. */
    @Test
    void noFactoryTakesAnObjectWhereANannyGoes() {
        for (Class<?> type : new Class<?>[] {IndirectMemory2D.class, RaggedRows.class, JnaIndirect.class}) {
            for (Method method : type.getMethods()) {
                if (!Modifier.isStatic(method.getModifiers())) {
                    continue;
                }
                for (Class<?> parameter : method.getParameterTypes()) {
                    if (parameter == Object.class) {
                        assertThat(method.getName()).as(method.toString()).endsWith("KeepingAlive");
                    }
                }
            }
        }
    }
}
