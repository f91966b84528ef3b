package org.indirectbuffer.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import org.indirectbuffer.HandOff;

/**
 * Blocks of the process's {@code malloc} that make one pointer table and its rows, freed once with the process's
 * {@code free}: run by a scope's close, or by a Cleaner. Holds addresses only, never a scope or the memory's owner.
 * The first address is the table's block; the others, if any, are the rows, one block each, which is what lets C
 * take {@linkplain #handOff some of them}. Their sizes are counted off {@link NativeBytes} when they are freed or
 * handed to C. Internal: exported only to the sibling modules. Thread-safe: the blocks are freed, or handed off,
 * exactly once.
 */
public final class MallocBlocks implements Runnable {
    private final long[] addresses;
    private final long[] sizes;
    private final AtomicBoolean done = new AtomicBoolean();

    /**
     * Takes blocks to free.
     *
     * @param addresses the table's block first, then each row's (not copied; 0 entries are skipped)
     * @param sizes     the size each was allocated with through {@link NativeHeap} (not copied)
     */
    public MallocBlocks(long[] addresses, long[] sizes) {
        if (addresses.length != sizes.length) {
            throw new IllegalArgumentException(addresses.length + " addresses but " + sizes.length + " sizes");
        }
        this.addresses = addresses;
        this.sizes = sizes;
    }

    /**
     * Gives the part {@code part} names to C: this object frees nothing from now on, and the returned one frees
     * the rest (C never frees it). Freeing already done or handed off is not done again.
     *
     * @param part what C takes
     * @return what the library still frees, or null if C takes everything
     */
    public MallocBlocks handOff(HandOff part) {
        if (!done.compareAndSet(false, true)) {
            return null;
        }
        MallocBlocks kept = switch (part) {
            case ALL -> null;
            case ROWS_ONLY -> new MallocBlocks(new long[] {addresses[0]}, new long[] {sizes[0]});
            case TABLE_ONLY -> new MallocBlocks(Arrays.copyOfRange(addresses, 1, addresses.length),
                    Arrays.copyOfRange(sizes, 1, sizes.length));
        };
        // What C took is no longer the library's.
        NativeBytes.add(-(total(sizes, addresses) - (kept == null ? 0 : total(kept.sizes, kept.addresses))));
        return kept;
    }

    private static long total(long[] sizes, long[] addresses) {
        long sum = 0;
        for (int i = 0; i < sizes.length; i++) {
            sum += addresses[i] != 0 ? Math.max(sizes[i], 1) : 0;
        }
        return sum;
    }

    @Override
    public void run() {
        if (done.compareAndSet(false, true)) {
            for (int i = 0; i < addresses.length; i++) {
                NativeHeap.freeOwned(addresses[i], sizes[i]);
            }
        }
    }
}
