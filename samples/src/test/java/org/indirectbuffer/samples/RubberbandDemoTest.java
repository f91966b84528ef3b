package org.indirectbuffer.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

class RubberbandDemoTest {
    @Test
    void stretchesByTheRatioAndKeepsThePitch() {
        assumeTrue(RubberbandDemo.isAvailable(), RubberbandDemo.MISSING);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RubberbandDemo.Result r = RubberbandDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(r.measuredRatio()).isCloseTo(r.requestedRatio(), Offset.offset(0.01));
        for (int c = 0; c < 2; c++) {
            double tone = RubberbandDemo.TONE_HZ[c];
            assertThat(r.peakHz()[c]).as("channel %d strongest component", c).isCloseTo(tone, Percentage.withPercentage(2));
            assertThat(r.zeroCrossingHz()[c]).as("channel %d zero crossings", c).isCloseTo(tone, Percentage.withPercentage(3));
        }
    }

    @Test
    void measuresAKnownToneExactly() {
        // The pitch measures themselves, on a synthetic 500 Hz tone (no library needed).
        float[] x = new float[20000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(2 * Math.PI * 500 * i / RubberbandDemo.RATE);
        }
        assertThat(RubberbandDemo.peakFrequency(x, 1000, 16384, 400, 600)).isEqualTo(500.0);
        assertThat(RubberbandDemo.zeroCrossingFrequency(x, 1000, 16384)).isCloseTo(500, Percentage.withPercentage(1));
    }
}
