package org.indirectbuffer.contract;

import java.lang.foreign.MemorySegment;

import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;

/** Fills fixtures with bytes that are not all equal, so that a moved, lost or reordered byte shows. */
final class Fill {
    private Fill() {
    }

    /**
     * Writes bytes {@code 1, 2, 3, ...} (mod 251) in C order through a writable view.
     *
     * @param exporter a writable exporter
     * @param <E>      its type
     * @return the exporter
     */
    static <E extends BufferExporter> E counting(E exporter) {
        try (BufferView v = exporter.getBuffer(BufferRequest.FULL)) {
            byte[] data = new byte[Math.toIntExact(v.len())];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (1 + i % 251);
            }
            v.copyFrom(MemorySegment.ofArray(data), 'C');
        }
        return exporter;
    }

    /**
     * Doubles {@code 1, 2, 3, ...}.
     *
     * @param n how many
     * @return the array
     */
    static double[] doubles(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = i + 1;
        }
        return a;
    }
}
