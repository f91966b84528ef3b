package org.indirectbuffer.contract;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.indirectbuffer.Access;
import org.indirectbuffer.HandOff;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.PointerBorrower;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.contract.ExporterContract.Mutator;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/**
 * The exporter and owned-resource contracts run against {@link IndirectMemory2D}: each placement, access and sharing
 * of owned memory, copies of Java arrays, borrowed and adopted tables, row and column views, narrowed handles.
 */
class IndirectMemory2DContractTest {

    private static IndirectMemory2D filled(IndirectMemory2D m) {
        for (long r = 0; r < m.rows(); r++) {
            for (long c = 0; c < m.cols(); c++) {
                m.setDouble(r, c, 1 + r * m.cols() + c);
            }
        }
        return m;
    }

    private static Mutator<IndirectMemory2D> closing() {
        return new Mutator<>("close", IndirectMemory2D::close);
    }

    /** The mutators of a RESIZEABLE primary handle of 'd' memory. */
    private static List<Mutator<IndirectMemory2D>> ownerMutators(boolean rowByRow) {
        List<Mutator<IndirectMemory2D>> all = new ArrayList<>(List.of(closing(),
                new Mutator<>("resize", m -> m.resize(m.rows() + 1, m.cols() + 2)),
                new Mutator<>("reinterpretData", m -> m.reinterpretData("f"))));
        if (rowByRow) {
            all.add(new Mutator<>("handOffToC", m -> {
                long rows = m.rows();
                MemoryNanny.freeingRowsAndTable(m.handOffToC(), rows).close();
            }));
            for (HandOff part : List.of(HandOff.ROWS_ONLY, HandOff.TABLE_ONLY)) {
                all.add(new Mutator<>("handOffToC(" + part + ")", m -> {
                    long[] rows = new long[Math.toIntExact(m.rows())];
                    for (int r = 0; r < rows.length; r++) {
                        rows[r] = m.row(r).address();
                    }
                    MemorySegment table = m.handOffToC(part);
                    if (part == HandOff.ROWS_ONLY) {
                        for (long row : rows) { // C's part: each row is one malloc block
                            MemoryNanny.freeingTable(MemorySegment.ofAddress(row)).close();
                        }
                    } else {
                        MemoryNanny.freeingTable(table).close();
                    }
                }));
            }
        }
        return all;
    }

    abstract static class Exporter extends IndirectMemory2DExporterContract {
    }

    /** A handle made over another owner, closed with it. */
    abstract static class Derived extends Exporter {
        private final Map<IndirectMemory2D, AutoCloseable> sources = new IdentityHashMap<>();

        abstract AutoCloseable source();

        abstract IndirectMemory2D over(AutoCloseable source);

        @Override
        protected IndirectMemory2D newExporter() {
            AutoCloseable source = source();
            IndirectMemory2D handle = over(source);
            sources.put(handle, source);
            return handle;
        }

        @Override
        protected void close(IndirectMemory2D exporter) throws Exception {
            exporter.close();
            sources.get(exporter).close();
        }

        /**
         * A narrowed handle's own close ends only the handle and is allowed while it has views open (documented); a
         * view of it locks the memory's primary handle.
         */
        List<Mutator<IndirectMemory2D>> primaryMutators() {
            return List.of(new Mutator<>("close of the primary handle", m -> sources.get(m).close()),
                    new Mutator<>("resize of the primary handle", m -> ((IndirectMemory2D) sources.get(m)).resize(
                            m.rows() + 1, m.cols())));
        }
    }

    @Nested
    class OneBlock extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            return filled(IndirectMemory2D.createMemory(3, 4, "d", false, RowPlacement.ONE_BLOCK));
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return ownerMutators(false);
        }
    }

    @Nested
    class RowByRow extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            return filled(IndirectMemory2D.createMemory(4, 3, "d", false, RowPlacement.ROW_BY_ROW));
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return ownerMutators(true);
        }
    }

    @Nested
    class ReadOnly extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            return IndirectMemory2D.createMemory(2, 5, "i", true);
        }

        @Override
        protected boolean readOnly() {
            return true;
        }
    }

    @Nested
    class Confined extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            return filled(IndirectMemory2D.createMemory(3, 3, "d", false, RowPlacement.ROW_BY_ROW,
                    Sharing.CONFINED));
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return ownerMutators(true);
        }

        @Override
        protected Sharing sharing() {
            return Sharing.CONFINED;
        }
    }

    @Nested
    class CopiedFromJavaArrays extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            return IndirectMemory2D.createFrom(new double[][] {{1, 2, 3}, {4, 5, 6}});
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return ownerMutators(false);
        }
    }

    @Nested
    class CopiedFromJavaArraysConfined extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            return IndirectMemory2D.createFrom(new int[][] {{1, 2}, {3, 4}, {5, 6}}, Sharing.CONFINED);
        }

        @Override
        protected Sharing sharing() {
            return Sharing.CONFINED;
        }
    }

    @Nested
    class Borrowed extends Derived {
        @Override
        AutoCloseable source() {
            return filled(IndirectMemory2D.createMemory(3, 2, "d", false));
        }

        @Override
        IndirectMemory2D over(AutoCloseable source) {
            return IndirectMemory2D.wrap(((IndirectMemory2D) source).pointerTable(), 3, 2, "d", false);
        }
    }

    /** A light borrow (a confined {@link PointerBorrower}'s): no lifetime objects until it lends a view. */
    @Nested
    class BorrowedLight extends Derived {
        private static final PointerBorrower BORROWER = PointerBorrower.of("d", false, Sharing.CONFINED);

        @Override
        AutoCloseable source() {
            return filled(IndirectMemory2D.createMemory(3, 2, "d", false));
        }

        @Override
        IndirectMemory2D over(AutoCloseable source) {
            return BORROWER.borrow(((IndirectMemory2D) source).pointerTable(), 3, 2);
        }

        @Override
        protected Sharing sharing() {
            return Sharing.CONFINED;
        }
    }

    @Nested
    class Adopted extends Exporter {
        @Override
        protected IndirectMemory2D newExporter() {
            IndirectMemory2D c = filled(IndirectMemory2D.createMemory(2, 6, "d", false, RowPlacement.ROW_BY_ROW));
            MemorySegment table = c.handOffToC();
            return IndirectMemory2D.adopt(table, 2, 6, "d", false, MemoryNanny.freeingRowsAndTable(table, 2));
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return List.of(closing(), new Mutator<>("reinterpretData", m -> m.reinterpretData("i")));
        }
    }

    @Nested
    class ViewOfRows extends Derived {
        @Override
        AutoCloseable source() {
            return Fill.counting(MemoryBuffer.allocate(Format.parse("d"), 'C', 3, 4));
        }

        @Override
        IndirectMemory2D over(AutoCloseable source) {
            return IndirectMemory2D.tableOverRows((MemoryBuffer) source);
        }
    }

    @Nested
    class ViewOfColumns extends Derived {
        @Override
        AutoCloseable source() {
            return Fill.counting(MemoryBuffer.allocate(Format.parse("d"), 'F', 3, 4));
        }

        @Override
        IndirectMemory2D over(AutoCloseable source) {
            return IndirectMemory2D.tableOverColumns((MemoryBuffer) source);
        }
    }

    @Nested
    class NarrowedToModifiable extends Derived {
        @Override
        AutoCloseable source() {
            return filled(IndirectMemory2D.createMemory(2, 3, "d", false));
        }

        @Override
        IndirectMemory2D over(AutoCloseable source) {
            return ((IndirectMemory2D) source).narrowed(Access.MODIFIABLE);
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return primaryMutators();
        }
    }

    @Nested
    class NarrowedToReadOnly extends Derived {
        @Override
        AutoCloseable source() {
            return filled(IndirectMemory2D.createMemory(2, 3, "d", false));
        }

        @Override
        IndirectMemory2D over(AutoCloseable source) {
            return ((IndirectMemory2D) source).narrowed(Access.READ_ONLY);
        }

        @Override
        protected boolean readOnly() {
            return true;
        }

        @Override
        protected List<Mutator<IndirectMemory2D>> mutators() {
            return primaryMutators();
        }
    }

    /** Owned memory: an owner dropped unclosed is freed by the Cleaner. */
    abstract static class Owned extends OwnedResourceContract<IndirectMemory2D> {
    }

    @Nested
    class OwnedOneBlock extends Owned {
        @Override
        protected IndirectMemory2D newOwner() {
            return IndirectMemory2D.createMemory(5, 17, "h", false);
        }

        @Override
        protected String listedAs() {
            return "IndirectMemory2D: 5 x 17 'h' (owned, ONE_BLOCK)";
        }
    }

    @Nested
    class OwnedRowByRowConfined extends Owned {
        @Override
        protected IndirectMemory2D newOwner() {
            return IndirectMemory2D.createMemory(6, 19, "i", false, RowPlacement.ROW_BY_ROW, Sharing.CONFINED);
        }

        @Override
        protected String listedAs() {
            return "IndirectMemory2D: 6 x 19 'i' (owned, ROW_BY_ROW)";
        }
    }

    @Nested
    class OwnedCopyOfJavaArrays extends Owned {
        @Override
        protected IndirectMemory2D newOwner() {
            return IndirectMemory2D.createFrom(new float[][] {{1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14}});
        }

        @Override
        protected String listedAs() {
            return "IndirectMemory2D: 2 x 7 'f'";
        }
    }

    @Nested
    class OwnedViewOfRows extends Owned {
        private final MemoryBuffer source = MemoryBuffer.allocate(Format.parse("q"), 'C', 7, 23);

        @AfterEach
        void closeSource() {
            source.close();
        }

        @Override
        protected IndirectMemory2D newOwner() {
            return IndirectMemory2D.tableOverRows(source);
        }

        @Override
        protected String listedAs() {
            return "IndirectMemory2D: 7 x 23 'q'";
        }
    }
}
