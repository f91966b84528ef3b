package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.CharBuffer;
import java.util.List;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.junit.jupiter.api.Test;

/**
 * Rows whose memory went away, read-only requests, and NIO buffers without segment-viewable memory: each once let
 * freed memory into an exported table, undid Java writes, or escaped with a foreign exception.
 */
class BufferCollection2DSafetyTest {

    /**
     * A borrowed native row whose memory is freed by its owner is still put in the table of a later export, and the
     * view then reads (and C writes) freed memory. Java-side access already says IllegalStateException.
     */
    @Test
    void aRowWhoseMemoryWasFreedIsRefusedAtExport() {
        Arena arena = Arena.ofShared();
        MemorySegment row = arena.allocate(ValueLayout.JAVA_DOUBLE, 4);
        try (BufferCollection2D col = BufferCollection2D.of(List.of(row, new double[4]), -1, "d", false)) {
            arena.close();
            assertThatThrownBy(() -> col.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> col.getBuffer(BufferRequest.FULL_RO).close())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("row 0");
        }
    }

    /** The same through rows of an IndirectMemory2D taken with {@code m.row(i)}, after the matrix is resized. */
    @Test
    void rowsOfAResizedMatrixAreRefusedAtExport() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", false);
        try (BufferCollection2D col = BufferCollection2D.of(List.of(m.row(0), m.row(1)), -1, "d", false)) {
            m.resize(4, 4); // not locked: m.row(i) segments are not exports; the old rows are freed
            assertThatThrownBy(() -> col.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> col.getBuffer(BufferRequest.FULL_RO).close())
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            m.close();
        }
    }

    /**
     * A read-only request cannot write, yet closing its view copies the staged rows back, undoing Java-side writes
     * made while it was open.
     */
    @Test
    void aReadOnlyRequestDoesNotCopyBack() {
        double[] a = {1, 2};
        try (BufferCollection2D col = BufferCollection2D.of(List.of(a))) {
            try (BufferView v = col.getBuffer(BufferRequest.FULL_RO)) {
                col.setDouble(0, 0, 42); // Java-side write, directly into the array
                assertThat(v.getDouble(0, 1)).isEqualTo(2);
            }
            assertThat(a[0]).isEqualTo(42); // actual: 1, restored from the staged copy
        }
    }

    /** A heap CharBuffer not backed by an array escapes as IllegalArgumentException without naming the row. */
    @Test
    void aStringBackedCharBufferIsRefusedNamingTheRow() {
        assertThatThrownBy(() -> BufferCollection2D.of(List.of(new char[2], CharBuffer.wrap("ab"))))
                .isInstanceOf(BufferException.class)
                .hasMessageStartingWith("row 1: ");
    }
}
