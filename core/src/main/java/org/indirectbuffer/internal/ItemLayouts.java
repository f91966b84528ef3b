package org.indirectbuffer.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Format;

/**
 * The typed-item helper every typed accessor of the library goes through ({@code BufferView}'s {@code getDouble(long...)}
 * and {@code IndirectMemory2D}'s {@code getDouble(long, long)}, and their siblings): which accessor a format allows,
 * the value layout it uses and the message when it is refused, so that all of them accept the same formats with the
 * same rules (docs/decisions.md, "Typed access"): a single item whose kind and size match the accessor; {@code
 * getLong} reads any 8-byte integer ({@code q Q n N}, native {@code l L}), {@code getInt} any 4-byte one, {@code
 * getShort} any 2-byte one, {@code getByte} {@code b B c}, {@code getDouble} {@code d}, {@code getFloat} {@code f}
 * and widens {@code e} (half precision; {@code setFloat} rounds to it). Unsigned values are their bits. Worked out
 * once per format, so that typed access costs one field read, not a layout built per item.
 *
 * <p>Accessors read and write through the layout returned here, held in a field, never through a constant of the same
 * kind: C2 cannot inline an access through a layout that is not a constant, so the load stays in a method compiled on
 * its own, whose return raises a fault on memory-mapped memory (the file truncated by another process) inside the
 * accessor's {@code try}, where it becomes a {@code MemoryFaultException}. Through a constant the load is inlined
 * into the user's loop, and HotSpot raises the fault's {@code InternalError} at that loop's next safepoint poll,
 * outside every {@code try} of the library ({@code MappedKernelsFaultTest} catches it; docs/decisions.md, "Safety:
 * how pointers are followed"). That costs speed: about 15 ns per {@code IndirectMemory2D.getDouble}, against 8 ns
 * through a constant.
 *
 * <p>Internal: exported only to the sibling modules (the collection's accessors use it too). Immutable; thread-safe.
 */
public final class ItemLayouts {
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
    public static ItemLayouts of(Format format, String named) {
        return new ItemLayouts(format, named);
    }

    /** {@return the layout of a {@code double} item} @throws BufferException if the format has none */
    public ValueLayout.OfDouble doubles(String method) {
        return check(forDouble, method, double.class);
    }

    /**
     * The layout {@code getFloat}/{@code setFloat} use, to pass to {@link #getFloat} and {@link #setFloat}: a
     * {@code float}, or the 16 bits of a half-precision item.
     */
    public ValueLayout floats(String method) {
        return half != null ? half : check(forFloat, method, float.class);
    }

    /**
     * Reads item {@code index} of {@code segment} as a {@code float}, widening a half-precision item.
     *
     * @param layout what {@link #floats} returned
     */
    public static float getFloat(ValueLayout layout, MemorySegment segment, long index) {
        return layout instanceof ValueLayout.OfFloat f ? segment.getAtIndex(f, index)
                : Float.float16ToFloat(segment.getAtIndex((ValueLayout.OfShort) layout, index));
    }

    /**
     * Writes item {@code index} of {@code segment} from a {@code float}, rounded to nearest for a half-precision
     * item.
     *
     * @param layout what {@link #floats} returned
     */
    public static void setFloat(ValueLayout layout, MemorySegment segment, long index, float value) {
        if (layout instanceof ValueLayout.OfFloat f) {
            segment.setAtIndex(f, index, value);
        } else {
            segment.setAtIndex((ValueLayout.OfShort) layout, index, Float.floatToFloat16(value));
        }
    }

    /** {@return the layout of an 8-byte integer item} @throws BufferException if the format has none */
    public ValueLayout.OfLong longs(String method) {
        return check(forLong, method, long.class);
    }

    /** {@return the layout of a 4-byte integer item} @throws BufferException if the format has none */
    public ValueLayout.OfInt ints(String method) {
        return check(forInt, method, int.class);
    }

    /** {@return the layout of a 2-byte integer item} @throws BufferException if the format has none */
    public ValueLayout.OfShort shorts(String method) {
        return check(forShort, method, short.class);
    }

    /** {@return the layout of a byte item} @throws BufferException if the format has none */
    public ValueLayout.OfByte bytes(String method) {
        return check(forByte, method, byte.class);
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
