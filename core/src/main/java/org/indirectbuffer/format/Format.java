package org.indirectbuffer.format;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed format string: the layout of one item of a buffer, as CPython's {@code struct} module and PEP 3118
 * describe it ({@code "d"}, {@code "<i"}, {@code "@dT{i:x:}"}, {@code "(2,3)f"}). See the
 * {@linkplain org.indirectbuffer.format package documentation} for the accepted syntax and the size rules.
 *
 * <p>A {@code Format} is immutable and thread-safe. Two formats are {@linkplain #equals(Object) equal} when their
 * canonical forms ({@link #toString()}) are; {@link #isEquivalentTo(Format)} compares what the bytes mean instead
 * ({@code "<d"}, {@code "=d"} and {@code "d"} are equivalent on a little-endian machine).
 *
 * <p>Formats also describe the parts of other formats: the {@link Field#struct()} of a {@code T{...}} field or of an
 * {@code &} pointer. Such a nested format reads like the format string {@code T{...}} (or the pointer's target
 * code) with the byte order in force written in front: {@code Format.parse(nested.toString())} equals it, and a
 * top-level string that is a single {@code T{...}} and nothing else describes the struct itself (its fields are the
 * struct's fields), as in NumPy.
 *
 * <p>Every operation on a {@code Format} takes time and stack proportional to the length of its string, never to
 * its repeat counts: {@code "(1000000000000000000)T{if}"} is parsed, sized, laid out and compared as quickly as
 * {@code "(2)T{if}"}. To bound the stack, {@code T{...}} and {@code &} nest at most {@value #MAX_NESTING} levels
 * deep (each <code>T{</code> and each {@code &} inside another is one more level); {@link #parse(String)} rejects
 * deeper nesting with a {@link FormatException} that names the position of the first <code>T{</code> or {@code &} too
 * deep and the limit. Sub-array shapes do not nest.
 *
 * <p>A {@code Format} describes items and owns no memory; it is immutable, so any thread may use it.
 */
public final class Format {
    /**
     * The deepest nesting of {@code T{...}} and {@code &} that {@link #parse(String)} accepts: {@value} levels
     * ({@code "T{".repeat(64) + "}".repeat(64)} and {@code "&".repeat(64) + "d"} parse, one more level does not).
     * It keeps the recursion of parsing, {@link #layout()}, its {@code toString()} and
     * {@link #isEquivalentTo(Format)} far from the end of any thread's stack.
     */
    public static final int MAX_NESTING = 64;

    private static final Map<String, Format> COMMON;

    static {
        String[] common = {"d", "f", "i", "q", "B", "b", "h", "H", "I", "Q", "l", "L", "c", "?", "e", "P", "n",
                           "N", "<d", "<f", "<i", "<q", ">d", ">f", ">i", ">q", "=d", "=f", "=i", "=q", "Zf", "Zd"};
        var m = new java.util.HashMap<String, Format>();
        for (String f : common) {
            m.put(f, FormatParser.parse(f));
        }
        COMMON = Map.copyOf(m);
    }

    private final String source;
    private final String canonical;
    private final long itemSize;
    private final long alignment;
    private final Mode mode;
    private final List<Field> fields;
    /** Bytes of one element of each field (for a struct: its item size). Parallel to {@link #fields}. */
    private final long[] elementSizes;
    private final boolean singleElement;
    private volatile MemoryLayout layout;
    private volatile Flat flat;

    Format(String source, String canonical, long itemSize, long alignment, Mode mode, List<Field> fields,
           long[] elementSizes) {
        this.source = source;
        this.canonical = canonical;
        this.itemSize = itemSize;
        this.alignment = alignment;
        this.mode = mode;
        this.fields = fields;
        this.elementSizes = elementSizes;
        this.singleElement = fields.size() == 1 && isWholeScalar(fields.getFirst(), elementSizes[0], itemSize);
    }

    private static boolean isWholeScalar(Field f, long elementSize, long itemSize) {
        return f.type() != ElementType.STRUCT && f.count() == 1 && f.shape().length == 0 && f.offset() == 0
                && elementSize == itemSize;
    }

    /** The same format with another source string. */
    Format withSource(String newSource) {
        return new Format(newSource, canonical, itemSize, alignment, mode, fields, elementSizes);
    }

    /**
     * Parses a format string.
     *
     * <p>Accepted are the strings of CPython's {@code struct} module (3.11), with exactly its item sizes, and the
     * PEP 3118 extensions ({@code T{...}}, {@code (shape)}, {@code :name:}, {@code Zf Zd Zg}, {@code &}, {@code g},
     * {@code u}, {@code w}, {@code O}), with NumPy's item sizes. Common formats ({@code "d"}, {@code "<i"}, ...)
     * come from a cache.
     *
     * @param format the format string
     * @return the parsed format, whose {@link #source()} is {@code format}
     * @throws NullPointerException if {@code format} is {@code null}
     * @throws FormatException      if {@code format} is not a valid format string, if {@code T{...}} and
     *                              {@code &} nest deeper than {@value #MAX_NESTING} levels, or if a repeat count,
     *                              sub-array dimension, element count or the item size exceeds
     *                              {@link Long#MAX_VALUE}; it names the position and what was expected there
     *                              (e.g. {@code "nesting deeper than 64 levels"} at the first <code>T{</code> or
     *                              {@code &} too deep)
     */
    public static Format parse(String format) {
        Objects.requireNonNull(format, "format");
        Format cached = COMMON.get(format);
        return cached != null ? cached : FormatParser.parse(format);
    }

    /**
     * Returns the string this format was parsed from, as given (whitespace and all). For a nested format (a
     * {@link Field#struct()}) it is the canonical form.
     *
     * @return the source string
     */
    public String source() {
        return source;
    }

    /**
     * Returns the size in bytes of one item: {@code struct.calcsize} for strings in struct-module syntax, NumPy's
     * item size for strings using PEP 3118 extensions (which adds padding at the end in native mode).
     *
     * @return the item size, from 0 to {@link Long#MAX_VALUE}
     */
    public long itemSize() {
        return itemSize;
    }

    /**
     * Returns the alignment of one item: the largest alignment of the members laid out in native mode, so 1 for
     * the standard modes ({@code = < > !}) and for {@code "@bs"}; 8 for {@code "@bd"} on x86-64.
     *
     * @return the alignment in bytes, a power of two
     */
    public long alignment() {
        return alignment;
    }

    /**
     * Returns the byte order of the format, resolved: {@link ByteOrder#nativeOrder()} for {@code '@'}, {@code '='},
     * {@code '^'} and no prefix, little-endian for {@code '<'}, big-endian for {@code '>'} and {@code '!'}; the
     * prefix is the byte order before the first item, also after whitespace ({@code " <q"} is little-endian, as
     * {@code "<q"}, its canonical form). A field
     * after a byte order in the middle of a PEP 3118 string or inside a {@code T{...}} may have its own
     * ({@link Field#byteOrder()}).
     *
     * @return the byte order, never {@code null}
     */
    public ByteOrder byteOrder() {
        return mode.order;
    }

    /**
     * Tells whether the format's prefix selects native sizes: {@code '@'} or none (native sizes and alignment), or
     * {@code '^'} (PEP 3118: native sizes, no alignment).
     *
     * @return {@code true} for {@code @ ^} and no prefix, {@code false} for {@code = < > !}
     */
    public boolean isNativeSize() {
        return mode.nativeSize;
    }

    /**
     * Returns the non-padding fields in order; a nested {@code T{...}} is one field of type
     * {@link ElementType#STRUCT}, a repeated code ({@code 3d}) one field with a count. Padding ({@code x}), even
     * when named, is not a field.
     *
     * @return an unmodifiable list
     */
    public List<Field> fields() {
        return fields;
    }

    /**
     * Tells whether one item is exactly one scalar value: one non-padding field that is not a struct, with count
     * 1 and no sub-array shape, at offset 0 and filling the item ({@code "d"}, {@code "<i"}, {@code "@P"},
     * {@code "e"}, {@code "?"}, {@code "c"}, {@code "s"}, {@code "Zd"}, {@code "T{d}"}; not {@code "2d"},
     * {@code "(1)d"}, {@code "2s"}, {@code "xd"} or {@code "T{i}"} as a field of something else).
     *
     * @return {@code true} if the item is a single element
     */
    public boolean isSingleElement() {
        return singleElement;
    }

    /**
     * Returns the element type of a {@linkplain #isSingleElement() single-element} format.
     *
     * @return the type of the one field
     * @throws IllegalStateException if the format is not a single element; the message names the format
     */
    public ElementType elementType() {
        if (!isSingleElement()) {
            throw new IllegalStateException("format '" + canonical + "' is not a single element");
        }
        return fields.getFirst().type();
    }

    /**
     * Returns the memory layout to read or write a {@linkplain #isSingleElement() single element} with, when its
     * type has a Java carrier: always the {@code *_UNALIGNED} variant, with {@link #byteOrder()} applied.
     * {@code b B c}: {@code JAVA_BYTE}; {@code ?}: {@code JAVA_BOOLEAN}; {@code h H e} (the raw bits of the half
     * float): {@code JAVA_SHORT_UNALIGNED}; {@code i I}, and {@code l L} when 4 bytes: {@code JAVA_INT_UNALIGNED};
     * {@code q Q n N}, and {@code l L} when 8 bytes: {@code JAVA_LONG_UNALIGNED}; {@code f}:
     * {@code JAVA_FLOAT_UNALIGNED}; {@code d}: {@code JAVA_DOUBLE_UNALIGNED}; {@code P &}: {@code ADDRESS_UNALIGNED}.
     *
     * @return the layout, or empty if the format is not a single element or its type has no carrier ({@code s p
     * u w g O} and the complex types)
     */
    public Optional<ValueLayout> valueLayout() {
        if (!isSingleElement()) {
            return Optional.empty();
        }
        Field f = fields.getFirst();
        ValueLayout v = switch (f.type()) {
            case CHAR, INT8, UINT8 -> ValueLayout.JAVA_BYTE;
            case BOOL -> ValueLayout.JAVA_BOOLEAN;
            case INT16, UINT16, FLOAT16 -> ValueLayout.JAVA_SHORT_UNALIGNED;
            case INT32, UINT32, LONG, ULONG, INT64, UINT64, SSIZE_T, SIZE_T -> integer(elementSizes[0]);
            case FLOAT32 -> ValueLayout.JAVA_FLOAT_UNALIGNED;
            case FLOAT64 -> ValueLayout.JAVA_DOUBLE_UNALIGNED;
            case VOID_POINTER, POINTER -> ValueLayout.ADDRESS_UNALIGNED;
            default -> null;
        };
        return v == null ? Optional.empty() : Optional.of(v.withOrder(f.byteOrder()));
    }

    private static ValueLayout integer(long size) {
        return switch ((int) size) {
            case 1 -> ValueLayout.JAVA_BYTE;
            case 2 -> ValueLayout.JAVA_SHORT_UNALIGNED;
            case 4 -> ValueLayout.JAVA_INT_UNALIGNED;
            default -> ValueLayout.JAVA_LONG_UNALIGNED;
        };
    }

    /**
     * Returns a {@code java.lang.foreign} layout of one item: a struct layout of the fields at their offsets (named
     * where the format names them), with padding layouts for the gaps and the tail, so that its
     * {@code byteSize()} is {@link #itemSize()}. Every member has byte alignment 1, so the layout can be used at any
     * address. Counts and shapes become sequence layouts (shape outermost); {@code Zf Zd} are structs of
     * {@code real} and {@code imag}; {@code g} is a sequence of bytes; {@code P & O} are {@code ADDRESS_UNALIGNED};
     * {@code u} is {@code JAVA_CHAR_UNALIGNED}, {@code w} {@code JAVA_INT_UNALIGNED}; byte orders are applied. A
     * field of no element whose inner extents would make a sequence larger than {@link Long#MAX_VALUE} bytes
     * ({@code "(0,90,2000000000000000000)i"}) is a sequence of 0 elements.
     *
     * @return the layout, a {@link java.lang.foreign.StructLayout}
     */
    public MemoryLayout layout() {
        MemoryLayout l = layout;
        if (l == null) {
            l = buildLayout();
            layout = l;
        }
        return l;
    }

    private MemoryLayout buildLayout() {
        List<MemoryLayout> members = new ArrayList<>(fields.size() + 2);
        long at = 0;
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            if (f.offset() > at) {
                members.add(MemoryLayout.paddingLayout(f.offset() - at));
            }
            MemoryLayout el = repeated(f, elementLayout(f, elementSizes[i]));
            if (f.name() != null) {
                el = el.withName(f.name());
            }
            members.add(el);
            at = f.offset() + el.byteSize();
        }
        if (itemSize > at) {
            members.add(MemoryLayout.paddingLayout(itemSize - at));
        }
        return MemoryLayout.structLayout(members.toArray(MemoryLayout[]::new));
    }

    /**
     * The element repeated by the field's count and shape (shape outermost). A field of no element whose inner extents
     * alone exceed a layout's size ({@code "(0,90,2000000000000000000)i"}: 90 x 8e18 bytes inside the 0) is a
     * sequence of 0 elements: the JDK refuses any layout larger than {@link Long#MAX_VALUE} bytes, even inside a 0.
     */
    private static MemoryLayout repeated(Field f, MemoryLayout element) {
        long[] shape = f.shape();
        if (f.elementCount() == 0) {
            try {
                long bytes = Math.multiplyExact(element.byteSize(), f.count());
                for (int d = shape.length - 1; d >= 0; d--) {
                    bytes = Math.multiplyExact(bytes, shape[d]);
                }
            } catch (ArithmeticException e) {
                return MemoryLayout.sequenceLayout(0, element);
            }
        }
        MemoryLayout el = element;
        if (f.count() != 1) {
            el = MemoryLayout.sequenceLayout(f.count(), el);
        }
        for (int d = shape.length - 1; d >= 0; d--) {
            el = MemoryLayout.sequenceLayout(shape[d], el);
        }
        return el;
    }

    private static MemoryLayout elementLayout(Field f, long size) {
        ByteOrder o = f.byteOrder();
        return switch (f.type()) {
            case CHAR, INT8, UINT8, CHARS, PASCAL_STRING -> ValueLayout.JAVA_BYTE;
            case BOOL -> ValueLayout.JAVA_BOOLEAN;
            case INT16, UINT16, FLOAT16, INT32, UINT32, LONG, ULONG, INT64, UINT64, SSIZE_T, SIZE_T ->
                    integer(size).withOrder(o);
            case UCS2 -> ValueLayout.JAVA_CHAR_UNALIGNED.withOrder(o);
            case UCS4 -> ValueLayout.JAVA_INT_UNALIGNED.withOrder(o);
            case FLOAT32 -> ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(o);
            case FLOAT64 -> ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(o);
            case LONG_DOUBLE -> MemoryLayout.sequenceLayout(size, ValueLayout.JAVA_BYTE);
            case COMPLEX_FLOAT -> complex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(o));
            case COMPLEX_DOUBLE -> complex(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(o));
            case COMPLEX_LONG_DOUBLE -> complex(MemoryLayout.sequenceLayout(size / 2, ValueLayout.JAVA_BYTE));
            case VOID_POINTER, POINTER, OBJECT -> ValueLayout.ADDRESS_UNALIGNED.withOrder(o);
            case STRUCT -> f.struct().layout();
            case PAD -> MemoryLayout.paddingLayout(size);
        };
    }

    private static MemoryLayout complex(MemoryLayout part) {
        return MemoryLayout.structLayout(part.withName("real"), part.withName("imag"));
    }

    /**
     * Tells whether the items of two formats mean the same bytes: the same {@link #itemSize()} and the same
     * elements, flattened through structs and sub-arrays, at the same offsets, of the same kind (signed or
     * unsigned integer, floating point, ... of the same size: {@code l} and {@code q} are the same kind natively
     * on LP64, {@code <l} and {@code <i} everywhere), with the same resolved byte order for multi-byte elements.
     * Consecutive elements of one kind form one run, so {@code "3d"}, {@code "ddd"}, {@code "(3)d"} and
     * {@code "T{dd}d"} are equivalent; a string ({@code s p u w}) is a unit of its length ({@code "2s"} is not
     * {@code "ss"}); padding and names do not matter.
     *
     * <p>The work is bounded whatever the repeat counts: repetitions are compared symbolically, never expanded.
     * Both formats are walked in step, run by run, and where both stand at the start of repetitions of the same
     * struct or sub-array at the same offset, the repetitions they have in common are skipped at once, so
     * {@code "(1000000000000000000)T{if}"} and {@code "(1000000000000000000)T{i:a:f}"} are equivalent, and
     * {@code "(1000000000000000000)0s"} and {@code "0s"} (no elements, item size 0) too, in a few steps. A
     * comparison, pointer targets included, takes at most 65,536 steps; formats it cannot
     * decide within them (runs that do not line up repetition for repetition, such as
     * {@code "(100000)T{if}"} against {@code "i(99999)T{fi}f"}) are equivalent only when
     * {@link #equals(Object) equal}.
     *
     * @param other the format to compare with
     * @return {@code true} if both describe the same item
     * @throws NullPointerException if {@code other} is {@code null}
     */
    public boolean isEquivalentTo(Format other) {
        Objects.requireNonNull(other, "other");
        if (this == other || equals(other)) {
            return true;
        }
        if (itemSize != other.itemSize) {
            return false;
        }
        return Flat.equivalent(this, other);
    }

    Flat flat() {
        Flat f = flat;
        if (f == null) {
            f = Flat.of(this);
            flat = f;
        }
        return f;
    }

    long elementSize(int fieldIndex) {
        return elementSizes[fieldIndex];
    }

    /**
     * Compares the canonical forms ({@link #toString()}).
     *
     * @param o the object to compare with
     * @return {@code true} if {@code o} is a {@code Format} with the same canonical form
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Format f && canonical.equals(f.canonical);
    }

    /**
     * Hashes the canonical form.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    /**
     * Returns the canonical form: no whitespace, {@code '!'} written {@code '>'}, no prefix for native mode,
     * counts of 1 left out, byte-order characters inside {@code T{...}} only where they change the byte order. A
     * string that is in PEP 3118 syntax only because of a byte order that changes nothing keeps an {@code '@'} after
     * its first item ({@code "HH@B"}, 6 bytes with NumPy's padding, is {@code "H@HB"}, not the struct module's 5-byte
     * {@code "HHB"}). {@code Format.parse(f.toString())} equals {@code f} and has the same item size, alignment and
     * fields.
     *
     * @return the canonical format string
     */
    @Override
    public String toString() {
        return canonical;
    }
}
