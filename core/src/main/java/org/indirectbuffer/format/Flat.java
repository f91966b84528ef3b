package org.indirectbuffer.format;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The elements of one item, flattened through structs and sub-arrays into runs of consecutive elements of one kind;
 * what {@link Format#isEquivalentTo(Format)} compares. Immutable.
 */
final class Flat {
    /** Most runs kept; beyond it {@link #runs} is {@code null} and equivalence falls back to equality. */
    static final int MAX_RUNS = 4096;

    /** Kinds: integers of either signedness and reals of any size share a kind; the size tells them apart. */
    private static final int SIGNED = 0;
    private static final int UNSIGNED = 1;
    private static final int REAL = 2;
    private static final int OTHER = 3; // + ordinal of the element type

    /**
     * {@code count} elements of {@code size} bytes at {@code offset}; for a string unit ({@code s p u w}) one
     * string of {@code count} units. {@code order} is {@code null} for one-byte elements; {@code target} is the
     * target of an {@code &} pointer.
     */
    record Run(long offset, int kind, long size, ByteOrder order, long count, boolean unit, Format target) {
        Run shifted(long by) {
            return new Run(offset + by, kind, size, order, count, unit, target);
        }

        boolean sameElements(Run o) {
            return kind == o.kind && size == o.size && Objects.equals(order, o.order) && unit == o.unit
                    && (target == null ? o.target == null : o.target != null && target.isEquivalentTo(o.target));
        }
    }

    /** The runs in offset order, or {@code null} if there are more than {@link #MAX_RUNS}. */
    private final List<Run> runs;

    private Flat(List<Run> runs) {
        this.runs = runs;
    }

    private static final class TooMany extends Exception {
        private static final long serialVersionUID = 1L;

        TooMany() {
            super(null, null, false, false);
        }
    }

    static Flat of(Format f) {
        List<Run> out = new ArrayList<>();
        try {
            add(f, 0, out);
        } catch (TooMany e) {
            return new Flat(null);
        }
        return new Flat(List.copyOf(out));
    }

    boolean equivalent(Flat other) {
        if (runs == null || other.runs == null || runs.size() != other.runs.size()) {
            return false;
        }
        for (int i = 0; i < runs.size(); i++) {
            Run a = runs.get(i);
            Run b = other.runs.get(i);
            if (a.offset != b.offset || a.count != b.count || !a.sameElements(b)) {
                return false;
            }
        }
        return true;
    }

    private static void add(Format f, long base, List<Run> out) throws TooMany {
        List<Field> fields = f.fields();
        for (int i = 0; i < fields.size(); i++) {
            Field field = fields.get(i);
            long size = f.elementSize(i);
            long at = base + field.offset();
            long outer = 1;
            for (long d : field.shape()) {
                outer *= d; // cannot overflow: the parser checked the field's byte size
            }
            ElementType t = field.type();
            if (t == ElementType.STRUCT) {
                addRepeated(field.struct(), at, size, outer * field.count(), out);
            } else if (t.isString()) {
                Run unit = new Run(at, kind(t), size, order(field, size), field.count(), true, null);
                for (long k = 0; k < outer; k++) {
                    append(unit.shifted(k * field.count() * size), out);
                }
            } else {
                append(new Run(at, kind(t), size, order(field, size), outer * field.count(), false, field.struct()),
                        out);
            }
        }
    }

    private static void addRepeated(Format struct, long at, long stride, long reps, List<Run> out) throws TooMany {
        List<Run> inner = struct.flat().runs;
        if (inner == null) {
            throw new TooMany();
        }
        if (inner.isEmpty() || reps == 0) {
            return;
        }
        Run only = inner.getFirst();
        if (inner.size() == 1 && !only.unit && only.offset == 0 && only.count * only.size == stride) {
            // A struct that is one gapless run: all repetitions are one run.
            append(new Run(at, only.kind, only.size, only.order, only.count * reps, false, only.target), out);
            return;
        }
        for (long k = 0; k < reps; k++) { // each repetition adds at least one run, so MAX_RUNS bounds this
            for (Run r : inner) {
                append(r.shifted(at + k * stride), out);
            }
        }
    }

    private static void append(Run r, List<Run> out) throws TooMany {
        if (r.count == 0) {
            return;
        }
        if (!out.isEmpty()) {
            Run last = out.getLast();
            if (!r.unit && !last.unit && last.offset + last.count * last.size == r.offset && r.kind == last.kind
                    && r.size == last.size && Objects.equals(r.order, last.order)
                    && Objects.equals(r.target, last.target)) {
                out.set(out.size() - 1, new Run(last.offset, last.kind, last.size, last.order, last.count + r.count,
                        false, last.target));
                return;
            }
        }
        if (out.size() == MAX_RUNS) {
            throw new TooMany();
        }
        out.add(r);
    }

    private static int kind(ElementType t) {
        if (t.isInteger()) {
            return t.isSigned() ? SIGNED : UNSIGNED;
        }
        return switch (t) {
            case FLOAT16, FLOAT32, FLOAT64 -> REAL;
            default -> OTHER + t.ordinal();
        };
    }

    private static ByteOrder order(Field f, long size) {
        return size == 1 ? null : f.byteOrder();
    }
}
