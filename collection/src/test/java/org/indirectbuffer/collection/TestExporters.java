package org.indirectbuffer.collection;

import java.lang.foreign.MemorySegment;

import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.ExportCounter;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.format.Format;

/** Small exporters the collection tests use as rows. */
final class TestExporters {
    private TestExporters() {
    }

    /**
     * A 1-D exporter over a segment whose views run {@code onRelease} when closed (which may throw): built on
     * {@link ExportCounter#export(java.util.function.Supplier, int, Runnable)} as a custom exporter would be.
     */
    static final class SegmentExporter implements BufferExporter {
        final ExportCounter exports = new ExportCounter(this);
        final MemorySegment items;
        final Format format;
        final Runnable onRelease;
        int releases;

        SegmentExporter(MemorySegment items, String format, Runnable onRelease) {
            this.items = items;
            this.format = Format.parse(format);
            this.onRelease = onRelease;
        }

        @Override
        public BufferView getBuffer(int flags) {
            return exports.export(() -> BufferView.wrap(items, format, new long[] {items.byteSize() / format.itemSize()},
                    null, null, items.isReadOnly()), flags, () -> {
                releases++;
                if (onRelease != null) {
                    onRelease.run();
                }
            });
        }
    }

    /**
     * Row {@code row} of an {@link IndirectMemory2D} as a 1-D exporter that keeps the matrix exported (locked
     * against resize and close) while any view of the row is open.
     */
    static final class MatrixRow implements BufferExporter {
        final ExportCounter exports = new ExportCounter(this);
        final IndirectMemory2D matrix;
        final long row;

        MatrixRow(IndirectMemory2D matrix, long row) {
            this.matrix = matrix;
            this.row = row;
        }

        @Override
        public BufferView getBuffer(int flags) {
            BufferView whole = matrix.getBuffer(BufferRequest.FULL_RO);
            try {
                return exports.export(() -> BufferView.wrap(matrix.row(row), matrix.format(),
                        new long[] {matrix.cols()}, null, null, matrix.isReadOnly()), flags, whole::close);
            } catch (RuntimeException | Error e) {
                whole.close();
                throw e;
            }
        }
    }
}
