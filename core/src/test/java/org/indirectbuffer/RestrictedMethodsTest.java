package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.contract.ChildJvm;
import org.indirectbuffer.hostile.NoNativeAccess;
import org.junit.jupiter.api.Test;

/**
 * The methods that trust a foreign pointer or address are restricted as the JDK restricts its own: a caller whose
 * module has no native access gets {@link IllegalCallerException} naming the flag, and the checked methods work for
 * it. Each case runs {@link NoNativeAccess} in a JVM of its own, with the library on the module path (native access
 * granted to it) and the caller on the class path.
 */
class RestrictedMethodsTest {
    private static final String[] RESTRICTED = {"wrap", "adopt", "wrapKeepingAlive",
            "PointerBorrower.of", "CStringTable.read",
            "wrapWithSuboffsets",
            "freeingTable", "freeingRowsAndTable"};

    @Test
    void aCallerWithoutNativeAccessIsRefusedEveryRestrictedMethodAndNoOther() throws Exception {
        List<String> lines = run(false);
        for (String method : RESTRICTED) {
            assertThat(lines).as(method).anySatisfy(line -> assertThat(line)
                    .startsWith(method + " IllegalCallerException: ")
                    .contains("restricted method").contains("--enable-native-access=ALL-UNNAMED")
                    .contains(NoNativeAccess.class.getName()));
        }
        assertThat(lines).contains("createMemory ok", "wrapDirect ok");
    }

    @Test
    void aCallerWithNativeAccessMayCallThem() throws Exception {
        List<String> lines = run(true);
        for (String method : RESTRICTED) {
            assertThat(lines).contains(method + " ok");
        }
        assertThat(lines).contains("createMemory ok", "wrapDirect ok");
    }

    private static List<String> run(boolean grantCaller) throws Exception {
        Path library = Path.of(IndirectMemory2D.class.getProtectionDomain().getCodeSource().getLocation().toURI()
                .getPath());
        Path caller = Path.of(NoNativeAccess.class.getProtectionDomain().getCodeSource().getLocation().toURI()
                .getPath());
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--module-path", library.toString(), "--add-modules",
                "org.indirectbuffer.core", "--enable-native-access=org.indirectbuffer.core"
                        + (grantCaller ? ",ALL-UNNAMED" : "")));
        command.addAll(ChildJvm.restrictedFlags());
        command.addAll(List.of("-cp", caller.toString(), NoNativeAccess.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().toList();
    }
}
