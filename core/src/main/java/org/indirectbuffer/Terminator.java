package org.indirectbuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Objects;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Field;
import org.indirectbuffer.format.Format;

/**
 * The item that ends a sentinel-terminated row: libsvm's and liblinear's {@code svm_node} / {@code feature_node} rows
 * end with an item whose {@code index} is -1 ({@code Terminator.field("index", -1)}), a {@code char*} with a zero
 * byte, a {@code T**} list with a NULL pointer ({@link #zeroItem()}).
 *
 * <p>A terminator names an integer or pointer field of the item format by name ({@code 'T{i:index:4x d:value:}'}) or
 * by position among the non-padding fields ({@code 'i4xd'}: field 0 is the {@code int}); it is checked against a
 * format by {@link RaggedRows}, which throws {@link BufferException} when the field does not exist, is not an integer
 * or pointer, or cannot hold the value. Writing a terminator zeroes the whole item, then writes the field.
 *
 * <p>Immutable and thread-safe; it describes an item and owns no memory.
 */
public final class Terminator {
    private final String fieldName;
    private final int fieldIndex;
    private final long value;

    private Terminator(String fieldName, int fieldIndex, long value) {
        this.fieldName = fieldName;
        this.fieldIndex = fieldIndex;
        this.value = value;
    }

    /**
     * A terminator whose named field holds {@code value}: {@code field("index", -1)} for libsvm's {@code svm_node}.
     *
     * @param name  the field's name in the format ({@code :name:})
     * @param value the value that ends a row
     * @return the terminator
     * @throws NullPointerException if {@code name} is null
     */
    public static Terminator field(String name, long value) {
        return new Terminator(Objects.requireNonNull(name, "name"), -1, value);
    }

    /**
     * A terminator whose field at {@code index} among the format's non-padding fields holds {@code value}: {@code
     * field(0, -1)} for an {@code 'i4xd'} node.
     *
     * @param index the field's position, {@code >= 0}
     * @param value the value that ends a row
     * @return the terminator
     * @throws IllegalArgumentException if {@code index} is negative
     */
    public static Terminator field(int index, long value) {
        if (index < 0) {
            throw new IllegalArgumentException("field index " + index + ": expected >= 0");
        }
        return new Terminator(null, index, value);
    }

    /**
     * A terminator that is an item of zero bytes: a NULL pointer ({@code 'P'}), a NUL character ({@code 'c'}, {@code
     * 'B'}), a 0 integer.
     *
     * @return the terminator
     */
    public static Terminator zeroItem() {
        return new Terminator(null, -2, 0);
    }

    /**
     * Returns the value that ends a row.
     *
     * @return the sentinel value (0 for {@link #zeroItem()})
     */
    public long value() {
        return value;
    }

    /** The terminator checked against one format: where the field is and how to read it. */
    record Resolved(Terminator terminator, long offset, ValueLayout layout, long itemSize) {
        boolean matches(MemorySegment items, long itemIndex) {
            long at = itemIndex * itemSize;
            if (layout == null) {
                for (long b = 0; b < itemSize; b++) {
                    if (items.get(ValueLayout.JAVA_BYTE, at + b) != 0) {
                        return false;
                    }
                }
                return true;
            }
            return read(items, at + offset, layout) == terminator.value;
        }

        void write(MemorySegment items, long itemIndex) {
            long at = itemIndex * itemSize;
            items.asSlice(at, itemSize).fill((byte) 0);
            if (layout != null) {
                FieldValues.writeInteger(items, at + offset, layout, terminator.value);
            }
        }
    }

    private static long read(MemorySegment s, long at, ValueLayout layout) {
        return FieldValues.readInteger(s, at, layout, true);
    }

    /**
     * Checks this terminator against a format.
     *
     * @throws BufferException if the field is missing, or not an integer or pointer
     * @throws IllegalArgumentException if the field cannot hold the value
     */
    Resolved resolve(Format format) {
        if (fieldIndex == -2) {
            return new Resolved(this, 0, null, format.itemSize());
        }
        List<Field> fields = format.fields();
        Field f;
        if (fieldName != null) {
            f = fields.stream().filter(x -> fieldName.equals(x.name())).findFirst().orElseThrow(
                    () -> new BufferException("terminator field '" + fieldName + "' not found in format '" + format
                            + "'; its fields are " + fields.stream().map(x -> x.name() == null ? "(unnamed)"
                            : x.name()).toList()));
        } else {
            if (fieldIndex >= fields.size()) {
                throw new BufferException("terminator field " + fieldIndex + " not found in format '" + format
                        + "', which has " + fields.size() + " field(s)");
            }
            f = fields.get(fieldIndex);
        }
        ValueLayout layout = FieldValues.scalarLayout(f, format, "terminator " + this);
        if (!(f.type().isInteger() || f.type().isPointer() || f.type() == ElementType.CHAR
                || f.type() == ElementType.BOOL)) {
            throw new BufferException("terminator " + this + ": field is " + f.type() + " in format '" + format
                    + "'; expected an integer or pointer field");
        }
        FieldValues.checkFits(value, layout, f.type().isSigned(), "terminator " + this + " in format '"
                + format + "'");
        return new Resolved(this, f.offset(), layout, format.itemSize());
    }

    @Override
    public String toString() {
        if (fieldIndex == -2) {
            return "zero item";
        }
        return (fieldName != null ? fieldName : "field " + fieldIndex) + " = " + value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Terminator t && t.fieldIndex == fieldIndex && t.value == value
                && Objects.equals(t.fieldName, fieldName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fieldName, fieldIndex, value);
    }
}
