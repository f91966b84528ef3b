package org.indirectbuffer.format;

import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Optional;

/**
 * The element types a format string can name: the codes of CPython's {@code struct} module plus the PEP 3118
 * extensions. Each constant knows its {@link #code() code} as written in a format string.
 *
 * <p>Sizes depend on the mode: in native mode ({@code '@'} or no prefix) they are the C sizes of this platform
 * (x86-64/LP64 Linux: {@code l L n N P O &} 8, {@code g} 16/16, {@code Zg} 32/16), in the standard modes
 * ({@code = < > !}) the fixed sizes of the {@code struct} module ({@code l L} 4). {@code n N P & g Zg} exist only
 * in native mode. An enum, so immutable and thread-safe; it describes items and owns no memory.
 */
public enum ElementType {
    /** {@code x}: a pad byte; never a {@link Format#fields() field}. */
    PAD("x", 1),
    /** {@code c}: a character of one byte ({@code char} in C, a 1-byte {@code bytes} in Python). */
    CHAR("c", 1),
    /** {@code b}: {@code signed char}. */
    INT8("b", 1),
    /** {@code B}: {@code unsigned char}. */
    UINT8("B", 1),
    /** {@code ?}: {@code _Bool}, one byte. */
    BOOL("?", 1),
    /** {@code h}: {@code short}. */
    INT16("h", 2),
    /** {@code H}: {@code unsigned short}. */
    UINT16("H", 2),
    /** {@code i}: {@code int}. */
    INT32("i", 4),
    /** {@code I}: {@code unsigned int}. */
    UINT32("I", 4),
    /** {@code l}: {@code long}: 4 bytes in the standard modes, the C {@code long} (8 on LP64) natively. */
    LONG("l", 4),
    /** {@code L}: {@code unsigned long}; sizes as {@link #LONG}. */
    ULONG("L", 4),
    /** {@code q}: {@code long long}. */
    INT64("q", 8),
    /** {@code Q}: {@code unsigned long long}. */
    UINT64("Q", 8),
    /** {@code n}: {@code ssize_t}; native mode only. */
    SSIZE_T("n", -1),
    /** {@code N}: {@code size_t}; native mode only. */
    SIZE_T("N", -1),
    /** {@code e}: IEEE 754 binary16 (half precision). */
    FLOAT16("e", 2),
    /** {@code f}: {@code float}. */
    FLOAT32("f", 4),
    /** {@code d}: {@code double}. */
    FLOAT64("d", 8),
    /** {@code s}: {@code char[]}; a count {@code N} is one string of {@code N} bytes. */
    CHARS("s", 1),
    /** {@code p}: a Pascal string (length byte first); a count {@code N} is one string of {@code N} bytes. */
    PASCAL_STRING("p", 1),
    /** {@code P}: {@code void *}; native mode only. */
    VOID_POINTER("P", -1),
    /** {@code Zf}: complex of two {@code float}s. */
    COMPLEX_FLOAT("Zf", 8),
    /** {@code Zd}: complex of two {@code double}s. */
    COMPLEX_DOUBLE("Zd", 16),
    /** {@code Zg}: complex of two {@code long double}s; native mode only. */
    COMPLEX_LONG_DOUBLE("Zg", -1),
    /** {@code g}: {@code long double}; native mode only. */
    LONG_DOUBLE("g", -1),
    /** {@code u}: a UCS-2 code unit (2 bytes); a count {@code N} is one string of {@code N} units. */
    UCS2("u", 2),
    /** {@code w}: a UCS-4 code point (4 bytes); a count {@code N} is one string of {@code N} code points. */
    UCS4("w", 4),
    /** {@code O}: a pointer to a Python object (pointer-sized). */
    OBJECT("O", 0),
    /** {@code &}: a pointer to the type that follows; native mode only. The target is {@link Field#struct()}. */
    POINTER("&", -1),
    /** {@code T{...}}: a nested struct, described by {@link Field#struct()}. */
    STRUCT("T", -1);

    /** The code as written ({@code "Zf"} has two characters). */
    private final String code;
    /** Size in the standard modes; -1 if the type exists only natively (or varies, STRUCT); 0 = pointer size. */
    private final int standardSize;

    ElementType(String code, int standardSize) {
        this.code = code;
        this.standardSize = standardSize;
    }

    /**
     * Returns the code of this type as written in a format string: one character, or two for the complex types
     * ({@code "Zf"}, {@code "Zd"}, {@code "Zg"}); {@code "T"} for {@link #STRUCT} (written {@code T{...}}).
     *
     * @return the code, never {@code null}
     */
    public String code() {
        return code;
    }

    /**
     * Returns the element type for a code, as written in a format string ({@code "d"}, {@code "Zd"}, {@code "&"},
     * {@code "T"}).
     *
     * @param code a code; {@code null} gives an empty result
     * @return the type, or empty if {@code code} names none
     */
    public static Optional<ElementType> forCode(String code) {
        if (code != null) {
            for (ElementType t : values()) {
                if (t.code.equals(code)) {
                    return Optional.of(t);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Tells whether this is an integer type: {@code b B h H i I l L q Q n N}. {@link #CHAR}, {@link #BOOL} and the
     * string types are not.
     *
     * @return {@code true} for the integer types
     */
    public boolean isInteger() {
        return switch (this) {
            case INT8, UINT8, INT16, UINT16, INT32, UINT32, LONG, ULONG, INT64, UINT64, SSIZE_T, SIZE_T -> true;
            default -> false;
        };
    }

    /**
     * Tells whether this is a signed integer type: {@code b h i l q n}. Everything else, floating-point types
     * included, answers {@code false}.
     *
     * @return {@code true} for the signed integer types
     */
    public boolean isSigned() {
        return switch (this) {
            case INT8, INT16, INT32, LONG, INT64, SSIZE_T -> true;
            default -> false;
        };
    }

    /**
     * Tells whether this is a real floating-point type: {@code e f d g}. The complex types are not (see
     * {@link #isComplex()}).
     *
     * @return {@code true} for the real floating-point types
     */
    public boolean isFloatingPoint() {
        return switch (this) {
            case FLOAT16, FLOAT32, FLOAT64, LONG_DOUBLE -> true;
            default -> false;
        };
    }

    /**
     * Tells whether this is a complex type: {@code Zf Zd Zg}.
     *
     * @return {@code true} for the complex types
     */
    public boolean isComplex() {
        return this == COMPLEX_FLOAT || this == COMPLEX_DOUBLE || this == COMPLEX_LONG_DOUBLE;
    }

    /**
     * Tells whether a repeat count {@code N} before this code makes one string of {@code N} units rather than
     * {@code N} separate values: {@code s p u w}.
     *
     * @return {@code true} for the string types
     */
    public boolean isString() {
        return this == CHARS || this == PASCAL_STRING || this == UCS2 || this == UCS4;
    }

    /**
     * Tells whether this type is a pointer: {@code P}, {@code &} and {@code O}.
     *
     * @return {@code true} for the pointer types
     */
    public boolean isPointer() {
        return this == VOID_POINTER || this == POINTER || this == OBJECT;
    }

    /**
     * Tells whether this type exists only in native mode ({@code '@'} or no prefix): {@code n N P & g Zg}.
     * Formats using them with a {@code = < > !} byte order are rejected.
     *
     * @return {@code true} for the native-only types
     */
    public boolean isNativeOnly() {
        return standardSize < 0 && this != STRUCT;
    }

    /**
     * Returns the size in bytes of one element of this type, in native mode (C sizes of this platform) or in the
     * standard modes.
     *
     * @param nativeMode {@code true} for native mode ({@code '@'}), {@code false} for {@code = < > !}
     * @return the size in bytes
     * @throws IllegalArgumentException if the type has no size of its own ({@link #STRUCT}) or does not exist in
     *                                  the standard modes ({@link #isNativeOnly()})
     */
    public long byteSize(boolean nativeMode) {
        if (this == STRUCT) {
            throw new IllegalArgumentException("STRUCT has no size of its own; see Field.struct().itemSize()");
        }
        if (nativeMode) {
            return Platform.size(this);
        }
        if (standardSize < 0) {
            throw new IllegalArgumentException("'" + code + "' exists only in native mode");
        }
        return standardSize == 0 ? Platform.POINTER_SIZE : standardSize;
    }

    /**
     * Returns the C alignment of this type on this platform, as used in native mode (the standard modes do not
     * align). {@code x c b B ? s p} answer 1.
     *
     * @return the native alignment in bytes
     * @throws IllegalArgumentException for {@link #STRUCT} (its alignment is {@link Format#alignment()})
     */
    public long nativeAlignment() {
        if (this == STRUCT) {
            throw new IllegalArgumentException("STRUCT has no alignment of its own; see Field.struct().alignment()");
        }
        return Platform.alignment(this);
    }

    /** C sizes and alignments of this platform (x86-64/LP64 values unless the platform says otherwise). */
    static final class Platform {
        static final long POINTER_SIZE = ValueLayout.ADDRESS.byteSize();
        private static final String OS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        private static final String ARCH = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        private static final boolean WINDOWS = OS.startsWith("windows");
        /** {@code long}: 4 on Windows (LLP64), pointer-sized elsewhere (LP64). */
        static final long LONG_SIZE = WINDOWS ? 4 : POINTER_SIZE;
        /**
         * {@code long double}: the 80-bit x87 type stored in 16 bytes on x86-64 (and binary128 on Linux/aarch64);
         * a plain {@code double} on Windows and macOS/aarch64; 12/4 on 32-bit x86.
         */
        static final long LONG_DOUBLE_SIZE;
        static final long LONG_DOUBLE_ALIGN;

        static {
            boolean macArm = OS.contains("mac") && (ARCH.equals("aarch64") || ARCH.equals("arm64"));
            if (WINDOWS || macArm) {
                LONG_DOUBLE_SIZE = 8;
                LONG_DOUBLE_ALIGN = 8;
            } else if (POINTER_SIZE == 4) {
                LONG_DOUBLE_SIZE = 12;
                LONG_DOUBLE_ALIGN = 4;
            } else {
                LONG_DOUBLE_SIZE = 16;
                LONG_DOUBLE_ALIGN = 16;
            }
        }

        private Platform() {
        }

        static long size(ElementType t) {
            return switch (t) {
                case PAD, CHAR, INT8, UINT8, BOOL, CHARS, PASCAL_STRING -> 1;
                case INT16, UINT16, FLOAT16, UCS2 -> 2;
                case INT32, UINT32, FLOAT32, UCS4 -> 4;
                case LONG, ULONG -> LONG_SIZE;
                case INT64, UINT64, FLOAT64 -> 8;
                case SSIZE_T, SIZE_T, VOID_POINTER, OBJECT, POINTER -> POINTER_SIZE;
                case COMPLEX_FLOAT -> 8;
                case COMPLEX_DOUBLE -> 16;
                case LONG_DOUBLE -> LONG_DOUBLE_SIZE;
                case COMPLEX_LONG_DOUBLE -> 2 * LONG_DOUBLE_SIZE;
                case STRUCT -> throw new IllegalArgumentException("STRUCT");
            };
        }

        static long alignment(ElementType t) {
            return switch (t) {
                case COMPLEX_FLOAT -> 4;
                case COMPLEX_DOUBLE -> 8;
                case LONG_DOUBLE, COMPLEX_LONG_DOUBLE -> LONG_DOUBLE_ALIGN;
                default -> size(t);
            };
        }
    }
}
