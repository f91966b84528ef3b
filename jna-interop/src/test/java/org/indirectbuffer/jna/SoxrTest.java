package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.sun.jna.NativeLong;
import com.sun.jna.ptr.LongByReference;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.jna.RealLibraries.LibSoxr;
import org.junit.jupiter.api.Test;

/** libsoxr: split-channel resampling, {@code float**} (SOXR_FLOAT32_S) and {@code double**} (SOXR_FLOAT64_S). */
class SoxrTest {
    private static final int IN_RATE = 44_100;
    private static final int OUT_RATE = 48_000;
    private static final int N = IN_RATE / 4;
    private static final double[] FREQ = {440, 1000};

    private static double tone(int channel, double t) {
        return 0.5 * Math.sin(2 * Math.PI * FREQ[channel] * t);
    }

    private static RealLibraries.SoxrIoSpec io(int type) {
        RealLibraries.SoxrIoSpec io = new RealLibraries.SoxrIoSpec();
        io.itype = type;
        io.otype = type;
        io.scale = 1;
        io.flags = new NativeLong(0);
        return io;
    }

    private static RealLibraries.SoxrQualitySpec highQuality(LibSoxr soxr) {
        RealLibraries.SoxrQualitySpec.ByValue v = soxr.soxr_quality_spec(new NativeLong(LibSoxr.SOXR_HQ),
                new NativeLong(0));
        RealLibraries.SoxrQualitySpec q = new RealLibraries.SoxrQualitySpec();
        q.precision = v.precision;
        q.phase_response = v.phase_response;
        q.passband_end = v.passband_end;
        q.stopband_begin = v.stopband_begin;
        q.flags = v.flags;
        return q;
    }

    /** The largest error against the analytic tone, away from the edges (where the filter sees silence). */
    private static double maxError(java.util.function.IntToDoubleFunction out, int channel, long count) {
        double worst = 0;
        for (int k = 200; k < count - 200; k++) {
            worst = Math.max(worst, Math.abs(out.applyAsDouble(k) - tone(channel, k / (double) OUT_RATE)));
        }
        return worst;
    }

    @Test
    void floatChannelTablesInAndOut() {
        LibSoxr soxr = TestNative.libraryOrSkip("libsoxr.so.0", "libsoxr0", LibSoxr.class);
        float[][] in = new float[2][N];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < N; i++) {
                in[c][i] = (float) tone(c, i / (double) IN_RATE);
            }
        }
        long olen = (long) Math.ceil(N * (double) OUT_RATE / IN_RATE) + 64;
        try (IndirectMemory2D input = IndirectMemory2D.createFrom(in);
             IndirectMemory2D output = IndirectMemory2D.createMemory(2, olen, "f", false)) {
            LongByReference idone = new LongByReference();
            LongByReference odone = new LongByReference();
            String error = soxr.soxr_oneshot(IN_RATE, OUT_RATE, 2, input, N, idone, output, olen, odone,
                    io(LibSoxr.SOXR_FLOAT32_S), highQuality(soxr), null);
            assertThat(error).isNull();
            assertThat(idone.getValue()).isEqualTo(N);
            assertThat(odone.getValue()).isCloseTo(Math.round(N * (double) OUT_RATE / IN_RATE),
                    org.assertj.core.data.Offset.offset(1L));
            for (int c = 0; c < 2; c++) {
                int channel = c;
                assertThat(maxError(k -> output.getFloat(channel, k), c, odone.getValue())).isLessThan(1e-5);
            }
        }
    }

    @Test
    void doubleChannelsOutIntoJavaArraysStagedAndWrittenBack() {
        LibSoxr soxr = TestNative.libraryOrSkip("libsoxr.so.0", "libsoxr0", LibSoxr.class);
        double[][] in = new double[2][N];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < N; i++) {
                in[c][i] = tone(c, i / (double) IN_RATE);
            }
        }
        int olen = (int) Math.ceil(N * (double) OUT_RATE / IN_RATE) + 64;
        double[] left = new double[olen];
        double[] right = new double[olen];
        try (IndirectMemory2D input = IndirectMemory2D.createFrom(in);
             BufferCollection2D output = BufferCollection2D.wrap(List.of(left, right))) {
            LongByReference odone = new LongByReference();
            String error = soxr.soxr_oneshot(IN_RATE, OUT_RATE, 2, input, N, null, output, olen, odone,
                    io(LibSoxr.SOXR_FLOAT64_S), highQuality(soxr), null);
            assertThat(error).isNull();
            long n = odone.getValue();
            assertThat(maxError(k -> left[k], 0, n)).isLessThan(1e-5);
            assertThat(maxError(k -> right[k], 1, n)).isLessThan(1e-5);
        }
    }
}
