package org.indirectbuffer.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for struct-module and PEP 3118 format strings; see the package documentation for the
 * grammar and the size rules. One instance parses one string, on one thread.
 */
final class FormatParser {
    /** Deepest nesting of {@code T{...}} and {@code &} accepted (bounds the stack of every recursive operation). */
    static final int MAX_DEPTH = Format.MAX_NESTING;

    private static final long[] NO_SHAPE = {};
    private static final String TOO_LARGE = "at most " + Long.MAX_VALUE;

    private final String s;
    private final int len;
    private int pos;
    /**
     * Whether the string is in the PEP 3118 dialect: whether something the struct module rejects and PEP 3118 allows
     * has been seen ({@code T{} ( ) : Z g u w O &}, {@code '^'}, a byte order after the first character). Strings
     * without any are struct-module strings and keep {@code struct.calcsize} exactly; only this flag lets NumPy's
     * rules (padding at the end of the top level) apply, so no string the struct module accepts changes meaning.
     */
    private boolean extended;
    private int depth;
    /** Whether the string starts with a byte order (the prefix, read before the first item), after whitespace. */
    private boolean prefixed;
    /** Where the prefix is, if {@link #prefixed}. */
    private int prefixAt;

    private FormatParser(String s) {
        this.s = s;
        this.len = s.length();
    }

    static Format parse(String s) {
        try {
            return new FormatParser(s).parseTop();
        } catch (FormatException e) {
            String hint = FormatHints.hint(s);
            if (hint == null) {
                throw e;
            }
            throw new FormatException(s, e.position(), e.problem(), e.expected(), hint);
        }
    }

    /** What one {@code T{...}} body (or the top level) has accumulated. */
    private static final class Body {
        final ArrayList<Field> fields = new ArrayList<>();
        long[] sizes = new long[4];
        final StringBuilder text = new StringBuilder();
        long offset;
        long align = 1;
        int items;
        /** The byte order in effect after the last item. */
        Mode end;
        /** The length of {@link #text} after the first item. */
        int firstItemEnd;
        /** The nested struct when the only item so far is a plain {@code T{...}} (count 1, no shape, no name). */
        Format sole;
        Set<String> names;

        void add(Field f, long elementSize) {
            int n = fields.size();
            if (n == sizes.length) {
                sizes = Arrays.copyOf(sizes, 2 * n);
            }
            sizes[n] = elementSize;
            fields.add(f);
        }

        long[] sizes() {
            return Arrays.copyOf(sizes, fields.size());
        }
    }

    /** A parsed type code: what it is, its size and alignment in its mode, and its canonical text. */
    private record TypeInfo(ElementType type, long size, long align, Format nested, String canon) {
    }

    private Format parseTop() {
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                throw error(i, "embedded NUL character '\\x00'", "a format character");
            }
            if (c >= 0x80) {
                throw error(i, "non-ASCII character '" + FormatException.escape(String.valueOf(c)) + "'",
                        "an ASCII format character");
            }
        }
        Mode mode = Mode.NATIVE;
        skipWhitespace();
        if (pos < len && Mode.of(s.charAt(pos)) != null) {
            // The prefix. After whitespace (" <q") it is PEP 3118's (struct allows a byte order only as the first
            // character), but it is still the prefix: the format's byte order, and "<q" its canonical form.
            if (pos > 0) {
                extended = true;
            }
            prefixAt = pos;
            mode = Mode.of(s.charAt(pos));
            pos++;
            prefixed = true;
            if (mode == Mode.NATIVE_UNALIGNED) {
                extended = true; // '^' is PEP 3118's; struct rejects it
            }
        }
        Body body = parseBody(mode, -1);
        if (body.items == 1 && body.sole != null) {
            // "T{...}" alone is the struct itself, as in NumPy: its fields are the struct's fields.
            return body.sole.withSource(s);
        }
        long size = body.offset;
        String canonical = mode.prefix() + body.text;
        if (extended && body.end.aligned) {
            // NumPy pads the top level to its alignment when the byte order in effect at the end is '@':
            // "@dT{i}" is 16, "d<i" 12 (the string ends in '<'), "<i@d" 16.
            size = roundUp(size, body.align, len);
            if (body.items >= 2 && !readsAsExtended(canonical)) {
                // Only a redundant '@' made the string PEP 3118 ("HH@B", " @HHB": 6 bytes, padded); the canonical
                // form keeps one, after the first item, so that it does not read as the struct module's "HHB" (5).
                canonical = new StringBuilder(canonical).insert(body.firstItemEnd, mode.symbol).toString();
            }
        }
        return new Format(s, canonical, size, body.align, mode, List.copyOf(body.fields), body.sizes());
    }

    /**
     * Whether a canonical string is in the PEP 3118 dialect (see {@link #extended}): whether it has one of {@code T (
     * : Z & g u w O ^} or a byte order after its first character. A canonical string has no whitespace, and names
     * (between colons) are marked by their colons.
     */
    private static boolean readsAsExtended(String canonical) {
        for (int i = 0; i < canonical.length(); i++) {
            char c = canonical.charAt(i);
            if ("T(:Z&guwO^".indexOf(c) >= 0 || i > 0 && Mode.of(c) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses items up to the end of the string (top level, {@code open < 0}) or up to and including the
     * <code>}</code> matching the <code>{</code> at {@code open}.
     */
    private Body parseBody(Mode start, int open) {
        boolean top = open < 0;
        Body b = new Body();
        Mode mode = start;
        while (true) {
            skipWhitespace();
            if (pos == len) {
                if (!top) {
                    throw error(open, "unbalanced brace '{'", "'}'");
                }
                b.end = mode;
                return b;
            }
            char c = s.charAt(pos);
            if (c == '}') {
                if (top) {
                    throw error(pos, "unbalanced brace '}'", "a format code (no T{ is open)");
                }
                pos++;
                b.end = mode;
                return b;
            }
            int itemStart = pos;
            long[] shape = NO_SHAPE;
            String after = null;
            if (c == '(') {
                shape = parseShape();
                extended = true;
                after = "sub-array shape";
            }
            Mode itemMode = mode;
            if (pos < len && Mode.of(s.charAt(pos)) != null) {
                char bo = s.charAt(pos);
                if (top && b.items == 0 && prefixed) {
                    // one byte order per item, as in NumPy: "<>d" and "@@" are errors, as in struct
                    throw error(pos, "byte-order character '" + bo + "' after the prefix '" + s.charAt(prefixAt) + "'",
                            "a format code (one byte order per item)");
                }
                // PEP 3118: "Endian-specification ('!', '@','=','>','<', '^') is also allowed inside the string so
                // that it can change if needed". The struct module allows it only as the first character.
                extended = true;
                itemMode = Mode.of(bo);
                pos++;
                after = "byte-order character '" + bo + "'";
            }
            long count = 1;
            if (pos < len && isDigit(s.charAt(pos))) {
                count = parseNumber("repeat count");
                after = "repeat count " + count;
            }
            TypeInfo t = parseType(itemMode, after);
            String name = null;
            int nameStart = pos + 1;
            if (pos < len && s.charAt(pos) == ':') {
                name = parseName();
                extended = true;
            }

            // Placement: native mode aligns the item and every element of it; standard modes do not. Element count
            // and size are checked here, once, so that nothing later (Field.elementCount, Flat, layout()) overflows.
            long n = count;
            for (long d : shape) {
                n = multiplyOrElse(n, d);
                if (n < 0) {
                    throw error(itemStart, "element count overflows: " + quantity(shape, count) + " of '"
                            + shortCode(t) + "'", TOO_LARGE + " elements");
                }
            }
            long stride = t.size; // every size is a multiple of its alignment (a struct's is padded to it)
            if (itemMode.aligned) {
                long aligned = roundUpOrElse(b.offset, t.align);
                if (aligned < 0) {
                    throw error(itemStart, "item size overflows: aligning " + t.size + "-byte '" + shortCode(t)
                            + "' to " + t.align + " bytes after " + b.offset + " bytes",
                            "a total size of " + TOO_LARGE + " bytes");
                }
                b.offset = aligned;
                b.align = Math.max(b.align, t.align);
            }
            long fieldBytes = multiplyOrElse(n, stride);
            long end = fieldBytes < 0 || b.offset > Long.MAX_VALUE - fieldBytes ? -1 : b.offset + fieldBytes;
            if (end < 0) {
                throw error(itemStart, "item size overflows: " + quantity(shape, count) + " of " + stride + "-byte '"
                        + shortCode(t) + "'" + (b.offset == 0 ? "" : " after " + b.offset
                        + (b.offset == 1 ? " byte" : " bytes")), "a total size of " + TOO_LARGE + " bytes");
            }
            long fieldOffset = b.offset;
            b.offset = end;
            if (name != null) {
                if (b.names == null) {
                    b.names = new HashSet<>();
                }
                if (!b.names.add(name)) {
                    throw error(nameStart, "duplicate field name '" + name + "'",
                            "a name not used before in the same struct");
                }
            }
            if (t.type != ElementType.PAD) {
                b.add(new Field(name, fieldOffset, t.type, count, shape, t.nested, itemMode.order), stride);
            }

            // Canonical text of the item.
            StringBuilder text = b.text;
            if (shape.length > 0) {
                text.append('(');
                for (int i = 0; i < shape.length; i++) {
                    text.append(i == 0 ? "" : ",").append(shape[i]);
                }
                text.append(')');
            }
            if (itemMode != mode) {
                text.append(itemMode.symbol);
                mode = itemMode;
            }
            if (count != 1) {
                text.append(count);
            }
            text.append(t.canon);
            if (name != null) {
                text.append(':').append(name).append(':');
            }
            b.items++;
            if (b.items == 1) {
                b.firstItemEnd = text.length();
            }
            boolean plainStruct = t.type == ElementType.STRUCT && count == 1 && shape.length == 0 && name == null;
            b.sole = b.items == 1 && plainStruct ? t.nested : null;
        }
    }

    /** Parses one type code at {@code pos}; {@code after} names what came before it in the item, or is null. */
    private TypeInfo parseType(Mode mode, String after) {
        if (pos == len) {
            throw missingCode(after);
        }
        int at = pos;
        char c = s.charAt(pos);
        ElementType type;
        switch (c) {
            case 'T' -> {
                pos++;
                if (pos == len || s.charAt(pos) != '{') {
                    throw error(pos, pos == len ? "end of format after 'T'"
                            : "bad character '" + show(s.charAt(pos)) + "' after 'T'", "'{'");
                }
                int open = pos++;
                enter(open);
                Body inner = parseBody(mode, open);
                depth--;
                extended = true;
                long size = roundUp(inner.offset, inner.align, open);
                String canon = "T{" + inner.text + "}";
                Format nested = new Format(mode.prefix() + canon, mode.prefix() + canon, size, inner.align, mode,
                        List.copyOf(inner.fields), inner.sizes());
                return new TypeInfo(ElementType.STRUCT, size, mode.aligned ? inner.align : 1, nested, canon);
            }
            case '&' -> {
                checkNative(ElementType.POINTER, mode, at);
                pos++;
                enter(at);
                TypeInfo target = parseType(mode, "'&'");
                depth--;
                if (target.type == ElementType.PAD) {
                    throw error(at + 1, "padding 'x' as pointer target", "a format code other than 'x' after '&'");
                }
                extended = true;
                Format targetFormat = target.type == ElementType.STRUCT ? target.nested : single(target, mode);
                ElementType p = ElementType.POINTER;
                return new TypeInfo(p, p.byteSize(true), mode.aligned ? p.nativeAlignment() : 1, targetFormat,
                        "&" + target.canon);
            }
            case 'Z' -> {
                pos++;
                char z = pos < len ? s.charAt(pos) : 0;
                type = switch (z) {
                    case 'f' -> ElementType.COMPLEX_FLOAT;
                    case 'd' -> ElementType.COMPLEX_DOUBLE;
                    case 'g' -> ElementType.COMPLEX_LONG_DOUBLE;
                    default -> throw error(pos, pos == len ? "end of format after 'Z'"
                                    : "bad character '" + show(z) + "' after 'Z'",
                            "'f', 'd' or 'g' (complex float, double or long double)");
                };
                extended = true;
            }
            default -> {
                type = basic(c);
                if (type == null) {
                    throw missingCode(after);
                }
                if (c == 'g' || c == 'u' || c == 'w' || c == 'O') {
                    extended = true;
                }
            }
        }
        pos++;
        checkNative(type, mode, at);
        long size = type.byteSize(mode.nativeSize);
        return new TypeInfo(type, size, mode.aligned ? type.nativeAlignment() : 1, null, type.code());
    }

    /** The format of a single pointer target that is not a struct. */
    private static Format single(TypeInfo t, Mode mode) {
        Field f = new Field(null, 0, t.type, 1, NO_SHAPE, t.nested, mode.order);
        return new Format(mode.prefix() + t.canon, mode.prefix() + t.canon, t.size, t.align, mode, List.of(f),
                new long[] {t.size});
    }

    private static ElementType basic(char c) {
        return switch (c) {
            case 'x' -> ElementType.PAD;
            case 'c' -> ElementType.CHAR;
            case 'b' -> ElementType.INT8;
            case 'B' -> ElementType.UINT8;
            case '?' -> ElementType.BOOL;
            case 'h' -> ElementType.INT16;
            case 'H' -> ElementType.UINT16;
            case 'i' -> ElementType.INT32;
            case 'I' -> ElementType.UINT32;
            case 'l' -> ElementType.LONG;
            case 'L' -> ElementType.ULONG;
            case 'q' -> ElementType.INT64;
            case 'Q' -> ElementType.UINT64;
            case 'n' -> ElementType.SSIZE_T;
            case 'N' -> ElementType.SIZE_T;
            case 'e' -> ElementType.FLOAT16;
            case 'f' -> ElementType.FLOAT32;
            case 'd' -> ElementType.FLOAT64;
            case 's' -> ElementType.CHARS;
            case 'p' -> ElementType.PASCAL_STRING;
            case 'P' -> ElementType.VOID_POINTER;
            case 'g' -> ElementType.LONG_DOUBLE;
            case 'u' -> ElementType.UCS2;
            case 'w' -> ElementType.UCS4;
            case 'O' -> ElementType.OBJECT;
            default -> null;
        };
    }

    private void checkNative(ElementType type, Mode mode, int at) {
        if (!mode.nativeSize && type.isNativeOnly()) {
            throw error(at, "native-only format code '" + type.code() + "' in a standard-size byte order",
                    "a standard-size format code ('" + type.code() + "' needs native mode: '@' or no prefix)");
        }
    }

    private FormatException missingCode(String after) {
        String suffix = after == null ? "" : " after " + after;
        if (pos == len) {
            return error(pos, "end of format" + suffix, "a format code");
        }
        char c = s.charAt(pos);
        if (isWhitespace(c) && after != null) {
            return error(pos, "whitespace" + suffix, "a format code");
        }
        return error(pos, "bad character '" + show(c) + "'" + suffix, "a format code");
    }

    /** Parses {@code (d0,d1,...)} at {@code pos}; whitespace around the numbers is allowed. */
    private long[] parseShape() {
        int open = pos;
        if (s.indexOf(')', open) < 0) {
            throw error(open, "unbalanced parenthesis '('", "')'");
        }
        pos++;
        long[] dims = new long[2];
        int nd = 0;
        while (true) {
            skipWhitespace();
            char c = s.charAt(pos); // a ')' is ahead, so pos < len
            if (!isDigit(c)) {
                throw error(pos, c == ')' && nd == 0 ? "empty sub-array shape"
                        : "bad character '" + show(c) + "' in sub-array shape", "a digit");
            }
            if (nd == dims.length) {
                dims = Arrays.copyOf(dims, 2 * nd);
            }
            dims[nd++] = parseNumber("sub-array dimension");
            skipWhitespace();
            c = s.charAt(pos);
            pos++;
            if (c == ')') {
                return Arrays.copyOf(dims, nd);
            }
            if (c != ',') {
                throw error(pos - 1, "bad character '" + show(c) + "' in sub-array shape", "',' or ')'");
            }
        }
    }

    /** Parses {@code :name:} at {@code pos}. */
    private String parseName() {
        int colon = pos++;
        int start = pos;
        while (pos < len) {
            char c = s.charAt(pos);
            if (c == ':') {
                if (pos == start) {
                    throw error(colon, "empty field name", "a name between the colons");
                }
                return s.substring(start, pos++);
            }
            if (c <= ' ' || c >= 0x7f) {
                throw error(pos, (isWhitespace(c) ? "whitespace" : "bad character '" + show(c) + "'")
                        + " in field name", "a printable ASCII character other than space, or ':' to end the name");
            }
            pos++;
        }
        throw error(colon, "unbalanced colon ':'", "':' to close the field name");
    }

    /** Parses a run of ASCII digits at {@code pos} (there is at least one). */
    private long parseNumber(String what) {
        int start = pos;
        long v = 0;
        while (pos < len && isDigit(s.charAt(pos))) {
            int d = s.charAt(pos) - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                throw error(start, what + " too large", TOO_LARGE);
            }
            v = v * 10 + d;
            pos++;
        }
        return v;
    }

    private void enter(int at) {
        if (++depth > MAX_DEPTH) {
            throw error(at, "nesting deeper than " + MAX_DEPTH + " levels",
                    "at most " + MAX_DEPTH + " nested T{...} and '&'");
        }
    }

    private long roundUp(long value, long align, int at) {
        try {
            return roundUpExact(value, align);
        } catch (ArithmeticException e) {
            throw error(at, "size overflows when padded to alignment " + align,
                    "a total size of " + TOO_LARGE + " bytes");
        }
    }

    /** {@code a × b} for non-negative operands, or -1 if it overflows. */
    private static long multiplyOrElse(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? -1 : lo;
    }

    /** {@code value} rounded up to a multiple of {@code align}, or -1 if that overflows. */
    private static long roundUpOrElse(long value, long align) {
        long rem = value % align;
        return rem == 0 ? value : value > Long.MAX_VALUE - (align - rem) ? -1 : value + (align - rem);
    }

    /** How many elements an item has, as written: "repeat count 3", "sub-array (2,3)", or both. */
    private static String quantity(long[] shape, long count) {
        if (shape.length == 0) {
            return "repeat count " + count;
        }
        StringBuilder b = new StringBuilder("sub-array (");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ",").append(shape[i]);
        }
        b.append(')');
        return count == 1 ? b.toString() : b.append(" of repeat count ").append(count).toString();
    }

    /** The canonical code of a type for a message, cut to at most 20 characters ({@code "T{iiiiiiiiiiiiiii..."}). */
    private static String shortCode(TypeInfo t) {
        return t.canon.length() <= 20 ? t.canon : t.canon.substring(0, 17) + "...";
    }

    private static long roundUpExact(long value, long align) {
        long rem = value % align;
        return rem == 0 ? value : Math.addExact(value, align - rem);
    }

    private void skipWhitespace() {
        while (pos < len && isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    /** The whitespace of CPython's {@code Py_ISSPACE}: space, \t, \n, \v, \f, \r. */
    static boolean isWhitespace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String show(char c) {
        return FormatException.escape(String.valueOf(c));
    }

    private FormatException error(int at, String problem, String expected) {
        return new FormatException(s, at, problem, expected);
    }
}
