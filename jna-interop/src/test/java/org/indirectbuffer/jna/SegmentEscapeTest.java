package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.collection.BufferCollection2D;
import org.junit.jupiter.api.Test;

/**
 * No public method of the collection and JNA modules hands out a segment larger than what its layout reaches, or one
 * that outlives the memory's owner (core's methods are checked by core's own {@code SegmentEscapeTest}). The methods
 * are found by reflection over every exported package of both modules, so a new method returning a segment fails
 * {@link #everyPublicMethodReturningASegmentIsChecked()} until it is checked here.
 */
class SegmentEscapeTest {
    /** The methods checked below, as {@code Class.method}. */
    private static final Set<String> CHECKED = Set.of("BufferCollection2D.row", "CStringArray.pointerTable");
    private static final long POINTER = ValueLayout.ADDRESS.byteSize();

    @Test
    void everyPublicMethodReturningASegmentIsChecked() throws IOException {
        Set<String> found = new TreeSet<>();
        found.addAll(publicMethodsReturningSegments(BufferCollection2D.class));
        found.addAll(publicMethodsReturningSegments(CStringArray.class));
        assertThat(found).containsExactlyInAnyOrderElementsOf(CHECKED);
    }

    /** Public methods of public classes in the unqualified exports of {@code anchor}'s module returning a segment. */
    private static Set<String> publicMethodsReturningSegments(Class<?> anchor) throws IOException {
        Module module = anchor.getModule();
        assertThat(module.isNamed()).as("tests run on the module path").isTrue();
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
                    type = Class.forName(name, false, anchor.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
                if (!exported.contains(type.getPackageName()) || !isPublic(type) || type.getSimpleName().endsWith(
                        "Test") || !anchor.getProtectionDomain().getCodeSource().equals(
                        type.getProtectionDomain().getCodeSource())) {
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

    // ------------------------------------------------------------------------------------------------ collection

    /**
     * A collection row is the caller's own memory: bounded to the row, and dead when its owner (the caller's arena)
     * closes, whatever the collection does. The views of an export (its table and staged copies) die with the view.
     */
    @Test
    void collectionRowsAndExports() {
        Arena arena = Arena.ofShared();
        MemorySegment nativeRow = arena.allocate(ValueLayout.JAVA_DOUBLE, 6);
        BufferCollection2D col = BufferCollection2D.wrap(List.of(nativeRow, new double[6]), 6, "d", false);
        MemorySegment row0 = col.row(0);
        assertThat(col.row(1).byteSize()).isEqualTo(48);
        assertBoundedAndDead(List.of(new Handed("row of a native row", row0, 48)), arena::close);

        BufferCollection2D heap = BufferCollection2D.wrap(List.of(new double[5], new double[5]));
        List<Handed> handed = new ArrayList<>();
        BufferView v = heap.getBuffer(BufferRequest.FULL_RO);
        handed.add(new Handed("export buf", v.buf(), 2 * POINTER));
        handed.add(new Handed("export memory", v.memory(), 2 * POINTER));
        handed.add(new Handed("export elementAt", v.elementAt(1, 4), 8));
        BufferView.Runs runs = v.runs();
        while (runs.next()) {
            handed.add(new Handed("export Runs.segment", runs.segment(), 40));
        }
        assertBoundedAndDead(handed, v::close);
        heap.close();
        col.close();
    }

    // ------------------------------------------------------------------------------------------------ char**

    @Test
    void stringTable() {
        CStringArray strings = CStringArray.create(StandardCharsets.UTF_8, "a", "bc", "déf");
        MemorySegment table = strings.pointerTable();
        assertThat(table.isReadOnly()).isTrue();
        assertBoundedAndDead(List.of(new Handed("CStringArray.pointerTable", table, 4 * POINTER)), strings::close);
    }
}
