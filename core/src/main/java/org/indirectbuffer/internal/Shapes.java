package org.indirectbuffer.internal;

import java.util.Arrays;
import java.util.Objects;

import org.indirectbuffer.BufferView;

/** Checks of a shape given by a caller, shared by the owners that take one. Internal. */
public final class Shapes {
    private Shapes() {
    }

    /**
     * Checks a shape and copies it.
     *
     * @param shape the extent of each dimension
     * @return a copy
     * @throws IllegalArgumentException if there are more than {@value BufferView#MAX_NDIM} dimensions or an extent is negative, naming it
     * @throws NullPointerException     if {@code shape} is null
     */
    public static long[] checked(long[] shape) {
        Objects.requireNonNull(shape, "shape");
        if (shape.length > BufferView.MAX_NDIM) {
            throw new IllegalArgumentException("shape has " + shape.length + " dimensions; at most " + BufferView.MAX_NDIM
                    + " are allowed");
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape[" + i + "] = " + shape[i] + ": expected a size >= 0 in shape "
                        + Arrays.toString(shape));
            }
        }
        return shape.clone();
    }
}
