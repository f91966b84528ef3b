package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The command-line tool: list, inspect, delete, remove-orphans, bad names, missing arrays, usage. */
class SharedArrayToolTest extends ShmTest {

    private record Result(int code, String out, String err) {
    }

    private static Result tool(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SharedArrayTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void listShowsEachArrayAndWhetherItIsAttached() {
        String open = names.next("tool-list");
        String closed = names.next("tool-list");
        try (SharedArray a = SharedArrays.create(open, "d", 2, 3)) {
            SharedArrays.createIndirect(closed, 4, 5, "<i").close();
            Result r = tool("list");
            assertThat(r.code()).isEqualTo(SharedArrayTool.OK);
            assertThat(r.out()).contains("NAME", "FORMAT", "SHAPE", "BYTES", "ATTACHED");
            assertThat(r.out().lines().filter(l -> l.startsWith(open)).findFirst().orElseThrow())
                    .contains(" d ", "[2, 3]", " 48 ", "dense", "yes");
            assertThat(r.out().lines().filter(l -> l.startsWith(closed)).findFirst().orElseThrow())
                    .contains("<i", "[4, 5]", " 80 ", "indirect", " no");
        }
    }

    @Test
    void inspectShowsTheHeaderAndTheFirstValues() {
        String name = names.next("tool-inspect");
        try (SharedArray a = SharedArrays.create(name, "d", 3, 4)) {
            for (int i = 0; i < 12; i++) {
                a.setDouble(i * 1.5, i / 4, i % 4);
            }
            Result r = tool("inspect", name, "5");
            assertThat(r.code()).as(r.err()).isEqualTo(SharedArrayTool.OK);
            assertThat(r.out()).contains("name:      " + name, "kind:      dense", "format:    d",
                    "shape:     [3, 4]", "bytes:     96", "creator:   " + ProcessHandle.current().pid() + " (running)",
                    "attached:  yes", "values:    [0.0, 1.5, 3.0, 4.5, 6.0, ...]");
        }
        String ints = names.next("tool-inspect");
        try (SharedArray a = SharedArrays.createIndirect(ints, 2, 2, "q")) {
            a.setLong(-7, 1, 1);
            assertThat(tool("inspect", ints).out()).contains("kind:      indirect", "values:    [0, 0, 0, -7]");
        }
    }

    @Test
    void deleteRemovesTheNamesAndSaysWhichWereMissing() {
        String name = names.next("tool-delete");
        String missing = names.next("tool-missing");
        SharedArrays.create(name, "b", 1).close();
        Result r = tool("delete", name, missing);
        assertThat(r.code()).isEqualTo(SharedArrayTool.NOT_FOUND);
        assertThat(r.out()).contains("deleted " + name);
        assertThat(r.err()).contains(missing, "does not exist");
        assertThat(Files.exists(ShmNames.file(name))).isFalse();
    }

    @Test
    void aMissingArrayIsExitCode3() {
        Result r = tool("inspect", names.next("tool-none"));
        assertThat(r.code()).isEqualTo(SharedArrayTool.NOT_FOUND);
        assertThat(r.err()).startsWith("error: ").contains("no shared array of that name");
    }

    @Test
    void aBadNameOrBadUsageIsExitCode2() {
        Result bad = tool("inspect", "a/b");
        assertThat(bad.code()).isEqualTo(SharedArrayTool.USAGE);
        assertThat(bad.err()).contains("contains '/'");
        assertThat(tool("delete", "..").err()).contains("'.' and '..'");
        assertThat(tool().code()).isEqualTo(SharedArrayTool.USAGE);
        Result unknown = tool("frobnicate");
        assertThat(unknown.code()).isEqualTo(SharedArrayTool.USAGE);
        assertThat(unknown.err()).contains("unknown command 'frobnicate'", "usage:");
        assertThat(tool("list", "extra").code()).isEqualTo(SharedArrayTool.USAGE);
        assertThat(tool("inspect", "x", "many").err()).contains("COUNT 'many' is not a number");
        assertThat(tool("help").code()).isEqualTo(SharedArrayTool.OK);
    }

    @Test
    void aDamagedArrayIsExitCode1NamingTheField() throws Exception {
        String name = names.next("tool-damaged");
        SharedArrays.create(name, "d", 2).close();
        try (var c = java.nio.channels.FileChannel.open(ShmNames.file(name), java.nio.file.StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.wrap(new byte[] {9}), 8);
        }
        Result r = tool("inspect", name);
        assertThat(r.code()).isEqualTo(SharedArrayTool.FAILED);
        assertThat(r.err()).contains("'version'");
    }

    @Test
    void removeOrphansRemovesNothingInUse() {
        String name = names.next("tool-orphans");
        try (SharedArray a = SharedArrays.create(name, "d", 1)) {
            Result r = tool("remove-orphans");
            assertThat(r.code()).isEqualTo(SharedArrayTool.OK);
            assertThat(r.out()).doesNotContain(name);
            assertThat(Files.exists(ShmNames.file(name))).isTrue();
        }
    }
}
