package org.indirectbuffer.samples;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.space.BufferStore;
import org.indirectbuffer.space.BufferStoreException;
import org.indirectbuffer.space.StoredBuffer;

/**
 * The ptypes tour with a {@link BufferStore}: buffers kept in a memory-mapped file across runs.
 * <ol>
 *   <li>store a string's bytes and a random 1 x 2 x 3 array of doubles, and close the store;</li>
 *   <li>reopen it and get a view of the array without copying (it reads the file's mapping), equal to what was
 *       stored;</li>
 *   <li>try to close the store while the view is open: refused ({@code IN_USE}), because unmapping the file under a
 *       live view would crash the process; close the view, then the store;</li>
 *   <li>store an indirect buffer (rows reached through a table of pointers, a {@code double**}) and reopen it: its
 *       views are indirect again, with {@code suboffsets}.</li>
 * </ol>
 *
 * <p>{@code StoreTourDemoTest} runs it. To run it alone, use the {@code java} command line of the {@code demo}
 * profile in {@code samples/pom.xml} with {@code org.indirectbuffer.samples/org.indirectbuffer.samples.StoreTourDemo}
 * as the module to run; it writes its store to a temporary directory and deletes it.
 */
public final class StoreTourDemo {
    /** What came back after reopening, for the demo's test. */
    public record Result(String text, double[] cube, double[] stored, boolean mapped,
                         BufferStoreException.Reason refusal, long[] suboffsets, double[][] rows) {
    }

    private StoreTourDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("store-tour");
        try {
            run(System.out, dir.resolve("tour.store"));
        } finally {
            Files.deleteIfExists(dir.resolve("tour.store"));
            Files.delete(dir);
        }
    }

    /**
     * Runs the tour, printing each step.
     *
     * @param out  where to print
     * @param file the store file to create; it must not exist
     * @return what came back after reopening
     */
    public static Result run(PrintStream out, Path file) {
        // 1. Store a string's bytes and a random 1x2x3 array of doubles; close (which flushes to disk).
        double[] cube = new Random(42).doubles(6).toArray();
        try (BufferStore store = BufferStore.create(file, 1 << 20)) {
            store.put("greeting", MemoryBuffer.wrap("Hello, persistent buffers".getBytes(StandardCharsets.UTF_8)));
            store.put("cube", MemoryBuffer.wrap(cube, 'C', 1, 2, 3));
            out.printf("stored %s%n", store.entries());
        }

        // 2. Reopen and get the array back without a copy: the view reads the file's mapping.
        String text;
        double[] stored = new double[6];
        boolean mapped;
        BufferStoreException.Reason refusal = null;
        BufferStore store = BufferStore.open(file);
        try (StoredBuffer greeting = store.get("greeting");
             BufferView g = greeting.getBuffer(BufferRequest.FULL_RO)) {
            text = new String(g.buf().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
        StoredBuffer buffer = store.get("cube");
        BufferView view = buffer.getBuffer(BufferRequest.FULL_RO);
        mapped = view.buf().isMapped();
        for (int i = 0; i < 6; i++) {
            stored[i] = view.getDouble(0, i / 3, i % 3);
        }
        out.printf("reopened: '%s'; cube shape %s, over the mapping: %b, equal to what was stored: %b%n", text,
                Arrays.toString(view.shape()), mapped, Arrays.equals(stored, cube));

        // 3. Closing the store while the view is open is refused; close the view (and the buffer) first.
        try {
            store.close();
        } catch (BufferStoreException e) {
            refusal = e.reason();
            out.printf("close refused (%s): %s%n", e.reason(), e.getMessage());
        }
        view.close();
        buffer.close();
        store.close();
        out.printf("closed: %b%n", store.isClosed());

        // 4. An indirect buffer: a table of row pointers. Stored with its table, it comes back indirect.
        try (BufferStore s = BufferStore.open(file);
             IndirectMemory2D m = IndirectMemory2D.createFrom(new double[][] {{1, 2, 3}, {4, 5, 6}})) {
            s.put("rows", m);
        }
        long[] suboffsets;
        double[][] rows = new double[2][3];
        try (BufferStore s = BufferStore.open(file, true); // read-only is enough to read
             StoredBuffer b = s.get("rows");
             BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
            suboffsets = v.suboffsets();
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 3; c++) {
                    rows[r][c] = v.getDouble(r, c);
                }
            }
            out.printf("rows: indirect %b, suboffsets %s (the mapping's base, then -1), items %s%n", b.isIndirect(),
                    Arrays.toString(suboffsets), Arrays.deepToString(rows));
        }
        return new Result(text, cube, stored, mapped, refusal, suboffsets, rows);
    }
}
