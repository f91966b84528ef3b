package org.indirectbuffer.internal;

import java.util.function.Consumer;

/**
 * Closes every item of a list even when some closes throw: the release loop of every holder of several exports.
 * Internal: exported only to the sibling modules.
 */
public final class CloseEach {
    private CloseEach() {
    }

    /**
     * Runs {@code close} on every non-null item, in order, whatever the others throw.
     *
     * @param items   what to close; null entries are skipped
     * @param close   closes one item
     * @param pending a failure already in flight, or null: failures of the closes are added to it as suppressed
     * @param <T>     the item type
     * @throws RuntimeException when {@code pending} is null, the first close failure, with the later ones
     *                          suppressed in it
     */
    public static <T> void closeEach(Iterable<? extends T> items, Consumer<? super T> close, Throwable pending) {
        RuntimeException first = null;
        for (T item : items) {
            if (item == null) {
                continue;
            }
            try {
                close.accept(item);
            } catch (RuntimeException e) {
                if (pending != null) {
                    pending.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
