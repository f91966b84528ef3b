package org.indirectbuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Field;
import org.indirectbuffer.format.Format;

/** Reading and writing one scalar field of a struct item. Stateless. */
final class FieldValues {
    private FieldValues() {
    }

    /**
     * The layout (byte order applied) of a single scalar field.
     *
     * @throws BufferException if the field is a struct, an array or has no Java carrier
     */
    static ValueLayout scalarLayout(Field f, Format format, String where) {
        if (f.type() == ElementType.STRUCT || f.count() != 1 || f.shape().length != 0) {
            throw new BufferException(where + ": field " + describe(f) + " of format '" + format + "' is "
                    + (f.type() == ElementType.STRUCT ? "a struct" : f.elementCount() + " items")
                    + "; expected a single scalar");
        }
        long size = f.type().byteSize(format.isNativeSize());
        ValueLayout l = switch (f.type()) {
            case FLOAT32 -> ValueLayout.JAVA_FLOAT_UNALIGNED;
            case FLOAT64 -> ValueLayout.JAVA_DOUBLE_UNALIGNED;
            case VOID_POINTER, POINTER -> ValueLayout.ADDRESS_UNALIGNED;
            case BOOL -> ValueLayout.JAVA_BYTE;
            default -> f.type().isInteger() || f.type() == ElementType.CHAR ? switch ((int) size) {
                case 1 -> ValueLayout.JAVA_BYTE;
                case 2 -> ValueLayout.JAVA_SHORT_UNALIGNED;
                case 4 -> ValueLayout.JAVA_INT_UNALIGNED;
                case 8 -> ValueLayout.JAVA_LONG_UNALIGNED;
                default -> null;
            } : null;
        };
        if (l == null) {
            throw new BufferException(where + ": field " + describe(f) + " of format '" + format + "' is "
                    + f.type() + ", which has no Java value type");
        }
        return l.withOrder(f.byteOrder());
    }

    static String describe(Field f) {
        return f.name() != null ? "'" + f.name() + "'" : "at offset " + f.offset();
    }

    static long readInteger(MemorySegment s, long at, ValueLayout layout, boolean signed) {
        return switch (layout) {
            case ValueLayout.OfByte b -> signed ? s.get(b, at) : Byte.toUnsignedLong(s.get(b, at));
            case ValueLayout.OfShort h -> signed ? s.get(h, at) : Short.toUnsignedLong(s.get(h, at));
            case ValueLayout.OfInt i -> signed ? s.get(i, at) : Integer.toUnsignedLong(s.get(i, at));
            case ValueLayout.OfLong q -> s.get(q, at);
            case java.lang.foreign.AddressLayout a -> s.get(a, at).address();
            default -> throw new IllegalStateException("not an integer layout: " + layout);
        };
    }

    static void writeInteger(MemorySegment s, long at, ValueLayout layout, long value) {
        switch (layout) {
            case ValueLayout.OfByte b -> s.set(b, at, (byte) value);
            case ValueLayout.OfShort h -> s.set(h, at, (short) value);
            case ValueLayout.OfInt i -> s.set(i, at, (int) value);
            case ValueLayout.OfLong q -> s.set(q, at, value);
            case java.lang.foreign.AddressLayout a -> s.set(a, at, MemorySegment.ofAddress(value));
            default -> throw new IllegalStateException("not an integer layout: " + layout);
        }
    }

    /**
     * Checks that {@code value} fits an integer field of the layout's size.
     *
     * @throws IllegalArgumentException naming the value, the field size and where
     */
    static void checkFits(long value, ValueLayout layout, boolean signed, String where) {
        long bits = layout.byteSize() * 8;
        if (bits >= 64) {
            return;
        }
        long min = signed ? -(1L << (bits - 1)) : -(1L << (bits - 1));
        long max = signed ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
        if (value < min || value > max) {
            throw new IllegalArgumentException(where + ": value " + value + " does not fit a " + layout.byteSize()
                    + "-byte " + (signed ? "signed" : "unsigned") + " field (range [" + min + ", " + max + "])");
        }
    }
}
