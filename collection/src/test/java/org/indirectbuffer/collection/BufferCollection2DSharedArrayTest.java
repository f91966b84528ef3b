package org.indirectbuffer.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.kernels.Kernels;
import org.indirectbuffer.space.SharedArray;
import org.indirectbuffer.space.SharedArrays;
import org.junit.jupiter.api.Test;

/** Shared arrays as rows of a collection: read and written in place, locked while collected, faults translated. */
class BufferCollection2DSharedArrayTest {

    private static SharedArray unnamed(SharedArray a) {
        SharedArrays.delete(a.name()); // the attachment stays valid; nothing is left in /dev/shm
        return a;
    }

    @Test
    void sharedArraysAreRowsReadAndWrittenInPlace() {
        assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "needs /dev/shm (Linux)");
        try (SharedArray a = unnamed(SharedArrays.create("ib-test-coll-" + UUID.randomUUID(), "d", 4));
             SharedArray b = unnamed(SharedArrays.create("ib-test-coll-" + UUID.randomUUID(), "d", 4))) {
            a.setDouble(1.5, 2);
            try (BufferCollection2D rows = BufferCollection2D.wrap(List.of(a, b))) {
                assertThat(rows.isStaged(0)).as("a shared array is native memory: not copied").isFalse();
                assertThat(rows.getDouble(0, 2)).isEqualTo(1.5);
                rows.setDouble(1, 3, -2);
                assertThat(b.getDouble(3)).isEqualTo(-2);
                assertThat(rows.sum()).isEqualTo(-0.5);
                try (BufferView v = rows.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(Kernels.sum(v)).isEqualTo(-0.5);
                }
                assertThatThrownBy(a::close).isInstanceOf(BufferException.class).hasMessageContaining("locked");
            }
        }
    }

    @Test
    void aTruncatedSharedRowIsAMemoryFault() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "needs /dev/shm (Linux)");
        String name = "ib-test-coll-" + UUID.randomUUID();
        try (SharedArray a = SharedArrays.create(name, "d", 2048);
             BufferCollection2D rows = BufferCollection2D.wrap(List.of(a))) {
            try (var c = java.nio.channels.FileChannel.open(Path.of("/dev/shm", name),
                    java.nio.file.StandardOpenOption.WRITE)) {
                c.truncate(0);
            }
            assertThatThrownBy(rows::sum).isInstanceOf(MemoryFaultException.class);
        } finally {
            Files.deleteIfExists(Path.of("/dev/shm", name));
        }
    }
}
