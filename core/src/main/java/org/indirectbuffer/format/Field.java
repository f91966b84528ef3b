package org.indirectbuffer.format;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One non-padding item of a {@link Format}: what {@code [(shape)][count]code[:name:]} in a format string describes.
 *
 * <p>The bytes of a field are {@code shape[0] × … × shape[k-1] × count} elements of {@link #type()} stored
 * row-major (the shape is the outer dimensions, the repeat count the innermost one), starting at {@link #offset()}.
 * For the string types ({@link ElementType#isString()}: {@code s p u w}) the count is the length of one string:
 * {@code 10s} is one field of ten bytes; {@code (3)10s} three such strings.
 *
 * <p>Instances are immutable: the shape array is copied on the way in and on the way out, and
 * {@link #equals(Object)}, {@link #hashCode()} and {@link #toString()} use its contents.
 *
 * <p>A field describes items and owns no memory; being immutable, any thread may use it.
 *
 * @param name      the field name given as {@code :name:}, or {@code null} if unnamed
 * @param offset    byte offset of the field's first element from the start of the enclosing struct
 * @param type      the element type, never {@link ElementType#PAD}
 * @param count     the repeat count (the string length for {@code s p u w}); 0 is allowed
 * @param shape     the sub-array shape given as {@code (d0,d1,...)}, empty if none
 * @param struct    for {@link ElementType#STRUCT} the nested struct, for {@link ElementType#POINTER} the target
 *                  type; {@code null} for every other type
 * @param byteOrder the byte order of the field's elements, resolved ({@code '@'} and {@code '='} give
 *                  {@link ByteOrder#nativeOrder()}); also set for one-byte types
 */
public record Field(String name, long offset, ElementType type, long count, long[] shape, Format struct,
                    ByteOrder byteOrder) {

    private static final long[] NO_SHAPE = {};

    /**
     * Checks and copies the components.
     *
     * @throws NullPointerException     if {@code type} or {@code byteOrder} is {@code null}
     * @throws IllegalArgumentException if {@code offset}, {@code count} or a shape entry is negative, if
     *                                  {@code type} is {@link ElementType#PAD}, or if {@code struct} is given for a
     *                                  type other than STRUCT or POINTER, or missing for one of them
     */
    public Field {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(byteOrder, "byteOrder");
        if (type == ElementType.PAD) {
            throw new IllegalArgumentException("padding is not a field");
        }
        if (offset < 0 || count < 0) {
            throw new IllegalArgumentException("negative offset " + offset + " or count " + count);
        }
        shape = shape == null || shape.length == 0 ? NO_SHAPE : shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        boolean needsStruct = type == ElementType.STRUCT || type == ElementType.POINTER;
        if (needsStruct != (struct != null)) {
            throw new IllegalArgumentException(needsStruct ? type + " needs a struct/target format"
                    : type + " takes no struct/target format");
        }
    }

    /**
     * Returns the sub-array shape given as {@code (d0,d1,...)}, or an empty array if none.
     *
     * @return a fresh copy of the shape
     */
    @Override
    public long[] shape() {
        return shape.length == 0 ? NO_SHAPE : shape.clone();
    }

    /**
     * Returns the number of elements of {@link #type()} in this field: the product of the shape and the count.
     *
     * @return the element count
     * @throws ArithmeticException if the product overflows a {@code long} (impossible for a parsed format)
     */
    public long elementCount() {
        long n = count;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Compares all components, the shape by contents and the struct by {@link Format#equals(Object)}.
     *
     * @param o the object to compare with
     * @return {@code true} if {@code o} is a {@code Field} with equal components
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Field f
                && offset == f.offset && count == f.count && type == f.type
                && Objects.equals(name, f.name) && Arrays.equals(shape, f.shape)
                && Objects.equals(struct, f.struct) && byteOrder.equals(f.byteOrder);
    }

    /**
     * Hashes all components, the shape by contents.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        int h = Objects.hash(name, offset, type, count, struct, byteOrder);
        return 31 * h + Arrays.hashCode(shape);
    }

    /**
     * Describes the field, the shape by contents, e.g.
     * {@code Field[name=x, offset=8, type=FLOAT64, count=1, shape=[2, 3], struct=null, byteOrder=LITTLE_ENDIAN]}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return "Field[name=" + name + ", offset=" + offset + ", type=" + type + ", count=" + count + ", shape="
                + Arrays.toString(shape) + ", struct=" + (struct == null ? "null" : "'" + struct + "'")
                + ", byteOrder=" + byteOrder + "]";
    }
}
