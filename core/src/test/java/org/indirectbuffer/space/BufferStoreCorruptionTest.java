package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.space.StoreFormat.Catalog;
import org.indirectbuffer.space.StoreFormat.Entry;
import org.indirectbuffer.space.StoreFormat.Root;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flips random bytes of a closed {@link BufferStore} file, trial after trial, and opens the copy: every trial must
 * either be refused with the documented exception ({@link BufferStoreException} or {@link UncheckedIOException}) or
 * open at a state the store committed, every {@code get} giving that state's bytes or {@link
 * BufferStoreException.Reason#CORRUPT} naming the buffer. Never another exception, never a wrong value. Half the
 * trials aim at the parts of the file that matter (the header, the three root slots, the newest catalog, the
 * buffers' extents), the other half anywhere.
 *
 * <p>System properties: {@code indirectbuffer.storecorruption.trials} (default 1000), {@code
 * indirectbuffer.storecorruption.seed} (default: random, printed). {@code test-scripts/store-long-runs.sh} runs
 * more. Tagged {@code durability}: it runs once per build, in core's default surefire run only.
 */
@Tag("durability")
class BufferStoreCorruptionTest {
    private static final int TRIALS = Integer.getInteger("indirectbuffer.storecorruption.trials", 1000);
    private static final long SEED = Long.getLong("indirectbuffer.storecorruption.seed", System.nanoTime());
    private static final long CAPACITY = 64 << 10;

    /** One buffer as a get must return it. */
    private record Expected(long[] shape, boolean indirect, byte[] bytes) {
    }

    @Test
    void everyDamagedFileIsRefusedOrGivesOnlyCommittedData(@TempDir Path dir) throws Exception {
        Path original = dir.resolve("original.store");
        Map<Long, LinkedHashMap<String, Expected>> history = build(original);
        byte[] pristine = Files.readAllBytes(original);
        List<long[]> regions = regions(pristine);
        Path trial = dir.resolve("trial.store");
        SplittableRandom random = new SplittableRandom(SEED);
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        for (int t = 0; t < TRIALS && violations.size() < 10; t++) {
            byte[] bytes = pristine.clone();
            boolean aimed = random.nextBoolean();
            int flips = 1 + random.nextInt(8);
            StringBuilder what = new StringBuilder();
            for (int f = 0; f < flips; f++) {
                int at;
                if (aimed) {
                    long[] r = regions.get(random.nextInt(regions.size()));
                    at = (int) (r[0] + random.nextLong(r[1]));
                } else {
                    at = random.nextInt(bytes.length);
                }
                int mask = 1 + random.nextInt(255);
                bytes[at] ^= (byte) mask;
                what.append(String.format(" %d^0x%02x", at, mask));
            }
            Files.write(trial, bytes);
            String outcome;
            try {
                outcome = check(trial, t % 2 == 0, history);
            } catch (Throwable e) {
                outcome = "VIOLATION " + e;
            }
            if (outcome.startsWith("VIOLATION")) {
                violations.add("trial " + t + " (flips" + what + "): " + outcome);
            }
            outcomes.merge(outcome.startsWith("VIOLATION") ? "violation" : outcome, 1, Integer::sum);
        }
        System.out.printf("BufferStoreCorruptionTest: seed %d, %d trials, outcomes %s%n", SEED, TRIALS, outcomes);
        assertThat(violations).as("seed %d: trials with an undocumented exception or wrong data", SEED).isEmpty();
        assertThat(outcomes.keySet()).as("outcomes (seed %d)", SEED)
                .anyMatch(o -> o.startsWith("refused")).anyMatch(o -> o.startsWith("opened"));
    }

    /**
     * Opens the damaged copy and reads every buffer.
     *
     * @return the outcome: "refused at open: REASON", "opened ..." (at the newest commit or an older one, every
     *         buffer correct or some CORRUPT), or "VIOLATION ..."
     */
    private static String check(Path file, boolean readOnly, Map<Long, LinkedHashMap<String, Expected>> history) {
        BufferStore store;
        try {
            store = BufferStore.open(file, readOnly);
        } catch (BufferStoreException e) {
            return "refused at open: " + e.reason();
        } catch (UncheckedIOException e) {
            return "refused at open: I/O";
        }
        try (store) {
            long revision = store.revision();
            LinkedHashMap<String, Expected> state = history.get(revision);
            if (state == null) {
                return "VIOLATION: opened at revision " + revision + ", which was never committed";
            }
            List<String> names = store.names();
            if (!names.equals(List.copyOf(state.keySet()))) {
                return "VIOLATION: revision " + revision + " has names " + names + "; it committed " + state.keySet();
            }
            assertThat(store.entries()).hasSize(names.size());
            int corrupt = 0;
            for (Map.Entry<String, Expected> e : state.entrySet()) {
                String name = e.getKey();
                Expected want = e.getValue();
                try (StoredBuffer b = store.get(name); BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                    if (!Arrays.equals(b.shape(), want.shape()) || b.isIndirect() != want.indirect()) {
                        return "VIOLATION: '" + name + "' has shape " + Arrays.toString(b.shape()) + ", indirect "
                                + b.isIndirect() + "; committed " + Arrays.toString(want.shape()) + ", "
                                + want.indirect();
                    }
                    int at = Arrays.mismatch(v.toBytes('C'), want.bytes());
                    if (at >= 0) {
                        return "VIOLATION: '" + name + "' of revision " + revision + " differs at byte " + at;
                    }
                } catch (BufferStoreException x) {
                    if (x.reason() != BufferStoreException.Reason.CORRUPT || !name.equals(x.bufferName())) {
                        return "VIOLATION: get '" + name + "' threw " + x.reason() + " naming '" + x.bufferName()
                                + "': " + x.getMessage();
                    }
                    corrupt++;
                }
            }
            long newest = history.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            return "opened " + (revision == newest ? "at the last commit" : "at an older commit") + ", "
                    + (corrupt == 0 ? "all buffers correct" : "a get refused as CORRUPT");
        }
    }

    /** Builds the store through several commits and closes it; returns each committed state by revision. */
    private static Map<Long, LinkedHashMap<String, Expected>> build(Path file) {
        Map<Long, LinkedHashMap<String, Expected>> history = new HashMap<>();
        LinkedHashMap<String, Expected> state = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(42);
        try (BufferStore store = BufferStore.create(file, CAPACITY)) {
            history.put(store.revision(), new LinkedHashMap<>(state));
            put(store, state, history, "text", bytesOf("Buffers survive restarts and crashes; ü ✓"));
            put(store, state, history, "dense", doubles(random, 16, 8));
            try (IndirectMemory2D m = IndirectMemory2D.createFrom(rows(random, 12, 5))) {
                put(store, state, history, "indirect", m);
            }
            put(store, state, history, "nd", doubles(random, 2, 3, 4));
            put(store, state, history, "empty", doubles(random, 0));
            MemorySegment names = MemorySegment.ofArray("alphabetagammadelta!".getBytes(StandardCharsets.US_ASCII));
            put(store, state, history, "strings", flags -> BufferView.wrap(names, org.indirectbuffer.format.Format
                    .parse("5s"), new long[] {4}, null, null, true));
            store.flush();
            put(store, state, history, "dense", doubles(random, 16, 8));
            assertThat(store.remove("text")).isTrue();
            state.remove("text");
            history.put(store.revision(), new LinkedHashMap<>(state));
            put(store, state, history, "text", bytesOf("a second text, stored after the first was removed"));
            try (IndirectMemory2D m = IndirectMemory2D.createFrom(rows(random, 3, 7))) {
                put(store, state, history, "indirect", m);
            }
        }
        return history;
    }

    private static void put(BufferStore store, LinkedHashMap<String, Expected> state,
                            Map<Long, LinkedHashMap<String, Expected>> history, String name, BufferExporter source) {
        store.put(name, source);
        try (BufferView v = source.getBuffer(BufferRequest.FULL_RO)) {
            boolean indirect = v.suboffsets() != null && v.suboffsets()[0] >= 0;
            state.put(name, new Expected(v.shape(), indirect, v.toBytes('C')));
        }
        history.put(store.revision(), new LinkedHashMap<>(state));
    }

    private static BufferExporter bytesOf(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return StoreKillChild.dense(MemorySegment.ofArray(b), "B", b.length);
    }

    private static BufferExporter doubles(SplittableRandom random, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, Math::multiplyExact);
        return StoreKillChild.dense(MemorySegment.ofArray(random.doubles(n).toArray()), "d", shape);
    }

    private static double[][] rows(SplittableRandom random, int rows, int cols) {
        double[][] d = new double[rows][];
        for (int r = 0; r < rows; r++) {
            d[r] = random.doubles(cols).toArray();
        }
        return d;
    }

    /**
     * The parts of the file worth aiming at, as [offset, length]: the header, each root slot, the newest root's
     * catalog and every buffer's extent in it (read with {@link StoreFormat}, the file layout).
     */
    private static List<long[]> regions(byte[] file) {
        List<long[]> regions = new ArrayList<>();
        regions.add(new long[] {0, StoreFormat.HEADER_BYTES});
        MemorySegment m = MemorySegment.ofArray(file);
        Root newest = null;
        for (int s = 0; s < StoreFormat.SLOTS; s++) {
            regions.add(new long[] {StoreFormat.slotOffset(s), StoreFormat.ROOT_BYTES});
            Object r = StoreFormat.readRoot(s, m.asSlice(StoreFormat.slotOffset(s), StoreFormat.ROOT_BYTES), CAPACITY);
            if (r instanceof Root root && (newest == null || root.revision() > newest.revision())) {
                newest = root;
            }
        }
        assertThat(newest).as("the closed store has a root").isNotNull();
        regions.add(new long[] {newest.catalogOffset(), newest.catalogLength()});
        byte[] catalog = Arrays.copyOfRange(file, (int) newest.catalogOffset(),
                (int) (newest.catalogOffset() + newest.catalogLength()));
        Catalog c = StoreFormat.decode(catalog, newest.revision(), CAPACITY, "test");
        for (Entry e : c.entries()) {
            regions.add(new long[] {e.extentOffset(), e.extentLength()});
        }
        assertThat(c.entries()).hasSize(6);
        return regions;
    }
}
