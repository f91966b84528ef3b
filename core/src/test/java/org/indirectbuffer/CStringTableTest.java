package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** A {@code char**} from core, without JNA: made and owned, handed to C, read back, read and freed in one step. */
class CStringTableTest {
    private static final Linker LINKER = Linker.nativeLinker();

    @Test
    void anOwnedTableIsNullTerminatedReadThroughItsRecordAndDiesOnClose() {
        CStringTable t = CStringTable.create(StandardCharsets.UTF_8, "grüß", "", "dos");
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.toArray()).containsExactly("grüß", "", "dos");
        MemorySegment table = t.pointerTable();
        assertThat(table.isReadOnly()).isTrue();
        assertThat(table.byteSize()).isEqualTo(4 * ValueLayout.ADDRESS.byteSize());
        assertThat(table.getAtIndex(ValueLayout.ADDRESS, 3).address()).as("NULL-terminated").isZero();
        assertThat(CStringTable.read(table, StandardCharsets.UTF_8)).containsExactly("grüß", "", "dos");
        // C writing a byte in place is seen; C overwriting the terminator is refused, never read past.
        MemorySegment first = table.getAtIndex(ValueLayout.ADDRESS, 2).reinterpret(8);
        first.set(ValueLayout.JAVA_BYTE, 0, (byte) 'D');
        assertThat(t.get(2)).isEqualTo("Dos");
        first.set(ValueLayout.JAVA_BYTE, 3, (byte) '!');
        assertThatThrownBy(() -> t.get(2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("string 2").hasMessageContaining("no NUL terminator within the 4 bytes");
        first.set(ValueLayout.JAVA_BYTE, 3, (byte) 0);
        t.close();
        t.close();
        assertThat(t.isClosed()).isTrue();
        assertThatThrownBy(() -> t.get(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> table.get(ValueLayout.ADDRESS, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void itsOwnTableComingBackToTheReadersIsReadThroughItsRecord() {
        try (CStringTable t = CStringTable.create(StandardCharsets.UTF_8, "one", "two");
             Arena arena = Arena.ofConfined()) {
            MemorySegment table = t.pointerTable();
            // C rewrites the lent table: entry 0 now points at other bytes. Java's readers do not follow it.
            MemorySegment elsewhere = arena.allocateFrom("evil");
            MemorySegment.ofAddress(table.address()).reinterpret(table.byteSize()).setAtIndex(ValueLayout.ADDRESS, 0,
                    elsewhere);
            assertThat(CStringTable.read(table, StandardCharsets.UTF_8)).containsExactly("one", "two");
            assertThat(CStringTable.read(MemorySegment.ofAddress(table.address()), StandardCharsets.UTF_8))
                    .as("a bare pointer to it too").containsExactly("one", "two");
            assertThat(CStringTable.readCounted(table, 3, StandardCharsets.UTF_8)).containsExactly("one", "two", null);
            assertThatThrownBy(() -> CStringTable.readCounted(table, 4, StandardCharsets.UTF_8))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageEndingWith("is the table of CStringTable[2 strings, UTF-8], which holds 3 entries (the"
                            + " last NULL)");
            assertThatThrownBy(() -> CStringTable.read(table, StandardCharsets.UTF_8, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no NULL entry within the"
                            + " first 1 entries");
            assertThat(CStringTable.read(table, StandardCharsets.ISO_8859_1)).as("decoded in the charset asked for")
                    .containsExactly("one", "two");
        }
    }

    @Test
    void wideCharsetsUseWideTerminators() {
        try (CStringTable t = CStringTable.create(StandardCharsets.UTF_16LE, List.of("ab", "λ"))) {
            assertThat(t.toArray()).containsExactly("ab", "λ");
            assertThat(CStringTable.readCounted(t.pointerTable(), 3, StandardCharsets.UTF_16LE))
                    .containsExactly("ab", "λ", null);
        }
    }

    @Test
    void badStringsAreRefusedNamingTheIndex() {
        assertThatThrownBy(() -> CStringTable.create(StandardCharsets.UTF_8, "a", "b\0c"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("string 1").hasMessageContaining("NUL");
        assertThatThrownBy(() -> CStringTable.create(StandardCharsets.US_ASCII, "ok", "é"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("string 1")
                .hasMessageContaining("U+00E9");
        assertThatThrownBy(() -> CStringTable.create(StandardCharsets.UTF_8, java.util.Arrays.asList("a", null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("string 1 is null");
    }

    @Test
    void aTableHandedToCIsMallocBlocksThatCFreesStringByStringThenTheTable() {
        MemorySegment table = CStringTable.handOffToC(StandardCharsets.UTF_8, List.of("one", "two", "three"));
        assertThat(table.byteSize()).isZero();
        assertThat(CStringTable.read(table, StandardCharsets.UTF_8)).containsExactly("one", "two", "three");
        // C's side: free each string, then the table (the nanny does what C's free loop does).
        MemoryNanny.freeingRowsAndTable(table, 3).close();
    }

    @Test
    void readAndFreeReadsWhatCReturnedAndFreesItInOneStep() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment frames = arena.allocate(ValueLayout.ADDRESS, 8);
            int n = (int) LINKER.downcallHandle(LINKER.defaultLookup().find("backtrace").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT))
                    .invokeExact(frames, 8);
            MemorySegment symbols = (MemorySegment) LINKER.downcallHandle(
                    LINKER.defaultLookup().find("backtrace_symbols").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT))
                    .invokeExact(frames, n);
            // backtrace_symbols' table is not NULL-terminated: count it.
            MemoryNanny nanny = MemoryNanny.freeingTable(symbols);
            String[] names = CStringTable.readCounted(symbols, n, StandardCharsets.UTF_8);
            nanny.close();
            assertThat(names).hasSize(n).allSatisfy(s -> assertThat(s).isNotEmpty());
            assertThat(nanny.isFreed()).isTrue();
        }
        MemorySegment table = CStringTable.handOffToC(StandardCharsets.UTF_8, List.of("x", "y"));
        MemoryNanny frees = MemoryNanny.freeingRowsAndTable(table, 2);
        assertThat(CStringTable.readAndFree(table, StandardCharsets.UTF_8, frees)).containsExactly("x", "y");
        assertThat(frees.isFreed()).isTrue();
        MemoryNanny untouched = MemoryNanny.running("nothing to free", () -> { });
        assertThatThrownBy(() -> CStringTable.readAndFree(MemorySegment.NULL, StandardCharsets.UTF_8, untouched))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NULL");
        assertThat(untouched.isFreed()).as("closed even when reading failed").isTrue();
    }

    @Test
    void readersRefuseNullHeapAndUnterminatedTables() {
        assertThatThrownBy(() -> CStringTable.read(MemorySegment.NULL, StandardCharsets.UTF_8))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("table is NULL; expected a C char**");
        assertThatThrownBy(() -> CStringTable.read(MemorySegment.ofArray(new long[2]), StandardCharsets.UTF_8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Java heap");
        assertThatThrownBy(() -> CStringTable.readCounted(MemorySegment.NULL, -1, StandardCharsets.UTF_8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count = -1");
        try (CStringTable t = CStringTable.create(StandardCharsets.UTF_8, "a", "b", "c")) {
            assertThatThrownBy(() -> CStringTable.read(t.pointerTable(), StandardCharsets.UTF_8, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("within the first 2 entries");
            assertThat(CStringTable.read(t.pointerTable(), StandardCharsets.UTF_8, 3)).containsExactly("a", "b", "c");
            MemorySegment b = t.pointerTable().getAtIndex(ValueLayout.ADDRESS, 1);
            assertThat(CStringTable.readString(b, StandardCharsets.UTF_8)).isEqualTo("b");
        }
    }
}
