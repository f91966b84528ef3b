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
    /** Every accessor loop and bulk copy the child calls, as {@link MappedFaultChild} names them. */
    private static final List<String> ACCESSORS = Stream.of("getInt i widened", "getInt I unsigned widened",
            "getInt >i widened", "getShort h widened", "getByte b widened", "getLong q", "getFloat f widened",
            "getFloat e", "getDouble d", "IndirectMemory2D.getInt widened", "IndirectMemory2D.getShort widened",
            "IndirectMemory2D.getByte widened", "rows view getInt widened", "getInt 2-D widened", "copyTo C",
            "copyTo F", "rows view copyTo C", "toBytes", "copyFrom", "gather", "scatter", "IndirectMemory2D.copyTo",
            "SharedArray.getInt widened", "StoredBuffer view getInt widened").toList();
    /** The copies {@link MappedCopyFaultChild} makes, one child JVM each. */
    static final List<String> COPIES = List.of("copyTo C", "copyTo F", "rows view copyTo C", "toBytes", "copyFrom",
            "gather", "scatter", "IndirectMemory2D.copyTo");
    /** What inlines the copies into the children's loops, down to {@code MemorySegment.copy}. */
    private static final List<String> INLINE_COPIES = List.of("-XX:CompileCommand=quiet",
            "-XX:CompileCommand=inline,org.indirectbuffer.ViewCopier::*",
            "-XX:CompileCommand=inline,org.indirectbuffer.BufferView::copy*",
            "-XX:CompileCommand=inline,org.indirectbuffer.BufferView::toBytes",
            "-XX:CompileCommand=inline,org.indirectbuffer.kernels.Kernels::gather",
            "-XX:CompileCommand=inline,org.indirectbuffer.kernels.Kernels::scatter",
            "-XX:CompileCommand=inline,org.indirectbuffer.IndirectMemory2D::copyTo");
    /** The accessors the child's loops call, which C2 must have inlined into them (as PrintInlining says). */
    private static final List<String> INLINED = List.of("BufferView::getInt", "BufferView::getShort",
            "BufferView::getByte", "BufferView::getLong", "BufferView::getFloat", "BufferView::getDouble",
            "IndirectMemory2D::getInt", "IndirectMemory2D::getShort", "IndirectMemory2D::getByte",
            "IndirectMemory2D::getDouble",
            "SharedArray::getInt");
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
        for (String loop : List.of("sumInts", "sumUnsignedInts", "sumShorts", "sumBytes", "sumLongs", "sumFloats",
                "sumDoubles", "sumIntRows", "sumShortRows", "sumByteRows", "sumGrid", "sumShared", "copyTo", "toBytes",
                "copyFrom", "gather", "scatter")) {
            names.add("MappedFaultChild::" + loop); // the child's widening loops over the accessors
        }
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
            List<Path> files = new ArrayList<>(List.of(file));
            while ((line = lines.readLine()) != null && !line.equals("running")) {
                out.add(line);
                if (line.startsWith("truncate ")) {
                    files.add(Path.of(line.substring("truncate ".length()))); // the shared array's, the store's
                }
            }
            assertThat(line).as("the child reached its loop; its output: %s", out).isEqualTo("running");
            for (Path f : files) {
                try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    c.truncate(0); // under the child's running loop
                }
            }
            lines.lines().forEach(out::add);
        } finally {
            if (!child.waitFor(120, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        List<String> compiled = Files.readAllLines(vmOutput);
        assertThat(child.exitValue()).as("the child JVM survived: %s %s", out, compiled.stream()
                .filter(l -> !isCompilation(l) && !l.contains(" @ ")).toList()).isZero();
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
        for (String accessor : INLINED) {
            assertThat(compiled).as("C2 inlined %s into a loop of the child", accessor).anyMatch(
                    l -> l.contains(accessor + " (") && l.contains("force inline by CompileCommand"));
        }
        assertThat(out).as("the running loop met the fault as an exception")
                .anyMatch(l -> l.startsWith("first ") && l.contains(" fault ok after "));
        assertThat(out).containsAll(KERNELS.stream().map(k -> k + " fault ok").toList());
        assertThat(out).containsAll(ACCESSORS.stream().map(k -> k + " fault ok").toList());
    }

    /**
     * Each bulk copy, C2-compiled and inlined into a function of {@link MappedCopyFaultChild}, called from a running
     * loop while the file is truncated: a {@code MemoryFaultException} from the library's method, never the raw
     * {@code InternalError} that HotSpot raises at the thread's next poll (which, after a copy stub, is the caller's
     * unless the library raises it first: {@code MappedScopes.raisePendingFault}). Before that, the first copy of
     * such a child failed so every time (JDK 25.0.3).
     */
    @Test
    void aBulkCopyOfATruncatedFileFaultsInsideTheLibrary(@TempDir Path dir) throws Exception {
        String classPath = codeSource(Kernels.class) + File.pathSeparator + codeSource(MappedCopyFaultChild.class);
        for (String copy : COPIES) {
            Path own = Files.createDirectory(dir.resolve("copy-" + COPIES.indexOf(copy)));
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-XX:-TieredCompilation", "-XX:ErrorFile=" + own.resolve("hs_err_%p.log")));
            command.addAll(ChildJvm.restrictedFlags());
            command.addAll(INLINE_COPIES);
            command.addAll(List.of("-cp", classPath, MappedCopyFaultChild.class.getName(), own.toString(), copy));
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> out;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                out = lines.lines().toList();
            } finally {
                if (!child.waitFor(120, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
            assertThat(child.exitValue()).as("the child JVM of %s survived: %s", copy, out).isZero();
            assertThat(out).as("the child of %s", copy).contains(copy + " fault ok");
        }
    }

    private static boolean isCompilation(String line) {
        return line.matches("\\s*\\d+\\s+\\d+ .*");
    }

    private static ProcessBuilder child(Path dir, Path file) throws Exception {
        String classPath = codeSource(Kernels.class) + File.pathSeparator + codeSource(MappedFaultChild.class);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:-TieredCompilation", "-XX:+PrintCompilation",
                "-XX:+DisplayVMOutputToStderr", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                // the accessors inlined into the child's widening loops, whichever C2 compiled first (on its own,
                // an accessor is "already compiled into a big method" and is called, its int returned in a register)
                "-XX:CompileCommand=inline,org.indirectbuffer.BufferView::get*",
                "-XX:CompileCommand=inline,org.indirectbuffer.IndirectMemory2D::get*",
                "-XX:CompileCommand=inline,org.indirectbuffer.space.SharedArray::get*",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:+PrintInlining"));
        command.addAll(INLINE_COPIES);
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
