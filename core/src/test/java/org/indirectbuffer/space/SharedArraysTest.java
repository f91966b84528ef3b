package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.kernels.Kernels;
import org.indirectbuffer.space.SharedMemoryException.Reason;
import org.junit.jupiter.api.Test;

/** SharedArrays within one process: create, attach, delete, list, the safety rules and the on-disk header. */
class SharedArraysTest extends ShmTest {

    @Test
    void aCreatedArrayIsZeroAndAnotherAttachmentSeesItsWrites() {
        String name = names.next("basic");
        try (SharedArray a = SharedArrays.create(name, "d", 3, 4);
             SharedArray b = SharedArrays.attach(name)) {
            assertThat(b.getDouble(2, 3)).isZero();
            a.setDouble(6.5, 2, 3);
            assertThat(b.getDouble(2, 3)).isEqualTo(6.5);
            b.setDouble(-1, 0, 0);
            assertThat(a.getDouble(0, 0)).isEqualTo(-1);
            assertThat(b.shape()).containsExactly(3, 4);
            assertThat(b.byteSize()).isEqualTo(96);
            assertThat(b.creatorPid()).isEqualTo(ProcessHandle.current().pid());
            try (BufferView v = b.getBuffer(BufferRequest.FULL)) {
                assertThat(v.isContiguous('C')).isTrue();
                assertThat(Kernels.sum(v)).isEqualTo(5.5);
                assertThat(b.exportCount()).isOne();
                assertThatThrownBy(b::close).isInstanceOf(BufferException.class).hasMessageContaining("locked");
            }
            assertThat(b.toString()).contains(name, "format 'd'", "[3, 4]");
        }
    }

    @Test
    void listShowsNameFormatShapeAndSize() {
        String name = names.next("list");
        try (SharedArray a = SharedArrays.create(name, "<i", 2, 5)) {
            SharedArrayEntry e = SharedArrays.list().stream().filter(x -> x.name().equals(name)).findFirst()
                    .orElseThrow();
            assertThat(e.format()).isEqualTo("<i");
            assertThat(e.shape()).containsExactly(2L, 5L);
            assertThat(e.byteSize()).isEqualTo(40);
            assertThat(e.creatorAlive()).isTrue();
            assertThat(e.attached()).isEqualTo(SharedArrayEntry.Attached.YES);
            assertThat(e.isOrphan()).isFalse();
            assertThat(e.toString()).contains("'" + name + "'", "format '<i'", "shape [2, 5]", "40 bytes");
            assertThat(SharedArrays.describe(name)).isEqualTo(e);
        }
        SharedArrayEntry closed = SharedArrays.describe(name);
        assertThat(closed.attached()).as("no process attached").isEqualTo(SharedArrayEntry.Attached.NO);
        assertThat(closed.isOrphan()).as("its creator (this process) runs").isFalse();
    }

    @Test
    void deleteLeavesExistingAttachmentsValidAndTheNameUnattachable() {
        String name = names.next("delete");
        try (SharedArray a = SharedArrays.create(name, "q", 4)) {
            a.setLong(42, 1);
            SharedArrays.delete(name);
            assertThat(Files.exists(ShmNames.file(name))).isFalse();
            assertThat(a.getLong(1)).isEqualTo(42);
            a.setLong(43, 1);
            assertThat(a.getLong(1)).isEqualTo(43);
            assertThatThrownBy(() -> SharedArrays.attach(name)).isInstanceOfSatisfying(SharedMemoryException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND)).hasMessageContaining(name);
            assertThatThrownBy(() -> SharedArrays.delete(name)).isInstanceOfSatisfying(SharedMemoryException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
            assertThat(SharedArrays.list()).noneMatch(e -> e.name().equals(name));
            // the name may be used again, for a new array
            try (SharedArray b = SharedArrays.create(name, "q", 4)) {
                assertThat(b.getLong(1)).isZero();
                assertThat(a.getLong(1)).isEqualTo(43);
            }
        }
    }

    @Test
    void createOnAnExistingNameFailsAndLeavesItUntouched() throws Exception {
        String name = names.next("exists");
        try (SharedArray a = SharedArrays.create(name, "d", 8)) {
            a.setDouble(3.25, 7);
            byte[] before = Files.readAllBytes(ShmNames.file(name));
            assertThatThrownBy(() -> SharedArrays.create(name, "b", 2))
                    .isInstanceOfSatisfying(SharedMemoryException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.ALREADY_EXISTS);
                        assertThat(e.arrayName()).isEqualTo(name);
                    }).hasMessageContaining("left untouched");
            assertThat(Files.readAllBytes(ShmNames.file(name))).isEqualTo(before);
            assertThat(a.getDouble(7)).isEqualTo(3.25);
        }
        assertThat(temporaryFilesOfThisProcess()).isEmpty();
    }

    private static List<Path> temporaryFilesOfThisProcess() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.filter(p -> p.getFileName().toString().startsWith(".ib-tmp-" + ProcessHandle.current().pid()
                    + "-")).toList();
        }
    }

    @Test
    void arraysAreMode0600UnlessAWiderModeIsAsked() throws Exception {
        String narrow = names.next("mode");
        String wide = names.next("mode");
        try (SharedArray a = SharedArrays.create(narrow, "B", 1);
             SharedArray b = SharedArrays.createIndirect(wide, 2, 2, "B", 0644)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ShmNames.file(narrow))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ShmNames.file(wide))))
                    .isEqualTo("rw-r--r--");
        }
        for (int bad : new int[] {0755, 0400, 01600, 0200, 0, 0700, 0777, 04600, 010600, -1}) {
            String name = names.next("badmode");
            assertThatThrownBy(() -> SharedArrays.create(name, bad, "B", 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mode 0" +
                            Integer.toOctalString(bad)).hasMessageContaining("0666");
            assertThatThrownBy(() -> SharedArrays.createIndirect(name, 2, 2, "B", bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mode 0" +
                            Integer.toOctalString(bad)).hasMessageContaining("0600");
            assertThat(ShmNames.file(name)).as("nothing made for mode 0%o", bad).doesNotExist();
        }
    }

    @Test
    void namesAreCheckedBeforeAnySystemCall() {
        String[][] cases = {
            {"", "0 bytes"}, {"a/b", "contains '/'"}, {".", "'.' and '..'"}, {"..", "'.' and '..'"},
            {"x".repeat(256), "256 bytes"}, {"é".repeat(128), "256 bytes"}, {"a\0b", "NUL"},
            {".ib-tmp-1-2", "reserved"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> SharedArrays.create(c[0], "d", 1)).as(c[0])
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c[1]);
            assertThatThrownBy(() -> SharedArrays.attach(c[0])).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SharedArrays.delete(c[0])).isInstanceOf(IllegalArgumentException.class);
        }
        String longest = names.next("x");
        longest = longest + "y".repeat(255 - longest.length());
        try (SharedArray a = SharedArrays.create(longest, "d", 1)) {
            assertThat(a.name()).hasSize(255);
        } finally {
            SharedArrays.delete(longest);
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        assertThatThrownBy(() -> SharedArrays.create(names.next("neg"), "d", 2, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape[1] = -1");
        assertThatThrownBy(() -> SharedArrays.create(names.next("fmt"), "dd(", 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dd(");
        assertThatThrownBy(() -> SharedArrays.create(names.next("ovf"), "d", Long.MAX_VALUE / 4, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflows");
        assertThatThrownBy(() -> SharedArrays.attach(names.next("missing")))
                .isInstanceOfSatisfying(SharedMemoryException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND)).hasMessageContaining("does not exist");
    }

    @Test
    void moreThanTheFileSystemHoldsFailsAtCreateAndLeavesNothing() throws Exception {
        String name = names.next("huge");
        assertThatThrownBy(() -> SharedArrays.create(name, "d", 1L << 40))
                .isInstanceOfSatisfying(SharedMemoryException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE)).hasMessageContaining("space");
        assertThat(Files.exists(ShmNames.file(name))).isFalse();
        assertThat(temporaryFilesOfThisProcess()).isEmpty();
    }

    @Test
    void readOnlyAttachmentsRefuseEveryWrite() {
        String name = names.next("ro");
        try (SharedArray a = SharedArrays.create(name, "d", 2, 3);
             SharedArray r = SharedArrays.attach(name, true)) {
            a.setDouble(1.5, 1, 1);
            assertThat(r.isReadOnly()).isTrue();
            assertThat(r.getDouble(1, 1)).isEqualTo(1.5);
            assertThatThrownBy(() -> r.setDouble(2, 1, 1)).isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> r.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("read-only");
            try (BufferView v = r.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.isReadOnly()).isTrue();
                assertThatThrownBy(() -> Kernels.fill(v, 9.0)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> Kernels.scale(v, 2.0)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> v.copyFrom(MemorySegment.ofArray(new double[6]), 'C'))
                        .isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> Kernels.scatter(MemorySegment.ofArray(new double[6]), v))
                        .isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> v.buf().set(ValueLayout.JAVA_DOUBLE, 0, 1.0))
                        .isInstanceOfAny(IllegalArgumentException.class, UnsupportedOperationException.class)
                        .hasMessageContaining("read-only");
            }
            assertThat(a.getDouble(1, 1)).isEqualTo(1.5);
        }
    }

    @Test
    void readOnlyIndirectAttachmentsRefuseEveryWrite() {
        String name = names.next("roi");
        try (SharedArray a = SharedArrays.createIndirect(name, 3, 4, "d");
             SharedArray r = SharedArrays.attach(name, true)) {
            assertThatThrownBy(() -> r.setDouble(2, 1, 1)).isInstanceOf(ReadOnlyBufferException.class);
            try (BufferView v = r.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(() -> Kernels.fill(v, 9.0)).isInstanceOf(ReadOnlyBufferException.class);
                assertThatThrownBy(() -> v.elementAt(1, 1).set(ValueLayout.JAVA_DOUBLE, 0, 1.0))
                        .isInstanceOfAny(IllegalArgumentException.class, UnsupportedOperationException.class)
                        .hasMessageContaining("read-only");
            }
            assertThat(a.getDouble(1, 1)).isZero();
        }
    }

    @Test
    void anIndirectArrayStoresOffsetsAndItsViewsSuboffsetIsTheBaseAddress() {
        String name = names.next("indirect");
        try (SharedArray a = SharedArrays.createIndirect(name, 3, 5, "d");
             SharedArray b = SharedArrays.attach(name)) {
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 5; c++) {
                    a.setDouble(10 * r + c, r, c);
                }
            }
            assertThat(b.isIndirect()).isTrue();
            try (BufferView v = b.getBuffer(BufferRequest.FULL_RO)) {
                assertThat(v.isIndirect()).isTrue();
                assertThat(v.strides()).containsExactly(8, 8);
                long base = v.suboffsets()[0];
                assertThat(v.suboffsets()[1]).isNegative();
                MemorySegment pointers = b.rowPointers();
                MemorySegment everything = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
                for (int r = 0; r < 3; r++) {
                    // PEP 3118: p = *(char **)(buf + r * strides[0]) + suboffsets[0]
                    long offset = v.buf().get(ValueLayout.JAVA_LONG_UNALIGNED, 8L * r);
                    long row = offset + base;
                    assertThat(row).isEqualTo(pointers.getAtIndex(ValueLayout.JAVA_LONG, r));
                    assertThat(everything.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, row + 8 * 4)).isEqualTo(10 * r + 4);
                    assertThat(v.getDouble(r, 4)).isEqualTo(10 * r + 4);
                }
                assertThat(Kernels.sum(v)).isEqualTo(5 * (0 + 10 + 20) + 3 * 10);
                assertThatThrownBy(() -> b.getBuffer(BufferRequest.STRIDED)).isInstanceOf(BufferException.class);
            }
            assertThat(a.rowPointers().getAtIndex(ValueLayout.JAVA_LONG, 0))
                    .as("each attachment has its own mapping").isNotEqualTo(b.rowPointers()
                            .getAtIndex(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void theRowPointersDieWithTheAttachment() {
        String name = names.next("rowptrs");
        SharedArray a = SharedArrays.createIndirect(name, 2, 2, "i");
        MemorySegment pointers = a.rowPointers();
        a.close();
        a.close();
        assertThatThrownBy(() -> pointers.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::rowPointers).isInstanceOf(IllegalStateException.class).hasMessageContaining(name);
        assertThatThrownBy(() -> a.getInt(0, 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining(name);
        try (SharedArray d = SharedArrays.create(names.next("dense"), "i", 2)) {
            assertThatThrownBy(d::rowPointers).isInstanceOf(BufferException.class).hasMessageContaining("dense");
        }
    }

    @Test
    void aTamperedRowTableIsRefusedAtAttach() throws Exception {
        String name = names.next("table");
        try (SharedArray a = SharedArrays.createIndirect(name, 2, 2, "d")) {
            a.setDouble(1, 0, 0);
        }
        patch(name, SharedHeader.PAGE + 8, le64(1 << 30));
        assertCorrupt(name, "row table", "row 1 is at offset 1073741824");
    }

    @Test
    void truncationWhileAttachedIsAMemoryFault() throws Exception {
        String name = names.next("truncate");
        try (SharedArray a = SharedArrays.create(name, "d", 4096)) {
            a.setDouble(1, 4000);
            try (FileChannel c = FileChannel.open(ShmNames.file(name), StandardOpenOption.WRITE)) {
                c.truncate(0);
            }
            assertThatThrownBy(() -> a.getDouble(4000)).isInstanceOf(MemoryFaultException.class)
                    .hasMessageContaining("truncated");
            try (BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
                assertThatThrownBy(() -> Kernels.sum(v)).isInstanceOf(MemoryFaultException.class);
                assertThatThrownBy(() -> v.toBytes('C')).isInstanceOf(MemoryFaultException.class);
            }
            assertThatThrownBy(() -> SharedArrays.attach(name)).isInstanceOfSatisfying(SharedMemoryException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT));
        }
    }

    @Test
    void aBadMagicVersionOrChecksumIsRefusedNamingTheField() throws Exception {
        String name = names.next("header");
        try (SharedArray a = SharedArrays.create(name, "d", 3)) {
            a.setDouble(1, 0);
        }
        byte[] good = Files.readAllBytes(ShmNames.file(name));
        patch(name, 0, new byte[] {'X'});
        assertCorrupt(name, "magic", "not a shared array");
        assertThatThrownBy(() -> SharedArrays.delete(name)).isInstanceOfSatisfying(SharedMemoryException.class,
                e -> assertThat(e.field()).isEqualTo("magic"));
        assertThat(Files.exists(ShmNames.file(name))).as("a file that is not a shared array is not deleted").isTrue();

        Files.write(ShmNames.file(name), good);
        patch(name, SharedHeader.OFF_VERSION, new byte[] {2});
        assertCorrupt(name, "version", "version 2");

        Files.write(ShmNames.file(name), good);
        patch(name, 96, new byte[] {4}); // shape[0] 3 -> 4, checksum unchanged
        assertCorrupt(name, "checksum", "CRC32C");

        Files.write(ShmNames.file(name), good);
        patch(name, 28, new byte[] {7});
        assertCorrupt(name, "checksum", "torn");

        Files.write(ShmNames.file(name), new byte[10]);
        assertCorrupt(name, "length", "10 bytes");

        Files.write(ShmNames.file(name), good);
        try (SharedArray a = SharedArrays.attach(name)) {
            assertThat(a.getDouble(0)).isEqualTo(1);
        }
        patch(name, 96, new byte[] {4});
        SharedArrays.delete(name); // a damaged array is still removable
        assertThat(Files.exists(ShmNames.file(name))).isFalse();
    }

    @Test
    void anArrayWhoseReadyFlagStaysZeroIsRefusedAfterTheDeadline() throws Exception {
        String name = names.next("ready");
        try (SharedArray a = SharedArrays.create(name, "d", 3)) {
            a.setDouble(1, 0);
        }
        patch(name, SharedHeader.OFF_READY, new byte[] {0});
        assertThatThrownBy(() -> SharedArrays.attach(name)).isInstanceOfSatisfying(SharedMemoryException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_READY)).hasMessageContaining("ready flag");
        assertThat(SharedArrays.list()).as("not listed until ready").noneMatch(e -> e.name().equals(name));
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static void patch(String name, long at, byte[] bytes) throws Exception {
        try (FileChannel c = FileChannel.open(ShmNames.file(name), StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(bytes), at);
        }
    }

    private static void assertCorrupt(String name, String field, String detail) {
        assertThatThrownBy(() -> SharedArrays.attach(name)).isInstanceOfSatisfying(SharedMemoryException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
            assertThat(e.field()).isEqualTo(field);
        }).hasMessageContaining("'" + field + "'").hasMessageContaining(detail).hasMessageContaining(name);
    }
}
