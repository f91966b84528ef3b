package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link BufferView} against layouts CPython exported and its own answers for them, recorded by {@code
 * test-scripts/cpython-layouts/record_layouts.py} into {@code cpython/layouts.txt} (format described in that
 * folder's README). Each layout is rebuilt in an {@link Arena}: every recorded region is copied (keeping its address
 * modulo 16, so items keep their alignment) and every pointer cell is rewritten to the relocated address.
 */
class CPythonLayoutsTest {
    private static final String RESOURCE = "cpython/layouts.txt";
    private static final HexFormat HEX = HexFormat.of();
    private static final long POINTER_SIZE = ValueLayout.ADDRESS.byteSize();

    record Region(long start, byte[] bytes) {
        boolean contains(long address, long size) {
            return start <= address && address + size <= start + bytes.length;
        }
    }

    record Pointer(long cell, int target) {
    }

    /** One recorded case. {@code suboffsets} is null when CPython's was NULL. */
    record Case(String name, String format, long itemSize, long len, long[] shape, long[] strides,
                long[] suboffsets, long buf, int firstRegion, List<Region> regions, List<Pointer> pointers,
                int[] itemRegion, long[] itemOffset, Map<Character, Boolean> contiguous,
                Map<Character, byte[]> toBytes) {
        @Override
        public String toString() {
            return name;
        }

        boolean hasIndirectDimension() {
            return suboffsets != null && Arrays.stream(suboffsets).anyMatch(s -> s >= 0);
        }
    }

    // ------------------------------------------------------------------------------------------------ parsing

    private static List<Case> parsed;

    static synchronized List<Case> cases() {
        if (parsed == null) {
            parsed = load();
        }
        return parsed;
    }

    private static List<Case> load() {
        try (InputStream in = CPythonLayoutsTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as("resource " + RESOURCE).isNotNull();
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Case> parse(List<String> lines) {
        List<Case> cases = new ArrayList<>();
        CaseBuilder b = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.indexOf(' ');
            String key = space < 0 ? line : line.substring(0, space);
            String rest = space < 0 ? "" : line.substring(space + 1).strip();
            if (key.equals("case")) {
                b = new CaseBuilder(rest);
                continue;
            }
            if (b == null) {
                throw new IllegalStateException("line outside a case: " + line);
            }
            switch (key) {
                case "format" -> b.format = rest;
                case "itemsize" -> b.itemSize = Long.parseLong(rest);
                case "len" -> b.len = Long.parseLong(rest);
                case "shape" -> b.shape = longs(rest);
                case "strides" -> b.strides = longs(rest);
                case "suboffsets" -> b.suboffsets = rest.equals("none") ? null : longs(rest);
                case "buf" -> b.buf = address(rest);
                case "first_region" -> b.firstRegion = Integer.parseInt(rest);
                case "region" -> {
                    String[] parts = rest.split(" ");
                    b.regions.add(new Region(address(parts[0]), bytes(parts[1])));
                }
                case "pointer" -> {
                    String[] parts = rest.split(" ");
                    b.pointers.add(new Pointer(address(parts[0]), Integer.parseInt(parts[1])));
                }
                case "items" -> {
                    String[] parts = rest.equals("-") ? new String[0] : rest.split(" ");
                    b.itemRegion = new int[parts.length];
                    b.itemOffset = new long[parts.length];
                    for (int i = 0; i < parts.length; i++) {
                        String[] ro = parts[i].split(":");
                        b.itemRegion[i] = Integer.parseInt(ro[0]);
                        b.itemOffset[i] = Long.parseLong(ro[1]);
                    }
                }
                case "is_contiguous" -> {
                    for (String kv : rest.split(" ")) {
                        b.contiguous.put(kv.charAt(0), kv.endsWith("=1"));
                    }
                }
                case "memoryview" -> {
                    // informative only: memoryview's 1-d rule differs from PyBuffer_IsContiguous for empty views
                }
                case "tobytes_C", "tobytes_F", "tobytes_A" -> b.toBytes.put(key.charAt(8), bytes(rest));
                case "end" -> {
                    cases.add(b.build());
                    b = null;
                }
                default -> throw new IllegalStateException("unknown line in " + RESOURCE + ": " + line);
            }
        }
        return cases;
    }

    private static final class CaseBuilder {
        final String name;
        String format;
        long itemSize;
        long len;
        long[] shape;
        long[] strides;
        long[] suboffsets;
        long buf;
        int firstRegion;
        final List<Region> regions = new ArrayList<>();
        final List<Pointer> pointers = new ArrayList<>();
        int[] itemRegion;
        long[] itemOffset;
        final Map<Character, Boolean> contiguous = new HashMap<>();
        final Map<Character, byte[]> toBytes = new HashMap<>();

        CaseBuilder(String name) {
            this.name = name;
        }

        Case build() {
            return new Case(name, format, itemSize, len, shape, strides, suboffsets, buf, firstRegion,
                    List.copyOf(regions), List.copyOf(pointers), itemRegion, itemOffset, Map.copyOf(contiguous),
                    Map.copyOf(toBytes));
        }
    }

    private static long[] longs(String s) {
        return s.isEmpty() ? new long[0] : Arrays.stream(s.split(" ")).mapToLong(Long::parseLong).toArray();
    }

    private static long address(String s) {
        return Long.parseUnsignedLong(s.substring(2), 16);
    }

    private static byte[] bytes(String s) {
        return s.equals("-") ? new byte[0] : HEX.parseHex(s);
    }

    // ------------------------------------------------------------------------------------------------ rebuilding

    /** A case's memory rebuilt in an arena: one segment per recorded region. */
    record Rebuilt(Case c, MemorySegment[] regions) {
        /** Where the item of C-order number {@code k} now lies. */
        long itemAddress(int k) {
            return regions[c.itemRegion()[k]].address() + c.itemOffset()[k];
        }

        BufferView wrap(boolean readOnly) {
            Region first = c.regions().get(c.firstRegion());
            return BufferView.wrap(regions[c.firstRegion()], c.buf() - first.start(), Format.parse(c.format()),
                    c.shape(), c.strides(), c.suboffsets(), readOnly);
        }
    }

    /**
     * Copies the regions (or zeros, with {@code zeroed}) and relocates the pointers. Pointer cells are never
     * zeroed: a zeroed copy is the same layout with every other byte 0.
     */
    static Rebuilt rebuild(Case c, Arena arena, boolean zeroed) {
        MemorySegment[] segments = new MemorySegment[c.regions().size()];
        for (int k = 0; k < segments.length; k++) {
            Region r = c.regions().get(k);
            long shift = Math.floorMod(r.start(), 16);
            MemorySegment block = arena.allocate(r.bytes().length + 16L, 16);
            segments[k] = block.asSlice(shift, r.bytes().length);
            if (!zeroed) {
                MemorySegment.copy(MemorySegment.ofArray(r.bytes()), 0, segments[k], 0, r.bytes().length);
            }
        }
        for (Pointer p : c.pointers()) {
            int cellRegion = regionOf(c, p.cell(), POINTER_SIZE);
            Region from = c.regions().get(cellRegion);
            long old = MemorySegment.ofArray(from.bytes())
                    .get(ValueLayout.JAVA_LONG_UNALIGNED, p.cell() - from.start());
            Region to = c.regions().get(p.target());
            long relocated = old - to.start() + segments[p.target()].address();
            segments[cellRegion].set(ValueLayout.JAVA_LONG_UNALIGNED, p.cell() - from.start(), relocated);
        }
        return new Rebuilt(c, segments);
    }

    private static int regionOf(Case c, long address, long size) {
        for (int k = 0; k < c.regions().size(); k++) {
            if (c.regions().get(k).contains(address, size)) {
                return k;
            }
        }
        throw new IllegalStateException(c + ": address 0x" + Long.toHexString(address) + " is in no region");
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void recordingCoversTheLayoutsTheTestsNeed() {
        List<Case> all = cases();
        assertThat(all).hasSizeGreaterThanOrEqualTo(40);
        assertThat(all).extracting(Case::name).doesNotHaveDuplicates();
        assertThat(all).filteredOn(Case::hasIndirectDimension).hasSizeGreaterThanOrEqualTo(20);
        assertThat(all).filteredOn(c -> c.suboffsets() == null).hasSizeGreaterThanOrEqualTo(15);
        assertThat(all).filteredOn(c -> c.suboffsets() != null && !c.hasIndirectDimension()).isNotEmpty();
        assertThat(all).filteredOn(c -> c.hasIndirectDimension()
                && Arrays.stream(c.suboffsets()).filter(s -> s >= 0).count() >= 2).hasSizeGreaterThanOrEqualTo(3);
        assertThat(all).filteredOn(c -> Arrays.stream(c.strides()).anyMatch(s -> s < 0))
                .hasSizeGreaterThanOrEqualTo(15);
        assertThat(all).filteredOn(c -> c.len() == 0).hasSizeGreaterThanOrEqualTo(4);
        assertThat(all).extracting(c -> c.shape().length).contains(0, 1, 2, 3, 4);
        assertThat(all).extracting(Case::format).contains("d", "i", "B", "h", "q", "f", "<i", "id");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void toBytesEqualsPyBufferToContiguous(Case c) {
        try (Arena arena = Arena.ofConfined()) {
            Rebuilt r = rebuild(c, arena, false);
            BufferView view = r.wrap(true);
            assertThat(view.len()).isEqualTo(c.len());
            for (char order : new char[] {'C', 'F', 'A'}) {
                assertThat(view.toBytes(order)).as("toBytes('%s')", order).isEqualTo(c.toBytes().get(order));
            }
            // copyTo into a larger, dirty destination writes exactly len bytes from its start
            MemorySegment dst = arena.allocate(c.len() + 3).fill((byte) 0x5A);
            view.copyTo(dst, 'F');
            assertThat(dst.asSlice(0, c.len()).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(c.toBytes().get('F'));
            assertThat(dst.asSlice(c.len()).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0x5A);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void elementAtLandsOnCPythonsItem(Case c) {
        try (Arena arena = Arena.ofConfined()) {
            Rebuilt r = rebuild(c, arena, false);
            BufferView view = r.wrap(true);
            byte[] cBytes = c.toBytes().get('C');
            int[] k = {0};
            LayoutReferenceFixture.forEachIndex(c.shape(), 'C', index -> {
                MemorySegment item = view.elementAt(index);
                String where = "elementAt" + Arrays.toString(index);
                assertThat(item.byteSize()).as(where).isEqualTo(c.itemSize());
                assertThat(item.address()).as(where + " address").isEqualTo(r.itemAddress(k[0]));
                assertThat(item.toArray(ValueLayout.JAVA_BYTE)).as(where + " bytes").isEqualTo(
                        Arrays.copyOfRange(cBytes, (int) (k[0] * c.itemSize()), (int) ((k[0] + 1) * c.itemSize())));
                assertThat(item.isReadOnly()).as(where + " read-only").isTrue();
                k[0]++;
            });
            assertThat((long) k[0] * c.itemSize()).isEqualTo(c.len());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void copyFromFillsAZeroedCopyExactly(Case c) {
        for (char order : new char[] {'C', 'F', 'A'}) {
            try (Arena arena = Arena.ofConfined()) {
                Rebuilt original = rebuild(c, arena, false);
                Rebuilt zeroed = rebuild(c, arena, true);
                BufferView view = zeroed.wrap(false);
                view.copyFrom(MemorySegment.ofArray(c.toBytes().get(order)), order);
                // expected: every region zero but its pointer cells and, at each item, the original item
                for (int k = 0; k < zeroed.regions().length; k++) {
                    byte[] expected = new byte[(int) zeroed.regions()[k].byteSize()];
                    for (Pointer p : c.pointers()) {
                        Region from = c.regions().get(k);
                        if (from.contains(p.cell(), POINTER_SIZE)) {
                            int at = (int) (p.cell() - from.start());
                            MemorySegment.copy(zeroed.regions()[k], ValueLayout.JAVA_BYTE, at, expected, at,
                                    (int) POINTER_SIZE);
                        }
                    }
                    for (int item = 0; item < c.itemRegion().length; item++) {
                        if (c.itemRegion()[item] == k) {
                            int at = (int) c.itemOffset()[item];
                            MemorySegment.copy(original.regions()[k], ValueLayout.JAVA_BYTE, at, expected, at,
                                    (int) c.itemSize());
                        }
                    }
                    assertThat(zeroed.regions()[k].toArray(ValueLayout.JAVA_BYTE))
                            .as("region %d after copyFrom(tobytes_%s, '%s')", k, order, order).isEqualTo(expected);
                }
                for (char back : new char[] {'C', 'F', 'A'}) {
                    assertThat(view.toBytes(back)).as("toBytes('%s') after copyFrom '%s'", back, order)
                            .isEqualTo(c.toBytes().get(back));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isContiguousFollowsCPythonsRule(Case c) {
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = rebuild(c, arena, false).wrap(true);
            for (char order : new char[] {'C', 'F', 'A'}) {
                boolean reference = LayoutReferenceFixture.cpythonIsContiguous(c.itemSize(), c.shape(), c.strides(),
                        c.suboffsets(), order);
                if (c.suboffsets() == null || c.hasIndirectDimension()) {
                    // the reference is CPython's rule: it must give CPython's recorded answer (also "no" for an
                    // empty layout with an indirect dimension, such as ndarray(.., flags=ND_PIL)[:, 2:2])
                    assertThat(reference).as("reference for '%s'", order).isEqualTo(c.contiguous().get(order));
                } else {
                    // suboffsets present but all negative: CPython says no, indirect-buffer looks at the strides
                    assertThat(c.contiguous().get(order)).as("CPython for '%s'", order).isFalse();
                }
                assertThat(view.isContiguous(order)).as("isContiguous('%s')", order).isEqualTo(reference);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void descriptorIsKeptAsGiven(Case c) {
        try (Arena arena = Arena.ofConfined()) {
            BufferView view = rebuild(c, arena, false).wrap(true);
            assertThat(view.shape()).isEqualTo(c.shape());
            assertThat(view.strides()).isEqualTo(c.strides());
            assertThat(view.itemSize()).isEqualTo(c.itemSize());
            assertThat(view.ndim()).isEqualTo(c.shape().length);
            assertThat(view.isIndirect()).isEqualTo(c.hasIndirectDimension());
            if (c.hasIndirectDimension()) {
                long[] expected = Arrays.stream(c.suboffsets()).map(s -> s < 0 ? -1 : s).toArray();
                assertThat(view.suboffsets()).isEqualTo(expected);
            } else {
                assertThat(view.suboffsets()).isNull();
            }
        }
    }

    static Stream<Case> indirectCases() {
        return cases().stream().filter(c -> c.hasIndirectDimension() && c.len() > 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("indirectCases")
    void aNullPointerIsAnIllegalStateNamingItsDimension(Case c) {
        try (Arena arena = Arena.ofConfined()) {
            Rebuilt r = rebuild(c, arena, false);
            BufferView view = r.wrap(true);
            int first = -1;
            for (int i = 0; i < c.suboffsets().length && first < 0; i++) {
                if (c.suboffsets()[i] >= 0) {
                    first = i;
                }
            }
            if (first > 0) {
                return; // dimension 0 is direct: buf is not a pointer cell (RandomLayoutTest covers this)
            }
            // the pointer of index 0 in dimension 0 is at buf, in the first region
            MemorySegment table = r.regions()[c.firstRegion()];
            long cell = c.buf() - c.regions().get(c.firstRegion()).start();
            long saved = table.get(ValueLayout.JAVA_LONG_UNALIGNED, cell);
            table.set(ValueLayout.JAVA_LONG_UNALIGNED, cell, 0L);
            long[] zero = new long[c.shape().length];
            assertThatThrownBy(() -> view.elementAt(zero))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("dimension 0");
            assertThatThrownBy(() -> view.toBytes('C'))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("dimension 0");
            assertThatThrownBy(() -> view.toBytes('F'))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("dimension 0");
            table.set(ValueLayout.JAVA_LONG_UNALIGNED, cell, saved);
            assertThat(view.toBytes('C')).isEqualTo(c.toBytes().get('C'));
        }
    }
}
