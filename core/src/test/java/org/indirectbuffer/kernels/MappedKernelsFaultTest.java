package org.indirectbuffer.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.indirectbuffer.contract.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A memory-mapped file truncated by another process while the kernels, compiled by C2, read and write it: every kernel
 * must throw {@link org.indirectbuffer.MemoryFaultException}, and the JVM must live. The kernels run in a child JVM
 * ({@link MappedFaultChild}) started with {@code -XX:-TieredCompilation} (everything compiled is compiled by C2) and
 * {@code -XX:+PrintCompilation} (to its standard error, a file here), so the test sees that the kernels for mapped
 * memory ({@code MappedRunKernels}, whose fill, scale and equal are the scalar twin's) were compiled before the
 * truncation; this JVM truncates the file while the child's loop runs. The same child with the Vector API kernels on
 * the mapped file dies of SIGBUS (JDK 25.0.3: exit 134, an hs_err file naming a C2 frame of {@code VectorRunKernels};
 * see docs/decisions.md, "Mapped memory").
 */
class MappedKernelsFaultTest {
    /** Every kernel the child calls, as {@link MappedFaultChild} names them. */
    private static final List<String> KERNELS = Stream.of("sum d", "sum >d", "sum >f", "sum >q", "sum >i", "sum f",
            "sum q", "sum i", "sum i strided", "max i strided", "sum rows", "min d", "max d", "min f", "max f",
            "min q", "max q", "min i", "max i", "fill d", "fill f", "fill q", "fill i", "scale d", "scale f",
            "scale q", "scale i", "equal d", "equal f", "equal q", "equal i").toList();
    /** The kernels behind them, to be compiled before the file is truncated ({@code |}: either will do). */
    private static final List<String> COMPILED = compiled();

    private static List<String> compiled() {
        List<String> names = new ArrayList<>();
        for (String type : List.of("Doubles", "Floats", "Longs", "Ints")) {
            names.add("MappedRunKernels::sum" + type);
            for (String op : List.of("min", "max", "fill", "scale", "equal")) {
                names.add("ScalarRunKernels::" + op + type); // MappedRunKernels hands these to its twin
            }
        }
        // the fused row sum runs few times per call: C2 may compile it only inlined into its caller
        names.add("MappedRunKernels::sumDoubleRows|kernels.Kernels::sumDoubles");
        return names;
    }

    @Test
    void aFileTruncatedUnderRunningCompiledKernelsIsAFaultInEachNeverACrash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mapped.bin");
        Files.write(file, new byte[MappedFaultChild.BYTES]);
        Path vmOutput = dir.resolve("vm-output.txt");
        Process child = child(dir, file).redirectError(vmOutput.toFile()).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null && !line.equals("running")) {
                out.add(line);
            }
            assertThat(line).as("the child reached its loop; its output: %s", out).isEqualTo("running");
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(0); // under the child's running loop
            }
            lines.lines().forEach(out::add);
        } finally {
            if (!child.waitFor(120, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        List<String> compiled = Files.readAllLines(vmOutput);
        assertThat(child.exitValue()).as("the child JVM survived: %s %s", out, compiled.stream()
                .filter(l -> !isCompilation(l)).toList()).isZero();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no fatal error log").noneMatch(
                    name -> name.startsWith("hs_err"));
        }
        assertThat(out).as("the kernels for private memory were the Vector API ones").anyMatch(
                l -> l.startsWith("warm simd "));
        for (String kernel : COMPILED) {
            List<String> either = List.of(kernel.split("\\|"));
            assertThat(compiled).as("C2 compiled %s before the truncation", kernel)
                    .anyMatch(l -> isCompilation(l) && either.stream().anyMatch(k -> l.contains(k + " ")));
        }
        assertThat(out).as("the running loop met the fault as an exception")
                .anyMatch(l -> l.startsWith("first ") && l.contains(" fault ok after "));
        assertThat(out).containsAll(KERNELS.stream().map(k -> k + " fault ok").toList());
    }

    private static boolean isCompilation(String line) {
        return line.matches("\\s*\\d+\\s+\\d+ .*");
    }

    private static ProcessBuilder child(Path dir, Path file) throws Exception {
        String classPath = codeSource(Kernels.class) + File.pathSeparator + codeSource(MappedFaultChild.class);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:-TieredCompilation", "-XX:+PrintCompilation",
                "-XX:+DisplayVMOutputToStderr", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")));
        command.addAll(ChildJvm.restrictedFlags());
        String bits = System.getProperty("indirectbuffer.vectorBits");
        if (bits != null) {
            command.add("-Dindirectbuffer.vectorBits=" + bits); // the 128-bit test run covers its width here too
        }
        command.addAll(List.of("-cp", classPath, MappedFaultChild.class.getName(), file.toString()));
        return new ProcessBuilder(command);
    }

    private static String codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
