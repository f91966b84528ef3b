package org.indirectbuffer.fuzz;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.IndirectMemory2D.RowPlacement;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.PointerBorrower;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.format.FormatException;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes format strings through every public entry a format enters: {@link Format#parse}, {@link
 * IndirectMemory2D#createMemory}, {@link IndirectMemory2D#reinterpretData}, {@link IndirectMemory2D#wrap},
 * {@link PointerBorrower#of}, {@link BufferView#wrap} and the {@link MemoryBuffer} factories that take a {@link
 * Format}.
 *
 * <p>For each input: a string that does not parse is refused everywhere with a {@link FormatException} naming it and a
 * position inside it; a format that parses round-trips ({@code Format.parse(f.toString())} equals {@code f}, with the
 * same item size, alignment, fields and layout size), and each entry accepts it or refuses it with exactly the
 * exception its javadoc names for that case (an {@link IllegalArgumentException} for item size 0 or a size that
 * overflows, a {@link BufferException} for sizes that do not match); nothing else escapes and no input runs longer
 * than {@link TimeGuard#LIMIT_SECONDS}.
 *
 * <p>The input bytes are the format string: each byte one character (ISO-8859-1), or, after a leading 0 byte, UTF-16BE
 * (any {@code char}, lone surrogates included). The normal test run replays the inputs in {@code
 * FormatFuzzTestInputs/formatStrings/} (the formats of {@code format-table.tsv}, and every finding); {@code
 * test-scripts/fuzz.sh} fuzzes.
 */
@Tag("fuzz")
class FormatFuzzTest {
    /** Bytes of each row of the memory {@code reinterpretData} is tried on: divisible by 1 to 8, 10, 12, 15, 16... */
    private static final long ROW_BYTES = 240;
    /** Item sizes up to this are allocated for real (2 x 3 items); larger ones only with 0 columns. */
    private static final long SMALL_ITEM = 512;

    private final TimeGuard guard = new TimeGuard();

    @FuzzTest(maxDuration = "30s")
    void formatStrings(byte[] data) {
        String format = decode(data);
        guard.run(TimeGuard.quote(format), () -> check(format));
    }

    static String decode(byte[] data) {
        if (data.length > 0 && data[0] == 0) {
            return new String(data, 1, data.length - 1, StandardCharsets.UTF_16BE);
        }
        return new String(data, StandardCharsets.ISO_8859_1);
    }

    private static void check(String s) {
        Format f;
        try {
            f = Format.parse(s);
        } catch (FormatException e) {
            checkRejection(s, e);
            refusedByStringEntries(FormatException.class, s);
            return;
        }
        roundTrips(s, f);
        entries(s, f);
    }

    // ------------------------------------------------------------------------------------------------ rejected

    private static void checkRejection(String s, FormatException e) {
        require(s.equals(e.format()), s, "FormatException.format() is " + TimeGuard.quote(e.format()));
        require(e.position() >= 0 && e.position() <= s.length(), s, "position " + e.position() + " outside [0, "
                + s.length() + "]");
        require(e.getMessage() != null && !e.problem().isEmpty() && !e.expected().isEmpty(), s,
                "FormatException without problem or expectation: " + e.getMessage());
    }

    /**
     * The entries that take a format string refuse {@code s} with exactly {@code expected}: a {@link FormatException}
     * for a string that does not parse, a plain {@link IllegalArgumentException} for item size 0.
     */
    private static void refusedByStringEntries(Class<? extends RuntimeException> expected, String s) {
        throwsExactly(expected, s, "createMemory", () -> IndirectMemory2D.createMemory(1, 1, s, false).close());
        throwsExactly(expected, s, "createMemory(CONFINED)",
                () -> IndirectMemory2D.createMemory(0, 0, s, true, RowPlacement.ROW_BY_ROW, Sharing.CONFINED)
                        .close());
        try (IndirectMemory2D m = bytesMemory()) {
            throwsExactly(expected, s, "reinterpretData", () -> m.reinterpretData(s));
            require(m.format().equals(Format.parse("B")), s, "a refused reinterpretData changed the format to "
                    + m.format());
            throwsExactly(expected, s, "wrap",
                    () -> IndirectMemory2D.wrap(m.pointerTable(), 1, 1, s, true).close());
            throwsExactly(expected, s, "PointerBorrower.of", () -> PointerBorrower.of(s, false, Sharing.SHARED));
        }
    }

    // ------------------------------------------------------------------------------------------------ accepted

    private static void roundTrips(String s, Format f) {
        require(s.equals(f.source()), s, "source() is " + TimeGuard.quote(f.source()));
        require(f.itemSize() >= 0, s, "item size " + f.itemSize());
        require(f.alignment() >= 1, s, "alignment " + f.alignment());
        String canonical = f.toString();
        Format again;
        try {
            again = Format.parse(canonical);
        } catch (FormatException e) {
            throw new AssertionError("input " + TimeGuard.quote(s) + " parses, but its canonical form "
                    + TimeGuard.quote(canonical) + " does not", e);
        }
        require(again.equals(f) && f.equals(again) && again.hashCode() == f.hashCode(), s,
                "canonical form " + TimeGuard.quote(canonical) + " parses to " + TimeGuard.quote(again.toString()));
        require(again.toString().equals(canonical), s, "canonical form is not stable: " + TimeGuard.quote(canonical)
                + " -> " + TimeGuard.quote(again.toString()));
        require(again.itemSize() == f.itemSize(), s, "item size " + f.itemSize() + ", of the canonical form "
                + again.itemSize());
        require(again.alignment() == f.alignment(), s, "alignment " + f.alignment() + ", of the canonical form "
                + again.alignment());
        require(again.byteOrder().equals(f.byteOrder()) && again.isNativeSize() == f.isNativeSize(), s,
                "byte order or size mode differs from the canonical form's");
        require(again.fields().equals(f.fields()), s, "fields differ from the canonical form's: " + f.fields()
                + " / " + again.fields());
        require(f.isEquivalentTo(again) && again.isEquivalentTo(f), s, "not equivalent to its canonical form");
        require(f.layout().byteSize() == f.itemSize(), s, "layout of " + f.layout().byteSize() + " bytes, item size "
                + f.itemSize());
        if (f.isSingleElement()) {
            Objects.requireNonNull(f.elementType());
        } else {
            throwsExactly(IllegalStateException.class, s, "elementType", f::elementType);
        }
        f.valueLayout().ifPresent(l -> require(l.byteSize() == f.itemSize(), s, "value layout " + l));
    }

    private static void entries(String s, Format f) {
        long size = f.itemSize();
        if (size == 0) {
            zeroItemSize(s, f);
            return;
        }
        // Creating: real memory for small items, none (0 columns) for large ones; an overflowing size is refused.
        boolean small = size <= SMALL_ITEM;
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, small ? 3 : 0, s, false, RowPlacement.ONE_BLOCK,
                Sharing.CONFINED)) {
            require(m.format().equals(f) && m.rows() == 2 && m.cols() == (small ? 3 : 0), s,
                    "createMemory made " + m);
            if (small) {
                m.row(1).fill((byte) 1); // every byte is reachable
            }
        }
        long tooMany = Long.MAX_VALUE / size + 1;
        throwsExactly(IllegalArgumentException.class, s, "createMemory with " + tooMany + " columns",
                () -> IndirectMemory2D.createMemory(1, tooMany, s, false).close());
        // Reinterpreting: accepted when the rows divide into the new items, else a BufferException.
        try (IndirectMemory2D m = bytesMemory()) {
            if (ROW_BYTES % size == 0) {
                m.reinterpretData(s);
                require(m.format().equals(f) && m.cols() == ROW_BYTES / size, s, "reinterpretData made " + m);
            } else {
                throwsExactly(BufferException.class, s, "reinterpretData", () -> m.reinterpretData(s));
                require(m.format().equals(Format.parse("B")), s, "a refused reinterpretData changed the format");
            }
            // Borrowing a table of one row of ROW_BYTES bytes (restricted; the row is ours).
            long cols = small ? ROW_BYTES / size : 0;
            try (IndirectMemory2D b = IndirectMemory2D.wrap(m.pointerTable(), 1, cols, s, true,
                    Sharing.CONFINED)) {
                require(b.format().equals(f) && b.cols() == cols, s, "wrap made " + b);
            }
            Objects.requireNonNull(PointerBorrower.of(s, true, Sharing.CONFINED));
        }
        // Views and buffers over ROW_BYTES heap bytes.
        MemorySegment bytes = MemorySegment.ofArray(new byte[(int) ROW_BYTES]);
        long fit = ROW_BYTES / size;
        try (BufferView v = BufferView.wrap(bytes, f, new long[] {fit}, null, null, true)) {
            require(v.format().equals(f) && v.itemSize() == size && v.len() == fit * size, s, "wrap made " + v);
            for (long i = 0; i < fit; i++) {
                require(v.elementAt(i).byteSize() == size, s, "element " + i + " of " + v);
            }
        }
        throwsExactly(BufferException.class, s, "wrap of " + (fit + 1) + " items",
                () -> BufferView.wrap(bytes, f, new long[] {fit + 1}, null, null, true).close());
        if (ROW_BYTES % size == 0) {
            try (MemoryBuffer b = MemoryBuffer.wrap(bytes, f, 'F', fit)) {
                require(b.format().equals(f), s, "MemoryBuffer.wrap made " + b);
            }
        } else {
            throwsExactly(BufferException.class, s, "MemoryBuffer.wrap",
                    () -> MemoryBuffer.wrap(bytes, f, 'C', fit).close());
        }
        throwsExactly(BufferException.class, s, "MemoryBuffer.wrap(ByteBuffer)",
                () -> MemoryBuffer.wrap(ByteBuffer.allocate((int) ROW_BYTES + 1), f, 'C', fit).close());
        throwsExactly(IllegalArgumentException.class, s, "MemoryBuffer.allocate with " + tooMany + " items",
                () -> MemoryBuffer.allocate(f, 'C', tooMany).close());
        if (small) {
            try (MemoryBuffer b = MemoryBuffer.wrapStrided(bytes, 0, f, new long[] {fit}, new long[] {size})) {
                require(b.format().equals(f), s, "MemoryBuffer.wrapStrided made " + b);
            }
        }
    }

    private static void zeroItemSize(String s, Format f) {
        refusedByStringEntries(IllegalArgumentException.class, s);
        MemorySegment bytes = MemorySegment.ofArray(new byte[8]);
        throwsExactly(IllegalArgumentException.class, s, "wrap",
                () -> BufferView.wrap(bytes, f, new long[] {1}, null, null, true).close());
        throwsExactly(IllegalArgumentException.class, s, "wrap of ndim 0",
                () -> BufferView.wrap(bytes, f, new long[0], null, null, true).close());
        throwsExactly(IllegalArgumentException.class, s, "MemoryBuffer.wrap",
                () -> MemoryBuffer.wrap(MemorySegment.ofArray(new byte[0]), f, 'C', 3).close());
        throwsExactly(IllegalArgumentException.class, s, "MemoryBuffer.allocate",
                () -> MemoryBuffer.allocate(f, 'C', 2).close());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Two rows of {@link #ROW_BYTES} bytes, format {@code B}, confined to the worker thread. */
    private static IndirectMemory2D bytesMemory() {
        return IndirectMemory2D.createMemory(2, ROW_BYTES, "B", false, RowPlacement.ONE_BLOCK, Sharing.CONFINED);
    }

    private static void require(boolean condition, String input, String what) {
        if (!condition) {
            throw new AssertionError("input " + TimeGuard.quote(input) + ": " + what);
        }
    }

    /** Fails unless {@code action} throws an exception of exactly class {@code expected}. */
    static void throwsExactly(Class<? extends Throwable> expected, String input, String what, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            if (t.getClass() == expected) {
                require(t.getMessage() != null && !t.getMessage().isEmpty(), input, what + " threw "
                        + expected.getSimpleName() + " without a message");
                return;
            }
            throw new AssertionError("input " + TimeGuard.quote(input) + ": " + what + " threw " + t
                    + "; expected " + expected.getName(), t);
        }
        throw new AssertionError("input " + TimeGuard.quote(input) + ": " + what + " returned; expected "
                + expected.getName());
    }
}
