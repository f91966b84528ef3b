package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import com.sun.jna.Pointer;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.jna.RealLibraries.LibRubberband;
import org.junit.jupiter.api.Test;

/**
 * librubberband's C API: {@code rubberband_process(state, const float *const *input, ...)} fed with windows of native
 * channels (collected without copying), {@code rubberband_retrieve(state, float *const *output, ...)} into windows of
 * Java arrays (staged, written back after each call).
 */
class RubberbandTest {
    private static final int RATE = 44_100;
    private static final int BLOCK = 1024;

    /** Frequency of the strongest Hann-windowed DFT component between lo and hi Hz (1 Hz steps; Goertzel). */
    static double peakFrequency(float[] x, int from, int n, double lo, double hi) {
        double[] windowed = new double[n];
        for (int k = 0; k < n; k++) {
            windowed[k] = (0.5 - 0.5 * Math.cos(2 * Math.PI * k / (n - 1))) * x[from + k];
        }
        double best = lo;
        double bestPower = -1;
        for (double f = Math.floor(lo); f <= hi; f += 1) {
            double coeff = 2 * Math.cos(2 * Math.PI * f / RATE);
            double s1 = 0;
            double s2 = 0;
            for (int k = 0; k < n; k++) {
                double s0 = windowed[k] + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            double p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
            if (p > bestPower) {
                bestPower = p;
                best = f;
            }
        }
        return best;
    }

    /** Frequency from the zero-crossing rate of x[from, from + n). */
    static double zeroCrossingFrequency(float[] x, int from, int n) {
        int crossings = 0;
        for (int k = from + 1; k < from + n; k++) {
            if ((x[k - 1] < 0) != (x[k] < 0)) {
                crossings++;
            }
        }
        return crossings / 2.0 * RATE / n;
    }

    @Test
    void stretchesStereoByOneAndAHalfKeepingThePitch() {
        LibRubberband rb = TestNative.libraryOrSkip("librubberband.so.2", "librubberband2", LibRubberband.class);
        int n = RATE / 2;
        double ratio = 1.5;
        double[] freq = {440, 660};
        try (IndirectMemory2D in = IndirectMemory2D.createMemory(2, n, "f", false)) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < n; i++) {
                    in.setFloat(c, i, (float) (0.4 * Math.sin(2 * Math.PI * freq[c] * i / RATE)));
                }
            }
            int capacity = (int) (n * ratio) + 8 * BLOCK;
            float[][] out = new float[2][capacity];
            Pointer state = rb.rubberband_new(RATE, 2, LibRubberband.OPTION_PROCESS_OFFLINE, ratio, 1.0);
            int written = 0;
            try {
                rb.rubberband_set_expected_input_duration(state, n);
                rb.rubberband_set_max_process_size(state, BLOCK);
                for (int pass = 0; pass < 2; pass++) {
                    for (int at = 0; at < n; at += BLOCK) {
                        int len = Math.min(BLOCK, n - at);
                        int last = at + len >= n ? 1 : 0;
                        // A window of each native channel: referenced in place, no copy.
                        try (BufferCollection2D window = BufferCollection2D.wrap(List.of(
                                in.row(0).asSlice(at * 4L, len * 4L), in.row(1).asSlice(at * 4L, len * 4L)),
                                len, "f", false)) {
                            if (pass == 0) {
                                rb.rubberband_study(state, window, len, last);
                            } else {
                                rb.rubberband_process(state, window, len, last);
                                written = retrieve(rb, state, out, written);
                            }
                        }
                    }
                }
                // After the final block, drain until the stretcher says it is done (-1): it may still be working.
                int available;
                while ((available = rb.rubberband_available(state)) >= 0) {
                    if (available == 0) {
                        Thread.onSpinWait();
                    }
                    written = retrieve(rb, state, out, written);
                }
            } finally {
                rb.rubberband_delete(state);
            }
            assertThat(written / (double) n).isCloseTo(ratio, org.assertj.core.data.Offset.offset(0.01));
            for (int c = 0; c < 2; c++) {
                // Pitch kept: the tone is still at its frequency (a plain slow-down would put it at f / 1.5).
                int window = 16384;
                double peak = peakFrequency(out[c], (written - window) / 2, window, freq[c] / ratio, freq[c] * 1.2);
                assertThat(peak).as("channel %d pitch", c).isCloseTo(freq[c], org.assertj.core.data.Percentage.withPercentage(2));
                assertThat(zeroCrossingFrequency(out[c], (written - window) / 2, window)).as("channel %d zero crossings", c)
                        .isCloseTo(freq[c], org.assertj.core.data.Percentage.withPercentage(3));
            }
        }
    }

    /** Retrieves what is available into windows of the Java output arrays (heap rows: staged, written back). */
    private static int retrieve(LibRubberband rb, Pointer state, float[][] out, int written) {
        int available;
        while ((available = rb.rubberband_available(state)) > 0) {
            int len = Math.min(available, Math.min(BLOCK, out[0].length - written));
            if (len == 0) {
                throw new AssertionError("output arrays too small at " + written);
            }
            try (BufferCollection2D window = BufferCollection2D.wrap(List.of(
                    MemorySegment.ofArray(out[0]).asSlice(written * 4L, len * 4L),
                    MemorySegment.ofArray(out[1]).asSlice(written * 4L, len * 4L)), len, "f", false)) {
                int got = rb.rubberband_retrieve(state, window, len);
                written += got;
            }
        }
        return written;
    }
}
