package org.indirectbuffer.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.indirectbuffer.space.BufferStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTourDemoTest {
    @Test
    void buffersComeBackAfterReopeningAndTheStoreRefusesToCloseUnderAView(@TempDir Path dir) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StoreTourDemo.Result r = StoreTourDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                dir.resolve("tour.store"));

        assertThat(r.text()).isEqualTo("Hello, persistent buffers");
        assertThat(r.stored()).containsExactly(r.cube());
        assertThat(r.mapped()).as("the view reads the file's mapping, not a copy").isTrue();
        assertThat(r.refusal()).isEqualTo(BufferStoreException.Reason.IN_USE);
        assertThat(r.suboffsets()).hasSize(2);
        assertThat(r.suboffsets()[0]).as("the mapping's base").isPositive();
        assertThat(r.suboffsets()[1]).isEqualTo(-1);
        assertThat(r.rows()).isDeepEqualTo(new double[][] {{1, 2, 3}, {4, 5, 6}});

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("close refused (IN_USE)", "StoredBuffer 'cube'", "closed: true",
                "over the mapping: true, equal to what was stored: true", "rows: indirect true");
    }
}
