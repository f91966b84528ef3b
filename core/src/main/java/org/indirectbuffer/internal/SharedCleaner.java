package org.indirectbuffer.internal;

import java.lang.ref.Cleaner;

/**
 * The one {@link Cleaner} (one daemon thread) every type of the library registers its safety-net freeing with.
 * Cleaning actions run on its thread: they must be thread-safe and must never capture the object they clean.
 * Internal: exported only to the sibling modules.
 */
public final class SharedCleaner {
    /** The shared cleaner. */
    public static final Cleaner CLEANER = Cleaner.create();

    private SharedCleaner() {
    }
}
