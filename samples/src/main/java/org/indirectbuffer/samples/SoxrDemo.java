package org.indirectbuffer.samples;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

import com.sun.jna.Library;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.jna.IndirectLibrary;

/**
 * Resamples a stereo signal from 44.1 kHz to 48 kHz with libsoxr, its channels passed split — a {@code float**}, one
 * row per channel ({@code SOXR_FLOAT32_S}) — straight from the toolkit's types:
 * <ul>
 *   <li>the input is the caller's two {@code float[]} arrays, collected into a {@link BufferCollection2D} (staged
 *       into native memory for the call; made read-only, so nothing is copied back);</li>
 *   <li>the output is an {@link IndirectMemory2D} of 2 rows C writes into, read back in place.</li>
 * </ul>
 * The JNA interface declares those types as parameters ({@link IndirectLibrary}); both are locked while soxr runs.
 * The result is checked against the analytic tones: length {@code round(n * 48000 / 44100)}, and the largest error.
 * Needs {@value #SONAME} (Debian: {@code apt-get install libsoxr0}).
 */
public final class SoxrDemo {
    /** The library, loaded by soname. */
    public static final String SONAME = "libsoxr.so.0";
    /** What to install where it is missing. */
    public static final String MISSING = SONAME + " not found: install it (Debian/Ubuntu: apt-get install libsoxr0,"
            + " or .ci/install-native-libs.sh) to run this demo";

    static final int IN_RATE = 44_100;
    static final int OUT_RATE = 48_000;
    static final double[] TONE_HZ = {440.0, 1000.0};
    static final double AMPLITUDE = 0.5;

    /** What the demo measured, for its test. */
    public record Result(long inputFrames, long consumedFrames, long outputFrames, long expectedOutputFrames,
                         double maxErrorLeft, double maxErrorRight, double rmsError, String soxrVersion) {
    }

    private SoxrDemo() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** @return whether {@value #SONAME} can be loaded */
    public static boolean isAvailable() {
        return LibSoxr.INSTANCE.isPresent();
    }

    /** The analytic signal: channel {@code c} at time {@code t} seconds. */
    static double tone(int c, double t) {
        return AMPLITUDE * Math.sin(2 * Math.PI * TONE_HZ[c] * t);
    }

    /**
     * Runs the demo on half a second of audio, printing each step.
     *
     * @param out where to print
     * @return what it measured
     * @throws IllegalStateException if {@value #SONAME} is not installed, or soxr reports an error
     */
    public static Result run(PrintStream out) {
        LibSoxr soxr = LibSoxr.INSTANCE.orElseThrow(() -> new IllegalStateException(MISSING));
        String version = soxr.soxr_version();
        int frames = IN_RATE / 2;

        // 1. The caller's signal: one float[] per channel.
        float[] left = new float[frames];
        float[] right = new float[frames];
        for (int i = 0; i < frames; i++) {
            left[i] = (float) tone(0, i / (double) IN_RATE);
            right[i] = (float) tone(1, i / (double) IN_RATE);
        }
        long expected = Math.round(frames * (double) OUT_RATE / IN_RATE);
        long capacity = expected + 64;

        // 2. float** in (the arrays, collected) and float** out (native rows).
        try (BufferCollection2D input = BufferCollection2D.wrap(List.of(left, right));
             IndirectMemory2D output = IndirectMemory2D.createMemory(2, capacity, "f", false)) {
            input.makeReadOnly(); // soxr only reads it: no copy back after the call
            out.printf("in: %s (%s)%nout: %s%n", input, version, output);

            LongByReference consumed = new LongByReference();
            LongByReference produced = new LongByReference();
            String error = soxr.soxr_oneshot(IN_RATE, OUT_RATE, 2, input, frames, consumed, output, capacity,
                    produced, IoSpec.split(LibSoxr.SOXR_FLOAT32_S), QualitySpec.of(soxr, LibSoxr.SOXR_HQ), null);
            if (error != null) {
                throw new IllegalStateException("soxr_oneshot failed: " + error);
            }
            long n = produced.getValue();
            out.printf("resampled %d frames at %d Hz into %d frames at %d Hz (expected %d)%n", consumed.getValue(),
                    IN_RATE, n, OUT_RATE, expected);

            // 3. Compare with the tones, away from the ends where the filter saw silence.
            double[] maxError = new double[2];
            double squares = 0;
            long count = 0;
            int edge = 256;
            for (int c = 0; c < 2; c++) {
                for (long k = edge; k < n - edge; k++) {
                    double e = output.getFloat(c, k) - tone(c, k / (double) OUT_RATE);
                    maxError[c] = Math.max(maxError[c], Math.abs(e));
                    squares += e * e;
                    count++;
                }
            }
            double rms = Math.sqrt(squares / count);
            out.printf("error against the analytic tones: max %.2e (left), %.2e (right), rms %.2e%n", maxError[0],
                    maxError[1], rms);
            return new Result(frames, consumed.getValue(), n, expected, maxError[0], maxError[1], rms, version);
        }
    }

    // ------------------------------------------------------------------------------------------------ libsoxr

    /** libsoxr's one-shot API (soxr.h, 0.1.x) with split channels as the toolkit's {@code T**} types. */
    public interface LibSoxr extends Library {
        /** The library if installed. */
        Optional<LibSoxr> INSTANCE = IndirectLibrary.loadIfPresent(SONAME, LibSoxr.class);
        /** {@code float**}: a separate buffer per channel. */
        int SOXR_FLOAT32_S = 4;
        /** {@code double**}. */
        int SOXR_FLOAT64_S = 5;
        /** 20-bit quality. */
        int SOXR_HQ = 4;

        String soxr_oneshot(double inputRate, double outputRate, int channels,
                            BufferCollection2D in, long ilen, LongByReference idone,
                            IndirectMemory2D out, long olen, LongByReference odone,
                            IoSpec io, QualitySpec quality, Pointer runtime);

        QualitySpec.ByValue soxr_quality_spec(NativeLong recipe, NativeLong flags);

        String soxr_version();
    }

    /** {@code struct soxr_io_spec}. */
    @Structure.FieldOrder({"itype", "otype", "scale", "e", "flags"})
    public static class IoSpec extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public IoSpec() {
        }

        public int itype;
        public int otype;
        public double scale;
        public Pointer e;
        public NativeLong flags = new NativeLong(0);

        static IoSpec split(int type) {
            IoSpec io = new IoSpec();
            io.itype = type;
            io.otype = type;
            io.scale = 1;
            return io;
        }
    }

    /** {@code struct soxr_quality_spec}. */
    @Structure.FieldOrder({"precision", "phase_response", "passband_end", "stopband_begin", "e", "flags"})
    public static class QualitySpec extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public QualitySpec() {
        }

        public double precision;
        public double phase_response;
        public double passband_end;
        public double stopband_begin;
        public Pointer e;
        public NativeLong flags = new NativeLong(0);

        /** How {@code soxr_quality_spec} returns it. */
        public static class ByValue extends QualitySpec implements Structure.ByValue {
            /** An empty structure, for JNA to fill or for the caller to set. */
            public ByValue() {
            }
        }

        /** The library's preset for a recipe, as a structure passed by reference. */
        static QualitySpec of(LibSoxr soxr, int recipe) {
            QualitySpec.ByValue v = soxr.soxr_quality_spec(new NativeLong(recipe), new NativeLong(0));
            QualitySpec q = new QualitySpec();
            q.precision = v.precision;
            q.phase_response = v.phase_response;
            q.passband_end = v.passband_end;
            q.stopband_begin = v.stopband_begin;
            q.flags = v.flags;
            return q;
        }
    }
}
