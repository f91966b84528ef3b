package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The on-disk format against a peer in another language: {@code test-scripts/shm_peer.py} (mmap and struct) reads
 * and writes arrays this library made, and makes arrays this library attaches. Skipped without python3.
 */
class SharedArraysPythonPeerTest extends ShmTest {
    private static final Path PEER = Path.of("../test-scripts/shm_peer.py").toAbsolutePath().normalize();

    @BeforeAll
    static void python() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "needs /dev/shm (Linux)");
        assumeTrue(Files.exists(PEER), "needs " + PEER);
        boolean found;
        try {
            found = new ProcessBuilder("python3", "--version").start().waitFor() == 0;
        } catch (java.io.IOException e) {
            found = false;
        }
        assumeTrue(found, "python3 is not installed: the Python peer of the shared-array format cannot run");
    }


    private static List<String> peer(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("python3", PEER.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    @Test
    void pythonReadsAndWritesWhatJavaCreated() throws Exception {
        for (boolean indirect : new boolean[] {false, true}) {
            String name = names.next("py-read");
            try (SharedArray a = indirect ? SharedArrays.createIndirect(name, 3, 4, "d")
                    : SharedArrays.create(name, "d", 3, 4)) {
                for (int r = 0; r < 3; r++) {
                    for (int c = 0; c < 4; c++) {
                        a.setDouble(r * 4 + c + 0.25, r, c);
                    }
                }
                assertThat(peer("read", name)).contains("kind " + (indirect ? "indirect" : "dense"), "format d",
                        "shape 3 4", "creator " + ProcessHandle.current().pid(), "sum " + (66 + 12 * 0.25));
                assertThat(peer("set", name, "2", "1", "-8.5")).contains("wrote");
                assertThat(a.getDouble(2, 1)).isEqualTo(-8.5);
            }
        }
    }

    @Test
    void javaAttachesWhatPythonCreated() throws Exception {
        for (String kind : new String[] {"dense", "indirect"}) {
            String name = names.next("py-create");
            assertThat(peer("create", name, "5", "3", kind)).contains("created");
            try (SharedArray a = SharedArrays.attach(name)) {
                assertThat(a.isIndirect()).isEqualTo(kind.equals("indirect"));
                assertThat(a.shape()).containsExactly(5, 3);
                assertThat(a.getDouble(4, 2)).isEqualTo(14);
                try (BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(Kernels.sum(v)).isEqualTo(105);
                }
                assertThat(SharedArrays.describe(name).creatorAlive()).as("python has exited").isFalse();
            }
            SharedArrays.delete(name);
        }
    }
}
