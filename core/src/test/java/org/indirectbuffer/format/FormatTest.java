package org.indirectbuffer.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.indirectbuffer.BufferView;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FormatTest {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private static Format p(String s) {
        return Format.parse(s);
    }

    private static void assumeLp64X86() {
        assumeTrue(ElementType.LONG.byteSize(true) == 8 && ElementType.LONG_DOUBLE.byteSize(true) == 16,
                "LP64 with a 16-byte long double");
    }

    // ------------------------------------------------------------------------------------------------ errors

    /** Every kind of rejection: the string, the position, the problem and the expectation, pinned word for word. */
    static Stream<Arguments> errors() {
        String deep = "T{".repeat(65) + "}".repeat(65);
        return Stream.of(
                Arguments.of("dd(", 2, "unbalanced parenthesis '('", "')'"),
                Arguments.of("(2", 0, "unbalanced parenthesis '('", "')'"),
                Arguments.of("(2d", 0, "unbalanced parenthesis '('", "')'"),
                Arguments.of("T{d", 1, "unbalanced brace '{'", "'}'"),
                Arguments.of("T{", 1, "unbalanced brace '{'", "'}'"),
                Arguments.of("T{T{d}", 1, "unbalanced brace '{'", "'}'"),
                Arguments.of("dT{iT{d}", 2, "unbalanced brace '{'", "'}'"),
                Arguments.of("d}xx", 1, "unbalanced brace '}'", "a format code (no T{ is open)"),
                Arguments.of("T{d}}", 4, "unbalanced brace '}'", "a format code (no T{ is open)"),
                Arguments.of("d:a", 1, "unbalanced colon ':'", "':' to close the field name"),
                Arguments.of("T{d:a}", 3, "unbalanced colon ':'", "':' to close the field name"),
                Arguments.of("3", 1, "end of format after repeat count 3", "a format code"),
                Arguments.of("<12", 3, "end of format after repeat count 12", "a format code"),
                Arguments.of("3 d", 1, "whitespace after repeat count 3", "a format code"),
                Arguments.of("3\td", 1, "whitespace after repeat count 3", "a format code"),
                Arguments.of("(2)", 3, "end of format after sub-array shape", "a format code"),
                Arguments.of("(2) d", 3, "whitespace after sub-array shape", "a format code"),
                Arguments.of("T{<}", 3, "bad character '}' after byte-order character '<'", "a format code"),
                Arguments.of("T{< d}", 3, "whitespace after byte-order character '<'", "a format code"),
                Arguments.of("T{<(2)d}", 3, "bad character '(' after byte-order character '<'", "a format code"),
                Arguments.of("T{3}", 3, "bad character '}' after repeat count 3", "a format code"),
                Arguments.of("dy", 1, "bad character 'y'", "a format code"),
                Arguments.of("d^", 2, "end of format after byte-order character '^'", "a format code"),
                Arguments.of("T{^}", 3, "bad character '}' after byte-order character '^'", "a format code"),
                Arguments.of("d^^i", 2, "bad character '^' after byte-order character '^'", "a format code"),
                Arguments.of(")", 0, "bad character ')'", "a format code"),
                Arguments.of(":a:d", 0, "bad character ':'", "a format code"),
                Arguments.of("d\u0001", 1, "bad character '\\x01'", "a format code"),
                Arguments.of("<>d", 1, "byte-order character '>' after the prefix '<'",
                        "a format code (one byte order per item)"),
                Arguments.of("@ ^d", 2, "byte-order character '^' after the prefix '@'",
                        "a format code (one byte order per item)"),
                Arguments.of("d <", 3, "end of format after byte-order character '<'", "a format code"),
                Arguments.of("d\u0000d", 1, "embedded NUL character '\\x00'", "a format character"),
                Arguments.of("d\u00e9", 1, "non-ASCII character '\\xe9'", "an ASCII format character"),
                Arguments.of("\u20acd", 0, "non-ASCII character '\\u20ac'", "an ASCII format character"),
                Arguments.of("99999999999999999999d", 0, "repeat count too large", "at most 9223372036854775807"),
                Arguments.of("9223372036854775808x", 0, "repeat count too large", "at most 9223372036854775807"),
                Arguments.of("(99999999999999999999)d", 1, "sub-array dimension too large",
                        "at most 9223372036854775807"),
                Arguments.of("b9223372036854775807x", 1,
                        "item size overflows: repeat count 9223372036854775807 of 1-byte 'x' after 1 byte",
                        "a total size of at most 9223372036854775807 bytes"),
                Arguments.of("1152921504606846976q", 0,
                        "item size overflows: repeat count 1152921504606846976 of 8-byte 'q'",
                        "a total size of at most 9223372036854775807 bytes"),
                Arguments.of("9223372036854775807d", 0,
                        "item size overflows: repeat count 9223372036854775807 of 8-byte 'd'",
                        "a total size of at most 9223372036854775807 bytes"),
                Arguments.of("ddT{i}(3,5)76861433640456466T{ii}", 6,
                        "item size overflows: sub-array (3,5) of repeat count 76861433640456466 of 8-byte "
                                + "'T{ii}' after 20 bytes",
                        "a total size of at most 9223372036854775807 bytes"),
                Arguments.of("@9223372036854775807xd", 21,
                        "item size overflows: aligning 8-byte 'd' to 8 bytes after 9223372036854775807 bytes",
                        "a total size of at most 9223372036854775807 bytes"),
                Arguments.of("(4294967296,4294967296)b", 0,
                        "element count overflows: sub-array (4294967296,4294967296) of 'b'",
                        "at most 9223372036854775807 elements"),
                Arguments.of("(4294967296,4294967296)T{}", 0,
                        "element count overflows: sub-array (4294967296,4294967296) of 'T{}'",
                        "at most 9223372036854775807 elements"),
                Arguments.of("T{(2)4611686018427387904T{}}", 2,
                        "element count overflows: sub-array (2) of repeat count 4611686018427387904 of 'T{}'",
                        "at most 9223372036854775807 elements"),
                Arguments.of("d:a:9223372036854775799x", 24, "size overflows when padded to alignment 8",
                        "a total size of at most 9223372036854775807 bytes"),
                Arguments.of("<n", 1, "native-only format code 'n' in a standard-size byte order",
                        "a standard-size format code ('n' needs native mode: '@' or no prefix)"),
                Arguments.of("!P", 1, "native-only format code 'P' in a standard-size byte order",
                        "a standard-size format code ('P' needs native mode: '@' or no prefix)"),
                Arguments.of("=2g", 2, "native-only format code 'g' in a standard-size byte order",
                        "a standard-size format code ('g' needs native mode: '@' or no prefix)"),
                Arguments.of("<Zg", 1, "native-only format code 'Zg' in a standard-size byte order",
                        "a standard-size format code ('Zg' needs native mode: '@' or no prefix)"),
                Arguments.of("T{=N}", 3, "native-only format code 'N' in a standard-size byte order",
                        "a standard-size format code ('N' needs native mode: '@' or no prefix)"),
                Arguments.of("<&d", 1, "native-only format code '&' in a standard-size byte order",
                        "a standard-size format code ('&' needs native mode: '@' or no prefix)"),
                Arguments.of("T", 1, "end of format after 'T'", "'{'"),
                Arguments.of("T {d}", 1, "bad character ' ' after 'T'", "'{'"),
                Arguments.of("Z", 1, "end of format after 'Z'",
                        "'f', 'd' or 'g' (complex float, double or long double)"),
                Arguments.of("Zx", 1, "bad character 'x' after 'Z'",
                        "'f', 'd' or 'g' (complex float, double or long double)"),
                Arguments.of("&", 1, "end of format after '&'", "a format code"),
                Arguments.of("&x", 1, "padding 'x' as pointer target", "a format code other than 'x' after '&'"),
                Arguments.of("&3d", 1, "bad character '3' after '&'", "a format code"),
                Arguments.of("d:a:d:a:", 6, "duplicate field name 'a'", "a name not used before in the same struct"),
                Arguments.of("x:a:d:a:", 6, "duplicate field name 'a'", "a name not used before in the same struct"),
                Arguments.of("T{d::}", 3, "empty field name", "a name between the colons"),
                Arguments.of("d:a b:", 3, "whitespace in field name",
                        "a printable ASCII character other than space, or ':' to end the name"),
                Arguments.of("d:\u007f:", 2, "bad character '\\x7f' in field name",
                        "a printable ASCII character other than space, or ':' to end the name"),
                Arguments.of("()d", 1, "empty sub-array shape", "a digit"),
                Arguments.of("(,)d", 1, "bad character ',' in sub-array shape", "a digit"),
                Arguments.of("(2,)d", 3, "bad character ')' in sub-array shape", "a digit"),
                Arguments.of("(+2)d", 1, "bad character '+' in sub-array shape", "a digit"),
                Arguments.of("(2,3x)d", 4, "bad character 'x' in sub-array shape", "',' or ')'"),
                Arguments.of(deep, 129, "nesting deeper than 64 levels", "at most 64 nested T{...} and '&'"),
                Arguments.of("&".repeat(70) + "d", 64, "nesting deeper than 64 levels",
                        "at most 64 nested T{...} and '&'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void rejectionsSayWhereAndWhat(String format, int position, String problem, String expected) {
        assertThatThrownBy(() -> Format.parse(format))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.format()).isEqualTo(format);
                    assertThat(e.position()).isEqualTo(position);
                    assertThat(e.problem()).isEqualTo(problem);
                    assertThat(e.expected()).isEqualTo(expected);
                    assertThat(e.getMessage()).isEqualTo("format '" + FormatException.excerpt(format, position)
                            + "' position " + position + ": " + problem + ": expected " + expected);
                })
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void messageExamplesWordForWord() {
        assertThatThrownBy(() -> p("dd(")).hasMessage("format 'dd(' position 2: unbalanced parenthesis '(': "
                + "expected ')'");
        assertThatThrownBy(() -> p("3 d")).hasMessage("format '3 d' position 1: whitespace after repeat count 3: "
                + "expected a format code");
        assertThatThrownBy(() -> p("d\u0000\t")).hasMessage("format 'd\\x00\\t' position 1: embedded NUL "
                + "character '\\x00': expected a format character");
        assertThatThrownBy(() -> p("d\\")).hasMessage("format 'd\\\\' position 1: bad character '\\\\': expected "
                + "a format code");
    }

    @Test
    void longFormatsAreShownAsAnExcerptAroundThePosition() {
        String f = "d".repeat(300) + "y" + "i".repeat(300);
        assertThatThrownBy(() -> p(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(300);
            assertThat(e.format()).isEqualTo(f);
            assertThat(e.getMessage()).isEqualTo("format '..." + "d".repeat(60) + "y" + "i".repeat(59)
                    + "...' position 300: bad character 'y': expected a format code");
        });
        String start = "y" + "d".repeat(300);
        assertThatThrownBy(() -> p(start)).hasMessageStartingWith("format 'y" + "d".repeat(119) + "...' position 0:");
        String end = "d".repeat(300) + "3";
        assertThatThrownBy(() -> p(end)).hasMessageStartingWith("format '..." + "d".repeat(119) + "3' position 301:");
    }

    @Test
    void nullIsANullPointerException() {
        assertThatThrownBy(() -> Format.parse(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p("d").isEquivalentTo(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void exceptionConstructorChecksItsArguments() {
        FormatException e = new FormatException("ab", 2, "problem", "something");
        assertThat(e).hasMessage("format 'ab' position 2: problem: expected something");
        assertThatThrownBy(() -> new FormatException("ab", 3, "p", "e")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FormatException("ab", -1, "p", "e")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FormatException(null, 0, "p", "e")).isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------------------------------------ sizes

    @ParameterizedTest(name = "''{0}'' -> {1}/{2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # struct module strings: struct.calcsize, no trailing padding
            d        | 8  | 8
            @di      | 12 | 8
            @id      | 16 | 8
            <id      | 12 | 1
            =lL      | 8  | 1
            @lL      | 16 | 8
            b0d      | 8  | 8
            @bs      | 2  | 1
            ""       | 0  | 1
            "<"      | 0  | 1
            "< d "   | 8  | 1
            # PEP 3118 strings: numpy's sizes, padded at the end in native mode
            @dT{i}   | 16 | 8
            @bT{id}  | 24 | 8
            T{b}(2)i | 12 | 4
            =T{di}   | 12 | 1
            d:a:i    | 16 | 8
            (1)d     | 8  | 8
            g        | 16 | 16
            bZg      | 48 | 16
            bZf      | 12 | 4
            <bZd     | 17 | 1
            b3w      | 16 | 4
            <bO      | 9  | 1
            T{}      | 0  | 1
            2T{di}   | 32 | 8
            T{dx}    | 16 | 8
            # our choices where numpy has no (usable) answer
            u        | 2  | 2
            3u       | 6  | 2
            <bu      | 3  | 1
            &d       | 8  | 8
            b&T{id}  | 16 | 8
            T{P}b    | 16 | 8
            T{p}     | 1  | 1
            T{n}     | 8  | 8
            <(2)d    | 16 | 1
            (2)0d    | 0  | 8
            "( 2 , 3 )d" | 48 | 8
            " T{ d  i } " | 16 | 8
            T{1000000000000d} | 8000000000000 | 8
            (65536,65536)b | 4294967296 | 1
            9223372036854775807x | 9223372036854775807 | 1
            # byte orders inside T{} are scoped to the struct (numpy lets them leak: 12, 12, 9, 9)
            T{<i}d   | 16 | 8
            dT{<i}   | 16 | 8
            T{d<b}   | 16 | 8
            <T{@d<b}b | 17 | 1
            T{(2)<d} | 16 | 1
            """)
    void itemSizeAndAlignment(String format, long size, long alignment) {
        assumeLp64X86();
        Format f = p(format);
        assertThat(f.itemSize()).isEqualTo(size);
        assertThat(f.alignment()).isEqualTo(alignment);
        assertThat(f.layout().byteSize()).isEqualTo(size);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            @ | true  | NATIVE
            = | false | NATIVE
            < | false | LE
            > | false | BE
            ! | false | BE
            """)
    void byteOrderPrefixes(String prefix, boolean nativeSize, String order) {
        ByteOrder expected = switch (order) {
            case "LE" -> LE;
            case "BE" -> BE;
            default -> NATIVE;
        };
        Format f = p(prefix + "hd");
        assertThat(f.isNativeSize()).isEqualTo(nativeSize);
        assertThat(f.byteOrder()).isEqualTo(expected);
        assertThat(f.fields()).extracting(Field::byteOrder).containsOnly(expected);
        assertThat(f.itemSize()).isEqualTo(nativeSize ? 16 : 10);
        assertThat(p("hd").isNativeSize()).isTrue();
        assertThat(p("hd").byteOrder()).isEqualTo(NATIVE);
    }

    // ------------------------------------------------------------------------------------------------ canonical form

    @ParameterizedTest(name = "''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            "< d  d "      | <dd
            !d             | >d
            !T{!i}         | >T{i}
            @d             | d
            @              | ""
            1d             | d
            1s             | s
            0d             | 0d
            10s            | 10s
            007d           | 7d
            T{@d}          | T{d}
            <T{<i>i}       | <T{i>i}
            T{<i<i@d@d}    | T{<ii@dd}
            "( 2 , 3 )d"   | (2,3)d
            (1)d           | (1)d
            " T{ d:a: i }" | T{d:a:i}
            x:pad:d        | x:pad:d
            2&T{id}:p:     | 2&T{id}:p:
            "d\tf"         | df
            """)
    void canonicalForm(String format, String canonical) {
        String f = format.replace("\\t", "\t");
        assertThat(p(f).toString()).isEqualTo(canonical);
        assertThat(p(f).source()).isEqualTo(f);
        assertThat(p(canonical)).isEqualTo(p(f)).hasSameHashCodeAs(p(f));
        assertThat(p(canonical).itemSize()).isEqualTo(p(f).itemSize());
    }

    /** Found by FormatFuzzTest (its regression input crash-1ade70ae...): "HH@B" was "HHB" of another item size. */
    @ParameterizedTest(name = "''{0}'' -> ''{1}'', {2} bytes")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            HH@B       | H@HB  | 6
            " @HHB"    | H@HB  | 6
            "HH @B "   | H@HB  | 6
            d@BB@B     | d@BBB | 16
            HH<B       | HH<B  | 5
            HHB        | HHB   | 5
            " @i"      | i     | 4
            """)
    void aRedundantByteOrderThatMakesTheStringPep3118IsKeptInTheCanonicalForm(String format, String canonical,
                                                                               long itemSize) {
        Format f = p(format);
        assertThat(f.itemSize()).isEqualTo(itemSize);
        assertThat(f.toString()).isEqualTo(canonical);
        assertThat(p(canonical)).isEqualTo(f);
        assertThat(p(canonical).itemSize()).isEqualTo(itemSize);
        assertThat(p(canonical).fields()).isEqualTo(f.fields());
        assertThat(f.equals(p("HHB"))).isEqualTo(canonical.equals("HHB"));
    }

    /** Found by FormatFuzzTest (crash-cf094d87...): " <q" had native byte order and sizes, its canonical "<q" not. */
    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {" <q", "\t<q", "  <q", " =q", "\n>q", " !q"})
    void aByteOrderAfterLeadingWhitespaceIsThePrefix(String format) {
        Format f = p(format);
        Format canonical = p(f.toString());
        assertThat(f.toString()).isEqualTo(format.strip().replace('!', '>'));
        assertThat(f.byteOrder()).isEqualTo(canonical.byteOrder()).isEqualTo(p(format.strip()).byteOrder());
        assertThat(f.isNativeSize()).isFalse();
        assertThat(canonical.isNativeSize()).isFalse();
        assertThat(f.itemSize()).isEqualTo(8);
        assertThat(f.fields()).isEqualTo(canonical.fields());
        assertThatThrownBy(() -> p(" <>q")).isInstanceOf(FormatException.class)
                .hasMessageContaining("after the prefix '<'");
    }

    /** Found by FormatFuzzTest (crash-ec083aa9...): layout() threw the JDK's "Layout size exceeds Long.MAX_VALUE". */
    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"(0,0,1,1,0,11,1,90,1999999999999999999)i", "(0,90,2000000000000000000)i",
                            "(0,3)2000000000000000000d", "(0,90,2000000000000000000)i:a:d"})
    void aFieldOfNoElementWhoseInnerExtentsAreHugeHasALayoutOfItsItemSize(String format) {
        Format f = p(format);
        assertThat(f.layout().byteSize()).isEqualTo(f.itemSize());
        try (Arena arena = Arena.ofConfined()) {
            BufferView v = BufferView.wrap(arena.allocate(16), f, new long[] {1}, null, null, true);
            assertThat(v.itemSize()).isEqualTo(f.itemSize());
        } catch (IllegalArgumentException e) {
            assertThat(f.itemSize()).isZero(); // item size 0: the documented refusal
        }
    }

    @Test
    void equalityIsOnTheCanonicalForm() {
        assertThat(p("d")).isEqualTo(p("@d")).isEqualTo(p(" d ")).isNotEqualTo(p("=d")).isNotEqualTo(p("dd"))
                .isNotEqualTo(p("T{d}")).isNotEqualTo("d");
        assertThat(p(">i")).isEqualTo(p("!i"));
        assertThat(p("d:a:")).isNotEqualTo(p("d:b:"));
        Set<Format> set = new HashSet<>(List.of(p("d"), p("@d"), p(" d"), p("<d")));
        assertThat(set).hasSize(2);
    }

    // ------------------------------------------------------------------------------------------------ equivalence

    @Test
    void equivalentByteOrdersOnThisMachine() {
        assumeTrue(NATIVE == LE, "little-endian machine");
        List<Format> same = List.of(p("<d"), p("=d"), p("@d"), p("d"), p(" d"), p("T{d}"), p("d:x:"));
        for (Format a : same) {
            for (Format b : same) {
                assertThat(a.isEquivalentTo(b)).as("%s ~ %s", a, b).isTrue();
            }
            assertThat(a.isEquivalentTo(p(">d"))).as("%s ~ >d", a).isFalse();
            assertThat(p("!d").isEquivalentTo(a)).isFalse();
        }
    }

    @ParameterizedTest(name = "''{0}'' ~ ''{1}''")
    @CsvSource(delimiter = '|', textBlock = """
            >d          | !d
            l           | q
            L           | Q
            n           | q
            N           | Q
            <l          | <i
            <L          | <I
            =q          | q
            3d          | ddd
            3d          | (3)d
            3d          | T{dd}d
            3d          | T{ddd}
            (2,3)d      | 6d
            (1000000)d  | 1000000d
            (1000,1000)d | (1000000)T{d}
            d:a:        | d
            xd          | x:p:d
            xd          | 8xd
            2T{di}      | T{di}T{di}
            2T{di}      | di4xdi4x
            (3)T{if}    | T{ififif}
            (2)T{bb}    | 4b
            cc          | 2c
            b           | <b
            B           | >B
            &d          | &T{d}
            2&i         | &i&i
            T{}         | ''
            0s          | ''
            T{0d}       | 0d
            2s2s        | (2)2s
            <ww         | <(2)1w
            """)
    void equivalent(String a, String b) {
        assumeLp64X86();
        assertThat(p(a).isEquivalentTo(p(b))).isTrue();
        assertThat(p(b).isEquivalentTo(p(a))).isTrue();
        assertThat(p(a).isEquivalentTo(p(a))).isTrue();
    }

    @ParameterizedTest(name = "''{0}'' !~ ''{1}''")
    @CsvSource(delimiter = '|', textBlock = """
            @id    | <id
            <d     | >d
            d      | q
            d      | Q
            b      | B
            b      | c
            ?      | B
            i      | I
            f      | i
            e      | h
            Zf     | 2f
            Zd     | 2d
            P      | Q
            P      | &d
            &d     | &f
            O      | P
            2s     | ss
            2s     | 2c
            2s     | 2p
            u      | H
            w      | I
            xi     | ix
            4x     | i
            dx     | d
            d      | dd
            g      | 2d
            >2h    | <2h
            T{i}d  | <id
            """)
    void notEquivalent(String a, String b) {
        assumeTrue(NATIVE == LE, "little-endian machine");
        assertThat(p(a).isEquivalentTo(p(b))).isFalse();
        assertThat(p(b).isEquivalentTo(p(a))).isFalse();
    }

    @Test
    void equivalenceOfHugeFlatteningsIsSymbolicOrFallsBackToEquality() {
        Format a = p("(100000)T{if}");
        assertThat(a.isEquivalentTo(p("(100000)T{if}"))).isTrue();
        assertThat(a.isEquivalentTo(p("(100000)T{i:a:f}"))).isTrue(); // the repetitions line up: skipped at once
        assertThat(p("(2000)T{if}").isEquivalentTo(p("(2000)T{i:a:f}"))).isTrue();
        assertThat(p("99999999999T{}").isEquivalentTo(p(""))).isTrue(); // empty structs add nothing, quickly
        // The same elements, but the repetitions never line up: beyond the step budget, compared as text.
        assertThat(a.isEquivalentTo(p("i(99999)T{fi}f"))).isFalse();
        assertThat(p("(1000)T{if}").isEquivalentTo(p("i(999)T{fi}f"))).isTrue(); // within the budget
    }

    // ------------------------------------------------------------------------------------------------ fields

    @Test
    void nestedStructFields() {
        assumeLp64X86();
        Format f = p("@bT{id}:s:");
        assertThat(f.fields()).hasSize(2);
        Field b = f.fields().get(0);
        assertThat(b).isEqualTo(new Field(null, 0, ElementType.INT8, 1, new long[0], null, NATIVE));
        Field s = f.fields().get(1);
        assertThat(s.name()).isEqualTo("s");
        assertThat(s.offset()).isEqualTo(8);
        assertThat(s.type()).isEqualTo(ElementType.STRUCT);
        Format inner = s.struct();
        assertThat(inner.toString()).isEqualTo("T{id}");
        assertThat(inner.source()).isEqualTo("T{id}");
        assertThat(inner.itemSize()).isEqualTo(16);
        assertThat(inner.alignment()).isEqualTo(8);
        assertThat(inner.fields()).extracting(Field::offset).containsExactly(0L, 8L);
        assertThat(inner.fields()).extracting(Field::type).containsExactly(ElementType.INT32, ElementType.FLOAT64);
        assertThat(inner).isEqualTo(p("T{id}"));
        assertThat(p("T{id}").fields()).isEqualTo(inner.fields());
    }

    @Test
    void namedFieldsShapesCountsAndPadding() {
        Format f = p("<h(2,3)d:m:3s:name:x:pad:?");
        assertThat(f.itemSize()).isEqualTo(55);
        assertThat(f.fields()).containsExactly(
                new Field(null, 0, ElementType.INT16, 1, null, null, LE),
                new Field("m", 2, ElementType.FLOAT64, 1, new long[] {2, 3}, null, LE),
                new Field("name", 50, ElementType.CHARS, 3, null, null, LE),
                new Field(null, 54, ElementType.BOOL, 1, null, null, LE));
        assertThat(f.fields().get(1).elementCount()).isEqualTo(6);
        assertThat(f.fields().get(2).elementCount()).isEqualTo(3);
    }

    @Test
    void singleTopLevelStructIsTheStructItself() {
        Format f = p("T{d:x:i:y:}");
        assertThat(f.fields()).extracting(Field::name).containsExactly("x", "y");
        assertThat(f.fields()).extracting(Field::offset).containsExactly(0L, 8L);
        assertThat(f.itemSize()).isEqualTo(16);
        // with a name, a count or a shape it stays one field
        assertThat(p("T{di}:s:").fields()).singleElement().extracting(Field::type).isEqualTo(ElementType.STRUCT);
        assertThat(p("1T{di}").fields()).hasSize(2);
        assertThat(p("2T{di}").fields()).singleElement().extracting(Field::count).isEqualTo(2L);
        assertThat(p("(1)T{di}").fields()).singleElement().extracting(Field::type).isEqualTo(ElementType.STRUCT);
        assertThat(p("T{T{d}}").fields()).singleElement().satisfies(fl -> {
            assertThat(fl.type()).isEqualTo(ElementType.STRUCT);
            assertThat(fl.struct()).isEqualTo(p("T{d}"));
        });
    }

    @Test
    void byteOrdersInsideStructsAreScopedToTheirField() {
        Format f = p("=T{<i>h}i");
        Format inner = f.fields().get(0).struct();
        assertThat(f.fields().get(0).byteOrder()).isEqualTo(NATIVE);
        assertThat(inner.fields()).extracting(Field::byteOrder).containsExactly(LE, BE);
        assertThat(inner.toString()).isEqualTo("=T{<i>h}");
        assertThat(inner.isNativeSize()).isFalse();
        assertThat(f.fields().get(1).byteOrder()).isEqualTo(NATIVE);
        assertThat(f.fields().get(1).offset()).isEqualTo(6);
        assertThat(f.itemSize()).isEqualTo(10);
    }

    @Test
    void pointersCarryTheirTarget() {
        Format f = p("2&T{id}:p:");
        Field ptr = f.fields().getFirst();
        assertThat(ptr.type()).isEqualTo(ElementType.POINTER);
        assertThat(ptr.count()).isEqualTo(2);
        assertThat(ptr.name()).isEqualTo("p");
        assertThat(ptr.struct()).isEqualTo(p("T{id}"));
        assertThat(ptr.struct().itemSize()).isEqualTo(16);
        Format pp = p("&&d").fields().getFirst().struct();
        assertThat(pp).isEqualTo(p("&d"));
        assertThat(pp.fields().getFirst().struct()).isEqualTo(p("d"));
        assertThat(p("&Zd").fields().getFirst().struct().elementType()).isEqualTo(ElementType.COMPLEX_DOUBLE);
    }

    @Test
    void emptyFormats() {
        for (String s : new String[] {"", "<", "T{}", "0d", "3x", "T{}T{}"}) {
            Format f = p(s);
            assertThat(f.isSingleElement()).as(s).isFalse();
            assertThat(f.valueLayout()).isEmpty();
            assertThat(f.layout().byteSize()).isEqualTo(f.itemSize());
        }
        assertThat(p("3x").fields()).isEmpty();
        assertThat(p("0d").fields()).singleElement().extracting(Field::count).isEqualTo(0L);
    }

    @Test
    void fieldIsImmutableAndComparesArrayContents() {
        long[] shape = {2, 3};
        Field f = new Field("a", 0, ElementType.FLOAT64, 1, shape, null, LE);
        shape[0] = 99;
        assertThat(f.shape()).containsExactly(2, 3);
        f.shape()[1] = 99;
        assertThat(f.shape()).containsExactly(2, 3);
        Field g = new Field("a", 0, ElementType.FLOAT64, 1, new long[] {2, 3}, null, LE);
        assertThat(f).isEqualTo(g).hasSameHashCodeAs(g);
        assertThat(f).isNotEqualTo(new Field("a", 0, ElementType.FLOAT64, 1, new long[] {3, 2}, null, LE));
        assertThat(f.toString()).isEqualTo("Field[name=a, offset=0, type=FLOAT64, count=1, shape=[2, 3], "
                + "struct=null, byteOrder=LITTLE_ENDIAN]");
        assertThat(new Field(null, 0, ElementType.INT8, 1, null, null, LE).shape()).isEmpty();
        assertThatThrownBy(() -> new Field(null, -1, ElementType.INT8, 1, null, null, LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Field(null, 0, ElementType.INT8, -1, null, null, LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Field(null, 0, ElementType.INT8, 1, new long[] {-1}, null, LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Field(null, 0, ElementType.PAD, 1, null, null, LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Field(null, 0, ElementType.STRUCT, 1, null, null, LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Field(null, 0, ElementType.INT8, 1, null, p("d"), LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Field(null, 0, null, 1, null, null, LE)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Field(null, 0, ElementType.INT8, 1, null, null, null))
                .isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------------------------------------ single elements

    static Stream<Arguments> singleElements() {
        ByteOrder n = NATIVE;
        boolean lp64 = ElementType.LONG.byteSize(true) == 8;
        ValueLayout nativeLong = lp64 ? ValueLayout.JAVA_LONG_UNALIGNED : ValueLayout.JAVA_INT_UNALIGNED;
        return Stream.of(
                Arguments.of("c", ElementType.CHAR, ValueLayout.JAVA_BYTE.withOrder(n)),
                Arguments.of("b", ElementType.INT8, ValueLayout.JAVA_BYTE.withOrder(n)),
                Arguments.of(">B", ElementType.UINT8, ValueLayout.JAVA_BYTE.withOrder(BE)),
                Arguments.of("?", ElementType.BOOL, ValueLayout.JAVA_BOOLEAN.withOrder(n)),
                Arguments.of("h", ElementType.INT16, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(n)),
                Arguments.of("<H", ElementType.UINT16, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE)),
                Arguments.of("e", ElementType.FLOAT16, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(n)),
                Arguments.of(">e", ElementType.FLOAT16, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(BE)),
                Arguments.of("i", ElementType.INT32, ValueLayout.JAVA_INT_UNALIGNED.withOrder(n)),
                Arguments.of(">i", ElementType.INT32, ValueLayout.JAVA_INT_UNALIGNED.withOrder(BE)),
                Arguments.of("!I", ElementType.UINT32, ValueLayout.JAVA_INT_UNALIGNED.withOrder(BE)),
                Arguments.of("l", ElementType.LONG, nativeLong.withOrder(n)),
                Arguments.of("L", ElementType.ULONG, nativeLong.withOrder(n)),
                Arguments.of("<l", ElementType.LONG, ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE)),
                Arguments.of(">L", ElementType.ULONG, ValueLayout.JAVA_INT_UNALIGNED.withOrder(BE)),
                Arguments.of("q", ElementType.INT64, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(n)),
                Arguments.of("=Q", ElementType.UINT64, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(n)),
                Arguments.of("n", ElementType.SSIZE_T, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(n)),
                Arguments.of("N", ElementType.SIZE_T, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(n)),
                Arguments.of("f", ElementType.FLOAT32, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(n)),
                Arguments.of("<f", ElementType.FLOAT32, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE)),
                Arguments.of("d", ElementType.FLOAT64, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(n)),
                Arguments.of(">d", ElementType.FLOAT64, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(BE)),
                Arguments.of("@P", ElementType.VOID_POINTER, ValueLayout.ADDRESS_UNALIGNED.withOrder(n)),
                Arguments.of("&d", ElementType.POINTER, ValueLayout.ADDRESS_UNALIGNED.withOrder(n)),
                Arguments.of("T{d}", ElementType.FLOAT64, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(n)),
                Arguments.of("d:x:", ElementType.FLOAT64, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(n)),
                Arguments.of("s", ElementType.CHARS, null),
                Arguments.of("1p", ElementType.PASCAL_STRING, null),
                Arguments.of("g", ElementType.LONG_DOUBLE, null),
                Arguments.of("Zf", ElementType.COMPLEX_FLOAT, null),
                Arguments.of("Zd", ElementType.COMPLEX_DOUBLE, null),
                Arguments.of("Zg", ElementType.COMPLEX_LONG_DOUBLE, null),
                Arguments.of("u", ElementType.UCS2, null),
                Arguments.of("w", ElementType.UCS4, null),
                Arguments.of("O", ElementType.OBJECT, null));
    }

    @ParameterizedTest(name = "''{0}''")
    @MethodSource("singleElements")
    void singleElementsAndTheirValueLayouts(String format, ElementType type, ValueLayout layout) {
        Format f = p(format);
        assertThat(f.isSingleElement()).isTrue();
        assertThat(f.elementType()).isEqualTo(type);
        assertThat(f.valueLayout()).isEqualTo(Optional.ofNullable(layout));
        if (layout != null) {
            assertThat(layout.byteSize()).isEqualTo(f.itemSize());
            assertThat(layout.byteAlignment()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            2d
            dd
            (1)d
            2s
            xd
            dx
            @di
            3c
            T{}
            T{id}
            T{d}:s:
            0d
            """)
    void notSingleElements(String format) {
        Format f = p(format);
        assertThat(f.isSingleElement()).isFalse();
        assertThat(f.valueLayout()).isEmpty();
        assertThatThrownBy(f::elementType).isInstanceOf(IllegalStateException.class)
                .hasMessage("format '" + f + "' is not a single element");
    }

    // ------------------------------------------------------------------------------------------------ layouts

    @Test
    void layoutHasPaddingNamesAndSequences() {
        assumeLp64X86();
        StructLayout l = (StructLayout) p("@b(2,3)d:m:T{hZf}:t:").layout();
        assertThat(l.byteSize()).isEqualTo(72);
        assertThat(l.byteAlignment()).isEqualTo(1);
        List<MemoryLayout> m = l.memberLayouts();
        assertThat(m.get(0)).isEqualTo(ValueLayout.JAVA_BYTE.withOrder(NATIVE));
        assertThat(m.get(1)).isEqualTo(MemoryLayout.paddingLayout(7));
        assertThat(m.get(2)).isEqualTo(MemoryLayout.sequenceLayout(2, MemoryLayout.sequenceLayout(3,
                ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(NATIVE))).withName("m"));
        assertThat(m.get(3).name()).contains("t");
        assertThat(l.byteOffset(PathElement.groupElement("t"))).isEqualTo(56);
        assertThat(l.select(PathElement.groupElement("t"))).isInstanceOf(StructLayout.class);
        StructLayout t = (StructLayout) l.select(PathElement.groupElement("t"));
        assertThat(t.byteSize()).isEqualTo(12); // h, 2 bytes padding, Zf
        assertThat(t.memberLayouts().get(2)).isEqualTo(MemoryLayout.structLayout(
                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(NATIVE).withName("real"),
                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(NATIVE).withName("imag")));
        assertThat(m.get(4)).isEqualTo(MemoryLayout.paddingLayout(4)); // 68 -> 72: trailing padding to 8
        assertThat(m).hasSize(5);
    }

    @Test
    void layoutReadsUnalignedDataInTheDeclaredByteOrder() {
        Format f = p("T{>h(3)i:v:<q:w:}");
        MemoryLayout l = f.layout();
        VarHandle v = l.varHandle(PathElement.groupElement("v"), PathElement.sequenceElement());
        VarHandle w = l.varHandle(PathElement.groupElement("w"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment base = arena.allocate(f.itemSize() + 1, 8);
            MemorySegment item = base.asSlice(1, f.itemSize()); // odd address
            item.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(BE), 2 + 4, 0x01020304);
            item.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE), 14, -5L);
            assertThat((int) v.get(item, 0L, 1L)).isEqualTo(0x01020304);
            assertThat((long) w.get(item, 0L)).isEqualTo(-5L);
        }
        assertThat(((SequenceLayout) l.select(PathElement.groupElement("v"))).elementCount()).isEqualTo(3);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            g
            Zg
            bZd
            3w
            (2)5s
            u
            O
            &T{d}
            T{}
            2T{}
            9223372036854775807x
            1152921504606846975q
            d(0)T{i}
            """)
    void layoutSizeIsItemSize(String format) {
        Format f = p(format);
        assertThat(f.layout().byteSize()).isEqualTo(f.itemSize());
        assertThat(f.layout()).isSameAs(f.layout());
    }

    // ------------------------------------------------------------------------------------------------ misc

    @Test
    void commonFormatsAreCachedButKeepTheirSource() {
        assertThat(p("d")).isSameAs(p("d"));
        assertThat(p("<i").source()).isEqualTo("<i");
        assertThat(p(" d").source()).isEqualTo(" d");
    }

    @Test
    void elementTypeCodes() {
        Set<String> codes = new HashSet<>();
        for (ElementType t : ElementType.values()) {
            assertThat(codes.add(t.code())).as("unique code %s", t.code()).isTrue();
            assertThat(ElementType.forCode(t.code())).contains(t);
        }
        assertThat(ElementType.forCode("y")).isEmpty();
        assertThat(ElementType.forCode(null)).isEmpty();
        assertThat(ElementType.COMPLEX_DOUBLE.code()).isEqualTo("Zd");
        assertThat(ElementType.values()).filteredOn(ElementType::isInteger).extracting(ElementType::code)
                .containsExactlyInAnyOrder("b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "n", "N");
        assertThat(ElementType.values()).filteredOn(ElementType::isSigned).extracting(ElementType::code)
                .containsExactlyInAnyOrder("b", "h", "i", "l", "q", "n");
        assertThat(ElementType.values()).filteredOn(ElementType::isFloatingPoint).extracting(ElementType::code)
                .containsExactlyInAnyOrder("e", "f", "d", "g");
        assertThat(ElementType.values()).filteredOn(ElementType::isComplex).extracting(ElementType::code)
                .containsExactlyInAnyOrder("Zf", "Zd", "Zg");
        assertThat(ElementType.values()).filteredOn(ElementType::isNativeOnly).extracting(ElementType::code)
                .containsExactlyInAnyOrder("n", "N", "P", "&", "g", "Zg");
        assertThat(ElementType.values()).filteredOn(ElementType::isString).extracting(ElementType::code)
                .containsExactlyInAnyOrder("s", "p", "u", "w");
        assertThat(ElementType.values()).filteredOn(ElementType::isPointer).extracting(ElementType::code)
                .containsExactlyInAnyOrder("P", "&", "O");
        assertThat(ElementType.LONG.byteSize(false)).isEqualTo(4);
        assertThat(ElementType.OBJECT.byteSize(false)).isEqualTo(ValueLayout.ADDRESS.byteSize());
        assertThat(ElementType.COMPLEX_FLOAT.nativeAlignment()).isEqualTo(4);
        assertThatThrownBy(() -> ElementType.SIZE_T.byteSize(false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ElementType.STRUCT.byteSize(true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(ElementType.STRUCT::nativeAlignment).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyCodeParsesToItsElementType() {
        for (ElementType t : ElementType.values()) {
            String s = switch (t) {
                case PAD -> null;
                case POINTER -> "&d";
                case STRUCT -> "T{d}:s:";
                default -> t.code();
            };
            if (s != null) {
                assertThat(p(s).fields()).singleElement().extracting(Field::type).as(s).isEqualTo(t);
            }
        }
    }

    @Test
    void concurrentUseIsSafe() throws Exception {
        List<String> formats = List.of("@bT{id}:s:", "<h(2,3)d:m:", "2&T{id}", "(100)T{if}", "Zd", "=T{<i>h}i");
        List<Callable<List<Object>>> tasks = new ArrayList<>();
        Format shared = p("(50)T{ib}d");
        for (int i = 0; i < 4; i++) {
            tasks.add(() -> {
                List<Object> out = new ArrayList<>();
                for (int k = 0; k < 25; k++) {
                    for (String s : formats) {
                        Format f = p(s);
                        out.add(f.layout().byteSize() + ":" + f.itemSize() + ":" + f);
                    }
                    out.add(shared.layout().byteSize());
                    out.add(shared.isEquivalentTo(p("(50)T{ib}d")));
                }
                return out;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Object>>> results = pool.invokeAll(tasks);
            List<Object> first = results.getFirst().get();
            for (Future<List<Object>> r : results) {
                assertThat(r.get()).isEqualTo(first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** PEP 3118 as written: '^', and a byte order at the start of any item; sizes as NumPy's reader gives them. */
    @Nested
    class Pep3118ByteOrders {
        @ParameterizedTest(name = "''{0}'' is {1}/{2}")
        @CsvSource(delimiter = '|', textBlock = """
                ^id      | 12 | 1
                ^T{bd}   |  9 | 1
                <d>i     | 12 | 1
                d<i      | 12 | 8
                @d<i     | 12 | 8
                <i@d     | 16 | 8
                b^d      |  9 | 1
                d^i      | 12 | 8
                dT{i}<d  | 20 | 8
                (2)<d    | 16 | 1
                di@b     | 16 | 8
                di<b     | 13 | 8
                """)
        void sizesAreNumpys(String format, long size, long alignment) {
            Format f = p(format);
            assertThat(f.itemSize()).isEqualTo(size);
            assertThat(f.alignment()).isEqualTo(alignment);
        }

        @Test
        void structModuleStringsKeepCalcsize() {
            // the same items without the PEP 3118 byte orders are struct-module strings: no padding at the end
            assertThat(p("di").itemSize()).isEqualTo(12);
            assertThat(p("@di").itemSize()).isEqualTo(12);
            assertThat(p("dib").itemSize()).isEqualTo(13);
            assertThat(p("<di").itemSize()).isEqualTo(12);
        }

        @Test
        void caretIsNativeSizeWithoutAlignment() {
            Format f = p("^bdl");
            assertThat(f.isNativeSize()).isTrue();
            assertThat(f.byteOrder()).isEqualTo(NATIVE);
            assertThat(f.fields()).extracting(Field::offset).containsExactly(0L, 1L, 9L);
            assertThat(f.itemSize()).isEqualTo(1 + 8 + ElementType.LONG.byteSize(true));
            assertThat(f.alignment()).isEqualTo(1);
            assertThat(p("^P").itemSize()).isEqualTo(ElementType.VOID_POINTER.byteSize(true));
            assertThat(p("^&d").alignment()).isEqualTo(1);
            assertThat(p("b^&d").fields().get(1).offset()).isEqualTo(1);
            assertThat(f.toString()).isEqualTo("^bdl");
            assertThat(p("^").itemSize()).isZero();
        }

        @Test
        void midStringOrdersHoldForTheRestOfTheString() {
            Format f = p("<d>ih!q=h");
            assertThat(f.fields()).extracting(Field::byteOrder).containsExactly(LE, BE, BE, BE, NATIVE);
            assertThat(f.fields()).extracting(Field::offset).containsExactly(0L, 8L, 12L, 14L, 22L);
            assertThat(f.itemSize()).isEqualTo(24);
            assertThat(f.byteOrder()).isEqualTo(LE);
            assertThat(f.toString()).isEqualTo("<d>ihq=h");
            assertThat(p(f.toString())).isEqualTo(f);
            assertThat(p("@d<i").toString()).isEqualTo("d<i");
            assertThat(p("d<i").fields().get(1).offset()).isEqualTo(8);
        }

        @Test
        void caretIsEquivalentToNativeOrderWithoutPadding() {
            assumeTrue(NATIVE == LE, "little-endian machine");
            assertThat(p("^d").isEquivalentTo(p("d"))).isTrue();
            assertThat(p("^d").isEquivalentTo(p("<d"))).isTrue();
            assertThat(p("^d")).isNotEqualTo(p("d"));
            assertThat(p("<d>d").isEquivalentTo(p("<dd"))).isFalse();
        }
    }

    /** Type names a user may guess instead of a format string get the struct code in the message. */
    @ParameterizedTest(name = "''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', textBlock = """
            double        | d
            float64       | d
            Float64       | d
            float         | f
            float32       | f
            int           | i
            int32         | i
            int64         | q
            long long     | q
            uint8         | B
            unsigned char | B
            int8          | b
            uint32        | I
            uint64        | Q
            int16         | h
            uint16        | H
            bool          | ?
            boolean       | ?
            half          | e
            complex128    | Zd
            size_t        | N
            string        | s
            <f8           | <d
            >i4           | >i
            u1            | B
            f4            | f
            """)
    void guessedTypeNamesGetTheStructCode(String guess, String code) {
        assertThatThrownBy(() -> p(guess)).isInstanceOf(FormatException.class)
                .hasMessageStartingWith("format '" + guess + "' position ")
                .hasMessageContaining(": expected ")
                .hasMessageContaining("not a format string: write '" + code + "'");
        assertThat(p(code)).isNotNull();
    }

    @Test
    void hintsExampleWordForWord() {
        assertThatThrownBy(() -> p("float64")).isInstanceOf(FormatException.class).hasMessage(
                "format 'float64' position 2: bad character 'o': expected a format code; 'float64' is a type name, "
                        + "not a format string: write 'd' (a C double, 8 bytes)");
        assertThatThrownBy(() -> p("dy")).isInstanceOf(FormatException.class)
                .hasMessage("format 'dy' position 1: bad character 'y': expected a format code");
        FormatException e = (FormatException) org.assertj.core.api.Assertions.catchThrowable(() -> p("int"));
        assertThat(e.format()).isEqualTo("int");
        assertThat(e.position()).isEqualTo(2);
        assertThat(e.expected()).isEqualTo("a format code");
    }

    @Nested
    class Deviations {
        /** NumPy accepts these; we reject them (see the package documentation). */
        @ParameterizedTest(name = "''{0}''")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                T{
                T{d
                d}xx
                T{d::}
                d:a b:
                (+2)d
                T{<(2)d}
                <>d
                @@
                """)
        void rejectedWhereNumpyIsLax(String format) {
            assertThatThrownBy(() -> p(format)).isInstanceOf(FormatException.class);
        }

        /** NumPy rejects these; we accept them (see the package documentation). */
        @ParameterizedTest(name = "''{0}''")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                "d d"
                " T{d}"
                &d
                u
                T{P}
                T{n}
                T{N}
                T{p}
                <(2)d
                ^(2)d
                " <d"
                "d <i"
                ^
                (2)0d
                (2)0s
                T{1000000000000d}
                (2147483648)b
                """)
        void acceptedWhereNumpyRefuses(String format) {
            assertThat(p(format).itemSize()).isGreaterThanOrEqualTo(0);
        }
    }
}
