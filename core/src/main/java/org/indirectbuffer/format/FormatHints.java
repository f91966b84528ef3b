package org.indirectbuffer.format;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Hints for format strings a user guesses: type names from C, Java, NumPy and Python ({@code "double"},
 * {@code "float64"}, {@code "int"}, {@code "uint8"}, {@code "bool"}, ...) and NumPy type strings ({@code "<f8"},
 * {@code "i4"}), which are not format strings. A rejected string that is one of them gets, in its
 * {@link FormatException} message, the struct code that means it.
 */
final class FormatHints {
    private FormatHints() {
    }

    /** A code and what it is, e.g. {@code 'd'} "a C double, 8 bytes". */
    private record Code(String code, String what) {
    }

    private static final Map<String, Code> NAMES = new HashMap<>();

    private static void names(String code, String what, String... names) {
        Code c = new Code(code, what);
        for (String n : names) {
            NAMES.put(n, c);
        }
    }

    static {
        names("d", "a C double, 8 bytes", "double", "float64", "f64", "np.float64", "numpy.float64", "float_",
                "double precision", "java.lang.double");
        names("f", "a C float, 4 bytes", "float", "float32", "f32", "single", "np.float32", "numpy.float32",
                "java.lang.float");
        names("e", "an IEEE half-precision float, 2 bytes", "float16", "f16", "half", "np.float16");
        names("g", "a C long double", "long double", "longdouble", "float128", "np.longdouble");
        names("b", "a signed char, 1 byte", "int8", "int8_t", "byte", "signed char", "schar", "np.int8",
                "java.lang.byte");
        names("B", "an unsigned char, 1 byte", "uint8", "uint8_t", "ubyte", "unsigned char", "uchar", "np.uint8",
                "octet");
        names("h", "a C short, 2 bytes", "int16", "int16_t", "short", "signed short", "np.int16", "java.lang.short");
        names("H", "an unsigned short, 2 bytes", "uint16", "uint16_t", "ushort", "unsigned short", "np.uint16");
        names("i", "a C int, 4 bytes", "int", "int32", "int32_t", "integer", "signed", "signed int", "np.int32",
                "java.lang.integer", "i32");
        names("I", "an unsigned int, 4 bytes", "uint", "uint32", "uint32_t", "unsigned", "unsigned int",
                "np.uint32", "u32");
        names("l", "a C long (8 bytes on LP64, 4 on Windows; 'q' is always 8)", "long", "signed long", "long int");
        names("L", "an unsigned long (see 'l')", "ulong", "unsigned long", "unsigned long int");
        names("q", "a long long, 8 bytes", "int64", "int64_t", "long long", "longlong", "signed long long",
                "np.int64", "java.lang.long", "i64");
        names("Q", "an unsigned long long, 8 bytes", "uint64", "uint64_t", "unsigned long long", "ulonglong",
                "np.uint64", "u64");
        names("?", "a C _Bool, 1 byte", "bool", "boolean", "_bool", "bool_", "np.bool", "np.bool_",
                "java.lang.boolean");
        names("c", "a C char (a bytes object of length 1), 1 byte", "char", "character");
        names("H", "a Java char as an unsigned 16-bit code unit (or 'u' for UCS-2 text)", "java.lang.character");
        names("n", "a C ssize_t", "ssize_t", "ptrdiff_t", "intptr_t", "np.intp", "intp");
        names("N", "a C size_t", "size_t", "uintptr_t", "np.uintp", "uintp");
        names("P", "a void *", "void*", "void *", "pointer", "ptr", "address");
        names("s", "a char[] (write the length before it: '16s')", "str", "string", "bytes", "char*", "char *");
        names("Zf", "a complex of two floats, 8 bytes", "complex64", "c8", "float complex", "np.complex64");
        names("Zd", "a complex of two doubles, 16 bytes", "complex128", "complex", "c16", "double complex",
                "np.complex128");
        names("O", "a Python object pointer", "object", "pyobject", "pyobject*");
    }

    /** NumPy type-string kinds and sizes ({@code "f8"}, {@code "<i4"}, {@code "u1"}) mapped to struct codes. */
    private static String typestr(char kind, int size) {
        return switch (kind) {
            case 'f' -> size == 2 ? "e" : size == 4 ? "f" : size == 8 ? "d" : null;
            case 'i' -> size == 1 ? "b" : size == 2 ? "h" : size == 4 ? "i" : size == 8 ? "q" : null;
            case 'u' -> size == 1 ? "B" : size == 2 ? "H" : size == 4 ? "I" : size == 8 ? "Q" : null;
            case 'b' -> size == 1 ? "?" : null;
            case 'c' -> size == 8 ? "Zf" : size == 16 ? "Zd" : null;
            default -> null;
        };
    }

    /**
     * The hint for a rejected string, or {@code null} when it does not look like a type name: e.g. for
     * {@code "float64"}: {@code "float64" is a type name, not a format string: write 'd' (a C double, 8 bytes)}.
     */
    static String hint(String format) {
        String t = format.strip();
        if (t.isEmpty() || t.length() > 40) {
            return null;
        }
        String key = t.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        Code c = NAMES.get(key);
        if (c != null) {
            return "'" + FormatException.escape(t) + "' is a type name, not a format string: write '" + c.code
                    + "' (" + c.what + ")";
        }
        // NumPy type strings: [<>=|]?[fiubc][digits]
        int i = 0;
        String prefix = "";
        char first = t.charAt(0);
        if (first == '<' || first == '>' || first == '=' || first == '|') {
            prefix = first == '|' ? "" : String.valueOf(first);
            i = 1;
        }
        if (t.length() - i < 2 || t.length() - i > 3) {
            return null;
        }
        char kind = t.charAt(i);
        String digits = t.substring(i + 1);
        if (!digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return null;
        }
        String code = typestr(kind, Integer.parseInt(digits));
        if (code == null) {
            return null;
        }
        return "'" + t + "' is a NumPy type string, not a format string: write '" + prefix + code + "'";
    }
}
