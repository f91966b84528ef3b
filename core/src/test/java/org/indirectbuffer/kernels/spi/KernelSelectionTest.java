package org.indirectbuffer.kernels.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jdk.incubator.vector.DoubleVector;

import org.indirectbuffer.contract.ChildJvm;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The provider's choice under JVM flags that only a JVM of its own can have: each case starts a child JVM with
 * {@code --add-modules jdk.incubator.vector} and the flags under test, which prints {@link Kernels#implementation()}
 * ({@link PrintKernels}). Without C2 ({@code -Xint}, {@code -XX:-UseCompiler}, {@code -XX:TieredStopAtLevel} 1 or 3)
 * or with vectors under 128 bits ({@code -XX:MaxVectorSize=8}) the scalar kernels run and the log line says why;
 * with C2 only ({@code -XX:-TieredCompilation}) the SIMD ones do; {@code indirectbuffer.vectorBits} narrows the
 * vectors, is lowered to the preferred width, and a bad value fails naming the property. The children start at once
 * and run side by side. Runs in the test run with the vector module only (the other runs test nothing more here).
 */
class KernelSelectionTest {
    private record Child(List<String> flags, Process process) {
        String output() throws Exception {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s exits", flags).isTrue();
            return output;
        }
    }

    @BeforeAll
    static void onlyInTheRunAtThePreferredWidth() {
        Assumptions.assumeTrue(System.getProperty("indirectbuffer.test.expectedKernels", "simd").equals("simd"),
                "the child JVMs are started once, by the test run with the vector module at the preferred width");
    }

    private static Child start(String... flags) throws Exception {
        String classPath = codeSource(Kernels.class) + File.pathSeparator + codeSource(PrintKernels.class);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xshare:auto"));
        command.addAll(ChildJvm.restrictedFlags());
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", classPath, PrintKernels.class.getName()));
        return new Child(List.of(flags), new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private static String codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void assertChose(Child child, String kernels, String logged) throws Exception {
        String output = child.output();
        assertThat(child.process().exitValue()).as("%s: %s", child.flags(), output).isZero();
        assertThat(output.lines()).as("%s", child.flags()).contains("kernels " + kernels);
        assertThat(output).as("%s", child.flags()).contains(logged);
    }

    @Test
    void withoutC2OrWithNarrowVectorsTheScalarKernelsRunAndTheLogSaysWhy() throws Exception {
        String preferred = "simd " + DoubleVector.SPECIES_PREFERRED.vectorBitSize() + "-bit";
        Child plain = start();
        Child c1 = start("-XX:TieredStopAtLevel=1");
        Child c1Profiled = start("-XX:TieredStopAtLevel=3");
        Child interpreter = start("-Xint");
        Child noCompiler = start("-XX:-UseCompiler");
        Child c2Only = start("-XX:-TieredCompilation", "-XX:TieredStopAtLevel=1");
        Child narrow = start("-XX:MaxVectorSize=8");
        Child at128 = start("-Dindirectbuffer.vectorBits=128");
        Child tooWide = start("-XX:MaxVectorSize=16", "-Dindirectbuffer.vectorBits=512");
        Child bad = start("-Dindirectbuffer.vectorBits=100");

        assertChose(plain, preferred, "");
        assertChose(c1, "scalar", "indirect-buffer: the JVM compiles with C1 only");
        assertChose(c1Profiled, "scalar", "the JVM compiles with C1 only (-XX:TieredStopAtLevel=3)");
        assertChose(interpreter, "scalar", "indirect-buffer: the JVM only interprets");
        assertChose(noCompiler, "scalar", "UseCompiler is false");
        assertChose(c2Only, preferred, "");
        assertChose(narrow, "scalar", "the preferred vectors are 64 bits wide, under 128");
        assertChose(at128, "simd 128-bit", "");
        assertChose(tooWide, "simd 128-bit", "indirectbuffer.vectorBits=512 is wider than this platform's"
                + " preferred 128-bit vectors");
        String failure = bad.output();
        assertThat(bad.process().exitValue()).as(failure).isNotZero();
        assertThat(failure).contains("system property indirectbuffer.vectorBits = '100': expected 128, 256, 512 or"
                + " max (the preferred width)");
    }
}
