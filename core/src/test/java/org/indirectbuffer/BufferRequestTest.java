package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

class BufferRequestTest {
    @Test
    void flagValuesAreCPythons() {
        assertThat(BufferRequest.SIMPLE).isEqualTo(0x0);
        assertThat(BufferRequest.WRITABLE).isEqualTo(0x1);
        assertThat(BufferRequest.FORMAT).isEqualTo(0x4);
        assertThat(BufferRequest.ND).isEqualTo(0x8);
        assertThat(BufferRequest.STRIDES).isEqualTo(0x18);
        assertThat(BufferRequest.C_CONTIGUOUS).isEqualTo(0x38);
        assertThat(BufferRequest.F_CONTIGUOUS).isEqualTo(0x58);
        assertThat(BufferRequest.ANY_CONTIGUOUS).isEqualTo(0x98);
        assertThat(BufferRequest.INDIRECT).isEqualTo(0x118);
        assertThat(BufferRequest.CONTIG).isEqualTo(0x9);
        assertThat(BufferRequest.CONTIG_RO).isEqualTo(0x8);
        assertThat(BufferRequest.STRIDED).isEqualTo(0x19);
        assertThat(BufferRequest.STRIDED_RO).isEqualTo(0x18);
        assertThat(BufferRequest.RECORDS).isEqualTo(0x1d);
        assertThat(BufferRequest.RECORDS_RO).isEqualTo(0x1c);
        assertThat(BufferRequest.FULL).isEqualTo(0x11d);
        assertThat(BufferRequest.FULL_RO).isEqualTo(0x11c);
    }

    @Test
    void predicatesFollowCPythonsReqMacros() {
        assertThat(BufferRequest.requestsShape(BufferRequest.STRIDES)).isTrue();
        assertThat(BufferRequest.requestsStrides(BufferRequest.ND)).isFalse();
        assertThat(BufferRequest.requestsStrides(BufferRequest.C_CONTIGUOUS)).isTrue();
        assertThat(BufferRequest.requestsIndirect(BufferRequest.FULL_RO)).isTrue();
        assertThat(BufferRequest.requestsIndirect(BufferRequest.RECORDS)).isFalse();
        assertThat(BufferRequest.requiresCContiguous(BufferRequest.STRIDES)).isFalse();
        assertThat(BufferRequest.requiresCContiguous(BufferRequest.C_CONTIGUOUS)).isTrue();
        assertThat(BufferRequest.requiresFContiguous(BufferRequest.F_CONTIGUOUS | BufferRequest.FORMAT)).isTrue();
        assertThat(BufferRequest.requiresAnyContiguous(BufferRequest.ANY_CONTIGUOUS)).isTrue();
        assertThat(BufferRequest.requestsWritable(BufferRequest.CONTIG)).isTrue();
        assertThat(BufferRequest.requestsWritable(BufferRequest.CONTIG_RO)).isFalse();
        assertThat(BufferRequest.requestsFormat(BufferRequest.RECORDS_RO)).isTrue();
        assertThat(BufferRequest.requestsFormat(BufferRequest.STRIDED)).isFalse();
    }

    @Test
    void unknownBitsAreRefusedByName() {
        assertThat(BufferRequest.check(BufferRequest.FULL)).isEqualTo(BufferRequest.FULL);
        assertThatThrownBy(() -> BufferRequest.check(0x2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("buffer request 0x2: unknown flag bits 0x2; expected a combination of the PyBUF_* values"
                        + " in BufferRequest");
        assertThatThrownBy(() -> BufferRequest.check(BufferRequest.FULL | 0x200))
                .hasMessageContaining("buffer request 0x31d: unknown flag bits 0x200");
    }

    /**
     * CPython's test_flags_overflow, test_c_buffer_invalid_flags and test_bytearray_release_buffer_read_flag: flag
     * words outside the request bits (negative, huge, PyBUF_WRITE 0x200) and PyBUF_READ (0x100) are refused, by
     * every exporter before anything is lent.
     */
    @Test
    void flagWordsThatAreNoRequestAreRefused() {
        for (int flags : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x200, 0x201, 0x11d | 0x400}) {
            assertThatThrownBy(() -> BufferRequest.check(flags)).as("0x%x", flags)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(String.format("buffer request 0x%x: unknown flag bits", flags));
        }
        assertThatThrownBy(() -> BufferRequest.check(0x100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("buffer request 0x100 is PyBUF_READ, a memoryview access flag, not a request; expected a"
                        + " combination of the PyBUF_* values in BufferRequest (INDIRECT is 0x118)");
        // the bit is INDIRECT's own, with STRIDES or anything else
        assertThat(BufferRequest.check(BufferRequest.INDIRECT)).isEqualTo(0x118);
        assertThat(BufferRequest.check(0x101)).isEqualTo(0x101);
        try (MemoryBuffer buffer = MemoryBuffer.allocate(Format.parse("B"), 'C', 3)) {
            for (int flags : new int[] {0x100, 0x200, -1}) {
                assertThatThrownBy(() -> buffer.getBuffer(flags)).isInstanceOf(IllegalArgumentException.class);
                assertThat(buffer.exportCount()).isZero();
            }
        }
    }

    @Test
    void describeNamesTheFlags() {
        assertThat(BufferRequest.describe(BufferRequest.FULL_RO)).isEqualTo("FULL_RO (0x11c)");
        assertThat(BufferRequest.describe(BufferRequest.ND | BufferRequest.FORMAT)).isEqualTo("ND|FORMAT (0xc)");
        assertThat(BufferRequest.describe(BufferRequest.C_CONTIGUOUS | BufferRequest.WRITABLE))
                .isEqualTo("C_CONTIGUOUS|WRITABLE (0x39)");
        assertThat(BufferRequest.describe(BufferRequest.INDIRECT | BufferRequest.C_CONTIGUOUS))
                .isEqualTo("INDIRECT|C_CONTIGUOUS (0x138)");
        assertThat(BufferRequest.describe(0x20)).isEqualTo("0x20 (0x20)");
        assertThat(BufferRequest.describe(BufferRequest.SIMPLE)).isEqualTo("SIMPLE (0x0)");
    }
}
