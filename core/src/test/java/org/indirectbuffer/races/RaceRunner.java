package org.indirectbuffer.races;

import java.io.PrintWriter;

import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the race tests in a plain {@code java} process, for {@code test-scripts/races.sh}: one JVM per JIT mode, with
 * the flags the script gives, without holding Maven (and the machine's Maven lock) for the long runs. The leak check
 * ({@code LeakCheckExtension}) is auto-detected as in the Maven build.
 *
 * <p>Usage: {@code java [flags] -cp <core classes, test classes, test dependencies> org.indirectbuffer.races.RaceRunner
 * [test class]} (default {@link RacesTest}). Exit status 0 when every test ran and passed, 1 otherwise.
 */
public final class RaceRunner {
    private RaceRunner() {
    }

    /**
     * Runs the class and prints JUnit's summary and failures.
     *
     * @param args the test class's name, or nothing for {@link RacesTest}
     */
    public static void main(String[] args) {
        String testClass = args.length > 0 ? args[0] : RacesTest.class.getName();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(testClass))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        summary.printTo(out);
        summary.printFailuresTo(out, 40);
        boolean passed = summary.getTestsFoundCount() > 0 && summary.getTotalFailureCount() == 0
                && summary.getTestsSucceededCount() == summary.getTestsFoundCount();
        out.println(passed ? "RACES PASSED" : "RACES FAILED");
        System.exit(passed ? 0 : 1);
    }
}
