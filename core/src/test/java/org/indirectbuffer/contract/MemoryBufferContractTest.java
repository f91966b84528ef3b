package org.indirectbuffer.contract;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Nested;

/** The exporter and owned-resource contracts run against {@link MemoryBuffer}: allocated, wrapped, strided. */
class MemoryBufferContractTest {
    private static final Format D = Format.parse("d");

    abstract static class Exporter extends ExporterContract<MemoryBuffer> {
        @Override
        protected int exportCount(MemoryBuffer exporter) {
            return exporter.exportCount();
        }

        @Override
        protected List<Mutator<MemoryBuffer>> mutators() {
            // makeReadOnly of a read-only buffer changes nothing and is allowed while exported
            return readOnly() ? List.of(new Mutator<>("close", MemoryBuffer::close))
                    : List.of(new Mutator<>("close", MemoryBuffer::close),
                    new Mutator<>("makeReadOnly", MemoryBuffer::makeReadOnly));
        }
    }

    @Nested
    class AllocatedInCOrder extends Exporter {
        @Override
        protected MemoryBuffer newExporter() {
            return Fill.counting(MemoryBuffer.allocate(D, 'C', 3, 5));
        }
    }

    @Nested
    class AllocatedInFortranOrder extends Exporter {
        @Override
        protected MemoryBuffer newExporter() {
            return Fill.counting(MemoryBuffer.allocate(D, 'F', 3, 5));
        }
    }

    @Nested
    class WrappingAHeapArray extends Exporter {
        @Override
        protected MemoryBuffer newExporter() {
            return MemoryBuffer.wrap(Fill.doubles(12), 'C', 4, 3);
        }
    }

    @Nested
    class WrappingEveryOtherColumn extends Exporter {
        @Override
        protected MemoryBuffer newExporter() {
            MemorySegment memory = Arena.ofAuto().allocate(8 * 24, 8);
            memory.copyFrom(MemorySegment.ofArray(Fill.doubles(24)));
            return MemoryBuffer.wrapStrided(memory, 8, D, new long[] {4, 3}, new long[] {48, 16});
        }
    }

    @Nested
    class MadeReadOnly extends Exporter {
        @Override
        protected MemoryBuffer newExporter() {
            MemoryBuffer b = Fill.counting(MemoryBuffer.allocate(D, 'C', 2, 7));
            b.makeReadOnly();
            return b;
        }

        @Override
        protected boolean readOnly() {
            return true;
        }
    }

    @Nested
    class Owned extends OwnedResourceContract<MemoryBuffer> {
        @Override
        protected MemoryBuffer newOwner() {
            return MemoryBuffer.allocate(Format.parse("i"), 'F', 3, 13);
        }

        @Override
        protected String listedAs() {
            return "MemoryBuffer: format 'i', shape [3, 13]";
        }
    }
}
