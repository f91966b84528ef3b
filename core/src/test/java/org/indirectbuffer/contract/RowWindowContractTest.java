package org.indirectbuffer.contract;

import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.RowWindow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The exporter and owned-resource contracts run against {@link RowWindow}. */
class RowWindowContractTest {

    private static IndirectMemory2D source(long rows, long cols, String format) {
        IndirectMemory2D m = IndirectMemory2D.createMemory(rows, cols, format, false);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                m.setDouble(r, c, 1 + r * cols + c);
            }
        }
        return m;
    }

    @Nested
    class Window extends ExporterContract<RowWindow> {
        private final Map<RowWindow, IndirectMemory2D> sources = new IdentityHashMap<>();

        @Override
        protected RowWindow newExporter() {
            IndirectMemory2D source = source(3, 8, "d");
            RowWindow w = RowWindow.tableOver(source, 2, 4);
            sources.put(w, source);
            return w;
        }

        @Override
        protected int exportCount(RowWindow exporter) {
            return exporter.exportCount();
        }

        @Override
        protected void close(RowWindow exporter) {
            exporter.close();
            sources.get(exporter).close();
        }

        @Override
        protected List<Mutator<RowWindow>> mutators() {
            return List.of(new Mutator<>("close", RowWindow::close),
                    new Mutator<>("moveTo(offset)", w -> w.moveTo(3)),
                    new Mutator<>("moveTo(offset, length)", w -> w.moveTo(0, 2)));
        }

        @Override
        protected List<MemorySegment> partsOf(RowWindow exporter) {
            return List.of(exporter.pointerTable());
        }
    }

    @Nested
    class Owned extends OwnedResourceContract<RowWindow> {
        private final IndirectMemory2D source = source(11, 29, "d");

        @AfterEach
        void closeSource() {
            source.close();
        }

        @Override
        protected RowWindow newOwner() {
            return RowWindow.tableOver(source, 3, 5);
        }

        @Override
        protected String listedAs() {
            return "RowWindow: 11 rows, 5 columns, of IndirectMemory2D[11 x 29 'd' (tableOverRows of";
        }
    }
}
