package org.indirectbuffer.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import org.indirectbuffer.HandOff;

/**
 * Blocks of the process's {@code malloc} that make one pointer table and its rows, freed once with the process's
 * {@code free}: run by a scope's close, or by a Cleaner. Holds addresses only, never a scope or the memory's owner.
 * The first address is the table's block; the others, if any, are the rows, one block each, which is what lets C
 * take {@linkplain #handOff some of them}. Internal: exported only to the sibling modules. Thread-safe: the blocks
 * are freed, or handed off, exactly once.
 */
public final class MallocBlocks implements Runnable {
    private final long[] addresses;
    private final AtomicBoolean done = new AtomicBoolean();

    /**
     * Takes blocks to free.
     *
     * @param addresses the table's block first, then each row's (not copied; 0 entries are skipped)
     */
    public MallocBlocks(long[] addresses) {
        this.addresses = addresses;
    }

    /**
     * Gives the part {@code part} names to C: this object frees nothing from now on, and the returned one frees
     * the rest (C never frees it). Freeing already done or handed off is not done again.
     *
     * @param part what C takes
     * @return what the library still frees, or null if C takes everything
     */
    public MallocBlocks handOff(HandOff part) {
        done.set(true);
        return switch (part) {
            case ALL -> null;
            case ROWS_ONLY -> new MallocBlocks(new long[] {addresses[0]});
            case TABLE_ONLY -> new MallocBlocks(Arrays.copyOfRange(addresses, 1, addresses.length));
        };
    }

    /** Frees every block with the process's {@code free}, the first time only. */
    @Override
    public void run() {
        if (done.compareAndSet(false, true)) {
            for (long address : addresses) {
                NativeHeap.free(NativeHeap.FREE, address);
            }
        }
    }
}
