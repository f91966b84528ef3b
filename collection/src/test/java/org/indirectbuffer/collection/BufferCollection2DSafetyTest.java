package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.CharBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.kernels.Kernels;
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
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(row, new double[4]), -1, "d", false)) {
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
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(m.row(0), m.row(1)), -1, "d", false)) {
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
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(a))) {
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
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(new char[2], CharBuffer.wrap("ab"))))
                .isInstanceOf(BufferException.class)
                .hasMessageStartingWith("row 1: ");
    }

    /**
     * A row freed while the collection is exported: the view used to follow the table's raw pointer into the freed
     * memory (SIGSEGV). It reads each row through the row's own segment, so the access throws.
     */
    @Test
    void aRowFreedWhileExportedMakesEveryReadThrowInsteadOfCrashing() {
        Arena arena = Arena.ofShared();
        MemorySegment row = arena.allocate(ValueLayout.JAVA_DOUBLE, 1 << 16);
        row.setAtIndex(ValueLayout.JAVA_DOUBLE, 5, 2.5);
        try (BufferCollection2D col = BufferCollection2D.wrap(List.of(row, new double[1 << 16]), -1, "d", false);
             BufferView view = col.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(Kernels.sum(view)).isEqualTo(2.5);
            arena.close(); // the row's owner, bypassing the collection's lock
            assertThatThrownBy(() -> Kernels.sum(view)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.getDouble(0, 5)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.toBytes('C')).isInstanceOf(IllegalStateException.class);
            BufferView.Runs runs = view.runs();
            runs.next();
            assertThat(runs.segment().byteSize()).isEqualTo(8L << 16);
            assertThat(view.memory().isReadOnly()).isTrue();
        }
    }

    /** A row of another thread's confined arena, exported shared, is never read from this thread. */
    @Test
    void aConfinedRowIsNeverReadFromAnotherThread() throws Exception {
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment row = confined.allocate(ValueLayout.JAVA_DOUBLE, 4);
            row.setAtIndex(ValueLayout.JAVA_DOUBLE, 1, 7.0);
            try (BufferCollection2D col = BufferCollection2D.wrap(List.of(row), -1, "d", false);
                 BufferView view = col.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(view.getDouble(0, 1)).isEqualTo(7.0);
                CompletableFuture<Double> other = CompletableFuture.supplyAsync(() -> Kernels.sum(view));
                assertThatThrownBy(other::get).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(WrongThreadException.class);
                CompletableFuture<Double> item = CompletableFuture.supplyAsync(() -> view.getDouble(0, 1));
                assertThatThrownBy(item::get).hasCauseInstanceOf(WrongThreadException.class);
            }
        }
    }

    /**
     * Exports of heap rows dropped without close: each kept its staged copy and the collection locked forever. The
     * Cleaner releases them: the collection unlocks, and the staged memory goes back.
     */
    @Test
    void droppedExportsAreReleasedByTheCleaner() throws InterruptedException {
        double[] row = new double[10_000];
        row[3] = 1.5;
        BufferCollection2D col = BufferCollection2D.wrap(List.of(row));
        for (int i = 0; i < 2000; i++) {
            BufferView v = col.getBuffer(BufferRequest.FULL_RO); // dropped: never closed
            if (i == 0) {
                assertThat(v.getDouble(0, 3)).isEqualTo(1.5);
            }
        }
        for (int tries = 0; tries < 200; tries++) {
            System.gc();
            Thread.sleep(20);
            try {
                col.close();
                break;
            } catch (BufferException stillLocked) {
                // the Cleaner has not reached every dropped view yet
            }
        }
        assertThat(col.toString()).contains("closed");
    }

    /** An exporter whose getBuffer returns null: a NullPointerException from the cleanup code, before. */
    @Test
    void anExporterReturningNullIsRefusedNamingTheRowAndTheOtherRowsAreReleased() {
        org.indirectbuffer.MemoryBuffer good = org.indirectbuffer.MemoryBuffer.wrap(new double[3]);
        org.indirectbuffer.BufferExporter broken = new org.indirectbuffer.BufferExporter() {
            @Override
            public BufferView getBuffer(int flags) {
                return null;
            }

            @Override
            public String toString() {
                return "broken exporter";
            }
        };
        assertThatThrownBy(() -> BufferCollection2D.wrap(List.of(good, broken)))
                .isInstanceOf(BufferException.class)
                .hasMessageStartingWith("row 1: exporter broken exporter returned null");
        assertThat(good.exportCount()).as("row 0's export was released").isZero();
    }
}
