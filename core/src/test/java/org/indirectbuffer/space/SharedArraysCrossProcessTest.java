package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared arrays between real processes: child JVMs ({@link ShmChild}) attach to what this JVM made, read, write, race
 * and fault. Run on their own by {@code test-scripts/shm-tests.sh}, and in {@code mvn -B verify}.
 */
class SharedArraysCrossProcessTest extends ShmTest {

    private static List<String> run(ProcessBuilder builder) throws Exception {
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    @Test
    void aChildJvmAttachesReadsAndWritesAndThisProcessSeesIt() throws Exception {
        String name = names.next("child");
        try (SharedArray a = SharedArrays.create(name, "d", 4, 8)) {
            double sum = 0;
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 8; c++) {
                    a.setDouble(r * 8 + c, r, c);
                    sum += r * 8 + c;
                }
            }
            List<String> lines = run(ChildJvm.of(ShmChild.class, "dense", name));
            assertThat(lines).contains("sum " + sum, "item 2 5 21.0", "wrote");
            assertThat(a.getDouble(3, 7)).as("the child's write").isEqualTo(99.5);
        }
    }

    @Test
    void aChildSumsAnIndirectArrayThroughTheSuboffsetRuleAndInC(@TempDir Path dir) throws Exception {
        Path library = compile(dir);
        String name = names.next("child-indirect");
        try (SharedArray a = SharedArrays.createIndirect(name, 5, 3, "d")) {
            double sum = 0;
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 3; c++) {
                    a.setDouble(100 * r + c + 0.5, r, c);
                    sum += 100 * r + c + 0.5;
                }
            }
            List<String> lines = run(ChildJvm.of(ShmChild.class, "indirect", name, library.toString()));
            assertThat(lines).contains("kernel sum " + sum, "suboffset sum " + sum, "c sum " + sum, "wrote");
            assertThat(a.getDouble(2, 0)).isEqualTo(7);
        }
    }

    private static Path compile(Path dir) throws Exception {
        Path source = Path.of("src/test/c/shm_test.c").toAbsolutePath();
        assumeTrue(Files.exists(source), "needs " + source);
        Path library = dir.resolve("libshmtest.so");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-o", library.toString(), source.toString())
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "needs gcc to build the test's C function: " + e.getMessage());
            throw e;
        }
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor()).as(out).isZero();
        return library;
    }

    @Test
    void fourProcessesRacingOnOneNameGetOnlyDocumentedOutcomes() throws Exception {
        String name = names.next("race");
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            children.add(ChildJvm.of(ShmChild.class, "race", name, "3000", Integer.toString(i)).start());
        }
        List<java.io.BufferedReader> outs = new ArrayList<>();
        for (Process p : children) {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(ChildJvm.nextLine(out)).as("the child warmed up").isEqualTo("ready");
            outs.add(out);
        }
        for (Process p : children) {
            try (OutputStream in = p.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
            Process p = children.get(i);
            String out = outs.get(i).lines().collect(java.util.stream.Collectors.joining("\n"));
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).as("every outcome is a success or a documented exception").doesNotContain("UNDOCUMENTED");
            all.addAll(out.lines().toList());
        }
        assertThat(all).anyMatch(l -> l.startsWith("outcome create ok"))
                .anyMatch(l -> l.startsWith("outcome attach ok"))
                .anyMatch(l -> l.startsWith("outcome delete ok"))
                .anyMatch(l -> l.startsWith("outcome create ALREADY_EXISTS"))
                .anyMatch(l -> l.startsWith("outcome attach NOT_FOUND"));
        try (var s = Files.list(Path.of("/dev/shm"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .as("no temporary file left by the racers").noneMatch(f -> children.stream().anyMatch(
                            c -> f.startsWith(".ib-tmp-" + c.pid() + "-")));
        }
    }

    @Test
    void truncationUnderAChildsWarmKernelsIsAnExceptionNotACrash() throws Exception {
        String name = names.next("truncate");
        try (SharedArray a = SharedArrays.create(name, "d", 1 << 16)) {
            try (BufferView v = a.getBuffer(BufferRequest.FULL)) {
                Kernels.fill(v, 1.0);
            }
            Process child = ChildJvm.of(ShmChild.class, "warm-truncate", name).start();
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String warm = ChildJvm.nextLine(out);
            assertThat(warm).startsWith("warm " + 20_000.0 * (1 << 16));
            try (FileChannel c = FileChannel.open(ShmNames.file(name), StandardOpenOption.WRITE)) {
                c.truncate(0);
            }
            try (OutputStream in = child.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            List<String> rest = out.lines().toList();
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("the child JVM survived: %s", rest).isZero();
            assertThat(rest).containsExactly("sum fault ok", "max fault ok", "get fault ok", "copy fault ok");
        }
    }

    @Test
    void anArrayWhoseCreatorIsGoneIsAnOrphanOnlyWhileNoProcessAttachesIt() throws Exception {
        String name = names.next("orphan");
        assertThat(run(ChildJvm.of(ShmChild.class, "create-and-exit", name))).contains("created");
        SharedArrayEntry e = SharedArrays.describe(name);
        assertThat(e.creatorAlive()).isFalse();
        assertThat(e.isOrphan()).isTrue();
        assertThat(SharedArrays.list()).filteredOn(x -> x.name().equals(name)).singleElement()
                .satisfies(x -> assertThat(x.toString()).contains("creator " + x.creatorPid() + " gone", "orphan"));
        try (SharedArray a = SharedArrays.attach(name)) {
            assertThat(SharedArrays.describe(name).isOrphan()).isFalse();
            assertThat(SharedArrays.removeOrphans()).doesNotContain(name);
            assertThat(Files.exists(ShmNames.file(name))).isTrue();
        }
        // a temporary file of a create whose process is gone
        long deadPid = e.creatorPid();
        Path tmp = Path.of("/dev/shm", ".ib-tmp-" + deadPid + "-deadbeef");
        Files.write(tmp, new byte[1]);
        List<String> removed = SharedArrays.removeOrphans();
        assertThat(removed).contains(name, tmp.getFileName().toString());
        assertThat(Files.exists(ShmNames.file(name))).isFalse();
        assertThat(Files.exists(tmp)).isFalse();
    }
}
