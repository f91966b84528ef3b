package org.indirectbuffer.jna;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.contract.ExporterContract.Mutator;
import org.indirectbuffer.contract.IndirectMemory2DExporterContract;
import org.indirectbuffer.contract.OwnedResourceContract;
import org.indirectbuffer.contract.RaggedRowExporterContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/**
 * The exporter and owned-resource contracts (core's test-jar) run against what this module makes: tables C allocated,
 * wrapped (borrowed) or adopted, through a Pointer or an out-parameter; tables of JNA {@code Memory} rows; ragged rows
 * wrapped from JNA; {@link CStringArray}; and the {@link IndirectPointer}s that hold an export.
 */
class JnaContractTest {
    private static final TestNative.Raw C = TestNative.RAW;
    private static final FreeFunction FREE_MATRIX =
            FreeFunction.withRowCount(TestNative.LIBRARY.getFunction("jt_free_matrix"));

    /** Rows of JNA {@code Memory}, row {@code r} holding {@code 1 + 10 r + c} at column {@code c}. */
    private static Memory[] memoryRows(int rows, int cols) {
        Memory[] out = new Memory[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = new Memory((long) cols * Double.BYTES);
            for (int c = 0; c < cols; c++) {
                out[r].setDouble((long) c * Double.BYTES, 1 + 10 * r + c);
            }
        }
        return out;
    }

    /** A JNA {@code Memory} table pointing at {@code rows}. */
    private static Memory memoryTable(Memory[] rows) {
        Memory table = new Memory((long) rows.length * Native.POINTER_SIZE);
        for (int r = 0; r < rows.length; r++) {
            table.setPointer((long) r * Native.POINTER_SIZE, rows[r]);
        }
        return table;
    }

    // ------------------------------------------------------------------------------------------------ exporters

    /** An {@link IndirectMemory2D} a JNA factory made; closing it is the one mutator. */
    abstract static class Exporter extends IndirectMemory2DExporterContract {
    }

    /** A table C allocated and keeps owning: the fixture frees it once the wrapper is closed. */
    abstract static class BorrowedFromC extends Exporter {
        private final Map<IndirectMemory2D, Pointer> tables = new IdentityHashMap<>();

        abstract IndirectMemory2D wrap(Pointer table, long rows, long cols);

        @Override
        protected IndirectMemory2D newExporter() {
            Pointer table = C.jt_new_matrix(3, 4);
            IndirectMemory2D m = wrap(table, 3, 4);
            tables.put(m, table);
            return m;
        }

        @Override
        protected void close(IndirectMemory2D exporter) {
            exporter.close();
            Pointer table = tables.remove(exporter);
            if (table != null) {
                C.jt_free_matrix(table, 3);
            }
        }
    }

    @Nested
    class Wrapped extends BorrowedFromC {
        @Override
        IndirectMemory2D wrap(Pointer table, long rows, long cols) {
            return JnaIndirect.wrap(table, rows, cols, "d", false);
        }
    }

    @Nested
    class WrappedReadOnly extends BorrowedFromC {
        @Override
        IndirectMemory2D wrap(Pointer table, long rows, long cols) {
            return JnaIndirect.wrap(table, rows, cols, "d", true);
        }

        @Override
        protected boolean readOnly() {
            return true;
        }
    }

    @Nested
    class WrappedConfined extends BorrowedFromC {
        @Override
        IndirectMemory2D wrap(Pointer table, long rows, long cols) {
            return JnaIndirect.wrap(table, rows, cols, "d", false, Sharing.CONFINED);
        }

        @Override
        protected Sharing sharing() {
            return Sharing.CONFINED;
        }
    }

    @Nested
    class WrappedKeepingAlive extends BorrowedFromC {
        @Override
        IndirectMemory2D wrap(Pointer table, long rows, long cols) {
            return JnaIndirect.wrapKeepingAlive(table, rows, cols, "d", false, new Object());
        }
    }

    @Nested
    class WrappedOutParameter extends BorrowedFromC {
        @Override
        IndirectMemory2D wrap(Pointer table, long rows, long cols) {
            PointerByReference out = new PointerByReference(table);
            return JnaIndirect.wrapOutParameter(out, rows, cols, "d", false, Sharing.SHARED);
        }
    }

    /** A table this library lent as an {@link IndirectPointer}, wrapped back: the wrapper keeps the Pointer alive. */
    @Nested
    class WrappedIndirectPointer extends Exporter {
        private final Map<IndirectMemory2D, IndirectMemory2D> sources = new IdentityHashMap<>();

        @Override
        protected IndirectMemory2D newExporter() {
            IndirectMemory2D source = IndirectMemory2D.createFrom(new double[][] {{1, 2, 3}, {4, 5, 6}});
            IndirectMemory2D m = JnaIndirect.wrap(JnaIndirect.pointer(source), 2, 3, "d", false);
            sources.put(m, source);
            return m;
        }

        @Override
        protected void close(IndirectMemory2D exporter) {
            exporter.close();
            IndirectMemory2D source = sources.remove(exporter);
            if (source != null) {
                source.close();
            }
        }
    }

    /** Memory C allocated, adopted: the result frees it. */
    abstract static class AdoptedFromC extends Exporter {
        abstract IndirectMemory2D adopt(long rows, long cols);

        @Override
        protected IndirectMemory2D newExporter() {
            return adopt(2, 5);
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return List.of(new Mutator<>("close", IndirectMemory2D::close),
                    new Mutator<>("reinterpretData", m -> m.reinterpretData("q")));
        }
    }

    @Nested
    class Adopted extends AdoptedFromC {
        @Override
        IndirectMemory2D adopt(long rows, long cols) {
            return JnaIndirect.adopt(C.jt_new_matrix((int) rows, (int) cols), rows, cols, "d", false, FREE_MATRIX);
        }
    }

    @Nested
    class AdoptedFromOutParameter extends AdoptedFromC {
        @Override
        IndirectMemory2D adopt(long rows, long cols) {
            PointerByReference out = new PointerByReference();
            C.jt_make_matrix(out, (int) rows, (int) cols);
            return JnaIndirect.adoptOutParameter(out, rows, cols, "d", false, FREE_MATRIX);
        }
    }

    @Nested
    class WrappedWithNanny extends AdoptedFromC {
        @Override
        IndirectMemory2D adopt(long rows, long cols) {
            Pointer table = C.jt_new_matrix((int) rows, (int) cols);
            return JnaIndirect.adopt(table, rows, cols, "d", false, FREE_MATRIX.nanny(table, rows));
        }
    }

    @Nested
    class FromMemoryRows extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            return JnaIndirect.tableOver(memoryRows(3, 4), 4, "d", false);
        }
    }

    @Nested
    class WrappedMemoryTable extends Exporter {
        /**
         * The rows' {@code Memory} objects: {@code wrap} borrows, so the caller keeps them reachable (only the table
         * is kept alive by the wrapper). Dropped, JNA frees them and the wrapper would read freed memory, which this
         * suite once did, intermittently.
         */
        private final List<Memory[]> rows = new ArrayList<>();

        @Override
        protected IndirectMemory2D newExporter() {
            Memory[] r = memoryRows(4, 2);
            rows.add(r);
            return JnaIndirect.wrap(memoryTable(r), 4, 2, "d", false);
        }
    }

    @Nested
    class WrappedRaggedMemoryRow extends RaggedRowExporterContract {
        /** The rows' {@code Memory} objects, kept reachable by the caller as for {@link WrappedMemoryTable}. */
        private final List<Memory[]> rows = new ArrayList<>();

        @Override
        protected RaggedRows newRows() {
            Memory[] r = memoryRows(3, 5);
            rows.add(r);
            return JnaIndirect.wrapRagged(memoryTable(r), new long[] {2, 5, 3}, "d", false);
        }
    }

    // ------------------------------------------------------------------------------------------------ owners

    /** Memory C allocated and an owner adopted: what it holds is C's count of live matrices. */
    abstract static class OwnedFromC<O extends AutoCloseable> extends OwnedResourceContract<O> {
        @Override
        protected long held() {
            return C.jt_live_matrices();
        }
    }

    @Nested
    class OwnedAdopted extends OwnedFromC<IndirectMemory2D> {
        @Override
        protected IndirectMemory2D newOwner() {
            return JnaIndirect.adopt(C.jt_new_matrix(4, 9), 4, 9, "d", false, FREE_MATRIX);
        }

        @Override
        protected String listedAs() {
            return "IndirectMemory2D: 4 x 9 'd' (adopted)";
        }
    }

    @Nested
    class OwnedFromOutParameter extends OwnedFromC<IndirectMemory2D> {
        @Override
        protected IndirectMemory2D newOwner() {
            PointerByReference out = new PointerByReference();
            C.jt_make_matrix(out, 3, 13);
            return JnaIndirect.adoptOutParameter(out, 3, 13, "d", true, FREE_MATRIX);
        }

        @Override
        protected String listedAs() {
            return "IndirectMemory2D: 3 x 13 'd' (adopted)";
        }
    }

    @Nested
    class OwnedRaggedAdopted extends OwnedFromC<RaggedRows> {
        @Override
        protected RaggedRows newOwner() {
            return JnaIndirect.adoptRagged(C.jt_new_matrix(3, 4), new long[] {4, 2, 3}, "d", false, FREE_MATRIX);
        }

        @Override
        protected String listedAs() {
            return "RaggedRows: 3 rows of 'd', adopted";
        }
    }

    @Nested
    class OwnedTableOfMemoryRows extends OwnedResourceContract<IndirectMemory2D> {
        @Override
        protected IndirectMemory2D newOwner() {
            return JnaIndirect.tableOver(memoryRows(6, 3), 3, "d", false);
        }

        @Override
        protected String listedAs() {
            return "IndirectMemory2D: 6 x 3 'd' (adopted)";
        }
    }

    @Nested
    class OwnedStringArray extends OwnedResourceContract<CStringArray> {
        @Override
        protected CStringArray newOwner() {
            return CStringArray.create(StandardCharsets.UTF_16LE, "ein", "Kontrakt", "für", "JNA");
        }

        @Override
        protected String listedAs() {
            return "CStringTable: 4 strings, UTF-16LE";
        }
    }

    /** An {@link IndirectPointer} holding an export: what it holds is the exporter's export count. */
    abstract static class ExportingPointer<E extends BufferExporter & AutoCloseable>
            extends OwnedResourceContract<IndirectPointer> {
        final E exporter = newExporter();

        abstract E newExporter();

        abstract int exportCount();

        @AfterEach
        void closeExporter() throws Exception {
            exporter.close();
        }

        @Override
        protected long held() {
            return exportCount();
        }
    }

    @Nested
    class ExportPointer extends ExportingPointer<IndirectMemory2D> {
        @Override
        IndirectMemory2D newExporter() {
            return IndirectMemory2D.createMemory(2, 11, "d", false);
        }

        @Override
        int exportCount() {
            return exporter.exportCount();
        }

        @Override
        protected IndirectPointer newOwner() {
            return JnaIndirect.export(exporter, BufferRequest.FULL_RO);
        }

        @Override
        protected String listedAs() {
            return "IndirectPointer: export of IndirectMemory2D[2 x 11 'd' (owned, ONE_BLOCK)";
        }
    }

    @Nested
    class CollectionPointer extends ExportingPointer<BufferCollection2D> {
        @Override
        BufferCollection2D newExporter() {
            return BufferCollection2D.wrap(new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}, {13, 14, 15}});
        }

        @Override
        int exportCount() {
            return exporter.exportCount();
        }

        @Override
        protected IndirectPointer newOwner() {
            return JnaIndirect.export(exporter);
        }

        @Override
        protected String listedAs() {
            return "IndirectPointer: export of BufferCollection2D[5 x 3 'd'";
        }
    }
}
