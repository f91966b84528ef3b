package org.indirectbuffer.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SvmDemoTest {
    @Test
    void trainsOnRaggedSvmNodesAndPredictsTheHeldOutSet() {
        assumeTrue(SvmDemo.isAvailable(), SvmDemo.MISSING);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SvmDemo.Result r = SvmDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(r.accuracy()).isGreaterThanOrEqualTo(0.9);
        assertThat(r.supportVectors()).isBetween(1, r.trainSamples());
        // Sparse: fewer nodes than samples x dimensions were stored, so the rows really are ragged.
        assertThat(r.storedNodes()).isLessThan(r.trainSamples() * 8L).isGreaterThan(r.trainSamples() * 4L);
        assertThat(r.supportVectorsAreTrainingRows()).isTrue();
        assertThat(r.closingRowsEarlyRefused()).isTrue();
        assertThat(r.svCoefSum()).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.modelFreed()).isTrue();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("buffer is locked").contains("held-out accuracy");
    }
}
