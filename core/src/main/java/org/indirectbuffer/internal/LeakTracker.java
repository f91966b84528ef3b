package org.indirectbuffer.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.indirectbuffer.LeakDetection;

/**
 * Tracks the library's open resources for {@link LeakDetection}: a {@link Record} per tracked owner or lent view,
 * made when it is created, ended when it is closed, or reported as a leak by the Cleaner action that found it
 * unreachable. A record never references the resource, so that it cannot keep it reachable. Internal: exported only
 * to the sibling modules. Thread-safe.
 */
public final class LeakTracker {
    /** The property naming the level. */
    public static final String PROPERTY = "indirectbuffer.leakDetection";
    /** The level, read once. */
    public static final LeakDetection.Level LEVEL = level(System.getProperty(PROPERTY));
    /** One resource in this many records its creation site at level SIMPLE. */
    private static final int SAMPLING_INTERVAL = 128;
    private static final int RECENT_REPORTS = 64;
    /** Reports logged in full; after them, one line per this many more (a loop dropping views must not flood). */
    private static final int LOGGED_IN_FULL = 64;
    private static final int LOGGED_EVERY = 10_000;
    private static final System.Logger LOG = System.getLogger("org.indirectbuffer.leaks");

    private static final AtomicInteger CREATED = new AtomicInteger();
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final AtomicLong REPORTED = new AtomicLong();
    private static final ConcurrentHashMap<Record, Boolean> OPEN = new ConcurrentHashMap<>();
    private static final ArrayDeque<String> RECENT = new ArrayDeque<>();

    private LeakTracker() {
    }

    private static LeakDetection.Level level(String value) {
        if (value == null) {
            return LeakDetection.Level.SIMPLE;
        }
        try {
            return LeakDetection.Level.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.getLogger("org.indirectbuffer.leaks").log(System.Logger.Level.WARNING,
                    "-D" + PROPERTY + "=" + value + " is not a level: expected off, simple or paranoid; using simple");
            return LeakDetection.Level.SIMPLE;
        }
    }

    /** {@return whether anything is tracked} */
    public static boolean enabled() {
        return LEVEL != LeakDetection.Level.OFF;
    }

    /** {@return whether every acquire and release is recorded, and resources that free nothing are tracked too} */
    public static boolean paranoid() {
        return LEVEL == LeakDetection.Level.PARANOID;
    }

    /**
     * Starts tracking a resource.
     *
     * @param kind        what it is ("IndirectMemory2D", "BufferView")
     * @param description which one; called when the resource is reported or listed. It is held strongly until
     *                    then, so it must not reference the resource the Cleaner watches (only values describing it,
     *                    or objects the resource keeps reachable anyway)
     * @return the record, or null at level OFF
     */
    public static Record track(String kind, Supplier<String> description) {
        if (!enabled()) {
            return null;
        }
        boolean site = paranoid() || (CREATED.getAndIncrement() & (SAMPLING_INTERVAL - 1)) == 0;
        Record r = new Record(kind, description, site ? new Site("created") : null);
        OPEN.put(r, Boolean.TRUE);
        return r;
    }

    /** {@return a snapshot of the open resources, oldest first} */
    public static List<String> openResources() {
        List<Record> records = new ArrayList<>(OPEN.keySet());
        records.sort((a, b) -> Long.compare(a.sequence, b.sequence));
        List<String> out = new ArrayList<>(records.size());
        for (Record r : records) {
            out.add(r.describe(true));
        }
        return out;
    }

    /** {@return the number of leaks reported} */
    public static long leaksReported() {
        return REPORTED.get();
    }

    /** {@return the most recent reports, oldest first} */
    public static List<String> recentReports() {
        synchronized (RECENT) {
            return List.copyOf(RECENT);
        }
    }

    /** Where something happened: a stack captured at that point, printed without the tracker's own frames. */
    private static final class Site extends Throwable {
        private static final long serialVersionUID = 1L;
        private final String thread = Thread.currentThread().getName();

        Site(String what) {
            super(what, null, false, true);
        }

        void appendTo(StringBuilder out) {
            out.append("\n    ").append(getMessage()).append(" on thread '").append(thread).append("'");
            for (StackTraceElement e : getStackTrace()) {
                String c = e.getClassName();
                if (c.startsWith("org.indirectbuffer.internal.LeakTracker") || c.startsWith("org.indirectbuffer"
                        + ".internal.Lifetime")) {
                    continue;
                }
                out.append("\n        at ").append(e);
            }
        }
    }

    /**
     * One tracked resource. Holds only what describes it, never the resource. Thread-safe.
     */
    public static final class Record {
        private final String kind;
        private final Supplier<String> description;
        private final Site created;
        private final long sequence = SEQUENCE.incrementAndGet();
        /** Acquires and releases, at level PARANOID; guarded by itself. */
        private final List<Site> trail;

        private Record(String kind, Supplier<String> description, Site created) {
            this.kind = kind;
            this.description = description;
            this.created = created;
            this.trail = paranoid() ? new ArrayList<>() : null;
        }

        /**
         * Records an acquire or release (at level PARANOID only).
         *
         * @param what what happened ("exported", "released", "hold taken")
         */
        public void event(String what) {
            if (trail != null) {
                Site s = new Site(what);
                synchronized (trail) {
                    trail.add(s);
                }
            }
        }

        /** The resource was closed: it is no longer open. */
        public void closed() {
            OPEN.remove(this);
        }

        /**
         * The Cleaner found the resource unreachable and unclosed: reports the leak.
         *
         * @param consequence what the Cleaner did about it ("its memory was freed", "its export was released")
         */
        public void leaked(String consequence) {
            if (OPEN.remove(this) == null) {
                return;
            }
            StringBuilder report = new StringBuilder("LEAK: ").append(kind).append(" was never closed: ")
                    .append(description.get()).append("; ").append(consequence).append(" when the Cleaner found it"
                            + " unreachable.");
            if (created == null) {
                report.append(" Where it was created was not recorded (one in " + SAMPLING_INTERVAL + " is at"
                        + " level simple); run with -D" + PROPERTY + "=paranoid to record every one.");
            }
            appendSites(report);
            String text = report.toString();
            long n = REPORTED.incrementAndGet();
            synchronized (RECENT) {
                if (RECENT.size() == RECENT_REPORTS) {
                    RECENT.removeFirst();
                }
                RECENT.addLast(text);
            }
            if (n <= LOGGED_IN_FULL) {
                LOG.log(System.Logger.Level.WARNING, text);
            } else if (n % LOGGED_EVERY == 0) {
                LOG.log(System.Logger.Level.WARNING, "LEAK: " + n + " resources found unclosed so far (only the first "
                        + LOGGED_IN_FULL + " are logged in full; LeakDetection.recentReports() has the latest)."
                        + " The last: " + text);
            }
        }

        private void appendSites(StringBuilder out) {
            if (created != null) {
                created.appendTo(out);
            }
            if (trail != null) {
                synchronized (trail) {
                    for (Site s : trail) {
                        s.appendTo(out);
                    }
                }
            }
        }

        /** {@return what it is, then where it was created (when recorded) and its events} */
        public String describe() {
            return describe(false);
        }

        /**
         * Describes the resource.
         *
         * @param numbered whether to add its number (" (open resource #n)", unique in the JVM: which one it is
         *                 when its description is the same as another's, or changes)
         * @return what it is, then where it was created (when recorded) and its events
         */
        private String describe(boolean numbered) {
            StringBuilder out = new StringBuilder(kind).append(": ").append(description.get());
            if (numbered) {
                out.append(" (open resource #").append(sequence).append(')');
            }
            appendSites(out);
            return out.toString();
        }

        @Override
        public String toString() {
            return kind + ": " + description.get();
        }
    }
}
