package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may attach a shared array (issue 11): the file's mode decides, and an attach it does not allow is a {@link
 * SharedMemoryException.Reason#PERMISSION_DENIED} naming the array, the access asked for, the calling user and the
 * file's mode and owner. Root opens any file whatever its mode, so as root the one who tries is a child JVM ({@link
 * ShmChild}) started as the unprivileged user 65534 ({@code nobody}) through util-linux's {@code setpriv}; as any other
 * user it is this process itself, on arrays whose owner bits it narrowed. Run on their own by {@code
 * test-scripts/shm-tests.sh}, and in {@code mvn -B verify}.
 */
class SharedArraysPermissionTest extends ShmTest {
    /** The unprivileged uid and gid the child runs as when this JVM is root: Debian's {@code nobody}/{@code nogroup}. */
    private static final int NOBODY = 65534;

    @Test
    void anotherUserAttachesOnlyWhatTheModeAllowsAndCannotDelete(@TempDir Path dir) throws Exception {
        assumeTrue(uid() == 0, "this JVM runs as uid " + uid() + ", not root, so it cannot start a process as"
                + " another user; theCallerAttachesOnlyWhatItsOwnerBitsAllow covers this user");
        String classPath = worldReadableClassPath(dir);
        String caller = "(uid " + NOBODY + ")";
        for (int mode : new int[] {0600, 0644, 0666}) {
            boolean read = (mode & 04) != 0;
            boolean write = (mode & 02) != 0;
            String name = names.next("perm-" + Integer.toOctalString(mode));
            try (SharedArray a = SharedArrays.create(name, mode, "d", 4)) {
                a.setDouble(2.5, 0);
                expect(asNobody(classPath, "try-attach", name, "ro"), true, read, false, name, mode, caller, "owner root");
                expect(asNobody(classPath, "try-attach", name, "rw"), false, read && write, read, name, mode, caller,
                        "owner root");
                assertThat(a.getDouble(1)).as("the child's write, mode 0%o", mode).isEqualTo(read && write ? 99 : 0);
            }
        }
        // /dev/shm is sticky: only an array's owner (or root) may remove it, whatever the array's mode
        String name = names.next("perm-delete");
        SharedArrays.create(name, 0666, "d", 4).close();
        List<String> out = asNobody(classPath, "try-delete", name);
        assertThat(out).contains("refused PERMISSION_DENIED " + name);
        assertThat(message(out)).contains("delete '" + name + "'", "permission to remove", caller, "mode 0666",
                "owner root");
        assertThat(ShmNames.file(name)).exists();
    }

    @Test
    void theCallerAttachesOnlyWhatItsOwnerBitsAllow() throws Exception {
        assumeTrue(uid() != 0, "this JVM runs as root, which opens any file whatever its mode;"
                + " anotherUserAttachesOnlyWhatTheModeAllowsAndCannotDelete covers root");
        String caller = "denied to user " + System.getProperty("user.name") + " (uid " + uid() + ")";
        String owner = "owner " + System.getProperty("user.name");
        for (int mode : new int[] {0000, 0200, 0400, 0600}) {
            boolean read = (mode & 0400) != 0;
            boolean write = (mode & 0200) != 0;
            String name = names.next("perm-self-" + Integer.toOctalString(mode));
            try (SharedArray a = SharedArrays.create(name, "d", 4)) {
                a.setDouble(2.5, 0);
            }
            // closed first: while this JVM has it attached writable, another attach reuses that open file
            Files.setPosixFilePermissions(ShmNames.file(name), permissions(mode));
            expect(ShmChild.tryAttach(name, true), true, read, false, name, mode, caller, owner);
            expect(ShmChild.tryAttach(name, false), false, read && write, read, name, mode, caller, owner);
        }
    }

    /**
     * Checks one attach's outcome ({@link ShmChild#tryAttach}'s lines): the value and the write when {@code allowed},
     * else a documented refusal whose message names everything issue 11 asks for.
     */
    private static void expect(List<String> out, boolean readOnly, boolean allowed, boolean readable, String name,
                               int mode, String caller, String owner) {
        String what = "mode 0" + Integer.toOctalString(mode) + (readOnly ? ", read-only: " : ", writable: ") + out;
        if (allowed) {
            assertThat(out).as(what).contains("read 2.5");
            assertThat(out.contains("wrote")).as(what).isEqualTo(!readOnly);
            return;
        }
        assertThat(out).as(what).contains("refused PERMISSION_DENIED " + name);
        String m = message(out);
        assertThat(m).as(what).contains("attach '" + name + "'", "/dev/shm/" + name, caller, owner,
                String.format("mode %04o (%s)", mode, PosixFilePermissions.toString(permissions(mode))));
        assertThat(m).as(what).contains(readOnly ? "permission to read /dev/shm/" : "permission to read and write");
        assertThat(m.endsWith("; it may be attached read-only")).as(what).isEqualTo(readable && !readOnly);
    }

    private static String message(List<String> out) {
        return out.stream().filter(l -> l.startsWith("message ")).findFirst().orElse("(no message line)");
    }

    /** Runs {@link ShmChild} as uid and gid {@link #NOBODY}, without supplementary groups, and returns its lines. */
    private static List<String> asNobody(String classPath, String... args) throws Exception {
        List<String> command = ChildJvm.command(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups"), org.indirectbuffer.contract.ChildJvm.restrictedFlags(), classPath, ShmChild.class,
                args);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "needs util-linux's setpriv to start a JVM as another user: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
        return out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
    }

    /**
     * Copies the library's classes and {@link ShmChild}'s into {@code dir}, every directory mode 0755 and file 0644,
     * so the child can load them whatever the checkout's permissions (a checkout under {@code /root} is not
     * readable by other users).
     */
    private static String worldReadableClassPath(Path dir) throws Exception {
        for (Path p = dir; p != null; p = p.getParent()) {
            assumeTrue(p == dir || Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE),
                    "the temporary directory's ancestor " + p + " is not searchable by other users");
        }
        Path java = Path.of(ChildJvm.java());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path library = dir.resolve("library");
        Path tests = dir.resolve("tests");
        copy(ChildJvm.codeSourceOf(SharedArrays.class), library, p -> true);
        Path testClasses = ChildJvm.codeSourceOf(ShmChild.class);
        String child = ShmChild.class.getName().replace('.', '/');
        copy(testClasses, tests, p -> testClasses.relativize(p).toString().startsWith(child));
        assumeTrue(Files.isExecutable(java), "needs the java executable " + java);
        return library + File.pathSeparator + tests;
    }

    /** Copies the directory tree {@code from} to {@code to}, only the files {@code which} accepts, world-readable. */
    private static void copy(Path from, Path to, Predicate<Path> which) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else if (which.test(p)) {
                    Files.copy(p, target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }

    private static int uid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (0400 >> p.ordinal())) != 0) {
                set.add(p);
            }
        }
        return set;
    }
}
