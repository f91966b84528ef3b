package org.indirectbuffer;

import java.lang.foreign.ValueLayout;

import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Format;

/**
 * Which typed accessor ({@code getDouble}, {@code getInt}, ...) a format allows, and the value layout it uses: worked
 * out once per format, so that typed access costs one field read, not a layout built per item. Immutable.
 */
final class ItemLayouts {
    private final Format format;
    /** How messages name the format: "view format" or "format". */
    private final String named;
    private final ValueLayout.OfDouble forDouble;
    private final ValueLayout.OfFloat forFloat;
    private final ValueLayout.OfLong forLong;
    private final ValueLayout.OfInt forInt;
    private final ValueLayout.OfShort forShort;
    private final ValueLayout.OfByte forByte;
    /** The raw 16 bits of a half-precision item ({@code 'e'}), or null. */
    private final ValueLayout.OfShort half;

    private ItemLayouts(Format format, String named) {
        this.format = format;
        this.named = named;
        ValueLayout layout = format.isSingleElement() ? format.valueLayout().orElse(null) : null;
        ElementType type = layout == null ? null : format.elementType();
        boolean floating = type == ElementType.FLOAT32 || type == ElementType.FLOAT64;
        boolean integral = type != null && (type.isInteger() || type == ElementType.CHAR);
        forDouble = floating && layout instanceof ValueLayout.OfDouble d ? d : null;
        forFloat = floating && layout instanceof ValueLayout.OfFloat f ? f : null;
        forLong = integral && layout instanceof ValueLayout.OfLong l ? l : null;
        forInt = integral && layout instanceof ValueLayout.OfInt i ? i : null;
        forShort = integral && layout instanceof ValueLayout.OfShort s ? s : null;
        forByte = integral && layout instanceof ValueLayout.OfByte b ? b : null;
        half = type == ElementType.FLOAT16 && layout instanceof ValueLayout.OfShort s ? s : null;
    }

    /**
     * @param format the item format
     * @param named  how messages name it ({@code "view format"}, {@code "format"})
     */
    static ItemLayouts of(Format format, String named) {
        return new ItemLayouts(format, named);
    }

    ValueLayout.OfDouble doubles(String method) {
        return check(forDouble, method, double.class);
    }

    ValueLayout.OfFloat floats(String method) {
        return check(forFloat, method, float.class);
    }

    ValueLayout.OfLong longs(String method) {
        return check(forLong, method, long.class);
    }

    ValueLayout.OfInt ints(String method) {
        return check(forInt, method, int.class);
    }

    ValueLayout.OfShort shorts(String method) {
        return check(forShort, method, short.class);
    }

    ValueLayout.OfByte bytes(String method) {
        return check(forByte, method, byte.class);
    }

    /** @return the layout of a half-precision item, or null when the format is not {@code 'e'} */
    ValueLayout.OfShort half() {
        return half;
    }

    private <L extends ValueLayout> L check(L layout, String method, Class<?> carrier) {
        if (layout == null) {
            throw mismatch(method, carrier);
        }
        return layout;
    }

    private BufferException mismatch(String method, Class<?> carrier) {
        return new BufferException(method + ": " + named + " '" + format + "' is not a single item of a type read as "
                + carrier.getSimpleName());
    }
}
