package org.indirectbuffer.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.LeakDetection;
import org.indirectbuffer.MemoryFaultException;

/**
 * Race rounds: one thread (the caller, "main") changes a subject under two worker threads that read and write it.
 * Each round publishes a subject to both workers, gives them a moment to start, and runs the round's mutation
 * (close, resize, {@code reinterpretData}, {@code makeReadOnly}, a move) while they work; then the workers move on to
 * the next round. A subject may live for several rounds; it is then finished (closed, its export count checked)
 * after its last.
 *
 * <p>What is checked: every exception a worker sees is one of the scenario's documented types (exactly that class,
 * or a subclass in the library's {@code internal} package, which the javadoc declares as its JDK type) and has a
 * message; every value a worker reads is one the race permits (the scenario's checks throw {@link AssertionError}
 * otherwise); the main thread's mutations are refused only with "buffer is locked"; every subject ends closed with no
 * export open; and {@link LeakDetection#liveNativeBytes()} is back at its start value when the scenario is done. A
 * JVM crash ends the test run itself (surefire reports the fork's death; {@code test-scripts/races.sh} looks for
 * {@code hs_err} files).
 *
 * <p>Iterations: the system property {@value #ITERATIONS} (default {@value #DEFAULT_ITERATIONS}) is the total
 * number of rounds of a test class, split evenly between its scenarios ({@link #roundsEach(int)}). With {@value
 * #REPORT} set to a file, each scenario appends one line of figures to it (the script's input).
 *
 * <p>Not thread-safe itself: one {@link #run} at a time per scenario object; the workers are its own threads.
 */
public final class Races {
    /** The system property with the total number of race rounds of a test class. */
    public static final String ITERATIONS = "indirectbuffer.race.iterations";
    /** The system property naming a file each scenario appends its figures to. */
    public static final String REPORT = "indirectbuffer.race.report";
    /** The rounds of a test class when {@value #ITERATIONS} is not set. */
    public static final long DEFAULT_ITERATIONS = 100_000;
    /** How long the main thread retries a mutation refused because a worker holds a view. */
    private static final long LOCKED_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    /**
     * The most operations a worker runs per round. A short burst, during which the main thread's mutation lands:
     * then the worker parks, so that closes between rounds find it off the processor (see {@link Worker#run}).
     */
    private static final int BURST = 16;
    /** The main thread mutates after the workers ran 0 to this many operations of the round. */
    private static final int MAX_OPERATIONS_BEFORE = 6;
    /** How long the workers may take to pick a round up before the mutation runs anyway. */
    private static final long START_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    private Races() {
    }

    /**
     * The total number of rounds asked for.
     *
     * @return {@value #ITERATIONS}, or {@value #DEFAULT_ITERATIONS}
     * @throws IllegalArgumentException if the property is not a positive whole number (underscores allowed)
     */
    public static long iterations() {
        String value = System.getProperty(ITERATIONS);
        if (value == null || value.isBlank()) {
            return DEFAULT_ITERATIONS;
        }
        long n;
        try {
            n = Long.parseLong(value.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ITERATIONS + " = '" + value + "': expected a positive whole number of"
                    + " race rounds", e);
        }
        if (n < 1) {
            throw new IllegalArgumentException(ITERATIONS + " = " + n + ": expected at least 1 race round");
        }
        return n;
    }

    /**
     * The rounds of each of {@code scenarios} scenarios, so that together they run at least {@link #iterations()}.
     *
     * @param scenarios the number of scenarios of the test class
     * @return the rounds of each
     */
    public static long roundsEach(int scenarios) {
        long total = iterations();
        return (total + scenarios - 1) / scenarios;
    }

    /**
     * One race: how to make the subject, what the workers do with it, and what the main thread does to it.
     *
     * @param <S> the subject (an exporter and whatever the workers need with it)
     */
    public abstract static class Scenario<S> {
        private final String name;
        private final List<Class<? extends Throwable>> documented;

        /**
         * @param name       names the scenario in reports
         * @param documented the exceptions the workers' operations may throw, as their javadoc declares them
         */
        protected Scenario(String name, List<Class<? extends Throwable>> documented) {
            this.name = name;
            this.documented = List.copyOf(documented);
        }

        /** {@return the scenario's name} */
        public String name() {
            return name;
        }

        /** {@return how many rounds one subject lives for; {@link #finish} ends it after the last} */
        protected int roundsPerSubject() {
            return 1;
        }

        /**
         * Makes the subject of the rounds starting at {@code round}, on the main thread.
         *
         * @param round the number of its first round
         * @return the subject
         */
        protected abstract S open(long round);

        /**
         * One reading operation of a worker; checks every value it reads (an {@link AssertionError} if it is not one
         * the race permits).
         *
         * @param subject the round's subject
         * @param k       which operation: the scenario chooses by it (it grows by one per operation)
         */
        protected abstract void read(S subject, int k);

        /**
         * One writing operation of a worker, writing only values the readers accept.
         *
         * @param subject the round's subject
         * @param k       which operation
         */
        protected abstract void write(S subject, int k);

        /**
         * The racing operation, on the main thread, while the workers work: retry refusals with {@link
         * Races#whileLocked}.
         *
         * @param subject the subject
         * @param round   the round's number
         * @param last    whether this is the subject's last round
         * @param random  for choices the mutation makes
         */
        protected abstract void mutate(S subject, long round, boolean last, SplittableRandom random);

        /**
         * Ends the subject after its last round (the workers may still be finishing an operation on it): closes
         * what is open, retrying while locked, and checks that it is closed with no export open.
         *
         * @param subject the subject
         */
        protected abstract void finish(S subject);

        /**
         * Whether operation {@code k} of a worker exports a view or takes a hold: while the main thread waits for
         * the subject to be unlocked, workers run the other operations (or, if all export, pause), so that a mutation
         * refused while locked is retried a few times, not thousands.
         *
         * @param k      the operation's number
         * @param writer whether it is the writer's
         * @return whether it locks the subject while it runs
         */
        protected boolean exports(int k, boolean writer) {
            return false;
        }

        /** Whether a worker's exception is documented here; its class for the tally if so, else null. */
        final Class<? extends Throwable> documentedAs(Throwable t) {
            if (t.getMessage() == null || t instanceof MemoryFaultException) {
                return null;
            }
            for (Class<? extends Throwable> c : documented) {
                if (t.getClass() == c || (c.isInstance(t)
                        && t.getClass().getPackageName().equals("org.indirectbuffer.internal"))) {
                    return c;
                }
            }
            return null;
        }
    }

    /** One round, as the workers see it. */
    private static final class Round<S> {
        final S subject;
        volatile boolean retired;
        /** Set once the main thread's mutation returned: operations after it no longer race it. */
        volatile boolean mutated;
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger operations = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();

        Round(S subject) {
            this.subject = subject;
        }
    }

    /** A worker's tallies; read by the main thread after the worker ended. */
    private static final class Tally {
        long operations;
        long racedRounds;
        final Map<String, Long> exceptions = new TreeMap<>();
        long unexpectedCount;
        Throwable unexpected;
    }

    /** A reading or writing worker, reused for every round of a scenario. */
    private static final class Worker<S> implements Runnable {
        final Scenario<S> scenario;
        final boolean writer;
        final Tally tally = new Tally();
        volatile Round<S> current;
        volatile boolean stop;

        Worker(Scenario<S> scenario, boolean writer) {
            this.scenario = scenario;
            this.writer = writer;
        }

        @Override
        public void run() {
            Round<S> last = null;
            int k = writer ? 1 : 0;
            while (!stop) {
                Round<S> r = current;
                if (r == null || r == last) {
                    // Parked, not spinning, between rounds: a thread that is not running Java code takes no part in
                    // the handshake that closing a shared arena makes, so the main thread's closes between rounds do
                    // not wait for a worker the OS has descheduled (two cores, several busy threads).
                    LockSupport.park(this);
                    continue;
                }
                last = r;
                r.started.incrementAndGet();
                boolean before = false;
                boolean raced = false;
                for (int n = 0; n < BURST && !r.retired && !stop; n++) {
                    if (unlockWanted) {
                        k = unlocking(r, k);
                        if (r.retired) {
                            break;
                        }
                    }
                    boolean mutated = r.mutated;
                    try {
                        if (writer) {
                            scenario.write(r.subject, k++);
                        } else {
                            scenario.read(r.subject, k++);
                        }
                        tally.operations++;
                        r.operations.incrementAndGet();
                        before |= !mutated;
                        raced |= before && mutated;
                    } catch (Throwable t) {
                        raced |= before || !mutated;
                        Class<? extends Throwable> type = t instanceof AssertionError ? null
                                : scenario.documentedAs(t);
                        if (type == null) {
                            tally.unexpectedCount++;
                            if (tally.unexpected == null) {
                                tally.unexpected = t;
                            }
                        } else {
                            tally.exceptions.merge(type.getSimpleName(), 1L, Long::sum);
                        }
                        break; // the round is over for this worker
                    }
                }
                if (raced) {
                    tally.racedRounds++;
                }
                r.finished.incrementAndGet();
            }
        }

        /** The next operation that does not lock the subject; if there is none, waits until unlocked. */
        private int unlocking(Round<S> r, int k) {
            for (int i = 0; i < 16; i++) {
                if (!scenario.exports(k + i, writer)) {
                    return k + i;
                }
            }
            while (unlockWanted && !r.retired && !stop) {
                Thread.onSpinWait();
            }
            return k;
        }
    }

    /** What a scenario did: figures for the report and the checks. */
    public record Result(String scenario, long rounds, long millis, long racedRounds, long operations,
                         Map<String, Long> exceptions, long refusals, long unexpected, long bytesLost) {
        /** {@return one line of figures, as the report file and the test output give it} */
        public String line() {
            return "scenario=" + scenario + " rounds=" + rounds + " ms=" + millis + " raced=" + racedRounds
                    + " ops=" + operations + " exceptions=" + exceptions.toString().replace(" ", "")
                    + " refusals=" + refusals + " unexpected=" + unexpected + " bytesLost=" + bytesLost;
        }
    }

    /** Mutations refused with "buffer is locked" and retried, across the scenario (the main thread only). */
    private static long refusals;
    /** Set while the main thread waits for the subject to be unlocked (see {@link Scenario#exports}). */
    private static volatile boolean unlockWanted;

    /**
     * Runs {@code action}, retrying while it is refused with "buffer is locked" (a worker holds a view or a hold):
     * waits until {@code busy} is 0 before each try, so that refusals stay rare. Any other exception propagates.
     *
     * @param busy   the subject's open exports (and holds)
     * @param action the mutation
     * @throws AssertionError if the action is still refused after 20 s
     */
    public static void whileLocked(IntSupplier busy, Runnable action) {
        long deadline = System.nanoTime() + LOCKED_LIMIT_NANOS;
        int spins = 0;
        try {
            while (true) {
                while (busy.getAsInt() > 0) {
                    unlockWanted = true;
                    if (++spins % 1024 == 0) {
                        Thread.yield();
                    } else {
                        Thread.onSpinWait();
                    }
                }
                try {
                    action.run();
                    return;
                } catch (BufferException e) {
                    if (e.getMessage() == null || !e.getMessage().startsWith("buffer is locked: cannot ")) {
                        throw e;
                    }
                    refusals++;
                    unlockWanted = true;
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("still locked after 20 s of retries", e);
                    }
                }
            }
        } finally {
            unlockWanted = false;
        }
    }

    /**
     * Runs {@code rounds} rounds of a scenario with a reading and a writing worker, and checks what they saw.
     *
     * @param scenario the race
     * @param rounds   how many rounds
     * @param seed     the seed of the main thread's random choices
     * @param <S>      the subject type
     * @return the figures (also printed, and appended to the {@value #REPORT} file if set)
     * @throws AssertionError if a worker saw an undocumented exception or a wrong value, a subject did not end
     *                        cleanly, native bytes were lost, or the workers never overlapped a mutation
     */
    public static <S> Result run(Scenario<S> scenario, long rounds, long seed) throws InterruptedException {
        long bytesBefore = settledLiveBytes();
        refusals = 0;
        SplittableRandom random = new SplittableRandom(seed);
        Worker<S> reader = new Worker<>(scenario, false);
        Worker<S> writer = new Worker<>(scenario, true);
        Thread[] threads = {new Thread(reader, scenario.name() + "-reader"), new Thread(writer,
                scenario.name() + "-writer")};
        for (Thread t : threads) {
            t.setDaemon(true);
            t.start();
        }
        long start = System.nanoTime();
        int perSubject = scenario.roundsPerSubject();
        S subject = null;
        Round<S> previous = null;
        try {
            for (long i = 0; i < rounds; i++) {
                int inSubject = (int) (i % perSubject);
                if (inSubject == 0) {
                    subject = scenario.open(i);
                }
                boolean last = inSubject == perSubject - 1 || i == rounds - 1;
                if (previous != null) {
                    previous.retired = true;
                }
                Round<S> round = new Round<>(subject);
                previous = round;
                reader.current = round;
                writer.current = round;
                long deadline = System.nanoTime() + START_NANOS;
                LockSupport.unpark(threads[0]);
                LockSupport.unpark(threads[1]);
                int before = random.nextInt(MAX_OPERATIONS_BEFORE + 1);
                while (round.operations.get() < before && round.finished.get() < 2
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                scenario.mutate(subject, i, last, random);
                round.mutated = true; // the rest of the workers' bursts: the new layout, stale handles
                if (last) {
                    scenario.finish(subject);
                    subject = null;
                }
                if (reader.tally.unexpected != null || writer.tally.unexpected != null) {
                    break; // read after the workers stop, below
                }
            }
        } finally {
            if (previous != null) {
                previous.retired = true;
            }
            reader.stop = true;
            writer.stop = true;
            for (Thread t : threads) {
                LockSupport.unpark(t);
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            if (subject != null) {
                scenario.finish(subject);
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (Thread t : threads) {
            if (t.isAlive()) {
                throw new AssertionError(t.getName() + " did not stop within 30 s");
            }
        }
        Map<String, Long> exceptions = new TreeMap<>(reader.tally.exceptions);
        writer.tally.exceptions.forEach((k, v) -> exceptions.merge(k, v, Long::sum));
        long unexpected = reader.tally.unexpectedCount + writer.tally.unexpectedCount;
        long bytesLost = lostBytes(bytesBefore);
        Result result = new Result(scenario.name(), rounds, millis,
                reader.tally.racedRounds + writer.tally.racedRounds,
                reader.tally.operations + writer.tally.operations, exceptions, refusals, unexpected, bytesLost);
        report(result);
        Throwable first = reader.tally.unexpected != null ? reader.tally.unexpected : writer.tally.unexpected;
        if (first != null) {
            throw new AssertionError(scenario.name() + ": a worker failed with an undocumented exception or a wrong"
                    + " value (" + result.line() + ")", first);
        }
        if (bytesLost > 0) {
            throw new AssertionError(scenario.name() + ": " + bytesLost + " native bytes lost (" + result.line()
                    + ")");
        }
        // The races were real: the workers were working on the subject when it changed under them, many times over
        // (a loaded machine may starve them of some rounds, so the bar is low).
        if (result.racedRounds() < Math.min(rounds, Math.max(1, rounds / 100))) {
            throw new AssertionError(scenario.name() + ": the workers overlapped too few mutations ("
                    + result.line() + ")");
        }
        return result;
    }

    private static void report(Result result) {
        String line = "RACE " + result.line();
        System.out.println(line);
        String file = System.getProperty(REPORT);
        if (file != null && !file.isBlank()) {
            try {
                Files.writeString(Path.of(file), line + System.lineSeparator(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append the race figures to " + file, e);
            }
        }
    }

    /** The live native bytes once the Cleaner has freed what earlier tests dropped: two readings that agree. */
    private static long settledLiveBytes() throws InterruptedException {
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(20);
            long now = LeakDetection.liveNativeBytes();
            if (now == previous) {
                return now;
            }
            previous = now;
        }
        return previous;
    }

    /**
     * The native bytes the scenario left allocated: 0 once the live count is back at (or, with other tests' garbage
     * freed meanwhile, below) its start value, waiting up to 2 s for the Cleaner.
     */
    private static long lostBytes(long before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        long now = LeakDetection.liveNativeBytes();
        while (now > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
            now = LeakDetection.liveNativeBytes();
        }
        return Math.max(0, now - before);
    }
}
