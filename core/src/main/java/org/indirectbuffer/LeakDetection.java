package org.indirectbuffer;

import java.util.List;

import org.indirectbuffer.internal.LeakTracker;
import org.indirectbuffer.internal.NativeBytes;

/**
 * What the library knows about resources left open: its live native bytes, the owners and views not yet closed, and
 * the leaks its {@link java.lang.ref.Cleaner} found (a resource that became unreachable without {@code close()}).
 *
 * <p>The level is chosen once per JVM with the system property {@code indirectbuffer.leakDetection}, read when the
 * library is first used:
 * <ul>
 *   <li>{@code off}: nothing is tracked or reported; a dropped resource is still freed (or released) by the Cleaner,
 *       silently. {@link #openResources()} is empty and {@link #leaksReported()} stays 0.</li>
 *   <li>{@code simple} (the default): every owner that frees or locks something and every lent {@link BufferView}
 *       is tracked; when the Cleaner finds one unclosed, a report naming it goes to the {@link System.Logger} {@code
 *       org.indirectbuffer.leaks} at {@code WARNING} (and to {@link #recentReports()}). Where it was created is
 *       recorded for one resource in 128 (recording a stack costs about 2 µs, as much as a small export), as
 *       Netty's {@code ResourceLeakDetector} samples.</li>
 *   <li>{@code paranoid}: as {@code simple}, but every tracked resource records where it was created, and also
 *       every acquire and release of it (exports, holds), with the thread; borrowed memory, which frees nothing, is
 *       tracked too. For tests and debugging: it costs microseconds per resource.</li>
 * </ul>
 * An unknown value is reported once at {@code WARNING} and {@code simple} is used.
 *
 * <p>Thread-safety: every method may be called from any thread; the lists are snapshots.
 */
public final class LeakDetection {
    /** How much the library tracks; see the class documentation. */
    public enum Level {
        /** Nothing tracked or reported. */
        OFF,
        /** Open resources tracked, leaks reported, creation sites sampled. */
        SIMPLE,
        /** Every creation site, acquire and release recorded. */
        PARANOID
    }

    private LeakDetection() {
    }

    /**
     * Returns the level this JVM runs with (the system property {@code indirectbuffer.leakDetection}).
     *
     * @return the level, fixed for the life of the JVM
     */
    public static Level level() {
        return LeakTracker.LEVEL;
    }

    /**
     * Returns the native bytes this library allocated and has not freed: owned memory ({@link
     * IndirectMemory2D#createMemory}, {@link MemoryBuffer#allocate}, {@link CStringTable#create}), tables it made for
     * views and windows, and memory staged for exports. Memory C allocated (borrowed, or adopted with a nanny) is
     * not counted, nor memory handed to C ({@link IndirectMemory2D#handOffToC()}). Counted exactly at every level.
     *
     * @return the live bytes, {@code >= 0}
     */
    public static long liveNativeBytes() {
        return NativeBytes.live();
    }

    /**
     * Returns the tracked resources not yet closed (or found by the Cleaner), oldest first: one line each, the kind
     * what it is and its number, unique in the JVM ({@code "IndirectMemory2D: 3 x 4 'd' (created, ONE_BLOCK) (open
     * resource #12)"}), followed by where it was created when that was recorded, and (at {@code paranoid}) its
     * acquires and releases. The number tells one resource from another whose description is the same, and stays
     * the same when the description changes (a count of exports, a size): compare snapshots by it.
     *
     * @return a snapshot; empty at level {@code off}
     */
    public static List<String> openResources() {
        return LeakTracker.openResources();
    }

    /**
     * Returns how many leaks the Cleaner found since the JVM started: resources that became unreachable unclosed.
     *
     * @return the count; 0 at level {@code off}
     */
    public static long leaksReported() {
        return LeakTracker.leaksReported();
    }

    /**
     * Returns the most recent leak reports (at most 64), oldest first, as they were logged.
     *
     * @return a snapshot
     */
    public static List<String> recentReports() {
        return LeakTracker.recentReports();
    }
}
