package org.indirectbuffer.space;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;

/**
 * The other process of {@code BufferStoreCrossProcessTest}: opens a store read-only and checks, again and again on a
 * thread of its own, that the buffers it saw at open ({@link #expected}) stay exactly as they were, while the test's
 * process keeps committing to the store. Commands come on stdin, one a line, each answered with one line:
 * <ul>
 *   <li>{@code check}: one more round of checks, then {@code ok ROUNDS} (rounds done so far) or {@code fail
 *       WHAT} (the first difference seen by any round);</li>
 *   <li>{@code writer}: tries to open the store for writing: {@code writer refused REASON}, or {@code writer
 *       opened} (then closes it);</li>
 *   <li>{@code close}: stops checking, closes the buffer it held and the store, {@code closed}, and exits.</li>
 * </ul>
 * At start it prints {@code opened REVISION NAMES}.
 */
public final class StoreChild {
    private StoreChild() {
    }

    /** The buffers the test stores before the child opens, and their contents; shared with the test. */
    static final String DENSE = "dense";
    static final String INDIRECT = "indirect";
    static final String TEXT = "text";
    static final String TEXT_VALUE = "ptypes, but in Java";

    /** Item (i, j) of the dense buffer, 64 x 64 doubles, of version {@code v}. */
    static double dense(int v, int i, int j) {
        return v * 1e6 + i * 64 + j + 0.5;
    }

    /** Item (r, c) of the indirect buffer, 16 rows of 32 doubles, of version {@code v}. */
    static double indirect(int v, int r, int c) {
        return v * 1e6 - r * 1000 - c - 0.25;
    }

    /** The bytes each buffer of version 0 holds, in C order. */
    static byte[] expected(String name) {
        MemorySegment s;
        switch (name) {
            case DENSE -> {
                s = MemorySegment.ofArray(new byte[64 * 64 * 8]);
                for (int i = 0; i < 64; i++) {
                    for (int j = 0; j < 64; j++) {
                        s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i * 64L + j, dense(0, i, j));
                    }
                }
            }
            case INDIRECT -> {
                s = MemorySegment.ofArray(new byte[16 * 32 * 8]);
                for (int r = 0; r < 16; r++) {
                    for (int c = 0; c < 32; c++) {
                        s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, r * 32L + c, indirect(0, r, c));
                    }
                }
            }
            case TEXT -> s = MemorySegment.ofArray(TEXT_VALUE.getBytes(StandardCharsets.UTF_8));
            default -> throw new IllegalArgumentException(name);
        }
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    /** The bytes of a view in C order (through its suboffsets, if any). */
    static byte[] contents(BufferView v) {
        byte[] b = new byte[Math.toIntExact(v.len())];
        v.copyTo(MemorySegment.ofArray(b), 'C');
        return b;
    }

    /**
     * Runs the reader.
     *
     * @param args {@code reader FILE}
     * @throws Exception if a step fails unexpectedly (the test sees a non-zero exit and the stack)
     */
    public static void main(String[] args) throws Exception {
        if (!args[0].equals("reader")) {
            throw new IllegalArgumentException(args[0]);
        }
        Path file = Path.of(args[1]);
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong rounds = new AtomicLong();
        try (BufferStore store = BufferStore.open(file, true)) {
            List<String> names = new ArrayList<>(store.names());
            System.out.println("opened " + store.revision() + " " + names);
            StoredBuffer held = store.get(DENSE);
            Runnable round = () -> {
                try (BufferView v = held.getBuffer(BufferRequest.FULL_RO)) {
                    compare("held " + DENSE, contents(v), failure);
                }
                for (String name : List.of(DENSE, INDIRECT, TEXT)) {
                    try (StoredBuffer b = store.get(name); BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                        compare(name, contents(v), failure);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, name + ": " + e);
                    }
                }
                rounds.incrementAndGet();
            };
            Thread checker = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    round.run();
                }
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                switch (line) {
                    case "check" -> {
                        round.run();
                        String f = failure.get();
                        System.out.println(f == null ? "ok " + rounds.get() : "fail " + f);
                    }
                    case "writer" -> {
                        try (BufferStore w = BufferStore.open(file)) {
                            System.out.println("writer opened " + w.revision());
                        } catch (BufferStoreException e) {
                            System.out.println("writer refused " + e.reason());
                        }
                    }
                    case "close" -> {
                        checker.interrupt();
                        checker.join();
                        held.close();
                        store.close();
                        System.out.println("closed");
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown command '" + line + "'");
                }
            }
        }
    }

    private static void compare(String what, byte[] found, AtomicReference<String> failure) {
        String name = what.startsWith("held ") ? what.substring(5) : what;
        byte[] want = expected(name);
        if (!Arrays.equals(found, want)) {
            failure.compareAndSet(null, what + ": differs from what was committed at open, first at byte "
                    + Arrays.mismatch(found, want));
        }
    }
}
