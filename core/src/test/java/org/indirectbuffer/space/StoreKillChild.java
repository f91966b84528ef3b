package org.indirectbuffer.space;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.format.Format;

/**
 * The child JVM of {@link BufferStoreKillTest}: waits for a line on standard input, opens (or creates) the store
 * file, then puts and removes random buffers until it is killed, printing {@code BEGIN <op>} before and {@code DONE}
 * after each commit (each line one write, flushed), {@code REFUSED <why>} for a put the store refused as full.
 *
 * <p>Each line is written to a log file too, with one {@code write} each, before the child goes on: the file is what
 * the parent reads after the kill (a pipe's last bytes can be lost with the process; a file's cannot).
 *
 * <p>Arguments: {@code <store file> <seed> atomic|in-place <log file>}. In {@code in-place} mode (the negative control) the
 * store commits with {@link BufferStore.CommitMode#IN_PLACE} and every put is a 1 MiB byte buffer over a name of
 * the same size, from a few cached contents, so that nearly all the time is spent rewriting committed bytes.
 */
final class StoreKillChild {
    /** The names the child uses; one is not ASCII. */
    static final List<String> NAMES = List.of("alpha", "beta", "gamma", "delta", "epsilon", "zé-ta");
    static final long CAPACITY = 64L << 20;
    /** The control's buffers: this many bytes, one of this many contents. */
    static final int CONTROL_ROWS = 1024;
    static final int CONTROL_COLS = 1024;
    private static final int CONTROL_SEEDS = 6;

    private StoreKillChild() {
    }

    /**
     * One commit the child makes: a put of generated content, or a remove.
     *
     * @param put  whether it is a put ({@code false}: a remove)
     * @param name the buffer's name
     * @param kind a put's source: {@code B} bytes (format {@code B}, a heap segment), {@code D} doubles (a heap
     *             segment), {@code I} doubles as an {@link IndirectMemory2D}
     * @param seed what the content is generated from
     * @param rows the first dimension
     * @param cols the second
     */
    record Op(boolean put, String name, char kind, long seed, int rows, int cols) {
        /** {@return the op as the child prints it after "BEGIN "} */
        String line() {
            return put ? "put " + name + " " + kind + " " + seed + " " + rows + " " + cols : "remove " + name;
        }

        static Op parse(String line) {
            String[] w = line.split(" ");
            if (w[0].equals("remove") && w.length == 2) {
                return new Op(false, w[1], '-', 0, 0, 0);
            }
            if (!w[0].equals("put") || w.length != 6 || w[2].length() != 1) {
                throw new IllegalArgumentException("not an op: '" + line + "'");
            }
            return new Op(true, w[1], w[2].charAt(0), Long.parseLong(w[3]), Integer.parseInt(w[4]),
                    Integer.parseInt(w[5]));
        }

        int itemSize() {
            return kind == 'B' ? 1 : 8;
        }

        /** {@return the buffer's bytes in C order, as a get must return them} */
        byte[] expectedBytes() {
            int n = Math.multiplyExact(rows, cols);
            return kind == 'B' ? bytes(seed, n) : MemorySegment.ofArray(doubles(seed, n)).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static double[] doubles(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextDouble() * 1e6 - 5e5;
        }
        return d;
    }

    /** A dense source over a heap segment. */
    static BufferExporter dense(MemorySegment items, String format, long... shape) {
        Format f = Format.parse(format);
        return flags -> BufferView.wrap(items, f, shape, null, null, true);
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        boolean inPlace = args[2].equals("in-place");
        OutputStream out = new Tee(new FileOutputStream(FileDescriptor.out), new FileOutputStream(args[3], true));
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (inPlace) {
            BufferStore.commitModeForTests(BufferStore.CommitMode.IN_PLACE);
        }
        try {
            BufferStore store = Files.exists(file) ? BufferStore.open(file) : BufferStore.create(file, CAPACITY);
            Map<Long, byte[]> controlContents = inPlace ? new HashMap<>() : null;
            while (true) {
                Op op = inPlace ? controlOp(random) : randomOp(random);
                if (op.put()) {
                    put(store, op, out, controlContents);
                } else {
                    print(out, "BEGIN " + op.line());
                    store.remove(op.name());
                    print(out, "DONE");
                }
                // the control flushes rarely: its time should go to rewriting committed bytes, not to forcing them
                if (random.nextInt(inPlace ? 200 : 10) == 0) {
                    store.flush();
                }
            }
        } catch (Throwable t) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            print(out, "FAILED " + trace);
            System.exit(1);
        }
    }

    private static Op randomOp(SplittableRandom random) {
        String name = NAMES.get(random.nextInt(NAMES.size()));
        if (random.nextInt(8) == 0) {
            return new Op(false, name, '-', 0, 0, 0);
        }
        char kind = "BDI".charAt(random.nextInt(3));
        long seed = random.nextLong();
        int rows;
        int cols;
        if (kind == 'B') {
            rows = random.nextInt(1025);
            cols = random.nextInt(1025);
        } else {
            // at most 1024 x 128 doubles: 1 MiB; an indirect source has at least one row and column
            int min = kind == 'I' ? 1 : 0;
            rows = min + random.nextInt(1025 - min);
            cols = min + random.nextInt(129 - min);
        }
        return new Op(true, name, kind, seed, rows, cols);
    }

    private static Op controlOp(SplittableRandom random) {
        String name = NAMES.get(random.nextInt(3));
        return new Op(true, name, 'B', 1 + random.nextInt(CONTROL_SEEDS), CONTROL_ROWS, CONTROL_COLS);
    }

    private static void put(BufferStore store, Op op, OutputStream out, Map<Long, byte[]> controlContents)
            throws Exception {
        int n = op.rows() * op.cols();
        AutoCloseable owner = null;
        BufferExporter source;
        if (op.kind() == 'B') {
            // the control's few contents are generated once, so that its time goes to rewriting stored bytes
            byte[] b = controlContents == null ? bytes(op.seed(), n)
                    : controlContents.computeIfAbsent(op.seed(), s -> bytes(s, n));
            source = dense(MemorySegment.ofArray(b), "B", op.rows(), op.cols());
        } else if (op.kind() == 'D') {
            source = dense(MemorySegment.ofArray(doubles(op.seed(), n)), "d", op.rows(), op.cols());
        } else {
            double[] flat = doubles(op.seed(), n);
            double[][] rows = new double[op.rows()][];
            for (int r = 0; r < rows.length; r++) {
                rows[r] = java.util.Arrays.copyOfRange(flat, r * op.cols(), (r + 1) * op.cols());
            }
            IndirectMemory2D m = IndirectMemory2D.createFrom(rows);
            owner = m;
            source = m;
        }
        try {
            print(out, "BEGIN " + op.line());
            try {
                store.put(op.name(), source);
            } catch (BufferStoreException e) {
                if (e.reason() != BufferStoreException.Reason.FULL) {
                    throw e;
                }
                print(out, "REFUSED " + e.getMessage());
                return;
            }
            print(out, "DONE");
        } finally {
            if (owner != null) {
                owner.close();
            }
        }
    }

    /** Writes each line to standard output and to the log file. */
    private static final class Tee extends OutputStream {
        private final OutputStream stdout;
        private final OutputStream log;

        Tee(OutputStream stdout, OutputStream log) {
            this.stdout = stdout;
            this.log = log;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            write(new byte[] {(byte) b});
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            log.write(b, off, len);
            stdout.write(b, off, len);
        }
    }

    /** One write of the line and its newline: a kill leaves a line whole or absent (or cut, never mixed). */
    private static void print(OutputStream out, String line) throws java.io.IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
