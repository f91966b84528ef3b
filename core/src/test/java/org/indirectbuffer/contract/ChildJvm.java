package org.indirectbuffer.contract;

import java.util.List;

/** What the JVMs a test starts must share with the test JVM, for tests in every module. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * The restricted flags of the test JVM ({@code --illegal-native-access=deny --sun-misc-unsafe-memory-access=deny},
     * the parent pom's {@code test.jvm.restricted.flags}, passed as the system property {@code
     * indirectbuffer.test.restrictedFlags}), so that a child JVM runs under them too.
     *
     * @return the flags, one per element; empty when the property is not set (a test run outside Maven)
     */
    public static List<String> restrictedFlags() {
        String flags = System.getProperty("indirectbuffer.test.restrictedFlags", "").strip();
        return flags.isEmpty() ? List.of() : List.of(flags.split("\\s+"));
    }
}
