package org.indirectbuffer.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link Format} against {@code format-table.tsv}, generated from CPython's {@code struct} module and
 * NumPy's PEP 3118 reader by {@code test-scripts/format-table/generate_format_table.py} (see its README).
 */
class FormatTableTest {

    /** One row of the table. {@code format} is unescaped. */
    record Row(String format, String escaped, String source, boolean ok, long itemSize, long alignment) {
        @Override
        public String toString() {
            return "'" + escaped + "' (" + source + ": " + (ok ? itemSize + "/" + alignment : "error") + ")";
        }
    }

    private static final Pattern WHITESPACE = Pattern.compile("\\s");
    private static List<Row> table;

    static List<Row> table() {
        if (table == null) {
            table = load();
        }
        return table;
    }

    private static List<Row> load() {
        try (InputStream in = FormatTableTest.class.getResourceAsStream("format-table.tsv")) {
            assertThat(in).as("format-table.tsv on the test class path").isNotNull();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            List<Row> rows = new ArrayList<>();
            boolean header = false;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!header) {
                    header = line.equals("format\tsource\toutcome\titemsize\talignment");
                    if (!header && !line.startsWith("#")) {
                        throw new IllegalStateException("unexpected line before the header: " + line);
                    }
                    continue;
                }
                String[] c = line.split("\t", -1);
                if (c.length != 5) {
                    throw new IllegalStateException("expected 5 columns: " + line);
                }
                boolean ok = switch (c[2]) {
                    case "ok" -> true;
                    case "error" -> false;
                    default -> throw new IllegalStateException("bad outcome: " + line);
                };
                rows.add(new Row(unescape(c[0]), c[0], c[1], ok, ok ? Long.parseLong(c[3]) : -1,
                        ok ? Long.parseLong(c[4]) : -1));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reverses the table's escaping: Python's unicode_escape (spaces are written as \x20 too). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\\' -> b.append('\\');
                case 't' -> b.append('\t');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 'x' -> {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                case 'u' -> {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                case 'U' -> {
                    b.appendCodePoint(Integer.parseInt(s.substring(i + 1, i + 9), 16));
                    i += 8;
                }
                default -> throw new IllegalArgumentException("bad escape \\" + e + " in " + s);
            }
        }
        return b.toString();
    }

    static Stream<Row> rows() {
        return table().stream();
    }

    static Stream<Row> okRows() {
        return table().stream().filter(Row::ok);
    }

    /** The table holds x86-64/LP64 Linux sizes; elsewhere native sizes differ. */
    @BeforeAll
    static void platformMatchesTheTable() {
        assumeTrue(ElementType.LONG.byteSize(true) == 8 && ElementType.VOID_POINTER.byteSize(true) == 8
                        && ElementType.LONG_DOUBLE.byteSize(true) == 16
                        && ElementType.LONG_DOUBLE.nativeAlignment() == 16,
                "native sizes of this platform differ from the x86-64 Linux reference table");
    }

    @Test
    void tableIsLargeAndCoversBothReferences() {
        List<Row> rows = table();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(300);
        assertThat(rows).filteredOn(r -> r.source().equals("struct")).hasSizeGreaterThan(100)
                .anyMatch(Row::ok).anyMatch(r -> !r.ok());
        assertThat(rows).filteredOn(r -> r.source().equals("numpy")).hasSizeGreaterThan(100)
                .anyMatch(Row::ok).anyMatch(r -> !r.ok());
        assertThat(rows).extracting(Row::format).doesNotHaveDuplicates()
                .contains("", " d", "d\u0000", "\u00e9", "99999999999999999999d", "@dT{i}", "(2,3)d");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matchesTheReference(Row row) {
        if (row.ok()) {
            Format f = Format.parse(row.format());
            assertThat(f.itemSize()).as("itemSize of %s", row).isEqualTo(row.itemSize());
            assertThat(f.alignment()).as("alignment of %s", row).isEqualTo(row.alignment());
            assertThat(f.source()).isEqualTo(row.format());
        } else {
            assertThatThrownBy(() -> Format.parse(row.format())).as("parse of %s", row)
                    .isInstanceOf(FormatException.class)
                    .satisfies(e -> {
                        FormatException fe = (FormatException) e;
                        assertThat(fe.format()).isEqualTo(row.format());
                        assertThat(fe.position()).isBetween(0, row.format().length());
                        assertThat(fe.getMessage()).startsWith("format '").contains(" position " + fe.position() + ": ")
                                .contains(": expected ");
                    });
        }
    }

    /**
     * One test over all ok rows, reporting every failing row (a parameterized test per row, or AssertJ soft
     * assertions, would multiply the run time).
     */
    @Test
    void canonicalFormRoundTripsForEveryOkRow() {
        List<String> failures = new ArrayList<>();
        okRows().forEach(row -> {
            Format f = Format.parse(row.format());
            String canonical = f.toString();
            Format again = Format.parse(canonical);
            check(failures, row, "parse(toString()) equals", again.equals(f) && again.hashCode() == f.hashCode());
            check(failures, row, "same item size", again.itemSize() == f.itemSize());
            check(failures, row, "same alignment", again.alignment() == f.alignment());
            check(failures, row, "same fields", again.fields().equals(f.fields()));
            check(failures, row, "stable canonical form", again.toString().equals(canonical));
            check(failures, row, "equivalent", again.isEquivalentTo(f) && f.isEquivalentTo(again));
            check(failures, row, "no whitespace, '!' or '@' prefix in '" + canonical + "'",
                    !WHITESPACE.matcher(canonical).find() && !canonical.contains("!") && !canonical.startsWith("@"));
        });
        assertThat(failures).isEmpty();
    }

    @Test
    void layoutCoversTheItemForEveryOkRow() {
        List<String> failures = new ArrayList<>();
        okRows().forEach(row -> {
            Format f = Format.parse(row.format());
            check(failures, row, "layout size " + f.layout().byteSize(), f.layout().byteSize() == f.itemSize());
            check(failures, row, "layout alignment 1", f.layout().byteAlignment() == 1);
            for (Field field : f.fields()) {
                check(failures, row, "offset inside the item", field.offset() >= 0 && field.offset() <= f.itemSize());
                if (field.type() == ElementType.STRUCT) {
                    Format nested = field.struct();
                    Format again = Format.parse(nested.toString());
                    check(failures, row, "nested '" + nested + "' round trips", again.equals(nested)
                            && again.fields().equals(nested.fields()) && again.itemSize() == nested.itemSize()
                            && again.alignment() == nested.alignment());
                }
            }
        });
        assertThat(failures).isEmpty();
    }

    private static void check(List<String> failures, Row row, String what, boolean ok) {
        if (!ok) {
            failures.add(row + ": " + what);
        }
    }
}
