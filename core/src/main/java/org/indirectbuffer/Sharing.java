package org.indirectbuffer;

import java.lang.foreign.Arena;

/**
 * Which threads may use memory (or a view) that this library hands out, as {@link Arena#ofShared()} and {@link
 * Arena#ofConfined()} decide it for the JDK's own segments, and what ending it costs.
 *
 * <p>Both are safe: a segment of ended memory throws {@link IllegalStateException} on every thread, and a thread
 * that a confined owner does not allow gets {@link WrongThreadException}, never freed memory. They differ in what
 * closing costs: ending shared memory must make every thread's segments unusable at once, which the JVM does with a
 * handshake with every Java thread, a pause measured on this project's 2-core VM at 30 to 140 µs per close (the
 * higher figure when the other core is idle). Confined memory ends without one, in well under a microsecond.
 * Choose {@link #CONFINED} for memory that is made, passed to C and ended on one thread, when that pause matters
 * (short-lived buffers, one per call); {@link #SHARED}, the default everywhere, otherwise.
 */
public enum Sharing {
    /**
     * Any thread may read and write; any thread may close. Closing costs a handshake with every Java thread.
     */
    SHARED,
    /**
     * Only the owner thread — the one that made the memory or the view — may reach the items, close or resize;
     * any other thread gets {@link WrongThreadException} and changes nothing. Closing is cheap.
     */
    CONFINED;

    /**
     * Opens an arena of this kind, confined to the calling thread for {@link #CONFINED}.
     *
     * @return a new arena, which the caller closes
     */
    public Arena openArena() {
        return this == CONFINED ? Arena.ofConfined() : Arena.ofShared();
    }
}
