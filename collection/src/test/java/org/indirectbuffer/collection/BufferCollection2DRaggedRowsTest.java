package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.RaggedRows;
import org.junit.jupiter.api.Test;

/** Rows of a ragged table collected as exporter rows: referenced in place, and locked while collected. */
class BufferCollection2DRaggedRowsTest {
    @Test
    void raggedRowsOfOneLengthAreCollectedInPlaceAndLockedWhileHeld() {
        RaggedRows ragged = RaggedRows.create(new long[] {3, 5, 3}, "d");
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < ragged.length(r); c++) {
                ragged.field(0).setDouble(r, c, 10 * r + c);
            }
        }
        BufferCollection2D collected = BufferCollection2D.wrap(List.of(ragged.rowExporter(0), ragged.rowExporter(2)));
        assertThat(collected.rows()).isEqualTo(2);
        assertThat(collected.cols()).isEqualTo(3);
        assertThat(collected.format().toString()).isEqualTo("d");
        assertThat(collected.row(1).address()).as("referenced in place, not copied")
                .isEqualTo(ragged.row(2).address());
        assertThat(collected.sum()).isEqualTo(0 + 1 + 2 + 20 + 21 + 22);
        assertThat(ragged.exportCount()).isEqualTo(2);
        assertThatThrownBy(ragged::close).isInstanceOf(BufferException.class)
                .hasMessageContaining("buffer is locked").hasMessageContaining("2 views are exported");
        try (BufferView table = collected.getBuffer(BufferRequest.FULL)) {
            assertThat(table.shape()).containsExactly(2, 3);
        }
        collected.setDouble(1, 2, -1);
        assertThat(ragged.field(0).getDouble(2, 2)).as("a write through the collection lands in the row").isEqualTo(-1);
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(ragged.rowExporter(0), ragged.rowExporter(1))))
                .isInstanceOf(BufferException.class).hasMessageContaining("row 1");
        assertThat(ragged.exportCount()).as("a refused collection releases what it took").isEqualTo(2);
        collected.close();
        assertThat(ragged.exportCount()).isZero();
        ragged.close();
        assertThat(ragged.isClosed()).isTrue();
    }
}
