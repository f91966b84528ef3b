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

    /** Frequency of the strongest DFT bin between lo and hi Hz (1 Hz steps) over x[from, from + n). */
    static double peakFrequency(float[] x, int from, int n, double lo, double hi) {
        double best = lo;
        double bestPower = -1;
        for (double f = lo; f <= hi; f += 1) {
            double re = 0;
            double im = 0;
            double w = 2 * Math.PI * f / RATE;
            for (int k = 0; k < n; k++) {
                double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * k / (n - 1));
                re += hann * x[from + k] * Math.cos(w * k);
                im -= hann * x[from + k] * Math.sin(w * k);
            }
            double p = re * re + im * im;
            if (p > bestPower) {
                bestPower = p;
                best = f;
            }
        }
        return best;
    }

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
                        try (BufferCollection2D window = BufferCollection2D.of(List.of(
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
                for (int pos = 0; pos + 4096 < written; pos += 4096) {
                    System.err.println("DEBUG c=" + c + " pos=" + pos + " peak=" + peakFrequency(out[c], pos, 4096, freq[c] - 60, freq[c] + 60) + " zc=" + zeroCrossingFrequency(out[c], pos, 4096));
                }
            }
            for (int c = 0; c < 2; c++) {
                double peak = peakFrequency(out[c], written / 2 - 2048, 4096, freq[c] - 60, freq[c] + 60);
                assertThat(peak).as("channel %d pitch", c).isCloseTo(freq[c], org.assertj.core.data.Offset.offset(3.0));
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
            try (BufferCollection2D window = BufferCollection2D.of(List.of(
                    MemorySegment.ofArray(out[0]).asSlice(written * 4L, len * 4L),
                    MemorySegment.ofArray(out[1]).asSlice(written * 4L, len * 4L)), len, "f", false)) {
                int got = rb.rubberband_retrieve(state, window, len);
                written += got;
            }
        }
        return written;
    }
}
