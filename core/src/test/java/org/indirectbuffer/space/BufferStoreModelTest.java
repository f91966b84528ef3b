package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.space.BufferStoreException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random puts, removes, flushes, reopens, held buffers and readers against a model of what the store must hold: space
 * reuse never touches bytes a held buffer or a reader can see, and the store always holds exactly the model.
 */
class BufferStoreModelTest {
    @TempDir
    Path dir;

    private record Held(StoredBuffer buffer, byte[] bytes, BufferStore reader) {
    }

    @Test
    void randomOperationsKeepTheModel() {
        long seed = Long.getLong("indirectbuffer.storemodel.seed", System.nanoTime());
        int steps = Integer.getInteger("indirectbuffer.storemodel.steps", 4000);
        Random random = new Random(seed);
        Path file = dir.resolve("model.store");
        Map<String, byte[]> model = new LinkedHashMap<>();
        List<Held> held = new ArrayList<>();
        BufferStore store = BufferStore.create(file, 256 * 1024);
        int fulls = 0;
        try {
            for (int step = 0; step < steps; step++) {
                String at = "seed " + seed + ", step " + step;
                int op = random.nextInt(100);
                String name = "b" + random.nextInt(6);
                if (op < 45) {
                    int size = random.nextInt(4) == 0 ? random.nextInt(40_000) : random.nextInt(600);
                    byte[] bytes = new byte[size];
                    random.nextBytes(bytes);
                    boolean indirect = random.nextBoolean() && size >= 16;
                    try (IndirectMemory2D rows = indirect ? rows(bytes) : null) {
                        store.put(name, indirect ? rows : dense(bytes));
                        model.put(name, indirect ? java.util.Arrays.copyOf(bytes, bytes.length / 8 * 8) : bytes);
                    } catch (BufferStoreException e) {
                        assertThat(e.reason()).as(at).isEqualTo(Reason.FULL);
                        fulls++;
                    }
                } else if (op < 60) {
                    try {
                        assertThat(store.remove(name)).as(at).isEqualTo(model.containsKey(name));
                        model.remove(name);
                    } catch (BufferStoreException e) {
                        // documented: a remove commits a new catalog, which may not fit a full, fragmented store
                        assertThat(e.reason()).as(at).isEqualTo(Reason.FULL);
                        assertThat(e).as(at).hasMessageContaining("nothing was changed");
                        assertThat(store.names()).as(at + ": a refused remove changes nothing").contains(name);
                        fulls++;
                    }
                } else if (op < 65) {
                    store.flush();
                } else if (op < 75 && model.containsKey(name) && held.size() < 6) {
                    held.add(new Held(store.get(name), model.get(name), null));
                } else if (op < 80 && held.size() < 6 && !model.isEmpty()) {
                    BufferStore reader = BufferStore.open(file, true);
                    String n = reader.names().get(random.nextInt(reader.names().size()));
                    held.add(new Held(reader.get(n), model.get(n), reader));
                } else if (op < 92 && !held.isEmpty()) {
                    Held h = held.remove(random.nextInt(held.size()));
                    assertThat(bytesOf(h.buffer())).as(at + ": a held buffer changed").isEqualTo(h.bytes());
                    h.buffer().close();
                    if (h.reader() != null) {
                        h.reader().close();
                    }
                } else if (op < 95 && held.stream().noneMatch(h -> h.reader() == null)) {
                    store.close();
                    store = BufferStore.open(file);
                }
                if (step % 97 == 0 || step == steps - 1) {
                    check(store, model, at);
                    for (Held h : held) {
                        assertThat(bytesOf(h.buffer())).as(at + ": a held buffer changed").isEqualTo(h.bytes());
                    }
                }
            }
        } finally {
            for (Held h : held) {
                h.buffer().close();
                if (h.reader() != null) {
                    h.reader().close();
                }
            }
            store.close();
        }
        try (BufferStore s = BufferStore.open(file, true)) {
            check(s, model, "seed " + seed + ", reopened at the end");
        }
        assertThat(fulls).as("seed %d: puts refused as FULL (the store is small, some must be)", seed)
                .isLessThan(steps / 4);
    }

    private static void check(BufferStore store, Map<String, byte[]> model, String at) {
        assertThat(store.names()).as(at).containsExactlyInAnyOrderElementsOf(model.keySet());
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            try (StoredBuffer b = store.get(e.getKey())) {
                assertThat(bytesOf(b)).as(at + ": " + e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    private static byte[] bytesOf(StoredBuffer b) {
        try (BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
            return v.toBytes('C');
        }
    }

    private static BufferExporter dense(byte[] bytes) {
        return flags -> BufferView.wrap(MemorySegment.ofArray(bytes), Format.parse("B"), new long[] {bytes.length},
                null, null, true);
    }

    /** The bytes as rows of 8, in a {@code T**} (the tail that fills no row is left out). */
    private static IndirectMemory2D rows(byte[] bytes) {
        int rows = bytes.length / 8;
        long[][] data = new long[rows][1];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.nativeOrder());
        for (int r = 0; r < rows; r++) {
            data[r][0] = b.getLong(8 * r);
        }
        return IndirectMemory2D.createFrom(data);
    }
}
