package org.indirectbuffer.format;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The elements of one item, flattened through structs and sub-arrays; what {@link Format#isEquivalentTo(Format)}
 * compares. Immutable.
 *
 * <p>Repetitions are kept symbolic, never expanded: consecutive elements of one kind are one {@link Run} with a
 * count, and a repeated struct or sub-array of strings whose elements are not one gapless run is one {@link Group}
 * (a body of nodes, a stride and a repeat count). So building a {@code Flat} costs time and space proportional to
 * the format's fields, whatever its counts: {@code "(1000000000000000000)T{if}"} is one group of two runs.
 *
 * <p>Two flats are compared by walking both in step ({@link #equivalent(Format, Format)}): the walk yields the
 * maximal runs of elements one at a time, and wherever both sides stand at the start of a repetition of groups
 * with the same body and stride at the same offset, it skips the repetitions both have in common at once. Every
 * step of the walk is charged to a budget of {@link #MAX_STEPS}; when it runs out the answer is "not equivalent"
 * (the caller has already checked equality).
 */
final class Flat {
    /** Steps one comparison may take, nested pointer targets included; beyond it the formats are not equivalent. */
    static final int MAX_STEPS = 1 << 16;

    /** Kinds: integers of either signedness and reals of any size share a kind; the size tells them apart. */
    private static final int SIGNED = 0;
    private static final int UNSIGNED = 1;
    private static final int REAL = 2;
    private static final int OTHER = 3; // + ordinal of the element type

    /** A node of a flattened description: offsets are relative to the start of the list holding it. */
    sealed interface Node permits Run, Group {
    }

    /**
     * {@code count} elements of {@code size} bytes at {@code offset}; for a string unit ({@code s p u w}) one
     * string of {@code count} units. {@code order} is {@code null} for one-byte elements; {@code target} is the
     * target of an {@code &} pointer. {@code count} is at least 1.
     */
    record Run(long offset, int kind, long size, ByteOrder order, long count, boolean unit, Format target)
            implements Node {
        /** One past the last byte; cannot overflow, the parser checked the item size. */
        long end() {
            return offset + count * size;
        }

        Run shifted(long by) {
            return by == 0 ? this : new Run(offset + by, kind, size, order, count, unit, target);
        }

        /** Whether {@code next} continues this run: adjacent, of the same element, neither a string unit. */
        boolean continuedBy(Run next) {
            return !unit && !next.unit && end() == next.offset && kind == next.kind && size == next.size
                    && Objects.equals(order, next.order) && Objects.equals(target, next.target);
        }
    }

    /**
     * {@code reps} (at least 2) repetitions of {@code body} (not empty), the first at {@code offset}, each
     * {@code stride} bytes after the previous one. The body is never a single run that fills the stride (that is
     * one longer run), nor a single group that fills it (that is one group with more repetitions).
     */
    record Group(long offset, long stride, long reps, List<Node> body) implements Node {
        Group shifted(long by) {
            return by == 0 ? this : new Group(offset + by, stride, reps, body);
        }
    }

    /** The nodes in offset order; adjacent runs that continue each other are merged. */
    private final List<Node> nodes;

    private Flat(List<Node> nodes) {
        this.nodes = nodes;
    }

    // ------------------------------------------------------------------------------------------------ building

    /**
     * Flattens a format: time and space proportional to its fields, plus the top-level nodes of the nested
     * structs it repeats exactly once (their flats are built once and cached in each struct).
     */
    static Flat of(Format f) {
        List<Node> out = new ArrayList<>();
        List<Field> fields = f.fields();
        for (int i = 0; i < fields.size(); i++) {
            Field field = fields.get(i);
            long size = f.elementSize(i);
            long at = field.offset();
            long outer = 1;
            for (long d : field.shape()) {
                outer *= d; // cannot overflow: the parser checked the field's element count
            }
            ElementType t = field.type();
            if (t == ElementType.STRUCT) {
                addRepeated(field.struct().flat().nodes, at, size, outer * field.count(), out);
            } else if (t.isString()) {
                if (field.count() > 0) {
                    Run unit = new Run(0, kind(t), size, order(field, size), field.count(), true, null);
                    addRepeated(List.of(unit), at, field.count() * size, outer, out);
                }
            } else if (outer * field.count() > 0) {
                append(new Run(at, kind(t), size, order(field, size), outer * field.count(), false, field.struct()),
                        out);
            }
        }
        return new Flat(List.copyOf(out));
    }

    /** Appends {@code reps} repetitions of {@code body}, {@code stride} bytes apart, the first at {@code at}. */
    private static void addRepeated(List<Node> body, long at, long stride, long reps, List<Node> out) {
        if (body.isEmpty() || reps == 0) {
            return;
        }
        if (reps == 1) {
            for (Node n : body) {
                append(shifted(n, at), out);
            }
            return;
        }
        if (body.size() == 1) {
            Node only = body.getFirst();
            if (only instanceof Run r && !r.unit && r.offset == 0 && r.end() == stride) {
                // One gapless run: all repetitions are one run. Elements are at least a byte, so no overflow.
                append(new Run(at, r.kind, r.size, r.order, r.count * reps, false, r.target), out);
                return;
            }
            if (only instanceof Group g && g.offset == 0 && g.reps * g.stride == stride) {
                // One group that fills the stride: one group with more repetitions (strides are at least a byte).
                out.add(new Group(at, g.stride, g.reps * reps, g.body));
                return;
            }
        }
        out.add(new Group(at, stride, reps, body));
    }

    private static Node shifted(Node n, long by) {
        return switch (n) {
            case Run r -> r.shifted(by);
            case Group g -> g.shifted(by);
        };
    }

    private static void append(Node n, List<Node> out) {
        if (n instanceof Run r && !out.isEmpty() && out.getLast() instanceof Run last && last.continuedBy(r)) {
            out.set(out.size() - 1, merged(last, r));
        } else {
            out.add(n);
        }
    }

    private static Run merged(Run a, Run b) {
        return new Run(a.offset, a.kind, a.size, a.order, a.count + b.count, false, a.target);
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

    // ------------------------------------------------------------------------------------------------ comparing

    /**
     * Tells whether two formats of the same item size have the same elements at the same offsets, in at most
     * {@link #MAX_STEPS} steps; {@code false} when the steps run out.
     */
    static boolean equivalent(Format a, Format b) {
        Comparison c = new Comparison();
        try {
            return c.flats(a.flat(), b.flat());
        } catch (OutOfSteps e) {
            return false;
        }
    }

    /** Thrown when a comparison has used up its steps; no stack trace. */
    private static final class OutOfSteps extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutOfSteps() {
            super(null, null, false, false);
        }
    }

    /** A pair of objects compared by identity: the memo key of a comparison. */
    private record Pair(Object a, Object b) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Pair p && p.a == a && p.b == b;
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(a) + System.identityHashCode(b);
        }
    }

    /** One comparison: its step budget and what it has already decided about bodies and pointer targets. */
    private static final class Comparison {
        private long steps = MAX_STEPS;
        private final Map<Pair, Boolean> memo = new HashMap<>();

        void step() {
            if (--steps < 0) {
                throw new OutOfSteps();
            }
        }

        boolean flats(Flat x, Flat y) {
            Cursor cx = new Cursor(x.nodes);
            Cursor cy = new Cursor(y.nodes);
            while (true) {
                skipCommonRepetitions(cx, cy);
                Run rx = cx.next(this);
                Run ry = cy.next(this);
                if (rx == null || ry == null) {
                    return rx == ry;
                }
                step();
                if (!sameRun(rx, ry)) {
                    return false;
                }
            }
        }

        /**
         * Where both cursors stand at the start of a repetition of groups with the same body and stride at the same
         * offset, skips the repetitions both have left in common. Sound because equal elements so far and the same
         * elements skipped on both sides leave the question unchanged: are the remaining elements the same?
         */
        private void skipCommonRepetitions(Cursor cx, Cursor cy) {
            boolean skipped = true;
            while (skipped) {
                skipped = false;
                cx.settle(this);
                cy.settle(this);
                search:
                for (int i = cx.outermostRepetitionStart(); i >= 0 && i < cx.depth(); i++) {
                    for (int j = cy.outermostRepetitionStart(); j >= 0 && j < cy.depth(); j++) {
                        step();
                        Cursor.Frame fx = cx.frame(i);
                        Cursor.Frame fy = cy.frame(j);
                        if (fx.base == fy.base && fx.group.stride == fy.group.stride
                                && sameBody(fx.group.body, fy.group.body)) {
                            long m = Math.min(fx.group.reps - fx.rep, fy.group.reps - fy.rep);
                            cx.skip(i, m);
                            cy.skip(j, m);
                            skipped = true;
                            break search;
                        }
                    }
                }
            }
        }

        private boolean sameRun(Run x, Run y) {
            return x.offset == y.offset && x.count == y.count && x.kind == y.kind && x.size == y.size
                    && Objects.equals(x.order, y.order) && x.unit == y.unit && sameTarget(x.target, y.target);
        }

        /** Structural equality of two bodies (same nodes at the same relative offsets); memoized. */
        private boolean sameBody(List<Node> x, List<Node> y) {
            if (x == y) {
                return true;
            }
            if (x.size() != y.size()) {
                return false;
            }
            Pair key = new Pair(x, y);
            Boolean known = memo.get(key);
            if (known != null) {
                return known;
            }
            boolean same = true;
            for (int k = 0; k < x.size() && same; k++) {
                step();
                same = switch (x.get(k)) {
                    case Run rx -> y.get(k) instanceof Run ry && sameRun(rx, ry);
                    case Group gx -> y.get(k) instanceof Group gy && gx.offset == gy.offset
                            && gx.stride == gy.stride && gx.reps == gy.reps && sameBody(gx.body, gy.body);
                };
            }
            memo.put(key, same);
            return same;
        }

        /** Equivalence of two pointer targets (or both {@code null}), within this comparison's steps; memoized. */
        private boolean sameTarget(Format x, Format y) {
            if (x == null || y == null) {
                return x == y;
            }
            if (x.equals(y)) {
                return true;
            }
            if (x.itemSize() != y.itemSize()) {
                return false;
            }
            Pair key = new Pair(x, y);
            Boolean known = memo.get(key);
            if (known == null) {
                known = flats(x.flat(), y.flat());
                memo.put(key, known);
            }
            return known;
        }
    }

    /**
     * Walks a flattened description run by run without expanding it: a stack of frames, one per list being walked
     * (the top level and each group repetition entered).
     */
    private static final class Cursor {
        static final class Frame {
            final List<Node> list;
            /** The group whose repetition this frame walks; {@code null} for the top level. */
            final Group group;
            int index;
            /** Absolute offset of the start of this list (of the current repetition). */
            long base;
            /** Current repetition, from 0 to {@code group.reps - 1}. */
            long rep;

            Frame(List<Node> list, Group group, long base) {
                this.list = list;
                this.group = group;
                this.base = base;
            }
        }

        private final ArrayList<Frame> stack = new ArrayList<>();

        Cursor(List<Node> top) {
            stack.add(new Frame(top, null, 0));
        }

        int depth() {
            return stack.size();
        }

        Frame frame(int i) {
            return stack.get(i);
        }

        /**
         * Moves to the next run: enters groups, moves on to the next repetition, leaves finished lists; afterwards
         * the top frame's index is at a run, or the stack is empty. Each group entered costs a step; bodies are not
         * empty, so entering one leads to a run.
         */
        void settle(Comparison c) {
            while (!stack.isEmpty()) {
                Frame f = stack.getLast();
                if (f.index < f.list.size()) {
                    Node n = f.list.get(f.index);
                    if (n instanceof Group g) {
                        c.step();
                        f.index++;
                        stack.add(new Frame(g.body, g, f.base + g.offset));
                        continue;
                    }
                    return;
                }
                if (f.group != null && f.rep + 1 < f.group.reps) {
                    f.rep++;
                    f.base += f.group.stride;
                    f.index = 0;
                } else {
                    stack.removeLast();
                }
            }
        }

        /**
         * On a settled cursor: the outermost frame that stands at the start of a repetition (every frame from it to
         * the top does), or -1 if the top frame does not.
         */
        int outermostRepetitionStart() {
            int top = stack.size() - 1;
            if (top < 0 || stack.get(top).group == null || stack.get(top).index != 0) {
                return -1;
            }
            int i = top;
            // Frame i-1 is at the start of its repetition if frame i is the first node of its list and at rep 0.
            while (i - 1 >= 0 && stack.get(i - 1).group != null && stack.get(i - 1).index == 1
                    && stack.get(i).rep == 0) {
                i--;
            }
            return i;
        }

        /** Skips {@code m} repetitions of the group of frame {@code i}, which stands at the start of one. */
        void skip(int i, long m) {
            while (stack.size() > i + 1) {
                stack.removeLast();
            }
            Frame f = stack.get(i);
            f.rep += m;
            f.index = 0;
            if (f.rep == f.group.reps) {
                stack.removeLast();
            } else {
                f.base += m * f.group.stride; // within the item: no overflow
            }
        }

        /** The next maximal run, or {@code null} at the end; each run taken costs a step. */
        Run next(Comparison c) {
            settle(c);
            if (stack.isEmpty()) {
                return null;
            }
            Run cur = take(c);
            while (true) {
                settle(c);
                if (stack.isEmpty()) {
                    return cur;
                }
                Frame f = stack.getLast();
                Run n = ((Run) f.list.get(f.index)).shifted(f.base);
                if (!cur.continuedBy(n)) {
                    return cur;
                }
                cur = merged(cur, take(c));
            }
        }

        private Run take(Comparison c) {
            c.step();
            Frame f = stack.getLast();
            return ((Run) f.list.get(f.index++)).shifted(f.base);
        }
    }
}
