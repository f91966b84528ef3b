package org.indirectbuffer.fuzz;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The per-input time guard of the fuzz tests: runs one input's checks on a worker thread and fails the input (an
 * {@link AssertionError} carrying the stuck worker's stack) when they take longer than {@link #LIMIT_SECONDS}. A
 * failure of the checks is rethrown as it was thrown, so Jazzer reports and deduplicates it by its own stack trace.
 * Each fuzz test class has its own guard; it is used by one fuzzing thread at a time.
 */
final class TimeGuard {
    /** Far above any input's cost (microseconds), so only a real hang (or a loop bounded by a huge count) trips it. */
    static final long LIMIT_SECONDS = 10;

    private ExecutorService worker;
    private volatile Thread workerThread;

    TimeGuard() {
        worker = newWorker();
    }

    private ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-input");
            t.setDaemon(true);
            workerThread = t;
            return t;
        });
    }

    /**
     * Runs {@code checks} and waits for them at most {@link #LIMIT_SECONDS}.
     *
     * @param input  what the input was, for the message of a hang
     * @param checks the checks of one input
     */
    void run(String input, Runnable checks) {
        Future<?> done = worker.submit(checks);
        try {
            done.get(LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            AssertionError hang = new AssertionError("input " + input + " still runs after " + LIMIT_SECONDS
                    + " s (the stack trace is the worker's)");
            Thread stuck = workerThread;
            if (stuck != null) {
                hang.setStackTrace(stuck.getStackTrace());
            }
            worker.shutdownNow();
            worker = newWorker(); // the stuck thread is a daemon; the next input gets a fresh one
            throw hang;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new AssertionError(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for input " + input, e);
        }
    }

    /**
     * Describes bytes for a message: printable ASCII as is, others escaped.
     *
     * @param s the string
     * @return a Java-like quoted form
     */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int shown = Math.min(s.length(), 200);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (shown < s.length()) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.append('"').toString();
    }
}
