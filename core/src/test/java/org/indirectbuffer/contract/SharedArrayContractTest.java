package org.indirectbuffer.contract;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.UUID;

import org.indirectbuffer.space.SharedArray;
import org.indirectbuffer.space.SharedArrays;
import org.junit.jupiter.api.Nested;

/**
 * The exporter and owned-resource contracts run against {@link SharedArray}: dense, indirect, read-only. Each fixture
 * is created and its name deleted at once, so the attachment stays valid and nothing is left in /dev/shm.
 */
class SharedArrayContractTest {

    private static String name() {
        return "ib-test-contract-" + UUID.randomUUID();
    }

    private static SharedArray unnamed(SharedArray a) {
        SharedArrays.delete(a.name());
        return a;
    }

    abstract static class Exporter extends ExporterContract<SharedArray> {
        @Override
        protected int exportCount(SharedArray exporter) {
            return exporter.exportCount();
        }

        @Override
        protected List<Mutator<SharedArray>> mutators() {
            return List.of(new Mutator<>("close", SharedArray::close));
        }
    }

    @Nested
    class Dense extends Exporter {
        @Override
        protected SharedArray newExporter() {
            return Fill.counting(unnamed(SharedArrays.create(name(), "d", 3, 5)));
        }
    }

    @Nested
    class Indirect extends Exporter {
        @Override
        protected SharedArray newExporter() {
            return Fill.counting(unnamed(SharedArrays.createIndirect(name(), 4, 3, "i")));
        }

        @Override
        protected List<MemorySegment> partsOf(SharedArray exporter) {
            return List.of(exporter.rowPointers());
        }
    }

    @Nested
    class ReadOnly extends Exporter {
        @Override
        protected SharedArray newExporter() {
            String n = name();
            try (SharedArray writer = Fill.counting(SharedArrays.create(n, "h", 2, 7))) {
                return unnamed(SharedArrays.attach(n, true));
            }
        }

        @Override
        protected boolean readOnly() {
            return true;
        }
    }

    @Nested
    class Owned extends OwnedResourceContract<SharedArray> {
        @Override
        protected SharedArray newOwner() {
            return unnamed(SharedArrays.createIndirect("ib-test-owned-" + UUID.randomUUID(), 3, 13, "i"));
        }

        @Override
        protected String listedAs() {
            return "SharedArray: 'ib-test-owned-";
        }
    }
}
