package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.indirectbuffer.contract.ChildJvm;
import org.indirectbuffer.hostile.InterposedAllocator;
import org.junit.jupiter.api.Test;

/**
 * The library allocates and frees C memory with the process's allocator: under an interposed one (jemalloc through
 * {@code LD_PRELOAD}, as servers run), memory libc returned is freed through a nanny, and memory the library
 * allocated is reallocated by libc, without aborting the process. {@link InterposedAllocator} runs in a JVM of its
 * own; the test skips where Debian's {@code libjemalloc2} is not installed ({@code .ci/install-native-libs.sh}
 * installs it).
 */
class InterposedAllocatorTest {
    private static Optional<Path> jemalloc() {
        return Stream.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")
                .map(dir -> Path.of(dir, "libjemalloc.so.2")).filter(Files::isRegularFile).findFirst();
    }

    @Test
    void libcMemoryIsFreedAndLibraryMemoryReallocatedUnderJemalloc() throws Exception {
        Optional<Path> library = jemalloc();
        assumeTrue(library.isPresent(), "needs libjemalloc.so.2 (Debian: libjemalloc2)");
        String classPath = codeSource(IndirectMemory2D.class) + File.pathSeparator + codeSource(InterposedAllocator.class);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(ChildJvm.restrictedFlags());
        command.addAll(List.of("-cp", classPath, InterposedAllocator.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("LD_PRELOAD", library.get().toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<String> lines = output.lines().toList();
        assertThat(lines).as("jemalloc is the process's malloc, not the FFM default lookup's").contains("interposed true");
        assertThat(lines).contains("strdup rows and table freed", "backtrace_symbols true freed on close",
                "getline true freed", "row by row true", "handed in part and freed on both sides",
                "done");
    }

    private static String codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
