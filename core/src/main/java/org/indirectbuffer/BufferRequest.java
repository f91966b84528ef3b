package org.indirectbuffer;

import java.util.StringJoiner;

/**
 * The request flags a consumer passes to {@link BufferExporter#getBuffer(int)}: what it can handle. They have the
 * same numeric values as CPython's {@code PyBUF_*} constants, so a flag word can be passed through from C unchanged.
 *
 * <p>The composite flags include the simpler ones they imply: {@link #STRIDES} includes {@link #ND},
 * {@link #C_CONTIGUOUS}, {@link #F_CONTIGUOUS}, {@link #ANY_CONTIGUOUS} and {@link #INDIRECT} include {@link #STRIDES}.
 * The predicates below test a flag word the way CPython's {@code REQ_*} macros do.
 *
 * <p>Bits that CPython does not define for {@code getbuffer} requests are refused by {@link #check(int)} with an
 * {@link IllegalArgumentException} naming them; every exporter of this library calls it first.
 *
 * <p>This class only holds constants and pure functions: it owns no memory, and it is thread-safe.
 */
public final class BufferRequest {
    /** Contiguous unsigned bytes, read-only unless {@link #WRITABLE} is added: no format, no shape. */
    public static final int SIMPLE = 0x0;
    /** The consumer will write: the exporter refuses read-only memory. */
    public static final int WRITABLE = 0x1;
    /** The consumer wants the format string; without it the view's format is {@code null}, meaning unsigned bytes. */
    public static final int FORMAT = 0x4;
    /** The consumer wants the shape; without strides it assumes C-contiguous memory. */
    public static final int ND = 0x8;
    /** The consumer handles strides (and so non-contiguous memory). Includes {@link #ND}. */
    public static final int STRIDES = 0x10 | ND;
    /** The memory must be C-contiguous (row-major). Includes {@link #STRIDES}. */
    public static final int C_CONTIGUOUS = 0x20 | STRIDES;
    /** The memory must be Fortran-contiguous (column-major). Includes {@link #STRIDES}. */
    public static final int F_CONTIGUOUS = 0x40 | STRIDES;
    /** The memory must be C- or Fortran-contiguous. Includes {@link #STRIDES}. */
    public static final int ANY_CONTIGUOUS = 0x80 | STRIDES;
    /** The consumer follows suboffsets (arrays of pointers). Includes {@link #STRIDES}. */
    public static final int INDIRECT = 0x100 | STRIDES;

    /** {@code ND | WRITABLE}. */
    public static final int CONTIG = ND | WRITABLE;
    /** {@code ND}. */
    public static final int CONTIG_RO = ND;
    /** {@code STRIDES | WRITABLE}. */
    public static final int STRIDED = STRIDES | WRITABLE;
    /** {@code STRIDES}. */
    public static final int STRIDED_RO = STRIDES;
    /** {@code STRIDES | WRITABLE | FORMAT}. */
    public static final int RECORDS = STRIDES | WRITABLE | FORMAT;
    /** {@code STRIDES | FORMAT}. */
    public static final int RECORDS_RO = STRIDES | FORMAT;
    /** {@code INDIRECT | WRITABLE | FORMAT}: everything. */
    public static final int FULL = INDIRECT | WRITABLE | FORMAT;
    /** {@code INDIRECT | FORMAT}: everything, read-only. */
    public static final int FULL_RO = INDIRECT | FORMAT;

    private static final int KNOWN_BITS = 0x1 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100;
    /** CPython's {@code PyBUF_READ}: the access flag of {@code PyMemoryView_FromMemory}, not a request. */
    private static final int PYBUF_READ = 0x100;

    private BufferRequest() {
    }

    /**
     * Checks that {@code flags} holds only bits CPython defines for buffer requests, and is not {@code PyBUF_READ}
     * ({@code 0x100}): that is the access flag of {@code PyMemoryView_FromMemory}, which CPython's exporters refuse
     * as a request ({@code PyBuffer_FillInfo} raises {@code SystemError} for it, as for {@code PyBUF_WRITE},
     * {@code 0x200}, which this method refuses as an unknown bit). {@link #INDIRECT} is {@code 0x118}.
     *
     * @param flags a request flag word
     * @return {@code flags}, for chaining
     * @throws IllegalArgumentException if any other bit is set, or {@code flags} is {@code PyBUF_READ}; the message
     *                                  names the flags and what is wrong with them
     */
    public static int check(int flags) {
        int unknown = flags & ~KNOWN_BITS;
        if (unknown != 0) {
            throw new IllegalArgumentException(String.format(
                    "buffer request 0x%x: unknown flag bits 0x%x; expected a combination of the PyBUF_* values in BufferRequest",
                    flags, unknown));
        }
        if (flags == PYBUF_READ) {
            throw new IllegalArgumentException("buffer request 0x100 is PyBUF_READ, a memoryview access flag, not a"
                    + " request; expected a combination of the PyBUF_* values in BufferRequest (INDIRECT is 0x118)");
        }
        return flags;
    }

    /**
     * {@return whether {@code flags} asks for a writable buffer ({@code REQ_WRITABLE})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requestsWritable(int flags) {
        return (flags & WRITABLE) != 0;
    }

    /**
     * {@return whether {@code flags} asks for the format ({@code REQ_FORMAT})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requestsFormat(int flags) {
        return (flags & FORMAT) != 0;
    }

    /**
     * {@return whether {@code flags} asks for the shape ({@code REQ_SHAPE})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requestsShape(int flags) {
        return (flags & ND) == ND;
    }

    /**
     * {@return whether {@code flags} accepts strides ({@code REQ_STRIDES})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requestsStrides(int flags) {
        return (flags & STRIDES) == STRIDES;
    }

    /**
     * {@return whether {@code flags} accepts suboffsets ({@code REQ_INDIRECT})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requestsIndirect(int flags) {
        return (flags & INDIRECT) == INDIRECT;
    }

    /**
     * {@return whether {@code flags} requires C-contiguous memory ({@code REQ_C_CONTIGUOUS})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requiresCContiguous(int flags) {
        return (flags & C_CONTIGUOUS) == C_CONTIGUOUS;
    }

    /**
     * {@return whether {@code flags} requires Fortran-contiguous memory ({@code REQ_F_CONTIGUOUS})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requiresFContiguous(int flags) {
        return (flags & F_CONTIGUOUS) == F_CONTIGUOUS;
    }

    /**
     * {@return whether {@code flags} requires C- or Fortran-contiguous memory ({@code REQ_ANY_CONTIGUOUS})}
     *
     * @param flags the {@code PyBUF_*} request flags
     */
    public static boolean requiresAnyContiguous(int flags) {
        return (flags & ANY_CONTIGUOUS) == ANY_CONTIGUOUS;
    }

    /**
     * Describes a flag word for messages, e.g. {@code "FULL_RO (0x11c)"} or {@code "ND|FORMAT (0xc)"}.
     *
     * @param flags a request flag word (unknown bits are shown as hex)
     * @return the names of the flags it holds, and its value in hex
     */
    public static String describe(int flags) {
        String named = switch (flags) {
            case SIMPLE -> "SIMPLE";
            case FULL -> "FULL";
            case FULL_RO -> "FULL_RO";
            case RECORDS -> "RECORDS";
            case RECORDS_RO -> "RECORDS_RO";
            case STRIDED -> "STRIDED";
            case STRIDED_RO -> "STRIDED_RO";
            case CONTIG -> "CONTIG";
            case CONTIG_RO -> "CONTIG_RO";
            default -> null;
        };
        if (named == null) {
            StringJoiner parts = new StringJoiner("|");
            int rest = flags;
            // The contiguity and indirect bits imply STRIDES (0x18); name them only when that holds.
            boolean strided = (flags & STRIDES) == STRIDES;
            if (strided) {
                rest &= ~STRIDES;
                int[] bits = {0x100, 0x80, 0x40, 0x20};
                String[] names = {"INDIRECT", "ANY_CONTIGUOUS", "F_CONTIGUOUS", "C_CONTIGUOUS"};
                boolean implied = false;
                for (int i = 0; i < bits.length; i++) {
                    if ((rest & bits[i]) != 0) {
                        parts.add(names[i]);
                        rest &= ~bits[i];
                        implied = true;
                    }
                }
                if (!implied) {
                    parts.add("STRIDES");
                }
            } else if ((flags & ND) == ND) {
                parts.add("ND");
                rest &= ~ND;
            }
            if ((rest & FORMAT) != 0) {
                parts.add("FORMAT");
                rest &= ~FORMAT;
            }
            if ((rest & WRITABLE) != 0) {
                parts.add("WRITABLE");
                rest &= ~WRITABLE;
            }
            if (rest != 0) {
                parts.add(String.format("0x%x", rest));
            }
            named = parts.toString();
        }
        return String.format("%s (0x%x)", named, flags);
    }
}
