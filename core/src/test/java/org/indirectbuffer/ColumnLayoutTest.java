package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/**
 * The README's column-pointer example, as SUNDIALS' dense matrices and LAPACK-style code lay a matrix out: a table of
 * column pointers over a column-major block, where row {@code j} of the library's view is column {@code j}.
 */
class ColumnLayoutTest {
    @Test
    void tableOverColumnsOfAColumnMajorMatrixIsATableOfColumnPointers() {
        int m = 3;
        int n = 4;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment block = arena.allocate(8L * m * n, 8);
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    block.setAtIndex(ValueLayout.JAVA_DOUBLE, (long) j * m + i, 10.0 * i + j); // a(i, j), column-major
                }
            }
            MemoryBuffer a = MemoryBuffer.wrap(block, Format.parse("d"), 'F', m, n);
            try (IndirectMemory2D columns = IndirectMemory2D.tableOverColumns(a)) {
                assertThat(columns.rows()).as("one row per column").isEqualTo(n);
                assertThat(columns.cols()).isEqualTo(m);
                MemorySegment table = columns.pointerTable();
                for (int j = 0; j < n; j++) {
                    assertThat(table.getAtIndex(ValueLayout.ADDRESS, j).address())
                            .as("cols[%d] points at column %d", j, j).isEqualTo(block.address() + 8L * m * j);
                    for (int i = 0; i < m; i++) {
                        assertThat(columns.getDouble(j, i)).isEqualTo(10.0 * i + j);
                    }
                }
                // What C writes through cols[j][i] is element (i, j) of the column-major block.
                table.getAtIndex(ValueLayout.ADDRESS, 2).reinterpret(8L * m).setAtIndex(ValueLayout.JAVA_DOUBLE, 1, -1);
                assertThat(block.getAtIndex(ValueLayout.JAVA_DOUBLE, 2L * m + 1)).isEqualTo(-1.0);
            }
        }
    }
}
