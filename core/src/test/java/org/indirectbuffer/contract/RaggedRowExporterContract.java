package org.indirectbuffer.contract;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.indirectbuffer.RaggedRows;

/**
 * The exporter contract for {@link RaggedRows#rowExporter} (row 1) of rows however they were made: the rows' export
 * count, closing the rows as the one mutator, and the table and row 1 as the segments that must die with them.
 */
public abstract class RaggedRowExporterContract extends ExporterContract<RaggedRows.RowExporter> {
    /**
     * Makes new rows of at least two rows, whose row 1 holds bytes that are not all equal.
     *
     * @return the rows, open
     */
    protected abstract RaggedRows newRows();

    @Override
    protected RaggedRows.RowExporter newExporter() {
        return newRows().rowExporter(1);
    }

    @Override
    protected int exportCount(RaggedRows.RowExporter exporter) {
        return exporter.rows().exportCount();
    }

    @Override
    protected void close(RaggedRows.RowExporter exporter) {
        exporter.rows().close();
    }

    @Override
    protected List<Mutator<RaggedRows.RowExporter>> mutators() {
        return List.of(new Mutator<>("close", e -> e.rows().close()));
    }

    @Override
    protected List<MemorySegment> partsOf(RaggedRows.RowExporter exporter) {
        return List.of(exporter.rows().pointerTable(), exporter.rows().row(1));
    }
}
