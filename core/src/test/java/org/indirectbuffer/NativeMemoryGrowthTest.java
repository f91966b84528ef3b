package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.leaks.GrowthProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * No native memory growth: 10^5 create/close cycles of each kind of owner leave the process's resident set within
 * 8 MB of where it was after a warm-up of 5 x 10^4 cycles, and the library's own count of live native bytes exactly
 * where it was. The warm-up lets malloc and the JIT reach their steady state: after only 10^4 or 3 x 10^4 cycles of
 * {@code createFrom} the resident set still grew by 11 MB once, all of it (Native Memory Tracking showed) the
 * "Arena Chunk" pool of C2's compilations. On a loaded machine C2 can be that late even after 5 x 10^4 (10 MB in the
 * first 10^5 cycles of {@code createFrom-confined-view} once, while benchmarks ran beside it), so two rounds of 10^5
 * cycles are measured and the smaller growth must be within the bound: a leak grows in every round, the JIT's
 * one-time pool in one. Each kind runs in a JVM of its own
 * ({@link GrowthProbe}) with a fixed, pre-touched heap, so the resident set moves only with native memory. A leak of
 * one 64-byte row per cycle would already show as 6.4 MB of 100,000 rows plus malloc's headers, beyond the bound;
 * the live-byte count catches any leak of memory the library allocated itself. Linux only (/proc/self/status).
 */
class NativeMemoryGrowthTest {
    private static final long MOST_GROWTH = 8L << 20;
    static final List<String> KINDS = GrowthProbe.KINDS;

    @ParameterizedTest(name = "{0}")
    @FieldSource("KINDS")
    void createCloseCyclesDoNotGrowTheResidentSet(String kind) throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "needs /proc/self/status (Linux)");
        String classPath = codeSource(IndirectMemory2D.class) + File.pathSeparator + codeSource(GrowthProbe.class);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xms64m", "-Xmx64m",
                "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-cp", classPath, GrowthProbe.class.getName(), kind,
                "50000", "100000", "2").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        String[] f = output.lines().filter(l -> l.startsWith("rss ")).findFirst()
                .orElseThrow(() -> new AssertionError("no result line in: " + output)).split(" ");
        // rss BEFORE AFTER_1 AFTER_2 live BEFORE AFTER
        long rssBefore = Long.parseLong(f[1]);
        long rssFirst = Long.parseLong(f[2]);
        long rssSecond = Long.parseLong(f[3]);
        assertThat(Long.parseLong(f[6])).as("live native bytes after 2 x 10^5 cycles of %s", kind)
                .isEqualTo(Long.parseLong(f[5]));
        assertThat(Math.min(rssFirst - rssBefore, rssSecond - rssFirst))
                .as("the smaller resident set growth of two rounds of 10^5 cycles of %s (%,d -> %,d -> %,d bytes)",
                        kind, rssBefore, rssFirst, rssSecond).isLessThan(MOST_GROWTH);
    }

    private static String codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
