package org.indirectbuffer.internal;

import java.util.function.LongFunction;
import java.util.function.Supplier;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.kernels.Kernels;

/**
 * The {@link Kernels} run row by row over a table whose rows are 1-D views ({@code BufferCollection2D}, {@code
 * RaggedRows}): the whole-table {@code sum}, {@code min}, {@code max}, {@code fill} and {@code scale} of each owner.
 * The owner checks that it is open and writable first; each row view it gives is checked by the kernels. Stateless.
 * Internal: exported only to the sibling modules.
 */
public final class RowKernels {
    private RowKernels() {
    }

    /**
     * Sums every item of every row.
     *
     * @param rows the number of rows
     * @param row  the view of row {@code r}
     * @return the sum; 0 for no items
     */
    public static double sum(long rows, LongFunction<BufferView> row) {
        double sum = 0;
        for (long r = 0; r < rows; r++) {
            sum += Kernels.sum(row.apply(r));
        }
        return sum;
    }

    /**
     * Returns the smallest or largest item of all rows; rows without items are skipped.
     *
     * @param rows  the number of rows
     * @param row   the view of row {@code r}
     * @param max   whether the largest is wanted
     * @param owner describes the owner, for the message
     * @return the extreme
     * @throws BufferException if no row has an item ("min: RaggedRows[...] has no items")
     */
    public static double extreme(long rows, LongFunction<BufferView> row, boolean max, Supplier<String> owner) {
        double result = Double.NaN;
        boolean any = false;
        for (long r = 0; r < rows; r++) {
            BufferView v = row.apply(r);
            if (v.len() == 0) {
                continue;
            }
            double x = max ? Kernels.max(v) : Kernels.min(v);
            result = !any ? x : max ? Math.max(result, x) : Math.min(result, x);
            any = true;
        }
        if (!any) {
            throw new BufferException((max ? "max" : "min") + ": " + owner.get() + " has no items");
        }
        return result;
    }

    /**
     * Sets every item of every row, or multiplies every item by a factor.
     *
     * @param rows  the number of rows
     * @param row   the view of row {@code r}
     * @param value the value, or the factor
     * @param scale whether to multiply rather than set
     */
    public static void fillOrScale(long rows, LongFunction<BufferView> row, double value, boolean scale) {
        for (long r = 0; r < rows; r++) {
            if (scale) {
                Kernels.scale(row.apply(r), value);
            } else {
                Kernels.fill(row.apply(r), value);
            }
        }
    }
}
