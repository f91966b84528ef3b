package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.space.BufferStoreException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer and readers of a {@link BufferStore}: a reader in a child JVM ({@link StoreChild}) and one in this JVM
 * see the commit that was newest when they opened, unchanged while the writer keeps committing and reusing space; a
 * second writer is refused ({@link Reason#LOCKED}) from either; once the reader is gone, the space it held is free
 * again.
 */
class BufferStoreCrossProcessTest {
    private static final long CAPACITY = 8L << 20;

    @TempDir
    Path dir;

    /** Stores the three buffers of {@link StoreChild} in version {@code v}: three commits. */
    private static void putVersion(BufferStore store, int v) {
        double[] dense = new double[64 * 64];
        for (int i = 0; i < 64; i++) {
            for (int j = 0; j < 64; j++) {
                dense[i * 64 + j] = StoreChild.dense(v, i, j);
            }
        }
        store.put(StoreChild.DENSE, MemoryBuffer.wrap(dense, 'C', 64, 64));
        double[][] rows = new double[16][32];
        for (int r = 0; r < 16; r++) {
            for (int c = 0; c < 32; c++) {
                rows[r][c] = StoreChild.indirect(v, r, c);
            }
        }
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(rows)) {
            store.put(StoreChild.INDIRECT, m);
        }
        String text = v == 0 ? StoreChild.TEXT_VALUE : StoreChild.TEXT_VALUE + " v" + v;
        store.put(StoreChild.TEXT, MemoryBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The space a stored buffer takes: its row table and items, rounded up to 64 bytes. */
    private static long extent(StoreEntry e) {
        long table = e.indirect() ? StoreFormat.align(8 * e.shape()[0]) : 0;
        return Math.max(StoreFormat.ALIGN, StoreFormat.align(table + e.byteSize()));
    }

    /**
     * Commits {@code commits} times: new versions of the reader's buffers (freeing the extents it reads) and puts
     * and removes of scratch buffers of random sizes; then flushes, which lets the next commits reuse what was freed
     * before it (unless a reader may read it).
     *
     * @return the bytes of the extents these commits stopped referencing
     */
    private static long churn(BufferStore store, Random random, List<String> scratch, int version, int commits) {
        long freed = 0;
        for (String name : List.of(StoreChild.DENSE, StoreChild.INDIRECT, StoreChild.TEXT)) {
            freed += extent(store.info(name));
        }
        putVersion(store, version);
        for (int i = 3; i < commits; i++) {
            if (!scratch.isEmpty() && random.nextBoolean()) {
                String name = scratch.remove(random.nextInt(scratch.size()));
                freed += extent(store.info(name));
                store.remove(name);
            } else {
                String name = "scratch-" + version + "-" + i;
                byte[] bytes = new byte[64 + random.nextInt(24_000)];
                random.nextBytes(bytes);
                store.put(name, MemoryBuffer.wrap(bytes));
                scratch.add(name);
            }
        }
        store.flush();
        return freed;
    }

    /** Creates the store, with space freed and flushed before the reader's commit, and version 0 committed. */
    private BufferStore prepared(Path file, Random random, List<String> scratch) {
        BufferStore store = BufferStore.create(file, CAPACITY);
        for (int i = 0; i < 10; i++) {
            store.put("early-" + i, MemoryBuffer.wrap(new byte[8192 + 64 * i]));
        }
        for (int i = 0; i < 10; i++) {
            store.remove("early-" + i);
        }
        store.flush(); // the early spaces may be reused from now on: version 0 lands in them
        putVersion(store, 0);
        for (int i = 0; i < 4; i++) {
            String name = "scratch-start-" + i;
            store.put(name, MemoryBuffer.wrap(new byte[1000 * (i + 1)]));
            scratch.add(name);
        }
        return store;
    }

    /** {@return the first byte where the view differs from version 0 of the buffer, -1 if none} */
    private static int firstDifference(BufferView v, String name) {
        return Arrays.mismatch(StoreChild.contents(v), StoreChild.expected(name));
    }

    private static List<String> names(BufferStore store) {
        return store.names().stream().filter(n -> !n.startsWith("scratch-")).toList();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aReaderInAnotherProcessSeesItsCommitUnchangedWhileTheWriterCommitsAndAfterItClosesItsSpaceIsReused()
            throws Exception {
        Path file = dir.resolve("cross.store");
        Random random = new Random(12);
        List<String> scratch = new ArrayList<>();
        try (BufferStore store = prepared(file, random, scratch)) {
            long committed = store.revision(); // not flushed: a reader sees commits, flushed or not
            Process child = ChildJvm.of(StoreChild.class, "reader", file.toString()).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8));
                PrintStream in = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
                assertThat(ChildJvm.nextLine(out)).as("the child saw the last commit")
                        .isEqualTo("opened " + committed + " " + store.names());
                in.println("check");
                assertThat(ChildJvm.nextLine(out)).startsWith("ok ");
                in.println("writer");
                assertThat(ChildJvm.nextLine(out)).isEqualTo("writer refused LOCKED");

                // What the child's commit references: its buffers, rewritten in every round, stay held for it.
                long childsBuffers = 0;
                for (String name : List.of(StoreChild.DENSE, StoreChild.INDIRECT, StoreChild.TEXT)) {
                    childsBuffers += extent(store.info(name));
                }
                long freedSinceChild = 0;
                for (int round = 1; round <= 12; round++) {
                    freedSinceChild += churn(store, random, scratch, round, 20);
                    in.println("check");
                    assertThat(ChildJvm.nextLine(out)).as("round %d (revision %d)", round, store.revision())
                            .startsWith("ok ");
                }
                in.println("writer");
                assertThat(ChildJvm.nextLine(out)).isEqualTo("writer refused LOCKED");
                long freeHeld = store.freeBytes();
                long live = store.entries().stream().mapToLong(BufferStoreCrossProcessTest::extent).sum();
                assertThat(freeHeld).as("the space of the child's buffers is held for it (%d bytes; %d freed since it"
                        + " opened)", childsBuffers, freedSinceChild)
                        .isLessThan(CAPACITY - StoreFormat.DATA_START - live - childsBuffers + 65_536);

                in.println("close");
                assertThat(ChildJvm.nextLine(out)).isEqualTo("closed");
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();

                // A flush and a few commits later, the space the child held is free again.
                for (int i = 0; i < 3; i++) {
                    store.flush();
                    store.put("tiny", MemoryBuffer.wrap(new byte[] {(byte) i}));
                }
                long freeAfter = store.freeBytes();
                long liveAfter = store.entries().stream().mapToLong(BufferStoreCrossProcessTest::extent).sum();
                assertThat(freeAfter).as("held %d, the child's buffers %d", freeHeld, childsBuffers)
                        .isGreaterThanOrEqualTo(freeHeld + childsBuffers - 65_536)
                        .isGreaterThanOrEqualTo(CAPACITY - StoreFormat.DATA_START - liveAfter - 65_536);
            } finally {
                child.destroyForcibly();
                child.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void inThisProcessASecondWriterIsLockedOutAndAReaderSeesItsCommitUnchanged() throws Exception {
        Path file = dir.resolve("local.store");
        Random random = new Random(13);
        List<String> scratch = new ArrayList<>();
        try (BufferStore store = prepared(file, random, scratch)) {
            assertThatThrownBy(() -> BufferStore.open(file)).isInstanceOfSatisfying(BufferStoreException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.LOCKED));
            try (BufferStore reader = BufferStore.open(file, true)) {
                assertThat(reader.revision()).isEqualTo(store.revision());
                assertThat(names(reader)).containsExactly(StoreChild.DENSE, StoreChild.INDIRECT, StoreChild.TEXT);
                try (StoredBuffer held = reader.get(StoreChild.INDIRECT)) {
                    for (int round = 1; round <= 6; round++) {
                        churn(store, random, scratch, round, 20);
                        try (BufferView v = held.getBuffer(BufferRequest.FULL_RO)) {
                            assertThat(firstDifference(v, StoreChild.INDIRECT)).as("round %d, held", round)
                                    .isEqualTo(-1);
                        }
                        for (String name : List.of(StoreChild.DENSE, StoreChild.INDIRECT, StoreChild.TEXT)) {
                            try (StoredBuffer b = reader.get(name);
                                 BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                                assertThat(firstDifference(v, name)).as("round %d, %s", round, name).isEqualTo(-1);
                            }
                        }
                    }
                    assertThat(reader.revision()).isLessThan(store.revision());
                    // the writer sees its own newest version
                    try (StoredBuffer b = store.get(StoreChild.DENSE); BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                        assertThat(v.format()).isEqualTo(Format.parse("d"));
                        assertThat(v.getDouble(3, 4)).isEqualTo(StoreChild.dense(6, 3, 4));
                    }
                }
                assertThatThrownBy(() -> BufferStore.open(file)).isInstanceOfSatisfying(BufferStoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.LOCKED));
            }
        }
        // Once the writer is closed, a writer may open it again.
        try (BufferStore again = BufferStore.open(file)) {
            assertThat(names(again)).containsExactly(StoreChild.DENSE, StoreChild.INDIRECT, StoreChild.TEXT);
        }
    }
}
