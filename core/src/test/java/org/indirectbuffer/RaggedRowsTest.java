package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.nio.ReadOnlyBufferException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Ragged rows in core, without JNA: a lengths vector and sentinel-terminated struct rows (libsvm's {@code svm_node}),
 * field access, holds, and each row with the library's machinery (kernels, counted row exports). The JNA routes
 * (Pointers, {@code IndirectLibrary} calls, C-allocated tables) are tested in the JNA module.
 */
class RaggedRowsTest {
    private static final String NODE = "T{i:index:4x d:value:}";

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

    /** Rows of {@code d} with some empty ones, filled with Gaussian values; returns the values written. */
    private static double[][] fillRandom(RaggedRows rows, long[] lengths, Random random) {
        double[][] values = new double[lengths.length][];
        RaggedRows.FieldAccess v = rows.field(0);
        for (int i = 0; i < lengths.length; i++) {
            values[i] = new double[(int) lengths[i]];
            for (int j = 0; j < lengths[i]; j++) {
                values[i][j] = random.nextGaussian();
                v.setDouble(i, j, values[i][j]);
            }
        }
        return values;
    }

    private static long[] randomLengths(Random random, int rows) {
        long[] lengths = new long[rows];
        for (int i = 0; i < rows; i++) {
            lengths[i] = i % 7 == 0 ? 0 : 1 + random.nextInt(70); // some empty rows, some longer than a vector
        }
        return lengths;
    }

    // ------------------------------------------------------------------------------------------------ kernels

    @Test
    void theKernelsSumEachRowOfARaggedDoubleTableAsJavaDoes() {
        Random random = new Random(5);
        long[] lengths = randomLengths(random, 40);
        try (RaggedRows rows = RaggedRows.create(lengths, "d")) {
            double[][] values = fillRandom(rows, lengths, random);
            double total = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < lengths.length; i++) {
                double expected = 0;
                for (double x : values[i]) {
                    expected += x;
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
                total += expected;
                BufferView view = rows.rowView(i);
                assertThat(view.shape()).containsExactly(lengths[i]);
                assertThat(Kernels.sum(view)).as("row %d", i).isCloseTo(expected, offset(1e-9));
                try (BufferView exported = rows.rowExporter(i).getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(Kernels.sum(exported)).as("exported row %d", i).isCloseTo(expected, offset(1e-9));
                }
            }
            assertThat(rows.sum()).isCloseTo(total, offset(1e-9));
            assertThat(rows.min()).isEqualTo(min);
            assertThat(rows.max()).isEqualTo(max);

            rows.scale(2);
            assertThat(rows.field(0).getDouble(1, 0)).isEqualTo(2 * values[1][0]);
            assertThat(rows.sum()).isCloseTo(2 * total, offset(1e-9));
            try (BufferView row3 = rows.rowExporter(3).getBuffer(BufferRequest.FULL)) {
                Kernels.fill(row3, 0.5);
            }
            assertThat(rows.field(0).getDouble(3, lengths[3] - 1)).isEqualTo(0.5);
            assertThat(rows.field(0).getDouble(4, 0)).as("the next row is untouched").isEqualTo(2 * values[4][0]);
            rows.fill(-1);
            assertThat(rows.sum()).isEqualTo(-rows.totalLength());
            assertThat(rows.max()).isEqualTo(-1);
        }
    }

    @Test
    void aStructRowIsSummedByFieldThroughAStridedView() {
        long[] lengths = {3, 0, 1, 5};
        try (RaggedRows rows = nodes(lengths, NODE)) {
            RaggedRows.FieldAccess index = rows.field("index");
            RaggedRows.FieldAccess value = rows.field("value");
            for (int i = 0; i < lengths.length; i++) {
                double values = 0;
                long indices = 0;
                for (int k = 0; k < lengths[i]; k++) {
                    values += i + k / 10.0;
                    indices += k + 1;
                }
                BufferView v = value.view(i);
                assertThat(v.shape()).containsExactly(lengths[i]);
                assertThat(v.format().toString()).isEqualTo("d");
                if (lengths[i] > 0) {
                    assertThat(v.strides()).containsExactly(16);
                }
                assertThat(Kernels.sum(v)).as("values of row %d", i).isCloseTo(values, offset(1e-12));
                assertThat(Kernels.sumLong(index.view(i))).as("indices of row %d", i).isEqualTo(indices);
            }
            Kernels.scale(value.view(3), 10.0);
            assertThat(value.getDouble(3, 4)).isCloseTo(34, offset(1e-12));
            assertThat(index.getInt(3, 4)).as("the other field is untouched").isEqualTo(5);
            // The terminator after the row's items is untouched too, and the struct rows refuse whole-item sums.
            assertThat(MemorySegment.ofAddress(rows.row(3).address()).reinterpret(6 * 16)
                    .get(ValueLayout.JAVA_INT, 5 * 16)).isEqualTo(-1);
            assertThatThrownBy(rows::sum).isInstanceOf(BufferException.class).hasMessageContaining("not supported");
        }
    }

    @Test
    void rowExportsLockCloseAndClosedRowsAreRefused() {
        RaggedRows rows = RaggedRows.create(new long[] {2, 3}, "d");
        RaggedRows.RowExporter second = rows.rowExporter(1);
        assertThat(second.row()).isEqualTo(1);
        assertThat(second.rows()).isSameAs(rows);
        BufferView view = second.getBuffer(BufferRequest.FULL);
        assertThat(view.shape()).containsExactly(3);
        assertThat(rows.exportCount()).isEqualTo(1);
        assertThatThrownBy(rows::close).isInstanceOf(BufferException.class)
                .hasMessageStartingWith("buffer is locked: cannot close RaggedRows[2 rows of 'd'")
                .hasMessageEndingWith("while 1 view is exported");
        assertThat(rows.isClosed()).isFalse();
        assertThat(Kernels.sum(view)).isZero();
        view.close();
        view.close();
        assertThat(rows.exportCount()).isZero();
        BufferView uncounted = rows.rowView(0);
        assertThat(rows.exportCount()).as("rowView is not an export").isZero();
        rows.close();
        rows.close();
        assertThat(rows.isClosed()).isTrue();
        assertThat(rows.toString()).endsWith(", closed]");
        assertThatThrownBy(() -> second.getBuffer(BufferRequest.FULL_RO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
        assertThatThrownBy(() -> rows.rowExporter(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> rows.rowView(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> rows.field(0).view(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(rows::sum).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Kernels.sum(uncounted)).as("a view taken before the close").isInstanceOf(
                IllegalStateException.class);
        assertThatThrownBy(() -> rows.rowExporter(2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readOnlyRowsRefuseWritableExportsAndWrites() {
        try (RaggedRows owner = RaggedRows.create(new long[] {2, 1}, "d");
             RaggedRows readOnly = RaggedRows.wrap(owner.pointerTable(), new long[] {2, 1}, "d", true)) {
            owner.field(0).setDouble(0, 1, 4.5);
            assertThatThrownBy(() -> readOnly.rowExporter(0).getBuffer(BufferRequest.FULL))
                    .isInstanceOf(BufferException.class);
            assertThat(readOnly.exportCount()).isZero();
            try (BufferView v = readOnly.rowExporter(0).getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.isReadOnly()).isTrue();
                assertThat(Kernels.max(v)).isEqualTo(4.5);
            }
            assertThatThrownBy(() -> readOnly.fill(1)).isInstanceOf(ReadOnlyBufferException.class)
                    .hasMessageStartingWith("fill(1.0) at every item: RaggedRows[");
            assertThatThrownBy(() -> readOnly.scale(2)).isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> Kernels.fill(readOnly.field(0).view(0), 1.0))
                    .isInstanceOf(RuntimeException.class);
            assertThat(owner.field(0).getDouble(0, 1)).as("nothing was written").isEqualTo(4.5);
        }
    }

    @Test
    void minAndMaxOfRowsWithoutItemsAreRefused() {
        try (RaggedRows empty = RaggedRows.create(new long[] {0, 0}, "d")) {
            assertThat(empty.sum()).isZero();
            assertThatThrownBy(empty::min).isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("min: RaggedRows[2 rows of 'd'").hasMessageEndingWith("has no items");
            assertThatThrownBy(empty::max).isInstanceOf(BufferException.class).hasMessageContaining("has no items");
        }
    }

    // ------------------------------------------------------------------------------------------------ sharing

    @Test
    void confinedRowsBelongToTheirThread() throws Exception {
        RaggedRows rows = RaggedRows.create(new long[] {2, 3}, "d", Sharing.CONFINED);
        rows.fill(1.5);
        assertThat(rows.toString()).contains("owned, confined");
        assertThat(elsewhere(() -> rows.field(0).getDouble(0, 0))).isInstanceOf(WrongThreadException.class);
        assertThat(elsewhere(() -> {
            rows.close();
            return null;
        })).isInstanceOf(WrongThreadException.class);
        assertThat(rows.isClosed()).as("a refused close changes nothing").isFalse();
        assertThat(rows.sum()).isEqualTo(7.5);
        BufferView confinedView = rows.rowExporter(0).getBuffer(BufferRequest.FULL_RO, Sharing.CONFINED);
        assertThat(elsewhere(() -> {
            confinedView.close();
            return null;
        })).isInstanceOf(WrongThreadException.class);
        confinedView.close();
        rows.close();
        assertThat(rows.isClosed()).isTrue();

        try (RaggedRows terminated = RaggedRows.createTerminated(new long[] {1}, NODE, Terminator.field("index", -1),
                Sharing.CONFINED)) {
            assertThat(terminated.field("index").getInt(0, 0)).isZero();
            assertThat(MemorySegment.ofAddress(terminated.row(0).address()).reinterpret(32)
                    .get(ValueLayout.JAVA_INT, 16)).isEqualTo(-1);
        }
    }

    /** What {@code action} threw on another thread, or null. */
    private static Throwable elsewhere(java.util.concurrent.Callable<?> action) throws InterruptedException {
        try {
            CompletableFuture.supplyAsync(() -> {
                try {
                    return action.call();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }).get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    // ------------------------------------------------------------------------------------------------ fields

    @Test
    void namedFieldsAndTheirTypesAreChecked() {
        try (RaggedRows rows = nodes(new long[] {2}, NODE)) {
            RaggedRows.FieldAccess index = rows.field("index");
            RaggedRows.FieldAccess value = rows.field("value");
            assertThat(index.type()).isEqualTo(ElementType.INT32);
            assertThat(value.offset()).isEqualTo(8);
            assertThat(index.getInt(0, 1)).isEqualTo(2);
            assertThat(index.getLong(0, 1)).isEqualTo(2);
            assertThat(value.getDouble(0, 1)).isEqualTo(0.1);
            assertThatThrownBy(() -> value.getInt(0, 0)).isInstanceOf(BufferException.class)
                    .hasMessage("getInt: field 'value' of format 'T{i:index:4xd:value:}' is FLOAT64; getInt takes"
                            + " integer fields of at most 4 bytes");
            assertThatThrownBy(() -> index.getDouble(0, 0)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("'index'");
            assertThatThrownBy(() -> index.setLong(0, 0, 1L << 40))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("value 1099511627776 does not fit a 4-byte signed field");
            assertThatThrownBy(() -> rows.field("weight")).isInstanceOf(BufferException.class)
                    .hasMessage("field 'weight' not found in format 'T{i:index:4xd:value:}'; its fields are"
                            + " [index, value]");
            assertThatThrownBy(() -> rows.field(2)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("has 2 field(s)");
            assertThatThrownBy(() -> index.getInt(0, 2)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageStartingWith("item 2 out of range [0, 2) of row 0 of RaggedRows[1 rows");
            assertThatThrownBy(() -> index.getInt(1, 0)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageStartingWith("row 1 out of range [0, 1)");
            assertThatThrownBy(() -> index.view(1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageStartingWith("row 1 out of range [0, 1)");
        }
    }

    @Test
    void terminatorsAreCheckedAgainstTheFormat() {
        assertThatThrownBy(() -> RaggedRows.createTerminated(new long[] {1}, NODE, Terminator.field("idx", -1)))
                .isInstanceOf(BufferException.class)
                .hasMessage("terminator field 'idx' not found in format 'T{i:index:4xd:value:}'; its fields are"
                        + " [index, value]");
        assertThatThrownBy(() -> RaggedRows.createTerminated(new long[] {1}, "i4xd", Terminator.field(1, -1)))
                .isInstanceOf(BufferException.class).hasMessageContaining("is FLOAT64")
                .hasMessageContaining("expected an integer or pointer field");
        assertThatThrownBy(() -> RaggedRows.createTerminated(new long[] {1}, "h6xd", Terminator.field(0, 40000)))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value 40000 does not fit a 2-byte");
        assertThatThrownBy(() -> RaggedRows.create(new long[] {1, -2}, "d"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("lengths[1] = -2: expected a row length >= 0");
        assertThatThrownBy(() -> Terminator.field(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RaggedRows.wrap(MemorySegment.NULL, new long[] {2}, "d", false))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("table is NULL, but 1 rows were given");
        assertThatThrownBy(() -> RaggedRows.create(new long[] {Long.MAX_VALUE / 2}, "d"))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflow a 64-bit byte count");
        assertThatThrownBy(() -> RaggedRows.wrapTerminated(MemorySegment.NULL, -1, "i", Terminator.zeroItem(), 4,
                false)).isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("rows = -1: expected");
        // A NULL-terminated list of pointers: the zero item.
        try (RaggedRows lists = RaggedRows.createTerminated(new long[] {2, 0}, "P", Terminator.zeroItem())) {
            assertThat(lists.terminator()).contains(Terminator.zeroItem());
            assertThat(MemorySegment.ofAddress(lists.row(0).address()).reinterpret(24)
                    .get(ValueLayout.ADDRESS, 16)).isEqualTo(MemorySegment.NULL);
        }
    }

    // ------------------------------------------------------------------------------------------------ lifetime

    @Test
    void aHoldKeepsTheRowsOpen() {
        RaggedRows rows = nodes(new long[] {2, 2}, "i4xd");
        RaggedRows.Hold hold = rows.hold("model 42");
        assertThat(hold.rows()).isSameAs(rows);
        assertThat(rows.holdCount()).isEqualTo(1);
        assertThatThrownBy(rows::close).isInstanceOf(BufferException.class)
                .hasMessageContaining("buffer is locked: cannot close RaggedRows[2 rows")
                .hasMessageContaining("1 hold is open: [model 42]");
        assertThat(rows.isClosed()).isFalse();
        assertThat(rows.field(1).getDouble(1, 1)).isEqualTo(1.1);
        hold.close();
        hold.close();
        assertThat(hold.isReleased()).isTrue();
        assertThat(rows.holdCount()).isZero();
        rows.close();
        rows.close();
        assertThatThrownBy(() -> rows.row(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> rows.hold("late")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anOpenRowExportKeepsDroppedRowsAliveAndTheCleanerFreesThemOnceItIsClosed() throws InterruptedException {
        RaggedRows rows = RaggedRows.create(new long[] {1, 4}, "d");
        rows.fill(2.5);
        WeakReference<RaggedRows> weak = new WeakReference<>(rows);
        MemorySegment row1 = rows.row(1);
        BufferView view = rows.rowExporter(1).getBuffer(BufferRequest.FULL_RO);
        rows = null;
        for (int i = 0; i < 6; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(weak.get()).as("the open view keeps the rows reachable").isNotNull();
        assertThat(row1.scope().isAlive()).isTrue();
        assertThat(Kernels.sum(view)).isEqualTo(10.0);
        view.close();
        view = null;
        assertThat(IndirectMemory2DLifetimeTest.gcUntil(() -> !row1.scope().isAlive()))
                .as("unclosed and unreachable, the rows are freed by the Cleaner").isTrue();
        assertThat(weak.get()).isNull();
    }

    @Test
    void aLentTableBorrowedBackIsReadThroughTheOwnersRecord() {
        try (RaggedRows owner = RaggedRows.create(new long[] {2, 3}, "i")) {
            owner.field(0).setInt(1, 2, 7);
            try (RaggedRows bare = RaggedRows.wrap(owner.pointerTable(), new long[] {2, 3}, "i", false)) {
                assertThat(bare.toString()).contains("borrowed");
                assertThat(bare.field(0).getInt(1, 2)).isEqualTo(7);
                bare.field(0).setInt(0, 0, -5);
                assertThat(Kernels.sumLong(bare.rowView(1))).isEqualTo(7);
            }
            assertThat(owner.field(0).getInt(0, 0)).isEqualTo(-5);
            assertThatThrownBy(() -> RaggedRows.wrap(owner.pointerTable(), new long[] {1, 1, 1}, "i", false))
                    .isInstanceOf(BufferException.class).hasMessageContaining("holds 2 row pointers");
            assertThatThrownBy(() -> RaggedRows.wrap(owner.pointerTable(), new long[] {2, 4}, "i", false))
                    .isInstanceOf(BufferException.class).hasMessageContaining("allocated holds 12 bytes");
            assertThatThrownBy(() -> owner.pointerTable().set(ValueLayout.JAVA_LONG, 0, 0xdead_0000L))
                    .as("the lent table is read-only to Java").isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aForeignTableIsBorrowedAndItsRowsDieWithTheRows() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = arena.allocate(ValueLayout.ADDRESS, 2);
            MemorySegment row0 = arena.allocate(ValueLayout.JAVA_DOUBLE, 2);
            row0.setAtIndex(ValueLayout.JAVA_DOUBLE, 1, 3.0);
            table.setAtIndex(ValueLayout.ADDRESS, 0, row0);
            table.setAtIndex(ValueLayout.ADDRESS, 1, arena.allocate(ValueLayout.JAVA_DOUBLE, 1));
            RaggedRows rows = RaggedRows.wrap(table, new long[] {2, 1}, "d", false);
            assertThat(rows.sum()).isEqualTo(3.0);
            BufferView exported = rows.rowExporter(0).getBuffer(BufferRequest.FULL_RO);
            assertThatThrownBy(rows::close).isInstanceOf(BufferException.class).hasMessageContaining("is locked");
            exported.close();
            rows.close();
            assertThat(row0.getAtIndex(ValueLayout.JAVA_DOUBLE, 1)).as("borrowed memory is not freed").isEqualTo(3.0);
        }
    }
}
