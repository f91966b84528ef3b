package org.indirectbuffer.contract;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.indirectbuffer.IndirectMemory2D;

/**
 * The exporter contract for an {@link IndirectMemory2D}, however it was made (owned, borrowed, adopted, by core or by
 * another module's factory): its export count, {@code close} as the one mutator unless overridden, and its table and
 * first and last rows as the segments that must die with it.
 */
public abstract class IndirectMemory2DExporterContract extends ExporterContract<IndirectMemory2D> {
    @Override
    protected int exportCount(IndirectMemory2D exporter) {
        return exporter.exportCount();
    }

    @Override
    protected List<Mutator<IndirectMemory2D>> mutators() {
        return List.of(new Mutator<>("close", IndirectMemory2D::close));
    }

    @Override
    protected List<MemorySegment> partsOf(IndirectMemory2D exporter) {
        return List.of(exporter.pointerTable(), exporter.row(0), exporter.row(exporter.rows() - 1));
    }
}
