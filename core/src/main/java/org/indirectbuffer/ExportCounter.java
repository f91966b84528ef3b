package org.indirectbuffer;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.indirectbuffer.internal.LeakTracker;

/**
 * Counts the views an exporter has lent and guards the operations they forbid: the export counting of CPython's
 * buffer protocol ({@code exports} in {@code bytearray}, {@code ndarray}), reusable by every exporter.
 *
 * <p>An exporter describes its whole memory as a view and passes it to {@link #export(Supplier, int)}, which applies the request (refusing what cannot be given), counts the export, and returns a view whose
 * {@link BufferView#close()} releases it. An operation that would move, reshape, reformat, make read-only or free
 * the memory runs through {@link #whileUnlocked(String, Runnable)} or calls {@link #checkUnlocked(String)}: while any
 * view is open it throws {@link BufferException} with the message {@code "buffer is locked: cannot <operation> while
 * <n> view(s) are exported"}, and leaves the data unchanged.
 *
 * <p>Thread-safety: all methods may be called from any thread. {@link #whileUnlocked(String, Runnable)} holds this counter's monitor
 * while the operation runs, so no export can begin in the middle of it; releases may happen concurrently with
 * anything and in any order.
 */
public final class ExportCounter {
    private final Object lock = new Object();
    /** Kept strongly reachable by every view this counter lent, so an exporter outlives the views of it. */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final Object exporter;
    /**
     * Raised only under {@link #lock} (so that no export begins during a {@link #whileUnlocked} operation), lowered
     * without it: a release never waits for the monitor, so the Cleaner's thread, releasing a dropped view, cannot be
     * held up by a thread that exports (and may wait for that very Cleaner to free memory) meanwhile.
     */
    private final AtomicInteger count = new AtomicInteger();
    /** The leak records of the open views, kept at level paranoid only, for the locked message. */
    private final Set<LeakTracker.Record> openViews = LeakTracker.paranoid() ? ConcurrentHashMap.newKeySet() : null;

    /**
     * Creates a counter with no exports.
     *
     * @param exporter the exporter whose views this counter counts; every view it lends keeps it strongly
     *                 reachable, so that memory freed when the exporter becomes unreachable (a {@code Cleaner}
     *                 safety net) cannot be freed under a view still in use
     */
    public ExportCounter(Object exporter) {
        this.exporter = Objects.requireNonNull(exporter, "exporter");
    }

    /**
     * Returns the number of views lent and not yet closed.
     *
     * @return the export count, 0 when the exporter is free to change its memory
     */
    public int count() {
        return count.get();
    }

    /**
     * Returns whether any view is open.
     *
     * @return {@code count() > 0}
     */
    public boolean isLocked() {
        return count() > 0;
    }

    /**
     * Lends the exporter's memory, shaped by the request, and counts the export.
     *
     * @param whole describes all of the exporter's memory with every field present (as {@link BufferView#wrap}
     *              makes it); called while this counter's monitor is held, so that it sees the exporter's state
     *              as no {@link #whileUnlocked} operation can change it meanwhile. It may throw (for example
     *              {@code IllegalStateException} when the exporter is closed); nothing is counted then
     * @param flags the consumer's request flags
     * @return a new view shaped by {@code flags}; closing it releases this export (closing it again does nothing)
     * @throws BufferException          if the request cannot be satisfied by the layout
     * @throws IllegalArgumentException if {@code flags} holds unknown bits or is {@code PyBUF_READ} (see {@link
     *                                  BufferRequest#check(int)})
     */
    public BufferView export(Supplier<BufferView> whole, int flags) {
        return export(whole, flags, null);
    }

    /**
     * Lends the exporter's memory as {@link #export(Supplier, int)} does, with an action run once when the view is
     * closed, before the export is released: for example copying staged memory back, or freeing memory made for
     * this export.
     *
     * @param whole     describes all of the exporter's memory (see {@link #export(Supplier, int)})
     * @param flags     the consumer's request flags
     * @param onRelease run once by the view's {@code close()}, on the closing thread; the export is released even
     *                  if it throws. {@code null} for none. It is not run if the request is refused
     * @return a new view shaped by {@code flags}
     * @throws BufferException          if the request cannot be satisfied by the layout
     * @throws IllegalArgumentException if {@code flags} holds unknown bits or is {@code PyBUF_READ} (see {@link
     *                                  BufferRequest#check(int)})
     */
    public BufferView export(Supplier<BufferView> whole, int flags, Runnable onRelease) {
        return export(whole, flags, onRelease, null);
    }

    /**
     * Lends the exporter's memory as {@link #export(Supplier, int, Runnable)} does, to the calling thread alone:
     * the view's {@link BufferView#close()} throws {@link WrongThreadException} on any other thread, so that {@code
     * onRelease} always runs on the thread that exported. For views whose memory is {@linkplain Sharing#CONFINED
     * confined} to that thread (made in an {@link java.lang.foreign.Arena#ofConfined() confined arena}), which only
     * it can copy back or free.
     *
     * @param whole     describes all of the exporter's memory (see {@link #export(Supplier, int)})
     * @param flags     the consumer's request flags
     * @param onRelease run once by the view's {@code close()} on this thread; {@code null} for none
     * @return a new view shaped by {@code flags}, to be closed on this thread
     * @throws BufferException          if the request cannot be satisfied by the layout
     * @throws IllegalArgumentException if {@code flags} holds unknown bits or is {@code PyBUF_READ} (see {@link
     *                                  BufferRequest#check(int)})
     */
    public BufferView exportConfined(Supplier<BufferView> whole, int flags, Runnable onRelease) {
        return export(whole, flags, onRelease, Thread.currentThread());
    }

    private BufferView export(Supplier<BufferView> whole, int flags, Runnable onRelease, Thread closer) {
        Objects.requireNonNull(whole, "whole");
        BufferRequest.check(flags);
        synchronized (lock) {
            BufferView view = whole.get().forRequest(flags, this, onRelease, closer);
            count.incrementAndGet();
            return view;
        }
    }

    /**
     * Throws unless no view is open.
     *
     * @param operation what the caller is about to do, for the message ("resize", "close", "make read-only")
     * @throws BufferException if a view is open; the message names the operation and the count
     */
    public void checkUnlocked(String operation) {
        synchronized (lock) {
            int n = count.get();
            if (n > 0) {
                throw locked(operation, n);
            }
        }
    }

    /**
     * Runs {@code action} if no view is open, holding the counter's monitor so that no export begins meanwhile.
     *
     * @param operation what {@code action} does, for the message ("resize", "close", "make read-only")
     * @param action    the operation that would move, reshape, reformat, make read-only or free the memory
     * @throws BufferException if a view is open ("buffer is locked"); {@code action} is then not run
     */
    public void whileUnlocked(String operation, Runnable action) {
        whileUnlocked(operation, () -> false, action);
    }

    /**
     * Runs {@code action} if it would change something and no view is open, holding the counter's monitor.
     * An operation that would change nothing (closing what is closed, making read-only what is read-only) is
     * allowed while views are open.
     *
     * @param operation what {@code action} does, for the message
     * @param isNoOp    tells, under the monitor, whether the operation would change nothing; then neither the lock
     *                  is checked nor {@code action} run
     * @param action    the operation
     * @throws BufferException if a view is open and {@code isNoOp} is false; {@code action} is then not run
     */
    public void whileUnlocked(String operation, BooleanSupplier isNoOp, Runnable action) {
        synchronized (lock) {
            if (isNoOp.getAsBoolean()) {
                return;
            }
            int n = count.get();
            if (n > 0) {
                throw locked(operation, n);
            }
            action.run();
        }
    }

    /**
     * Reads exporter state under the counter's monitor, consistent with {@link #whileUnlocked} operations.
     *
     * @param read reads the state
     * @param <T>  the state's type
     * @return what {@code read} returned
     */
    public <T> T whileHeld(Supplier<T> read) {
        synchronized (lock) {
            return read.get();
        }
    }

    /** Called once by a view this counter lent, when it is closed or found unreachable; never takes the monitor. */
    void release() {
        int before = count.getAndUpdate(n -> n > 0 ? n - 1 : n);
        if (before <= 0) {
            throw new IllegalStateException("export counter released more often than acquired: count " + before);
        }
    }

    /** {@return the exporter's {@code toString()}, for leak reports of the views it lent} */
    String describeExporter() {
        return String.valueOf(exporter);
    }

    /** A view this counter lent was made: at level paranoid, the locked message lists it. */
    void opened(LeakTracker.Record view) {
        if (openViews != null && view != null) {
            openViews.add(view);
        }
    }

    /** A view this counter lent was released (closed, or found by the Cleaner). */
    void released(LeakTracker.Record view) {
        if (openViews != null && view != null) {
            openViews.remove(view);
        }
    }

    private BufferException locked(String operation, int count) {
        StringBuilder message = new StringBuilder(String.format("buffer is locked: cannot %s while %d view%s"
                + " exported", operation, count, count == 1 ? " is" : "s are"));
        if (openViews != null) {
            for (LeakTracker.Record view : openViews) {
                message.append("\n  ").append(view.describe());
            }
        }
        return new BufferException(message.toString());
    }

    @Override
    public String toString() {
        return "ExportCounter[count=" + count() + "]";
    }
}
