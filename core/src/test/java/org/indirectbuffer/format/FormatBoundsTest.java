package org.indirectbuffer.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Work on a format is bounded by the length of its string, not by its repeat counts or nesting depth. The timeout
 * only guards against a hang (the code before this test looped once per repetition, or overflowed the stack); the
 * tests assert results.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FormatBoundsTest {
    private static final String E18 = "1000000000000000000";

    private static Format p(String s) {
        return Format.parse(s);
    }

    private static void assumeLittleEndianLp64() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "little-endian machine");
        assumeTrue(ElementType.LONG.byteSize(true) == 8, "LP64");
    }

    /** Runs every operation of a parsed format, for formats that must not hang or overflow the stack. */
    private static void exercise(Format f) {
        assertThat(p(f.toString())).isEqualTo(f);
        assertThat(p(f.toString()).hashCode()).isEqualTo(f.hashCode());
        assertThat(f.isEquivalentTo(f)).isTrue();
        assertThat(f.isEquivalentTo(p(f.toString()))).isTrue();
        assertThat(f.layout().byteSize()).isEqualTo(f.itemSize());
        assertThat(f.layout().toString()).isNotEmpty();
        assertThat(f.fields()).isNotNull();
        assertThat(f.alignment()).isPositive();
        f.valueLayout();
        if (f.isSingleElement()) {
            f.elementType();
        }
        for (Field field : f.fields()) {
            assertThat(field.toString()).isNotEmpty();
            assertThat(field.elementCount()).isNotNegative();
        }
    }

    // ------------------------------------------------------------------------------------------------ the trials

    @Test
    void aHugeRepeatOfEmptyStringsIsEquivalentToNothing() {
        Format f = p("(" + E18 + ")0s");
        assertThat(f.itemSize()).isZero();
        assertThat(f.isEquivalentTo(p("0s"))).isTrue();
        assertThat(p("0s").isEquivalentTo(f)).isTrue();
        assertThat(f.isEquivalentTo(p(""))).isTrue();
        assertThat(f.isEquivalentTo(p("T{}"))).isTrue();
        assertThat(f.isEquivalentTo(p("(" + E18 + ")T{(" + E18 + ")0w}"))).isTrue();
        assertThat(p("(" + E18 + ")0sd").isEquivalentTo(p("d"))).isTrue();
        assertThat(p("d(" + E18 + ")0s").isEquivalentTo(p("(" + E18 + ")0sd"))).isTrue();
        assertThat(p("(" + E18 + ")0sd").isEquivalentTo(p("q"))).isFalse();
        exercise(f);
    }

    @Test
    void reinterpretDataWithAHugeRepeatFormatReturns() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", false)) {
            m.setDouble(1, 2, 2.5);
            try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                // Equivalent to "d": accepted while exported.
                m.reinterpretData("(" + E18 + ")0sd");
                assertThat(m.cols()).isEqualTo(3);
                m.reinterpretData("d(" + E18 + ")T{}");
                assertThat(m.cols()).isEqualTo(3);
                // Same item size, other elements: refused while exported, and promptly.
                assertThatThrownBy(() -> m.reinterpretData("(" + E18 + ")0sq"))
                        .isInstanceOf(BufferException.class)
                        .hasMessageStartingWith("buffer is locked");
                assertThat(v.getDouble(1, 2)).isEqualTo(2.5);
            }
            m.reinterpretData("(" + E18 + ")0s(2)T{(" + E18 + ")0si}");
            assertThat(m.cols()).isEqualTo(3);
            assertThat(m.format().itemSize()).isEqualTo(8);
        }
    }

    @Test
    void aHundredThousandNestedLevelsAreRefusedAtTheFirstLevelTooDeep() {
        int n = 100_000;
        String structs = "T{".repeat(n) + "d" + "}".repeat(n);
        assertThatThrownBy(() -> p(structs)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(2 * Format.MAX_NESTING + 1); // the '{' of the 65th "T{"
            assertThat(e.problem()).isEqualTo("nesting deeper than 64 levels");
            assertThat(e.expected()).isEqualTo("at most 64 nested T{...} and '&'");
            assertThat(e.getMessage()).contains("position 129: nesting deeper than 64 levels");
        });
        String pointers = "&".repeat(n) + "d";
        assertThatThrownBy(() -> p(pointers)).isInstanceOfSatisfying(FormatException.class,
                e -> assertThat(e.position()).isEqualTo(Format.MAX_NESTING));
        String shapedStructs = "(1)T{".repeat(n) + "d" + "}".repeat(n);
        assertThatThrownBy(() -> p(shapedStructs)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(5 * Format.MAX_NESTING + 4);
            assertThat(e.problem()).isEqualTo("nesting deeper than 64 levels");
        });
        // Shapes do not nest: a shape must be followed by a code.
        assertThatThrownBy(() -> p("(1)".repeat(n) + "d")).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(3);
            assertThat(e.problem()).isEqualTo("bad character '(' after sub-array shape");
        });
    }

    // ------------------------------------------------------------------------------------------------ nesting

    @Test
    void nestingOfExactlyTheLimitWorksInEveryOperation() {
        int max = Format.MAX_NESTING;
        assertThat(max).isEqualTo(64);
        List<String> atLimit = List.of(
                "T{".repeat(max) + "d" + "}".repeat(max),
                "T{".repeat(max) + "}".repeat(max),
                "(1)T{".repeat(max) + "d" + "}".repeat(max),
                "i" + ("(" + E18 + ")T{").repeat(max) + "}".repeat(max),
                "(1)T{i".repeat(max) + "d" + "}".repeat(max),
                "&".repeat(max) + "d",
                "&T{".repeat(max / 2) + "d" + "}".repeat(max / 2),
                "T{&".repeat(max / 2) + "d" + "}".repeat(max / 2));
        for (String s : atLimit) {
            exercise(p(s));
        }
        // Deep formats compare by meaning: a name at the bottom does not matter, a type does.
        String e16 = "(10000000000000000)";
        Format a = p(e16 + "T{i".repeat(max) + "d" + "}".repeat(max));
        Format named = p(e16 + "T{i".repeat(max) + "d:x:" + "}".repeat(max));
        Format other = p(e16 + "T{i".repeat(max) + "q" + "}".repeat(max));
        assertThat(a).isNotEqualTo(named);
        assertThat(a.isEquivalentTo(named)).isTrue();
        assertThat(a.isEquivalentTo(other)).isFalse();
        int half = max / 2 - 1; // and the T{if} at the bottom: 63 levels
        Format pa = p("&T{".repeat(half) + "(" + E18 + ")T{if}" + "}".repeat(half));
        Format pn = p("&T{".repeat(half) + "(" + E18 + ")T{i:n:f}" + "}".repeat(half));
        Format po = p("&T{".repeat(half) + "(" + E18 + ")T{fi}" + "}".repeat(half));
        assertThat(pa.isEquivalentTo(pn)).isTrue();
        assertThat(pa.isEquivalentTo(po)).isFalse();
    }

    @Test
    void oneLevelMoreIsRefusedWithThePositionAndTheLimit() {
        int max = Format.MAX_NESTING;
        String structs = "T{".repeat(max + 1) + "d" + "}".repeat(max + 1);
        assertThatThrownBy(() -> p(structs)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(2 * max + 1);
            assertThat(e.getMessage()).isEqualTo("format '" + FormatException.excerpt(structs, 2 * max + 1)
                    + "' position 129: nesting deeper than 64 levels: expected at most 64 nested T{...} and '&'");
        });
        String pointers = "&".repeat(max + 1) + "d";
        assertThatThrownBy(() -> p(pointers)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(max);
            assertThat(e.problem()).isEqualTo("nesting deeper than 64 levels");
        });
        String mixed = "&T{".repeat(max / 2) + "&d" + "}".repeat(max / 2);
        assertThatThrownBy(() -> p(mixed)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(3 * (max / 2)); // the 65th level is the last '&'
            assertThat(e.problem()).isEqualTo("nesting deeper than 64 levels");
        });
        // Depth is nesting, not count: many structs side by side are fine.
        exercise(p("T{T{d}}".repeat(10_000)));
    }

    // ------------------------------------------------------------------------------------------------ huge repeats

    @ParameterizedTest(name = "''{0}'' ~ ''{1}''")
    @CsvSource(delimiter = '|', textBlock = """
            (1000000000000000000)T{if}          | (1000000000000000000)T{i:a:f}
            (1000000000000000000)T{if}          | (999999999999999999)T{if}T{i:b:f}
            (1000000000000000000)T{if}          | T{if}(999999999999999999)T{if}
            (1000000000000000000)T{if}          | (1000000000000000)T{(1000)T{if}}
            (1000000000000000000)T{if}          | (1000)T{(1000000000000000)T{if}}
            (1000000000000000000)T{if}d         | (1000000000000000000)T{if}T{d}
            (1000000000000000000)d              | 1000000000000000000d
            (1000000000000000000)d              | (1000000000,1000000000)T{d}
            (1000000000000000000)d              | (1000000)T{(1000000000000)d}
            (1000000000000000000)2s             | (500000000000000000)T{(2)2s}
            1000000000000000000x                | (1000000000000000000)T{x}
            1000000000000000000x                | (1000000000000000000)T{0d}1000000000000000000x
            (1000000000000000000)0s             | 0s
            (1000000000000000000)T{}            | ''
            <(100000000000000000)T{did}         | <(100000000000000000)T{d:a:id}
            (1000000000)T{&T{(1000000000000000000)T{if}}i} | (1000000000)T{&T{(1000000000000000000)T{i:a:f}}i}
            """)
    void hugeRepeatsThatMeanTheSameAreEquivalent(String a, String b) {
        assumeLittleEndianLp64();
        assertThat(p(a).isEquivalentTo(p(b))).isTrue();
        assertThat(p(b).isEquivalentTo(p(a))).isTrue();
        exercise(p(a));
        exercise(p(b));
    }

    @ParameterizedTest(name = "''{0}'' !~ ''{1}''")
    @CsvSource(delimiter = '|', textBlock = """
            (1000000000000000000)T{if}          | (1000000000000000000)T{fi}
            (1000000000000000000)T{if}          | (999999999999999999)T{if}T{fi}
            (1000000000000000000)T{if}          | (999999999999999999)T{if}T{ii}
            (1000000000000000000)T{if}d         | (1000000000000000000)T{if}q
            (1000000000000000000)d              | (1000000000000000000)q
            (1000000000000000000)d              | >(1000000000000000000)d
            2000000000000000000s                | (1000000000000000000)2s
            (1000000000000000000)2s             | (1000000000000000000)T{ss}
            1000000000000000000xd               | d1000000000000000000x
            (1000000000)T{&T{(1000000000000000000)T{if}}i} | (1000000000)T{&T{(1000000000000000000)T{fi}}i}
            """)
    void hugeRepeatsThatDifferAreNotEquivalent(String a, String b) {
        assumeLittleEndianLp64();
        assertThat(p(a).isEquivalentTo(p(b))).isFalse();
        assertThat(p(b).isEquivalentTo(p(a))).isFalse();
    }

    @Test
    void repetitionsThatNeverLineUpAreComparedAsTextBeyondTheBudget() {
        // The same bytes, but no repetition of one side starts where a repetition of the other does.
        Format a = p("(" + E18 + ")T{if}");
        Format b = p("i(999999999999999999)T{fi}f");
        assertThat(a.itemSize()).isEqualTo(b.itemSize());
        assertThat(a.isEquivalentTo(b)).isFalse();
        assertThat(b.isEquivalentTo(a)).isFalse();
        // Within the budget they are found equivalent element by element.
        assertThat(p("(1000)T{if}").isEquivalentTo(p("i(999)T{fi}f"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000000000000000000d", "9223372036854775807x", "(1000000000000000000)T{if}",
                            "(9223372036854775807)T{}", "(9223372036854775807)0d", "9223372036854775807T{}",
                            "(3037000499,3037000499)B", "(1000000000000000000)2s", "1000000000000000000s",
                            "(1000000000000000000)&d", "<(100000000000000000)Zd:z:", "(1000000000000000000)T{x}"})
    void hugeButValidRepeatCountsHaveALayoutWithThatCount(String s) {
        Format f = p(s);
        exercise(f);
        MemoryLayout l = f.layout();
        assertThat(l.byteSize()).isEqualTo(f.itemSize());
        if (!f.fields().isEmpty()) {
            Field only = f.fields().getFirst();
            MemoryLayout member = ((StructLayout) l).memberLayouts().getFirst();
            if (only.type().isString() && only.shape().length == 0) {
                assertThat(((SequenceLayout) member).elementCount()).isEqualTo(only.count());
            } else {
                long outermost = only.shape().length > 0 ? only.shape()[0] : only.count();
                assertThat(((SequenceLayout) member).elementCount()).isEqualTo(outermost);
            }
        }
    }

    @Test
    void theLayoutOfAHugeRepeatIsASequenceLayout() {
        Format f = p(E18 + "d");
        SequenceLayout s = (SequenceLayout) ((StructLayout) f.layout()).memberLayouts().getFirst();
        assertThat(s.elementCount()).isEqualTo(1_000_000_000_000_000_000L);
        assertThat(s.elementLayout().byteSize()).isEqualTo(8);
        assertThat(p(E18 + "x").layout().byteSize()).isEqualTo(1_000_000_000_000_000_000L);
        assertThat(p(E18 + "x").fields()).isEmpty();
        assertThat(p(E18 + "x").isEquivalentTo(p("(" + E18 + ")x"))).isTrue();
        assertThat(p(E18 + "x").isEquivalentTo(p(E18 + "B"))).isFalse();
    }

    // ------------------------------------------------------------------------------------------ against expansion

    /** One element of an expanded item; {@code unit} is the string length of a string unit, 0 otherwise. */
    private record Element(long offset, String kind, long size, ByteOrder order, long unit, Format target) {
    }

    /** A maximal run of an expanded item, the reference for {@link Format#isEquivalentTo(Format)}. */
    private record RefRun(long offset, String kind, long size, ByteOrder order, long unit, Format target,
                          long count) {
    }

    private static String kind(ElementType t) {
        if (t.isInteger()) {
            return t.isSigned() ? "signed" : "unsigned";
        }
        return t == ElementType.FLOAT16 || t == ElementType.FLOAT32 || t == ElementType.FLOAT64 ? "real" : t.name();
    }

    /** Every element of the item, one by one (only for small counts). */
    private static void expand(Format f, long base, List<Element> out) {
        List<Field> fields = f.fields();
        for (Field field : fields) {
            long outer = 1;
            for (long d : field.shape()) {
                outer *= d;
            }
            long at = base + field.offset();
            ElementType t = field.type();
            if (t == ElementType.STRUCT) {
                long size = field.struct().itemSize();
                for (long k = 0; k < outer * field.count(); k++) {
                    expand(field.struct(), at + k * size, out);
                }
                continue;
            }
            long size = t.byteSize(f.isNativeSize()); // random formats do not change modes inside T{}
            ByteOrder order = size == 1 ? null : field.byteOrder();
            if (t.isString()) {
                for (long k = 0; k < outer && field.count() > 0; k++) {
                    out.add(new Element(at + k * field.count() * size, kind(t), size, order, field.count(), null));
                }
            } else {
                for (long k = 0; k < outer * field.count(); k++) {
                    out.add(new Element(at + k * size, kind(t), size, order, 0, field.struct()));
                }
            }
        }
    }

    private static List<RefRun> runs(Format f) {
        List<Element> elements = new ArrayList<>();
        expand(f, 0, elements);
        List<RefRun> out = new ArrayList<>();
        for (Element e : elements) {
            RefRun last = out.isEmpty() ? null : out.getLast();
            if (last != null && e.unit == 0 && last.unit == 0 && last.offset + last.count * last.size == e.offset
                    && last.kind.equals(e.kind) && last.size == e.size && Objects.equals(last.order, e.order)
                    && Objects.equals(last.target, e.target)) {
                out.set(out.size() - 1, new RefRun(last.offset, last.kind, last.size, last.order, 0, last.target,
                        last.count + 1));
            } else {
                out.add(new RefRun(e.offset, e.kind, e.size, e.order, e.unit, e.target, 1));
            }
        }
        return out;
    }

    private static boolean referenceEquivalent(Format a, Format b) {
        if (a.equals(b)) {
            return true;
        }
        if (a.itemSize() != b.itemSize()) {
            return false;
        }
        List<RefRun> x = runs(a);
        List<RefRun> y = runs(b);
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            RefRun r = x.get(i);
            RefRun q = y.get(i);
            if (r.offset != q.offset || r.count != q.count || !r.kind.equals(q.kind) || r.size != q.size
                    || !Objects.equals(r.order, q.order) || r.unit != q.unit
                    || (r.target == null) != (q.target == null)
                    || r.target != null && !referenceEquivalent(r.target, q.target)) {
                return false;
            }
        }
        return true;
    }

    /** A random item string: few codes, small counts, so that equivalent pairs are common. */
    private static String randomItems(Random rnd, int depth, int[] names) {
        StringBuilder b = new StringBuilder();
        int items = 1 + rnd.nextInt(3);
        for (int i = 0; i < items; i++) {
            if (rnd.nextInt(4) == 0) {
                b.append('(').append(1 + rnd.nextInt(3)).append(')');
            }
            int count = rnd.nextInt(5);
            if (count != 1 && rnd.nextBoolean()) {
                b.append(count);
            }
            int code = rnd.nextInt(depth < 3 ? 9 : 7);
            switch (code) {
                case 0, 1 -> b.append('i');
                case 2 -> b.append('f');
                case 3 -> b.append('h');
                case 4 -> b.append('x');
                case 5 -> b.append('s');
                case 6 -> b.append('I');
                default -> b.append("T{").append(randomItems(rnd, depth + 1, names)).append('}');
            }
            if (code != 4 && code < 7) {
                b.append(":n").append(names[0]++).append(':');
            }
        }
        return b.toString();
    }

    @Test
    void symbolicEquivalenceAgreesWithElementByElementExpansion() {
        assumeLittleEndianLp64();
        Random rnd = new Random(3118);
        Map<Long, List<Format>> bySize = new HashMap<>();
        int[] names = {0};
        for (int i = 0; i < 4000; i++) {
            Format f = p((rnd.nextBoolean() ? "<" : "") + randomItems(rnd, 0, names));
            bySize.computeIfAbsent(f.itemSize(), k -> new ArrayList<>()).add(f);
        }
        int equivalent = 0;
        int compared = 0;
        for (List<Format> same : bySize.values()) {
            for (int i = 0; i < same.size() && i < 150; i++) {
                for (int j = i; j < same.size() && j < 150; j++) {
                    Format a = same.get(i);
                    Format b = same.get(j);
                    boolean expected = referenceEquivalent(a, b);
                    assertThat(a.isEquivalentTo(b)).as("%s ~ %s", a, b).isEqualTo(expected);
                    compared++;
                    equivalent += expected ? 1 : 0;
                }
            }
        }
        assertThat(compared).isGreaterThan(10_000);
        assertThat(equivalent).isGreaterThan(1_000);
    }

    // ------------------------------------------------------------------------------------------------ overflow

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            9223372036854775807d           | 0  | repeat count 9223372036854775807 of 8-byte 'd'
            d9223372036854775807d          | 1  | repeat count 9223372036854775807 of 8-byte 'd' after 8 bytes
            4611686018427387904h           | 0  | repeat count 4611686018427387904 of 2-byte 'h'
            (3037000499,3037000499)d       | 0  | sub-array (3037000499,3037000499) of 8-byte 'd'
            T{i}(2)2305843009213693952T{i} | 4  | sub-array (2) of repeat count 2305843009213693952 of 4-byte 'T{i}' \
            after 4 bytes
            9223372036854775000x1000x      | 20 | repeat count 1000 of 1-byte 'x' after 9223372036854775000 bytes
            """)
    void repeatCountsThatOverflowTheItemSizeAreAFormatExceptionNamingTheCount(String s, int position,
                                                                             String what) {
        assertThatThrownBy(() -> p(s)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.position()).isEqualTo(position);
            assertThat(e.problem()).isEqualTo("item size overflows: " + what);
            assertThat(e.getMessage()).isEqualTo("format '" + s + "' position " + position + ": item size overflows: "
                    + what + ": expected a total size of at most 9223372036854775807 bytes");
        });
    }

    @Test
    void elementCountsThatOverflowAreAFormatException() {
        assertThatThrownBy(() -> p("(9223372036854775807,2)T{}")).isInstanceOfSatisfying(FormatException.class,
                e -> {
                    assertThat(e.position()).isZero();
                    assertThat(e.problem()).isEqualTo("element count overflows: sub-array (9223372036854775807,2) "
                            + "of 'T{}'");
                    assertThat(e.expected()).isEqualTo("at most 9223372036854775807 elements");
                });
        assertThatThrownBy(() -> p("(2)9223372036854775807x")).isInstanceOfSatisfying(FormatException.class,
                e -> assertThat(e.problem()).isEqualTo("element count overflows: sub-array (2) of repeat count "
                        + "9223372036854775807 of 'x'"));
        String longStruct = "(3,3)1024819115206086201T{" + "i".repeat(30) + "}";
        assertThatThrownBy(() -> p(longStruct)).isInstanceOfSatisfying(FormatException.class,
                e -> assertThat(e.problem()).isEqualTo("element count overflows: sub-array (3,3) of repeat count "
                        + "1024819115206086201 of 'T{iiiiiiiiiiiiiii...'"));
    }
}
