package org.indirectbuffer.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class DoublePointerDemoTest {
    @Test
    void cWritesAndCAllocationsAreReadBackThroughTheView() throws Throwable {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DoublePointerDemo.Result r = DoublePointerDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), 7, 13);

        // 7 x 13 cells of i * 1000 + j, and of i + j / 10: computed without any memory.
        assertThat(r.expectedCWrites()).isEqualTo(7 * 13 * 3000.0 + 7 * 78.0);
        assertThat(r.javaSumOfCWrites()).isEqualTo(r.expectedCWrites());
        assertThat(r.cSumOfCWrites()).isEqualTo(r.expectedCWrites());
        assertThat(r.javaSumOfCMatrix()).isCloseTo(r.expectedCMatrix(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.cSumOfCMatrix()).isCloseTo(r.expectedCMatrix(), org.assertj.core.data.Offset.offset(1e-9));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("m[6][12] read in Java = 6012.0")
                .contains("the nanny called C's ib_free_matrix");
        assertThat(r.cMatrixFreed()).isTrue();
    }
}
