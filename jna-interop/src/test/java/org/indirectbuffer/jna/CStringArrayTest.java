package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.jna.Pointer;

import org.indirectbuffer.BufferException;
import org.junit.jupiter.api.Test;

/** char** both ways, with non-ASCII strings. */
class CStringArrayTest {
    private static final TestNative.Raw RAW = TestNative.RAW;
    private static final TestNative.Typed LIB = TestNative.TYPED;
    private static final String[] WORDS = {"plain", "naïve café", "日本語", "αβγ", "😀", ""};

    private static long utf8Bytes(String... s) {
        return Arrays.stream(s).mapToLong(x -> x.getBytes(StandardCharsets.UTF_8).length).sum();
    }

    @Test
    void utf8StringsReachCIntact() {
        try (CStringArray a = CStringArray.create(StandardCharsets.UTF_8, WORDS)) {
            assertThat(a.size()).isEqualTo(6);
            assertThat(RAW.jt_count_strings(a.pointer())).isEqualTo(6);
            assertThat(LIB.jt_count_strings(a)).isEqualTo(6);
            assertThat(RAW.jt_total_strlen(a.pointer(), -1)).isEqualTo(utf8Bytes(WORDS));
            assertThat(LIB.jt_total_strlen(a, 3)).isEqualTo(utf8Bytes("plain", "naïve café", "日本語"));
            byte[] out = new byte[256];
            int n = LIB.jt_join(a, 5, (byte) '|', out, out.length);
            assertThat(new String(out, 0, n, StandardCharsets.UTF_8)).isEqualTo("plain|naïve café|日本語|αβγ|😀");
            assertThat(a.toArray()).containsExactly(WORDS);
            // The table ends with NULL.
            assertThat(a.pointerTable().getAtIndex(ValueLayout.ADDRESS, 6)).isEqualTo(MemorySegment.NULL);
        }
    }

    @Test
    void latin1AndUtf16UseTheirOwnBytesAndTerminators() {
        try (CStringArray latin = CStringArray.create(StandardCharsets.ISO_8859_1, "naïve café", "Øre")) {
            // One byte per character in ISO-8859-1: strlen sees 10 + 3.
            assertThat(RAW.jt_total_strlen(latin.pointer(), -1)).isEqualTo(13);
            assertThat(latin.get(0)).isEqualTo("naïve café");
            assertThat(CStringArray.read(latin.pointer(), StandardCharsets.ISO_8859_1))
                    .containsExactly("naïve café", "Øre");
        }
        for (Charset wide : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, Charset.forName("UTF-32LE"))) {
            try (CStringArray utf16 = CStringArray.create(wide, "日本語", "Ab", "😀")) {
                assertThat(utf16.toArray()).containsExactly("日本語", "Ab", "😀");
                assertThat(CStringArray.read(utf16.pointer(), wide)).containsExactly("日本語", "Ab", "😀");
                long second = utf16.pointerTable().getAtIndex(ValueLayout.ADDRESS, 1).address();
                int unit = org.indirectbuffer.internal.CStringCodec.nulWidth(wide);
                byte[] stored = MemorySegment.ofAddress(second).reinterpret(2L * unit + unit)
                        .toArray(ValueLayout.JAVA_BYTE);
                assertThat(Arrays.copyOf(stored, 2 * unit)).isEqualTo("Ab".getBytes(wide));
                assertThat(Arrays.copyOfRange(stored, 2 * unit, 3 * unit)).containsOnly(0);
            }
        }
    }

    @Test
    void aCReturnedNullTerminatedListIsReadThenFreedByTheLibrary() {
        int freed = RAW.jt_strings_freed();
        Pointer list = RAW.jt_new_strings();
        try {
            assertThat(CStringArray.read(list, StandardCharsets.UTF_8)).containsExactly(WORDS);
            assertThat(CStringArray.readCounted(list, 7, StandardCharsets.UTF_8))
                    .containsExactly("plain", "naïve café", "日本語", "αβγ", "😀", "", null);
            assertThat(CStringArray.readString(list.getPointer(0), StandardCharsets.UTF_8)).isEqualTo("plain");
            assertThatThrownBy(() -> CStringArray.read(list, StandardCharsets.UTF_8, 3))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageMatching("char\\*\\* at 0x[0-9a-f]+: no NULL entry within the first 3 entries");
        } finally {
            RAW.jt_free_strings(list);
        }
        assertThat(RAW.jt_strings_freed()).isEqualTo(freed + 1);
        assertThatThrownBy(() -> CStringArray.read(new Pointer(0), StandardCharsets.UTF_8))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("table is NULL; expected a C char**");
        assertThat(CStringArray.readCounted(null, 0, StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void cWritesAreSeenAndTheArrayIsPinnedDuringCalls() {
        try (CStringArray a = CStringArray.create(StandardCharsets.UTF_8, "abc", "", "xyz")) {
            LIB.jt_first_chars(a, (byte) 'Z');
            assertThat(a.toArray()).containsExactly("Zbc", "", "Zyz");
            AtomicReference<Throwable> duringCall = new AtomicReference<>();
            int n = LIB.jt_count_strings_with_callback(a, () -> {
                try {
                    a.close();
                } catch (Throwable t) {
                    duringCall.set(t);
                }
            });
            assertThat(n).isEqualTo(3);
            assertThat(duringCall.get()).isInstanceOf(BufferException.class)
                    .hasMessageContaining("buffer is locked: cannot close CStringArray[3 strings, UTF-8]");
        }
    }

    @Test
    void unencodableStringsAndNulsAreRefusedWithWhereAndWhat() {
        assertThatThrownBy(() -> CStringArray.create(StandardCharsets.US_ASCII, "ok", "naïve"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("string 1 (\"naïve\"): character 'ï' (U+00EF) at index 2 cannot be encoded in US-ASCII");
        assertThatThrownBy(() -> CStringArray.create(StandardCharsets.ISO_8859_1, "日本"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("character '日' (U+65E5) at index 0 cannot be encoded in ISO-8859-1");
        assertThatThrownBy(() -> CStringArray.create(StandardCharsets.UTF_8, "a\0b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("string 0 holds a NUL character at index 1; C would end the string there");
        assertThatThrownBy(() -> CStringArray.create(StandardCharsets.UTF_8, "a", null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> CStringArray.create(StandardCharsets.UTF_8, Arrays.asList("a", null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("string 1 is null");
    }

    @Test
    void closedArraysRefuseUse() {
        CStringArray a = CStringArray.create(StandardCharsets.UTF_8, "x");
        MemorySegment table = a.pointerTable();
        a.close();
        a.close();
        assertThat(a.isClosed()).isTrue();
        assertThat(a.toString()).contains("closed");
        assertThatThrownBy(() -> a.get(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> table.get(ValueLayout.ADDRESS, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> LIB.jt_count_strings(a)).isInstanceOf(IllegalStateException.class);
        try (CStringArray empty = CStringArray.create(StandardCharsets.UTF_8)) {
            assertThat(RAW.jt_count_strings(empty.pointer())).isZero();
        }
    }
}
