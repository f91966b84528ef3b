package org.indirectbuffer.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class CollectionDemoTest {
    @Test
    void cWritesReachTheCallersArraysAndBuffers() throws Throwable {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CollectionDemo.Result r = CollectionDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        // The double[][] was scaled by 10 in C and copied back when the view was closed.
        assertThat(r.arrays()).isDeepEqualTo(new double[][] {{10, 20, 30}, {40, 50, 60}});
        assertThat(r.cSumOfArrays()).isEqualTo(210);
        // The direct buffers were written in place: m[i][j] = i * 1000 + j.
        assertThat(r.buffers()).isDeepEqualTo(new double[][] {{0, 1, 2, 3}, {1000, 1001, 1002, 1003},
                                                              {2000, 2001, 2002, 2003}});
        assertThat(r.cSumOfBuffers()).isEqualTo(4 * 3000 + 3 * 6);

        String printed = bytes.toString(StandardCharsets.UTF_8);
        // Staged: not before the view is closed. In place: at once.
        assertThat(printed).contains("arrays[1] before the view is closed: [4.0, 5.0, 6.0]")
                .contains("arrays after: [[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]")
                .contains("buffer 2 already holds [2000.0, 2001.0, 2002.0, 2003.0]")
                .contains("row 0 staged: true")
                .contains("row 0 staged: false");
    }
}
