package org.indirectbuffer.collection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.indirectbuffer.contract.ExporterContract;
import org.indirectbuffer.contract.OwnedResourceContract;
import org.junit.jupiter.api.Nested;

/** The exporter and owned-resource contracts (core's test-jar) run against {@link BufferCollection2D}. */
class BufferCollection2DContractTest {

    abstract static class Exporter extends ExporterContract<BufferCollection2D> {
        @Override
        protected int exportCount(BufferCollection2D exporter) {
            return exporter.exportCount();
        }

        @Override
        protected List<Mutator<BufferCollection2D>> mutators() {
            return readOnly() ? List.of(new Mutator<>("close", BufferCollection2D::close))
                    : List.of(new Mutator<>("close", BufferCollection2D::close),
                    new Mutator<>("makeReadOnly", BufferCollection2D::makeReadOnly));
        }
    }

    @Nested
    class OfHeapArrays extends Exporter {
        @Override
        protected BufferCollection2D newExporter() {
            return BufferCollection2D.wrap(new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}});
        }
    }

    @Nested
    class OfNativeSegments extends Exporter {
        @Override
        protected BufferCollection2D newExporter() {
            Arena arena = Arena.ofAuto();
            MemorySegment a = arena.allocate(ValueLayout.JAVA_INT, 4);
            MemorySegment b = arena.allocate(ValueLayout.JAVA_INT, 4);
            for (int i = 0; i < 4; i++) {
                a.setAtIndex(ValueLayout.JAVA_INT, i, 1 + i);
                b.setAtIndex(ValueLayout.JAVA_INT, i, 10 + i);
            }
            return BufferCollection2D.wrap(List.of(a, b), 4, "i", false);
        }
    }

    @Nested
    class MadeReadOnly extends Exporter {
        @Override
        protected BufferCollection2D newExporter() {
            BufferCollection2D c = BufferCollection2D.wrap(new long[][] {{1, 2}, {3, 4}});
            c.makeReadOnly();
            return c;
        }

        @Override
        protected boolean readOnly() {
            return true;
        }
    }

    @Nested
    class Owned extends OwnedResourceContract<BufferCollection2D> {
        @Override
        protected BufferCollection2D newOwner() {
            BufferCollection2D c = BufferCollection2D.wrap(new float[][] {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10},
                {11, 12, 13, 14, 15}});
            // staging memory is allocated at the first export and kept until close
            c.getBuffer(org.indirectbuffer.BufferRequest.FULL_RO).close();
            return c;
        }

        @Override
        protected String listedAs() {
            return "BufferCollection2D: 3 x 5 'f'";
        }
    }
}
