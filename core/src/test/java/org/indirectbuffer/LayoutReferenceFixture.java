package org.indirectbuffer;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * Deliberately naive reference implementations of the PEP 3118 rules, shared by {@link CPythonLayoutsTest} and
 * {@link RandomLayoutTest}: no bounds, no segments but absolute addresses, one item at a time.
 */
@SuppressWarnings("restricted") // absolute addresses, in test code only
final class LayoutReferenceFixture {
    private LayoutReferenceFixture() {
    }

    /** The absolute address of the item at {@code index}, as {@code PyBuffer_GetPointer} computes it. */
    static long itemAddress(long buf, long[] strides, long[] suboffsets, long[] index) {
        long p = buf;
        for (int i = 0; i < index.length; i++) {
            p += strides[i] * index[i];
            if (suboffsets != null && suboffsets[i] >= 0) {
                p = readPointer(p) + suboffsets[i];
            }
        }
        return p;
    }

    static long readPointer(long address) {
        return MemorySegment.ofAddress(address).reinterpret(ValueLayout.ADDRESS.byteSize())
                .get(ValueLayout.ADDRESS_UNALIGNED, 0).address();
    }

    static byte[] bytesAt(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Calls {@code action} with every index of {@code shape} (the same array, updated), in C or Fortran order. */
    static void forEachIndex(long[] shape, char order, Consumer<long[]> action) {
        for (long s : shape) {
            if (s == 0) {
                return;
            }
        }
        int n = shape.length;
        long[] index = new long[n];
        while (true) {
            action.accept(index);
            int d = order == 'F' ? 0 : n - 1;
            int step = order == 'F' ? 1 : -1;
            while (d >= 0 && d < n && ++index[d] == shape[d]) {
                index[d] = 0;
                d += step;
            }
            if (d < 0 || d >= n) {
                return;
            }
        }
    }

    /** The items gathered contiguously in C or Fortran order, one item at a time. */
    static byte[] contiguousBytes(long buf, long itemSize, long[] shape, long[] strides, long[] suboffsets,
                                  char order) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        forEachIndex(shape, order, index -> out.writeBytes(bytesAt(itemAddress(buf, strides, suboffsets, index),
                itemSize)));
        return out.toByteArray();
    }

    /**
     * CPython's {@code PyBuffer_IsContiguous} (Objects/abstract.c, 3.11), with the one exception indirect-buffer
     * makes: suboffsets that are all negative count as absent. So: any suboffset {@code >= 0} means not contiguous
     * (checked first, as CPython does, so an empty indirect view is not contiguous either); otherwise an empty
     * view is contiguous, and dimensions of extent 1 may have any stride.
     */
    static boolean cpythonIsContiguous(long itemSize, long[] shape, long[] strides, long[] suboffsets, char order) {
        if (suboffsets != null) {
            for (long s : suboffsets) {
                if (s >= 0) {
                    return false;
                }
            }
        }
        return switch (order) {
            case 'C' -> isCContiguous(itemSize, shape, strides);
            case 'F' -> isFContiguous(itemSize, shape, strides);
            case 'A' -> isCContiguous(itemSize, shape, strides) || isFContiguous(itemSize, shape, strides);
            default -> throw new IllegalArgumentException(String.valueOf(order));
        };
    }

    private static boolean isCContiguous(long itemSize, long[] shape, long[] strides) {
        if (isEmpty(shape)) {
            return true;
        }
        long sd = itemSize;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] > 1 && strides[i] != sd) {
                return false;
            }
            sd *= shape[i];
        }
        return true;
    }

    private static boolean isFContiguous(long itemSize, long[] shape, long[] strides) {
        if (isEmpty(shape)) {
            return true;
        }
        long sd = itemSize;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > 1 && strides[i] != sd) {
                return false;
            }
            sd *= shape[i];
        }
        return true;
    }

    static boolean isEmpty(long[] shape) {
        for (long s : shape) {
            if (s == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The order {@code PyBuffer_ToContiguous(.., 'A')} produces: the memory's own order (Fortran) when the view is
     * contiguous in 'A' but not in 'C', C otherwise.
     */
    static char resolveA(long itemSize, long[] shape, long[] strides, long[] suboffsets) {
        return !cpythonIsContiguous(itemSize, shape, strides, suboffsets, 'C')
                && cpythonIsContiguous(itemSize, shape, strides, suboffsets, 'F') ? 'F' : 'C';
    }
}
