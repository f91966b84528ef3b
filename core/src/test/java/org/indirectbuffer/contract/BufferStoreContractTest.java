package org.indirectbuffer.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.space.BufferStore;
import org.indirectbuffer.space.StoredBuffer;
import org.junit.jupiter.api.Nested;

/**
 * The exporter contract run against {@link StoredBuffer} (dense, indirect, N-D; always read-only), and the
 * owned-resource contract against {@link BufferStore}, whose close gives back the file's mapping. Each fixture has a
 * file of its own, removed when the fixture is closed.
 */
class BufferStoreContractTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("ib-store-contract-");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The store each lent buffer came from, so that closing the fixture closes both. */
    private static final Map<StoredBuffer, BufferStore> STORES = new ConcurrentHashMap<>();

    private static Path newFile() {
        return DIR.resolve(UUID.randomUUID() + ".store");
    }

    private static StoredBuffer stored(BufferExporter source) {
        Path file = newFile();
        BufferStore store = BufferStore.create(file, 1 << 20);
        store.put("x", source);
        StoredBuffer b = store.get("x");
        STORES.put(b, store);
        return b;
    }

    abstract static class Exporter extends ExporterContract<StoredBuffer> {
        @Override
        protected int exportCount(StoredBuffer exporter) {
            return exporter.exportCount();
        }

        @Override
        protected void close(StoredBuffer exporter) throws Exception {
            exporter.close();
            BufferStore store = STORES.remove(exporter);
            if (store != null) {
                store.close();
                Files.deleteIfExists(store.path());
            }
        }

        @Override
        protected List<Mutator<StoredBuffer>> mutators() {
            return List.of(new Mutator<>("close", StoredBuffer::close));
        }

        @Override
        protected boolean readOnly() {
            return true;
        }
    }

    @Nested
    class Dense extends Exporter {
        @Override
        protected StoredBuffer newExporter() {
            byte[] items = new byte[3 * 5 * 8];
            for (int i = 0; i < items.length; i++) {
                items[i] = (byte) (i * 7 + 1);
            }
            return stored(flags -> BufferView.wrap(MemorySegment.ofArray(items), Format.parse("d"),
                    new long[] {3, 5}, null, null, true));
        }
    }

    @Nested
    class Indirect extends Exporter {
        @Override
        protected StoredBuffer newExporter() {
            try (IndirectMemory2D m = Fill.counting(IndirectMemory2D.createMemory(4, 3, "i", false))) {
                return stored(m);
            }
        }
    }

    @Nested
    class ThreeDimensions extends Exporter {
        @Override
        protected StoredBuffer newExporter() {
            byte[] items = new byte[2 * 3 * 4 * 2];
            for (int i = 0; i < items.length; i++) {
                items[i] = (byte) (i * 3 + 2);
            }
            return stored(flags -> BufferView.wrap(MemorySegment.ofArray(items), Format.parse("h"),
                    new long[] {2, 3, 4}, null, null, true));
        }
    }

    @Nested
    class Owned extends OwnedResourceContract<BufferStore> {
        @Override
        protected BufferStore newOwner() {
            return BufferStore.create(newFile(), 256 * 1024);
        }

        @Override
        protected String listedAs() {
            return "BufferStore: BufferStore " + DIR;
        }

        /** The bytes of this fixture's store files mapped into this process (a store maps its whole file). */
        @Override
        protected long held() {
            try {
                long bytes = 0;
                for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                    if (line.contains(DIR.toString())) {
                        String[] range = line.substring(0, line.indexOf(' ')).split("-");
                        bytes += Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
                    }
                }
                return bytes;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
