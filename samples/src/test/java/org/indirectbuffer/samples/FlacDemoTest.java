package org.indirectbuffer.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class FlacDemoTest {
    @Test
    void roundTripsIntChannelsThroughLibFlacBitExactly() {
        assumeTrue(FlacDemo.isAvailable(), FlacDemo.MISSING);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FlacDemo.Result r = FlacDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String printed = bytes.toString(StandardCharsets.UTF_8);

        // 2 channels x 3 s at 44.1 kHz, fed as 32 blocks of 4096 frames and a short one of 1228 through one window.
        assertThat(r.channels()).isEqualTo(2);
        assertThat(r.frames()).isEqualTo(132_300);
        assertThat(r.blocksEncoded()).isEqualTo(33);
        assertThat(r.decodedFrames()).as("frames decoded").isEqualTo(r.frames());
        assertThat(r.firstMismatch()).as("first frame where a decoded sample differs from the input").isEqualTo(-1);
        assertThat(r.bitExact()).isTrue();
        assertThat(r.writeCallbacks()).isPositive();
        // Lossless, and smaller than the raw 16-bit PCM (tones plus +-400 of noise: about 9 bits of entropy).
        assertThat(r.rawBytes()).isEqualTo(2L * 132_300 * 2);
        assertThat(r.compressedBytes()).as("FLAC file bytes").isPositive().isLessThan(r.rawBytes());
        assertThat(printed).contains("bit-exact").contains("132300 frames").contains("(the last 1228)");
    }

    @Test
    void theComparisonFindsASingleChangedSample() {
        int[][] a = FlacDemo.signal();
        int[][] b = {a[0].clone(), a[1].clone()};
        assertThat(FlacDemo.firstMismatch(a, b)).isEqualTo(-1);
        b[1][77_777] ^= 1;
        assertThat(FlacDemo.firstMismatch(a, b)).isEqualTo(77_777);
    }

    @Test
    void theWriteCallbackCatchesWhatItsBodyThrowsAndAbortsInstead() {
        FlacDemo.Sink sink = new FlacDemo.Sink(2, 16);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment frame = arena.allocate(FlacDemo.FRAME_HEADER_PREFIX, 4);
            frame.set(java.lang.foreign.ValueLayout.JAVA_INT, FlacDemo.FRAME_BLOCKSIZE, 4);
            frame.set(java.lang.foreign.ValueLayout.JAVA_INT, FlacDemo.FRAME_SAMPLE_RATE, FlacDemo.RATE);
            frame.set(java.lang.foreign.ValueLayout.JAVA_INT, FlacDemo.FRAME_CHANNELS, 2);
            frame.set(java.lang.foreign.ValueLayout.JAVA_INT, FlacDemo.FRAME_BITS_PER_SAMPLE, FlacDemo.BITS);
            // A NULL buffer[]: the borrow throws, and the callback must turn that into libFLAC's abort status.
            int status = sink.write(java.lang.foreign.MemorySegment.NULL, frame, java.lang.foreign.MemorySegment.NULL,
                    java.lang.foreign.MemorySegment.NULL);
            assertThat(status).isEqualTo(FlacDemo.WRITE_ABORT);
        }
        assertThat(sink.thrown).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NULL");
        assertThat(sink.failure).contains("write callback 0 threw");
        assertThat(sink.position).as("nothing was written").isZero();
    }
}
