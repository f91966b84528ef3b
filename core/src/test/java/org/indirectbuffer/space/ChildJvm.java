package org.indirectbuffer.space;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@link ShmChild} (or another main of the test classes) in a JVM of its own, with the same java. */
final class ChildJvm {
    private ChildJvm() {
    }

    static ProcessBuilder of(Class<?> main, String... args) throws Exception {
        String classPath = codeSource(SharedArrays.class) + File.pathSeparator + codeSource(main);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-modules",
                "jdk.incubator.vector", "-Xshare:auto", "-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    /** The child's next line of output, past the JDK's notice about incubator modules. */
    static String nextLine(java.io.BufferedReader out) throws java.io.IOException {
        String line = out.readLine();
        while (line != null && line.startsWith("WARNING: Using incubator modules")) {
            line = out.readLine();
        }
        return line;
    }

    private static String codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
