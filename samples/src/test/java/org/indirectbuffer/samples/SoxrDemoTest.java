package org.indirectbuffer.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SoxrDemoTest {
    @Test
    void resamplesStereoFloatChannelsCloseToTheAnalyticTones() {
        assumeTrue(SoxrDemo.isAvailable(), SoxrDemo.MISSING);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SoxrDemo.Result r = SoxrDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(r.consumedFrames()).isEqualTo(r.inputFrames());
        // 22050 frames at 44.1 kHz are 24000 at 48 kHz.
        assertThat(r.expectedOutputFrames()).isEqualTo(24_000);
        assertThat(r.outputFrames()).isCloseTo(r.expectedOutputFrames(), org.assertj.core.data.Offset.offset(1L));
        // High quality (20-bit) resampling of float samples: errors near float precision (measured ~3e-7).
        assertThat(r.maxErrorLeft()).isLessThan(1e-5);
        assertThat(r.maxErrorRight()).isLessThan(1e-5);
        assertThat(r.rmsError()).isLessThan(2e-6);
        assertThat(r.soxrVersion()).startsWith("libsoxr-");
    }
}
