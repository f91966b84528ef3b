package org.indirectbuffer.format;

import java.io.Serial;
import java.util.Objects;

/**
 * A format string that {@link Format#parse(String)} rejects. It carries the string, the 0-based position of the
 * problem, what was found there and what was expected; the message reads
 * <pre>format 'dd(' position 2: unbalanced parenthesis '(': expected ')'</pre>
 * i.e. {@code format '<string>' position <n>: <problem>: expected <expected>}. In the message, characters outside
 * printable ASCII and the backslash are escaped as in Python ({@code \t}, {@code \n}, {@code \r}, {@code \\},
 * {@code \xNN}, <code>&#92;uNNNN</code>), and a string longer than {@value #MAX_SHOWN} characters is shown as an excerpt
 * around the position ({@code ...} marking the cuts); {@link #format()} always returns the whole string unchanged.
 *
 * <p>Besides bad syntax, it reports the limits of {@link Format#parse(String)}: {@code T{...}} and {@code &}
 * nested deeper than {@value Format#MAX_NESTING} levels, at the first <code>T{</code> or {@code &} too deep
 * ({@code "nesting deeper than 64 levels"}, expected {@code "at most 64 nested T{...} and '&'"}); and counts,
 * element counts and item sizes beyond {@link Long#MAX_VALUE}, at the start of the item, naming its count and
 * element size: <pre>format '9223372036854775807d' position 0: item size overflows: repeat count
 * 9223372036854775807 of 8-byte 'd': expected a total size of at most 9223372036854775807 bytes</pre>
 *
 * <p>A string that looks like a type name rather than a format string ({@code "double"}, {@code "float64"},
 * {@code "int"}, {@code "uint8"}, {@code "bool"}, NumPy's {@code "<f8"}) gets a hint after the expectation,
 * naming the struct code: <pre>format 'float64' position 2: bad character 'o': expected a format code; 'float64'
 * is a type name, not a format string: write 'd' (a C double, 8 bytes)</pre>
 *
 * <p>Instances are immutable.
 *
 * <p>An exception holds no memory and refers to none (its message is built when it is thrown); like any exception
 * object, it may be passed between threads.
 */
public class FormatException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Longest string shown whole in the message. */
    static final int MAX_SHOWN = 120;

    /** The rejected string, unchanged. */
    private final String format;
    /** 0-based position of the problem. */
    private final int position;
    /** What is wrong, including what was found. */
    private final String problem;
    /** What would have been accepted. */
    private final String expected;

    /**
     * Creates an exception.
     *
     * @param format   the rejected format string, not {@code null}
     * @param position the 0-based position of the problem, from 0 to {@code format.length()} (the end)
     * @param problem  what is wrong there, including what was found (e.g. {@code "bad character 'y'"})
     * @param expected what would have been accepted there (e.g. {@code "a format code"})
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code position} is outside {@code [0, format.length()]}
     */
    public FormatException(String format, int position, String problem, String expected) {
        this(format, position, problem, expected, null);
    }

    /** As above, with a hint (or {@code null}) appended to the message after {@code "; "}. */
    FormatException(String format, int position, String problem, String expected, String hint) {
        super(message(format, position, problem, expected) + (hint == null ? "" : "; " + hint));
        this.format = format;
        this.position = position;
        this.problem = problem;
        this.expected = expected;
    }

    private static String message(String format, int position, String problem, String expected) {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(expected, "expected");
        if (position < 0 || position > format.length()) {
            throw new IllegalArgumentException("position " + position + " outside format of length "
                    + format.length());
        }
        return "format '" + excerpt(format, position) + "' position " + position + ": " + problem + ": expected "
                + expected;
    }

    /** The string as shown in messages: escaped, and cut around {@code position} when long. */
    static String excerpt(String format, int position) {
        if (format.length() <= MAX_SHOWN) {
            return escape(format);
        }
        int half = MAX_SHOWN / 2;
        int from = Math.max(0, position - half);
        int to = Math.min(format.length(), from + MAX_SHOWN);
        from = Math.max(0, to - MAX_SHOWN);
        return (from > 0 ? "..." : "") + escape(format.substring(from, to)) + (to < format.length() ? "..." : "");
    }

    /**
     * Escapes a string as Python's {@code unicode_escape} codec does: printable ASCII stays, except the backslash
     * ({@code \\}); tab, newline and carriage return become {@code \t \n \r}; other characters below 256 become
     * {@code \xNN}, the rest <code>&#92;uNNNN</code>.
     */
    static String escape(CharSequence s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean plain = c >= 0x20 && c < 0x7f && c != '\\';
            if (plain) {
                if (b != null) {
                    b.append(c);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x100) {
                        b.append("\\x").append(hex(c, 2));
                    } else {
                        b.append("\\u").append(hex(c, 4));
                    }
                }
            }
        }
        return b == null ? s.toString() : b.toString();
    }

    private static String hex(int value, int digits) {
        String h = Integer.toHexString(value);
        return "0".repeat(digits - h.length()) + h;
    }

    /**
     * Returns the rejected format string, unchanged.
     *
     * @return the string given to {@link Format#parse(String)}
     */
    public String format() {
        return format;
    }

    /**
     * Returns the 0-based position of the problem in {@link #format()}; {@code format().length()} when the string
     * ended too early. For an unbalanced {@code (}, <code>{</code> or {@code :} it is the position of the opening
     * character.
     *
     * @return the position, from 0 to {@code format().length()}
     */
    public int position() {
        return position;
    }

    /**
     * Returns what is wrong at {@link #position()}, including what was found there, e.g.
     * {@code "bad character 'y'"} or {@code "unbalanced parenthesis '('"}.
     *
     * @return the problem, never {@code null}
     */
    public String problem() {
        return problem;
    }

    /**
     * Returns what would have been accepted at {@link #position()}, e.g. {@code "a format code"} or {@code "')'"}.
     *
     * @return the expectation, never {@code null}
     */
    public String expected() {
        return expected;
    }
}
