package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;

/**
 * The typed accessors of {@link IndirectMemory2D} and of {@link BufferView} go through one helper: they accept the
 * same formats by the rule of docs/decisions.md ("Typed access") and refuse the others with the same message.
 */
class TypedAccessTest {
    /** Every single-item kind, both sizes of {@code l}, byte orders, a boolean and a two-item format. */
    private static final List<String> FORMATS = List.of("d", "<d", "f", ">f", "e", "<e", "q", "Q", "n", "N", "l",
            "L", "=l", "=L", "i", "I", "h", "H", "b", "B", "c", "?", "dd", "ff");

    /** What each accessor may read, by decisions.md; native {@code l L} are 8 bytes here (LP64). */
    private static final Map<String, List<String>> ACCEPTED = Map.of(
            "getDouble", List.of("d", "<d"),
            "getFloat", List.of("f", ">f", "e", "<e"),
            "getLong", List.of("q", "Q", "n", "N", "l", "L"),
            "getInt", List.of("=l", "=L", "i", "I"),
            "getShort", List.of("h", "H"),
            "getByte", List.of("b", "B", "c"));

    private record Accessor(String name, BiConsumer<IndirectMemory2D, Long> onMemory,
                            BiConsumer<BufferView, Long> onView) {
    }

    private static final List<Accessor> ACCESSORS = List.of(
            new Accessor("getDouble", (m, c) -> m.getDouble(0, c), (v, c) -> v.getDouble(0, c)),
            new Accessor("getFloat", (m, c) -> m.getFloat(0, c), (v, c) -> v.getFloat(0, c)),
            new Accessor("getLong", (m, c) -> m.getLong(0, c), (v, c) -> v.getLong(0, c)),
            new Accessor("getInt", (m, c) -> m.getInt(0, c), (v, c) -> v.getInt(0, c)),
            new Accessor("getShort", (m, c) -> m.getShort(0, c), (v, c) -> v.getShort(0, c)),
            new Accessor("getByte", (m, c) -> m.getByte(0, c), (v, c) -> v.getByte(0, c)));

    /** Null when {@code action} succeeded, else the message of the BufferException it threw. */
    private static String refusal(Runnable action) {
        try {
            action.run();
            return null;
        } catch (BufferException e) {
            return e.getMessage();
        }
    }

    @Test
    void memoryAndViewAcceptTheSameFormatsWithTheSameMessages() {
        assertThat(ValueLayout.ADDRESS.byteSize()).as("native l is 8 bytes on this platform").isEqualTo(8);
        List<String> mismatches = new ArrayList<>();
        for (String format : FORMATS) {
            try (IndirectMemory2D m = IndirectMemory2D.createMemory(1, 2, format, false);
                 BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
                for (Accessor a : ACCESSORS) {
                    String onMemory = refusal(() -> a.onMemory().accept(m, 1L));
                    String onView = refusal(() -> a.onView().accept(v, 1L));
                    boolean accepted = ACCEPTED.get(a.name()).contains(format);
                    String expected = accepted ? null : a.name() + ": format '" + format
                            + "' is not a single item of a type read as " + a.name().substring(3).toLowerCase();
                    if (!java.util.Objects.equals(onMemory, expected)) {
                        mismatches.add("IndirectMemory2D." + a.name() + " on '" + format + "': " + onMemory);
                    }
                    String expectedOnView = expected == null ? null
                            : expected.replace(": format '", ": view format '");
                    if (!java.util.Objects.equals(onView, expectedOnView)) {
                        mismatches.add("BufferView." + a.name() + " on '" + format + "': " + onView);
                    }
                }
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void halfPrecisionIsWidenedOnReadAndRoundedOnWrite() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "e", false)) {
            m.setFloat(1, 1, 1.5f);
            MemorySegment row = m.row(1);
            // item 1 is bytes 2..3 of the row: half precision, not a float at byte 4
            assertThat(row.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2)).isEqualTo(Float.floatToFloat16(1.5f));
            assertThat(row.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)).isZero();
            assertThat(row.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4)).isZero();
            assertThat(m.getFloat(1, 1)).isEqualTo(1.5f);

            // 0.1 is not a half: written rounded to nearest, read back as that half, widened exactly
            m.setFloat(0, 2, 0.1f);
            float rounded = Float.float16ToFloat(Float.floatToFloat16(0.1f));
            assertThat(rounded).isNotEqualTo(0.1f);
            assertThat(m.getFloat(0, 2)).isEqualTo(rounded);

            // bits written by someone else (65504, the largest half) are widened
            m.row(0).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x7BFF);
            assertThat(m.getFloat(0, 0)).isEqualTo(65504f);

            try (BufferView v = m.getBuffer(BufferRequest.FULL)) {
                assertThat(v.getFloat(1, 1)).isEqualTo(1.5f);
                assertThat(v.getFloat(0, 0)).isEqualTo(65504f);
                v.setFloat(-2.25f, 1, 2);
            }
            assertThat(m.getFloat(1, 2)).isEqualTo(-2.25f);
            assertThatThrownBy(() -> m.getShort(0, 0)).isInstanceOf(BufferException.class)
                    .hasMessage("getShort: format 'e' is not a single item of a type read as short");
        }
    }

    @Test
    void halfPrecisionWritesAreRefusedOnReadOnlyMemory() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(1, 1, "e", true)) {
            assertThatThrownBy(() -> m.setFloat(0, 0, 1f))
                    .isInstanceOf(java.nio.ReadOnlyBufferException.class)
                    .hasMessageStartingWith("setFloat(1.0) at row 0, column 0: ");
            assertThat(m.getFloat(0, 0)).isZero();
        }
    }

    /**
     * {@code getDouble}/{@code setDouble} read through a constant layout of the format's byte order: both orders
     * land in memory as the format says, through the memory and through a view of it.
     */
    @Test
    void doublesKeepTheFormatsByteOrder() {
        for (java.nio.ByteOrder order : new java.nio.ByteOrder[] {java.nio.ByteOrder.BIG_ENDIAN,
                java.nio.ByteOrder.LITTLE_ENDIAN}) {
            String format = (order == java.nio.ByteOrder.BIG_ENDIAN ? ">" : "<") + "d";
            ValueLayout.OfDouble stored = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
            try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, format, false);
                 BufferView v = m.getBuffer(BufferRequest.FULL)) {
                m.setDouble(1, 2, 1.5);
                v.setDouble(-0.375, 0, 1);
                assertThat(m.row(1).get(stored, 16)).as(format).isEqualTo(1.5);
                assertThat(m.row(0).get(stored, 8)).as(format).isEqualTo(-0.375);
                m.row(0).set(stored, 0, 6.25);
                assertThat(m.getDouble(0, 0)).as(format).isEqualTo(6.25);
                assertThat(v.getDouble(0, 0)).as(format).isEqualTo(6.25);
                assertThat(v.getDouble(1, 2)).as(format).isEqualTo(1.5);
                assertThat(m.getDouble(0, 1)).as(format).isEqualTo(-0.375);
            }
        }
    }
}
