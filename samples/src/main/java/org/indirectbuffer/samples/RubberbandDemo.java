package org.indirectbuffer.samples;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.jna.IndirectLibrary;

/**
 * Time-stretches a stereo tone by 1.5 with the Rubber Band library's C API, keeping its pitch:
 * {@code rubberband_process(state, const float *const *input, n, final)} and {@code rubberband_retrieve(state, float
 * *const *output, n)} take one pointer per channel, block by block.
 * <ul>
 *   <li>Input blocks are windows of the native channels of an {@link IndirectMemory2D}: a {@link BufferCollection2D}
 *       of two {@code MemorySegment} slices, referenced in place (no copy).</li>
 *   <li>Output blocks are windows of the caller's {@code float[]} arrays: heap rows, staged into native memory for
 *       each call and written back into the arrays after it.</li>
 * </ul>
 * Checked: the output is 1.5 times as long, and each channel's tone keeps its frequency (a strongest DFT component
 * and a zero-crossing rate at 440 Hz and 660 Hz, where a plain slow-down would give 293 Hz and 440 Hz).
 * Needs {@value #SONAME} (Debian: {@code apt-get install librubberband2}).
 */
public final class RubberbandDemo {
    /** The library, loaded by soname. */
    public static final String SONAME = "librubberband.so.2";
    /** What to install where it is missing. */
    public static final String MISSING = SONAME + " not found: install it (Debian/Ubuntu: apt-get install"
            + " librubberband2, or .ci/install-native-libs.sh) to run this demo";

    static final int RATE = 44_100;
    static final int BLOCK = 1024;
    static final double RATIO = 1.5;
    static final double[] TONE_HZ = {440.0, 660.0};

    /** What the demo measured, for its test. */
    public record Result(int inputFrames, int outputFrames, double requestedRatio, double measuredRatio,
                         double[] peakHz, double[] zeroCrossingHz) {
    }

    private RubberbandDemo() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** @return whether {@value #SONAME} can be loaded */
    public static boolean isAvailable() {
        return LibRubberband.INSTANCE.isPresent();
    }

    /**
     * Runs the demo on half a second of a stereo tone, printing each step.
     *
     * @param out where to print
     * @return what it measured
     * @throws IllegalStateException if {@value #SONAME} is not installed
     */
    public static Result run(PrintStream out) {
        LibRubberband rb = LibRubberband.INSTANCE.orElseThrow(() -> new IllegalStateException(MISSING));
        int frames = RATE / 2;
        try (IndirectMemory2D in = IndirectMemory2D.createMemory(2, frames, "f", false)) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < frames; i++) {
                    in.setFloat(c, i, (float) (0.4 * Math.sin(2 * Math.PI * TONE_HZ[c] * i / RATE)));
                }
            }
            float[][] output = new float[2][(int) (frames * RATIO) + 8 * BLOCK];
            int written = stretch(rb, in, frames, output);
            double measured = written / (double) frames;
            out.printf("stretched %d frames into %d: ratio %.4f (asked %.2f)%n", frames, written, measured, RATIO);

            double[] peak = new double[2];
            double[] zeroCrossing = new double[2];
            int window = 16384;
            int from = (written - window) / 2;
            for (int c = 0; c < 2; c++) {
                peak[c] = peakFrequency(output[c], from, window, TONE_HZ[c] / RATIO - 20, TONE_HZ[c] * 1.2);
                zeroCrossing[c] = zeroCrossingFrequency(output[c], from, window);
                out.printf("channel %d: tone %.0f Hz in, strongest component %.0f Hz and zero crossings %.1f Hz out"
                        + " (a plain slow-down would give %.0f Hz)%n", c, TONE_HZ[c], peak[c], zeroCrossing[c],
                        TONE_HZ[c] / RATIO);
            }
            return new Result(frames, written, RATIO, measured, peak, zeroCrossing);
        }
    }

    /** Studies, then processes {@code in} block by block, retrieving into {@code output}; returns frames written. */
    private static int stretch(LibRubberband rb, IndirectMemory2D in, int frames, float[][] output) {
        Pointer state = rb.rubberband_new(RATE, 2, LibRubberband.OPTION_PROCESS_OFFLINE, RATIO, 1.0);
        try {
            rb.rubberband_set_expected_input_duration(state, frames);
            rb.rubberband_set_max_process_size(state, BLOCK);
            int written = 0;
            for (int pass = 0; pass < 2; pass++) { // offline mode: study everything, then process it
                for (int at = 0; at < frames; at += BLOCK) {
                    int n = Math.min(BLOCK, frames - at);
                    int last = at + n == frames ? 1 : 0;
                    // const float *const *input: this block of each native channel, in place.
                    try (BufferCollection2D block = BufferCollection2D.wrap(List.of(
                            in.row(0).asSlice(at * 4L, n * 4L), in.row(1).asSlice(at * 4L, n * 4L)), n, "f", false)) {
                        if (pass == 0) {
                            rb.rubberband_study(state, block, n, last);
                        } else {
                            rb.rubberband_process(state, block, n, last);
                            written = retrieve(rb, state, output, written);
                        }
                    }
                }
            }
            // -1 once everything was retrieved; 0 while the stretcher is still working on the last blocks.
            int available;
            while ((available = rb.rubberband_available(state)) >= 0) {
                if (available == 0) {
                    Thread.onSpinWait();
                }
                written = retrieve(rb, state, output, written);
            }
            return written;
        } finally {
            rb.rubberband_delete(state);
        }
    }

    /** float *const *output: windows of the Java arrays, staged for the call and written back after it. */
    private static int retrieve(LibRubberband rb, Pointer state, float[][] output, int written) {
        int available;
        while ((available = rb.rubberband_available(state)) > 0) {
            int n = Math.min(available, Math.min(BLOCK, output[0].length - written));
            if (n == 0) {
                throw new IllegalStateException("output arrays full at frame " + written);
            }
            try (BufferCollection2D block = BufferCollection2D.wrap(List.of(
                    MemorySegment.ofArray(output[0]).asSlice(written * 4L, n * 4L),
                    MemorySegment.ofArray(output[1]).asSlice(written * 4L, n * 4L)), n, "f", false)) {
                written += rb.rubberband_retrieve(state, block, n);
            }
        }
        return written;
    }

    /** The frequency (1 Hz steps, lo to hi) of the strongest Hann-windowed component of x[from, from + n). */
    static double peakFrequency(float[] x, int from, int n, double lo, double hi) {
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            w[k] = (0.5 - 0.5 * Math.cos(2 * Math.PI * k / (n - 1))) * x[from + k];
        }
        double best = lo;
        double bestPower = -1;
        for (double f = Math.floor(lo); f <= hi; f += 1) {
            double coeff = 2 * Math.cos(2 * Math.PI * f / RATE); // Goertzel
            double s1 = 0;
            double s2 = 0;
            for (int k = 0; k < n; k++) {
                double s0 = w[k] + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
            if (power > bestPower) {
                bestPower = power;
                best = f;
            }
        }
        return best;
    }

    /** The frequency of a tone from its zero-crossing rate over x[from, from + n). */
    static double zeroCrossingFrequency(float[] x, int from, int n) {
        int crossings = 0;
        for (int k = from + 1; k < from + n; k++) {
            if ((x[k - 1] < 0) != (x[k] < 0)) {
                crossings++;
            }
        }
        return crossings / 2.0 * RATE / n;
    }

    // ------------------------------------------------------------------------------------------------ rubberband

    /** The Rubber Band Library's C API (rubberband-c.h), the part the demo uses. */
    public interface LibRubberband extends Library {
        /** The library if installed. */
        Optional<LibRubberband> INSTANCE = IndirectLibrary.loadIfPresent(SONAME, LibRubberband.class);
        /** {@code RubberBandOptionProcessOffline}. */
        int OPTION_PROCESS_OFFLINE = 0x00000000;

        Pointer rubberband_new(int sampleRate, int channels, int options, double timeRatio, double pitchScale);

        void rubberband_delete(Pointer state);

        void rubberband_set_expected_input_duration(Pointer state, int samples);

        void rubberband_set_max_process_size(Pointer state, int samples);

        void rubberband_study(Pointer state, BufferCollection2D input, int samples, int isFinal);

        void rubberband_process(Pointer state, BufferCollection2D input, int samples, int isFinal);

        int rubberband_available(Pointer state);

        int rubberband_retrieve(Pointer state, BufferCollection2D output, int samples);
    }
}
