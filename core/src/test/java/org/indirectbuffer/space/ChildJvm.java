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
        return of(List.of(), main, args);
    }

    /** As {@link #of(Class, String...)}, with JVM {@code flags} (such as {@code -Xmx64m}) before the main class. */
    static ProcessBuilder of(List<String> flags, Class<?> main, String... args) throws Exception {
        String classPath = codeSource(SharedArrays.class) + File.pathSeparator + codeSource(main);
        return new ProcessBuilder(command(List.of(), flags, classPath, main, args)).redirectErrorStream(true);
    }

    /**
     * The command line of a child JVM: {@code prefix} (such as {@code setpriv ...}), this JVM's java with the flags
     * every child gets and {@code flags}, then {@code main} from {@code classPath}.
     */
    static List<String> command(List<String> prefix, List<String> flags, String classPath, Class<?> main,
                                String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(java(), "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Xshare:auto"));
        command.addAll(flags);
        command.addAll(List.of("-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** {@return the java executable this JVM runs on} */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** {@return the directory or jar {@code type} was loaded from} */
    static Path codeSourceOf(Class<?> type) throws Exception {
        return Path.of(codeSource(type));
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
