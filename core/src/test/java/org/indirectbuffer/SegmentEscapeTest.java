package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.space.SharedArray;
import org.indirectbuffer.space.SharedArrays;
import org.junit.jupiter.api.Test;

/**
 * No public method hands out a segment larger than what the layout reaches, or one that outlives the memory's
 * owner. The methods are found by reflection over every exported package of the module, so a new method that
 * returns a segment fails {@link #everyPublicMethodReturningASegmentIsChecked()} until it is checked here; each is
 * then called on owned, borrowed, adopted and viewed memory (collections are checked in their module).
 */
class SegmentEscapeTest {
    /** The methods checked below, as {@code Class.method}. */
    private static final Set<String> CHECKED = Set.of("BufferView.buf", "BufferView.memory", "BufferView.elementAt",
            "BufferView.Runs.segment", "IndirectMemory2D.pointerTable", "IndirectMemory2D.row",
            "IndirectMemory2D.handOffToC", "RowWindow.pointerTable", "RowWindow.row", "CStringTable.pointerTable",
            "CStringTable.handOffToC", "RaggedRows.pointerTable", "RaggedRows.row", "RaggedRows.item",
            "SharedArray.rowPointers");

    @Test
    void everyPublicMethodReturningASegmentIsChecked() throws IOException {
        assertThat(publicMethodsReturningSegments()).containsExactlyInAnyOrderElementsOf(CHECKED);
    }

    /** Public methods of public classes in the module's unqualified exports whose result is a segment. */
    private static Set<String> publicMethodsReturningSegments() throws IOException {
        Module module = IndirectMemory2D.class.getModule();
        CodeSource main = IndirectMemory2D.class.getProtectionDomain().getCodeSource();
        Set<String> exported = module.getDescriptor().exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        Set<String> found = new TreeSet<>();
        try (ModuleReader reader = module.getLayer().configuration().findModule(module.getName()).orElseThrow()
                .reference().open()) {
            for (String resource : reader.list().toList()) {
                if (!resource.endsWith(".class") || resource.endsWith("module-info.class")) {
                    continue;
                }
                String name = resource.substring(0, resource.length() - 6).replace('/', '.');
                Class<?> type;
                try {
                    type = Class.forName(name, false, IndirectMemory2D.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
                if (!exported.contains(type.getPackageName()) || !isPublic(type)
                        || !main.equals(type.getProtectionDomain().getCodeSource())) {
                    continue; // not exported, not public, or a test class patched into the module
                }
                for (Method m : type.getDeclaredMethods()) {
                    if (Modifier.isPublic(m.getModifiers()) && MemorySegment.class.isAssignableFrom(m.getReturnType())) {
                        found.add(type.getName().substring(type.getPackageName().length() + 1).replace('$', '.')
                                + "." + m.getName());
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return found;
    }

    private static boolean isPublic(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!Modifier.isPublic(t.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    /** A segment handed out, and the most bytes the layout lets it reach. */
    private record Handed(String by, MemorySegment segment, long bound) {
    }

    /** Every segment-returning method, called on {@code m} and a full view of it. */
    private static List<Handed> handOut(IndirectMemory2D m) {
        List<Handed> out = new ArrayList<>();
        long rowBytes = m.cols() * m.format().itemSize();
        out.add(new Handed("pointerTable", m.pointerTable(), m.rows() * ValueLayout.ADDRESS.byteSize()));
        out.add(new Handed("row", m.row(m.rows() - 1), rowBytes));
        try (BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
            out.addAll(handOut(v, m.rows() * ValueLayout.ADDRESS.byteSize(), rowBytes));
        }
        return out;
    }

    private static List<Handed> handOut(BufferView v, long firstLevel, long run) {
        List<Handed> out = new ArrayList<>();
        out.add(new Handed("buf", v.buf(), firstLevel));
        out.add(new Handed("memory", v.memory(), firstLevel));
        long[] last = v.shape();
        for (int i = 0; i < last.length; i++) {
            last[i]--;
        }
        out.add(new Handed("elementAt", v.elementAt(last), v.itemSize()));
        BufferView.Runs runs = v.runs();
        while (runs.next()) {
            out.add(new Handed("Runs.segment", runs.segment(), run));
        }
        return out;
    }

    private static void assertBoundedAndDead(List<Handed> handed, Runnable closeOwner) {
        for (Handed h : handed) {
            assertThat(h.segment().byteSize()).as(h.by()).isLessThanOrEqualTo(h.bound());
            assertThat(h.segment().scope().isAlive()).as(h.by()).isTrue();
        }
        closeOwner.run();
        for (Handed h : handed) {
            assertThat(h.segment().scope().isAlive()).as(h.by() + " after its owner closed").isFalse();
        }
    }

    @Test
    void windowsAndStringTablesHandOutBoundedSegmentsThatDieWithThem() {
        IndirectMemory2D source = IndirectMemory2D.createMemory(3, 10, "i", false);
        RowWindow w = RowWindow.tableOver(source, 4, 5);
        List<Handed> handed = new ArrayList<>();
        handed.add(new Handed("RowWindow.pointerTable", w.pointerTable(), 3 * ValueLayout.ADDRESS.byteSize()));
        handed.add(new Handed("RowWindow.row", w.row(2), 5 * 4));
        try (BufferView v = w.getBuffer(BufferRequest.FULL_RO)) {
            handed.addAll(handOut(v, 3 * ValueLayout.ADDRESS.byteSize(), 5 * 4));
        }
        // The window's table dies with the window; its rows are the source's and die with the source.
        assertBoundedAndDead(handed, () -> {
            w.close();
            source.close();
        });
        CStringTable strings = CStringTable.create(java.nio.charset.StandardCharsets.UTF_8, "a", "bc");
        assertBoundedAndDead(List.of(new Handed("CStringTable.pointerTable", strings.pointerTable(),
                3 * ValueLayout.ADDRESS.byteSize())), strings::close);
    }

    @Test
    void sharedArraysHandOutBoundedSegmentsThatDieWithTheAttachment() {
        assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "needs /dev/shm (Linux)");
        for (boolean indirect : new boolean[] {false, true}) {
            String name = "ib-test-escape-" + UUID.randomUUID();
            SharedArray a = indirect ? SharedArrays.createIndirect(name, 3, 5, "i") : SharedArrays.create(name, "i", 3, 5);
            SharedArrays.delete(name);
            List<Handed> handed = new ArrayList<>();
            if (indirect) {
                handed.add(new Handed("SharedArray.rowPointers", a.rowPointers(), 3 * ValueLayout.ADDRESS.byteSize()));
            }
            try (BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
                handed.addAll(handOut(v, indirect ? 3 * ValueLayout.ADDRESS.byteSize() : 3 * 5 * 4,
                        indirect ? 5 * 4 : 3 * 5 * 4));
            }
            assertBoundedAndDead(handed, a::close);
        }
    }

    @Test
    void whatIsHandedToCIsABarePointerJavaCannotDereference() {
        IndirectMemory2D m = IndirectMemory2D.createMemory(2, 2, "d", false, RowPlacement.ROW_BY_ROW);
        MemorySegment table = m.handOffToC();
        assertThat(table.byteSize()).isZero();
        MemoryNanny.freeingRowsAndTable(table, 2).close();
        MemorySegment strings = CStringTable.handOffToC(java.nio.charset.StandardCharsets.UTF_8, List.of("x"));
        assertThat(strings.byteSize()).isZero();
        MemoryNanny.freeingRowsAndTable(strings, 1).close();
    }

    @Test
    void ownedMemory() {
        for (RowPlacement placement : RowPlacement.values()) {
            for (Sharing sharing : Sharing.values()) {
                IndirectMemory2D m = IndirectMemory2D.createMemory(3, 5, "d", false, placement, sharing);
                assertBoundedAndDead(handOut(m), m::close);
            }
        }
        IndirectMemory2D copy = IndirectMemory2D.createFrom(new double[][] {{1, 2}, {3, 4}});
        assertBoundedAndDead(handOut(copy), copy::close);
    }

    @Test
    void borrowedAndAdoptedMemory() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = arena.allocate(3 * ValueLayout.ADDRESS.byteSize(), 8);
            for (int r = 0; r < 3; r++) {
                table.setAtIndex(ValueLayout.ADDRESS, r, arena.allocate(40, 8));
            }
            MemorySegment bare = MemorySegment.ofAddress(table.address());
            IndirectMemory2D borrowed = IndirectMemory2D.wrap(bare, 3, 5, "d", false);
            assertBoundedAndDead(handOut(borrowed), borrowed::close);
            IndirectMemory2D adopted = IndirectMemory2D.adopt(bare, 3, 5, "d", false,
                    MemoryNanny.running("nothing", () -> { }));
            assertBoundedAndDead(handOut(adopted), adopted::close);
            // The same with a nanny that is closed by hand instead of the owner.
            MemoryNanny nanny = MemoryNanny.running("nothing", () -> { });
            IndirectMemory2D byNanny = IndirectMemory2D.adopt(bare, 3, 5, "d", false, nanny);
            assertBoundedAndDead(handOut(byNanny), nanny::close);
            byNanny.close();
        }
    }

    @Test
    void viewedMemoryDiesWithItsSource() {
        for (boolean columns : new boolean[] {false, true}) {
            MemoryBuffer source = MemoryBuffer.allocate(Format.parse("d"), columns ? 'F' : 'C', 4, 6);
            IndirectMemory2D view = columns ? IndirectMemory2D.tableOverColumns(source)
                    : IndirectMemory2D.tableOverRows(source);
            assertBoundedAndDead(handOut(view), () -> {
                view.close();
                source.close();
            });
        }
        // Rows of an indirect source: the viewed rows are the memory its pointers reach.
        IndirectMemory2D indirect = IndirectMemory2D.createMemory(3, 4, "d", false, RowPlacement.ROW_BY_ROW);
        IndirectMemory2D view = IndirectMemory2D.tableOverRows(indirect);
        assertBoundedAndDead(handOut(view), () -> {
            view.close();
            indirect.close();
        });
    }

    @Test
    void directViewsOfAnExporter() {
        MemoryBuffer buffer = MemoryBuffer.allocate(Format.parse("i"), 'C', 3, 7);
        List<Handed> handed;
        try (BufferView v = buffer.getBuffer(BufferRequest.FULL_RO)) {
            handed = handOut(v, 3 * 7 * 4, 3 * 7 * 4);
        }
        assertBoundedAndDead(handed, buffer::close);
    }

    // ------------------------------------------------------------------------------------------------ ragged rows

    private static List<Handed> handOut(RaggedRows r, long[] lengths, long itemSize) {
        List<Handed> out = new ArrayList<>();
        out.add(new Handed("RaggedRows.pointerTable", r.pointerTable(), lengths.length * ValueLayout.ADDRESS.byteSize()));
        for (int i = 0; i < lengths.length; i++) {
            out.add(new Handed("RaggedRows.row " + i, r.row(i), lengths[i] * itemSize));
            if (lengths[i] > 0) {
                out.add(new Handed("RaggedRows.item " + i, r.item(i, lengths[i] - 1), itemSize));
            }
        }
        return out;
    }

    @Test
    void ownedRaggedRows() {
        long[] lengths = {3, 0, 5};
        RaggedRows owned = RaggedRows.create(lengths, "d");
        assertBoundedAndDead(handOut(owned, lengths, 8), owned::close);
        RaggedRows terminated = RaggedRows.createTerminated(lengths, "i4xd", Terminator.field(0, -1));
        List<Handed> handed = handOut(terminated, lengths, 16);
        assertThatThrownBy(() -> handed.get(0).segment().set(ValueLayout.JAVA_LONG, 0, 0xdead_0000L))
                .as("the lent table is read-only").isInstanceOf(IllegalArgumentException.class);
        assertBoundedAndDead(handed, terminated::close);
    }

    /** A borrowed table: its rows die when this object closes, even though the caller's memory lives on. */
    @Test
    void borrowedRaggedRows() {
        long[] lengths = {2, 4};
        try (Arena arena = Arena.ofShared()) {
            MemorySegment table = arena.allocate(ValueLayout.ADDRESS, 2);
            for (int i = 0; i < 2; i++) {
                table.setAtIndex(ValueLayout.ADDRESS, i, arena.allocate(ValueLayout.JAVA_DOUBLE, lengths[i]));
            }
            RaggedRows borrowed = RaggedRows.wrap(MemorySegment.ofAddress(table.address()), lengths, "d",
                    false);
            assertBoundedAndDead(handOut(borrowed, lengths, 8), borrowed::close);
            RaggedRows sized = RaggedRows.wrap(table, lengths, "d", true);
            List<Handed> handed = handOut(sized, lengths, 8);
            assertThat(handed).allMatch(h -> h.segment().isReadOnly());
            assertBoundedAndDead(handed, sized::close);
        }
    }
}
