package org.indirectbuffer.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.indirectbuffer.LeakDetection;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Fails a test class that leaves native memory allocated by the library, or tracked resources (owners, lent views)
 * open, behind it: {@link LeakDetection#liveNativeBytes()} and {@link LeakDetection#openResources()} are taken
 * before the class and compared after it. Counted exactly, not sampled; the failure lists each resource the class
 * left open, with where it was created when {@code -Dindirectbuffer.leakDetection=paranoid} recorded it.
 *
 * <p>Registered for every test module by auto-detection ({@code META-INF/services} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true}, set in the parent pom's surefire configuration).
 * What a test drops unreachable is not a leak of the class: before comparing, the check runs the garbage collector
 * and waits (at most {@value #SETTLE_MILLIS} ms) until the Cleaner has freed it. Resources already open before the
 * class (other classes' in the same JVM) are told apart by their number, so they are never blamed on it. Classes
 * that leak on purpose carry {@link AllowsLeaks}; nested classes are checked with the class that encloses them.
 *
 * <p>Thread-safety: JUnit calls it from the thread running the class; it keeps its state in the class's
 * {@link ExtensionContext.Store}. It assumes classes run one at a time in a JVM (JUnit's default here), since the
 * counts are the JVM's.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {
    /** How long the check waits for the Cleaner before it reports what is still there. */
    static final long SETTLE_MILLIS = 2000;
    private static final long POLL_MILLIS = 10;
    /** How many of the resources left open the message lists, oldest first. */
    private static final int LISTED = 20;
    private static final Pattern NUMBER = Pattern.compile("\\(open resource #(\\d+)\\)");
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(LeakCheckExtension.class);
    private static final String BEFORE = "before";

    /** Creates the extension; JUnit does, through {@code META-INF/services}. */
    public LeakCheckExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (exempt(context)) {
            return;
        }
        context.getStore(NAMESPACE).put(BEFORE, Snapshot.settled());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Snapshot before = context.getStore(NAMESPACE).remove(BEFORE, Snapshot.class);
        if (before == null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
        Snapshot after = Snapshot.take();
        while (before.grewTo(after) && System.nanoTime() < deadline) {
            Snapshot.collect();
            after = Snapshot.take();
        }
        if (before.grewTo(after)) {
            throw new AssertionError(message(context.getRequiredTestClass().getName(), before, after));
        }
    }

    /** {@return whether the class is left to the class enclosing it, or is exempt} */
    private static boolean exempt(ExtensionContext context) {
        boolean nested = context.getParent().flatMap(ExtensionContext::getTestClass).isPresent();
        return nested || context.getTestClass().map(c -> AnnotationSupport.isAnnotated(c, AllowsLeaks.class))
                .orElse(true);
    }

    static String message(String testClass, Snapshot before, Snapshot after) {
        List<String> opened = before.openedIn(after);
        StringBuilder out = new StringBuilder(testClass).append(" leaked (LeakCheckExtension; mark a class that does"
                + " it on purpose @AllowsLeaks(\"why\")): ");
        long grown = after.bytes - before.bytes;
        if (grown > 0) {
            out.append(grown).append(" native bytes allocated by the library more after it than before it (")
                    .append(before.bytes).append(" before, ").append(after.bytes).append(" after)");
        } else {
            out.append("no native bytes more after it than before it");
        }
        out.append(", and ").append(opened.size()).append(" resource(s) it opened still open");
        out.append(opened.isEmpty() ? "." : ":");
        boolean sitesMissing = false;
        for (String r : opened.subList(0, Math.min(opened.size(), LISTED))) {
            out.append("\n  - ").append(r);
            sitesMissing |= !r.contains("\n    created on thread");
        }
        if (opened.size() > LISTED) {
            out.append("\n  (").append(opened.size() - LISTED).append(" more not listed)");
        }
        if (sitesMissing || opened.isEmpty()) {
            out.append("\nWhere ").append(opened.isEmpty() ? "the memory was allocated" : "they were created")
                    .append(" was not recorded; rerun with -Dindirectbuffer.leakDetection=paranoid to record every"
                            + " creation site.");
        }
        return out.toString();
    }

    /** The JVM's live native bytes and open resources (by number) at one moment. Immutable. */
    static final class Snapshot {
        final long bytes;
        final Map<String, String> open;

        private Snapshot(long bytes, Map<String, String> open) {
            this.bytes = bytes;
            this.open = open;
        }

        static Snapshot take() {
            long bytes = LeakDetection.liveNativeBytes();
            Map<String, String> open = new LinkedHashMap<>();
            for (String r : LeakDetection.openResources()) {
                Matcher m = NUMBER.matcher(r);
                open.put(m.find() ? m.group(1) : r, r);
            }
            return new Snapshot(bytes, open);
        }

        /** {@return a snapshot once what is unreachable has been freed: two in a row agree, or the time is up} */
        static Snapshot settled() {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
            Snapshot previous = take();
            while (true) {
                collect();
                Snapshot now = take();
                if (now.sameAs(previous) || System.nanoTime() >= deadline) {
                    return now;
                }
                previous = now;
            }
        }

        /** Runs the collector and gives the Cleaner thread time to free what it found. */
        static void collect() {
            System.gc();
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean sameAs(Snapshot other) {
            return bytes == other.bytes && open.keySet().equals(other.open.keySet());
        }

        boolean grewTo(Snapshot after) {
            return after.bytes > bytes || !open.keySet().containsAll(after.open.keySet());
        }

        List<String> openedIn(Snapshot after) {
            List<String> out = new ArrayList<>();
            after.open.forEach((number, r) -> {
                if (!open.containsKey(number)) {
                    out.add(r);
                }
            });
            return out;
        }
    }
}
