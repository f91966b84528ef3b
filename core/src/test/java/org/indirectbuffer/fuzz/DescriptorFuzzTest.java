package org.indirectbuffer.fuzz;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes foreign descriptors through {@link BufferView#wrap}: random and hostile shapes (ndim 0, up to and past
 * {@value BufferView#MAX_NDIM}, negative, huge), strides (negative, zero, unaligned, overflowing), suboffsets, buf
 * offsets, read-only and heap memory, and pointer slots that are NULL, point just past the end of the first level, or
 * lead anywhere the remaining dimensions still fit inside memory this test owns.
 *
 * <p>An independent model of the documented checks (exact arithmetic, {@link BigInteger}) says for each descriptor
 * which refusals apply: {@code wrap} must refuse it with one of exactly those exception types when any applies and
 * make the view when none does. A view made is then read through its own resolver and typed access, at every index
 * (or, for views of more than {@value #MAX_PATHS} items, at the corners and at indices the input picks): each item
 * must be exactly where the model's walk of the descriptor puts it (the pointer values are the test's own, written
 * into the slots the walk reads), hold the bytes there, and a path through a NULL pointer must be an {@link
 * IllegalStateException}; writes to a read-only view are a {@link ReadOnlyBufferException}, and {@code toBytes} of a
 * fully walked view is the items in C order.
 *
 * <p><b>Pointers.</b> A descriptor with suboffsets makes the library follow raw pointers (a restricted method): the
 * contract is that they lead to memory the caller owns for the extent the remaining dimensions describe, and a pointer
 * outside it may legitimately crash the JVM. So every pointer slot the walk reads holds NULL or an address whose
 * extent lies inside the test's block; the check is that the library bounds every access by that extent. Inputs
 * whose pointer slots would overlap each other are not descriptors a caller can build and are only wrapped, not read.
 */
@Tag("fuzz")
class DescriptorFuzzTest {
    /** The memory the test owns: the first level is its start, every pointer leads inside it. */
    private static final long BLOCK = 4096;
    private static final int POINTER = (int) ValueLayout.ADDRESS.byteSize();
    /** At most this many index tuples are read per view. */
    static final int MAX_PATHS = 256;
    private static final long NULL = Long.MIN_VALUE;
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final String[] FORMATS = {"B", "b", "c", "h", "H", "i", "I", "<i", "q", "Q", "d", ">d", "f",
                                             "3B", "T{ih}", "x", "?", "P", "0s", "e"};

    private final TimeGuard guard = new TimeGuard();

    @FuzzTest(maxDuration = "30s")
    void descriptors(FuzzedDataProvider data) {
        Descriptor d = Descriptor.from(data);
        guard.run(d.toString(), () -> check(d));
    }

    // ------------------------------------------------------------------------------------------------ the input

    /** One input, read completely from the fuzzer's bytes before the checks run on the guard's worker. */
    record Descriptor(String format, boolean heap, boolean readOnlyMemory, boolean readOnly, boolean rowScope,
                      int firstLevel, long bufOffset, long[] shape, long[] strides, long[] suboffsets,
                      byte[] choices) {
        static Descriptor from(FuzzedDataProvider data) {
            String format = FORMATS[data.consumeInt(0, FORMATS.length - 1)];
            int flags = data.consumeInt(0, 255);
            int firstLevel = data.consumeInt(0, (int) BLOCK / 2);
            int n = ndim(data);
            long[] shape = new long[n];
            for (int i = 0; i < n; i++) {
                shape[i] = n > 5 ? data.consumeLong(0, 2) == 0 ? hostileSize(data) : 1 : hostileSize(data);
            }
            long[] strides = null;
            if (data.consumeInt(0, 3) != 0) {
                strides = new long[length(data, n)];
                for (int i = 0; i < strides.length; i++) {
                    strides[i] = stride(data);
                }
            }
            long[] suboffsets = null;
            if (data.consumeBoolean()) {
                suboffsets = new long[length(data, n)];
                for (int i = 0; i < suboffsets.length; i++) {
                    suboffsets[i] = suboffset(data);
                }
            }
            long bufOffset = switch (data.consumeInt(0, 15)) {
                case 0 -> -1;
                case 1 -> firstLevel + 1L;
                case 2 -> Long.MIN_VALUE;
                case 3 -> Long.MAX_VALUE;
                case 4 -> data.consumeLong();
                default -> data.consumeLong(0, firstLevel);
            };
            return new Descriptor(format, (flags & 0xF) == 0, (flags & 0x30) == 0, (flags & 0x40) != 0,
                    (flags & 0x80) != 0, firstLevel, bufOffset, shape, strides, suboffsets,
                    data.consumeRemainingAsBytes());
        }

        private static int ndim(FuzzedDataProvider data) {
            int sel = data.consumeInt(0, 15);
            return switch (sel) {
                case 12 -> BufferView.MAX_NDIM;
                case 13 -> BufferView.MAX_NDIM + 1;
                case 14 -> data.consumeInt(BufferView.MAX_NDIM + 2, 200);
                case 15 -> data.consumeInt(5, BufferView.MAX_NDIM - 1);
                default -> sel % 5;
            };
        }

        /** Mostly the dimension count; now and then one more or one less (a BufferException). */
        private static int length(FuzzedDataProvider data, int n) {
            return switch (data.consumeInt(0, 31)) {
                case 0 -> n + 1;
                case 1 -> Math.max(0, n - 1);
                default -> n;
            };
        }

        private static long hostileSize(FuzzedDataProvider data) {
            return switch (data.consumeInt(0, 15)) {
                case 12 -> -data.consumeLong(1, Long.MAX_VALUE);
                case 13 -> new long[] {Long.MAX_VALUE, 1L << 62, 1L << 32, Integer.MAX_VALUE, 1L << 31}
                        [data.consumeInt(0, 4)];
                case 14 -> data.consumeLong();
                case 15 -> data.consumeLong(6, 100);
                default -> data.consumeLong(0, 5);
            };
        }

        private static long stride(FuzzedDataProvider data) {
            return switch (data.consumeInt(0, 15)) {
                case 0 -> 0;
                case 1 -> Long.MIN_VALUE;
                case 2 -> Long.MAX_VALUE;
                case 3 -> (data.consumeBoolean() ? 1 : -1) * (1L << data.consumeInt(31, 62));
                case 4 -> data.consumeLong();
                case 5, 6, 7, 8 -> data.consumeLong(-64, 64);
                default -> POINTER * data.consumeLong(-4, 4);
            };
        }

        private static long suboffset(FuzzedDataProvider data) {
            return switch (data.consumeInt(0, 15)) {
                case 0 -> Long.MAX_VALUE;
                case 1 -> data.consumeLong();
                case 2 -> data.consumeLong(Long.MIN_VALUE, -2);
                case 3, 4 -> data.consumeLong(0, 64);
                case 5, 6 -> 0;
                default -> -1;
            };
        }

        @Override
        public String toString() {
            return "wrap(" + (heap ? "heap" : "native") + (readOnlyMemory ? " read-only" : "") + " memory of "
                    + firstLevel + " bytes, bufOffset " + bufOffset + ", '" + format + "', shape "
                    + Arrays.toString(shape) + ", strides " + Arrays.toString(strides) + ", suboffsets "
                    + Arrays.toString(suboffsets) + ", readOnly " + readOnly + (rowScope ? ", rowScope" : "") + ")";
        }
    }

    // ------------------------------------------------------------------------------------------------ the model

    /** What the documented checks say of a descriptor, computed exactly. */
    static final class Model {
        final Descriptor d;
        final long itemSize;
        final List<Class<? extends RuntimeException>> refusals = new ArrayList<>();
        final List<String> reasons = new ArrayList<>();
        long[] strides;
        long[] suboffsets;
        boolean indirect;
        long len;
        /** Per indirect dimension, the extent reached through its pointer, relative to pointer + suboffset. */
        long[] low;
        long[] size;

        Model(Descriptor d, Format format) {
            this.d = d;
            this.itemSize = format.itemSize();
            int n = d.shape.length;
            if (n > BufferView.MAX_NDIM) {
                refuse(IllegalArgumentException.class, "ndim " + n);
            }
            if (itemSize <= 0) {
                refuse(IllegalArgumentException.class, "item size " + itemSize);
            }
            for (long s : d.shape) {
                if (s < 0) {
                    refuse(IllegalArgumentException.class, "negative shape entry " + s);
                }
            }
            if (!refusals.isEmpty()) {
                return; // nothing below is defined
            }
            if (d.strides == null) {
                strides = new long[n];
                BigInteger sd = BigInteger.valueOf(itemSize);
                for (int i = n - 1; i >= 0; i--) {
                    if (!fits(sd)) {
                        refuse(IllegalArgumentException.class, "contiguous stride " + i + " overflows");
                        break;
                    }
                    strides[i] = sd.longValueExact();
                    sd = sd.multiply(BigInteger.valueOf(Math.max(d.shape[i], 1)));
                }
            } else if (d.strides.length != n) {
                refuse(BufferException.class, "strides length");
            } else {
                strides = d.strides.clone();
            }
            suboffsets = new long[n];
            Arrays.fill(suboffsets, -1);
            if (d.suboffsets != null) {
                if (d.suboffsets.length != n) {
                    refuse(BufferException.class, "suboffsets length");
                } else {
                    for (int i = 0; i < n; i++) {
                        suboffsets[i] = d.suboffsets[i] < 0 ? -1 : d.suboffsets[i];
                        indirect |= d.suboffsets[i] >= 0;
                    }
                }
            }
            if (d.readOnlyMemory && !d.readOnly && !indirect) {
                refuse(BufferException.class, "read-only memory, writable view");
            }
            if (indirect && d.heap) {
                refuse(BufferException.class, "pointers in heap memory");
            }
            if (strides == null) {
                return;
            }
            BigInteger total = BigInteger.valueOf(itemSize);
            for (long s : d.shape) {
                total = total.multiply(BigInteger.valueOf(s));
            }
            if (!fits(total)) {
                refuse(IllegalArgumentException.class, "len overflows");
                return;
            }
            len = total.longValueExact();
            if (len == 0) {
                if (d.bufOffset < 0 || d.bufOffset > d.firstLevel) {
                    refuse(BufferException.class, "empty view's bufOffset outside memory");
                }
                return;
            }
            BigInteger[] first = reach(0);
            if (first == null) {
                return;
            }
            BigInteger lo = first[0].add(BigInteger.valueOf(d.bufOffset));
            BigInteger hi = first[1].add(BigInteger.valueOf(d.bufOffset));
            if (!fits(lo) || !fits(hi)) {
                refuse(IllegalArgumentException.class, "first level overflows with bufOffset");
            } else if (lo.signum() < 0 || hi.compareTo(BigInteger.valueOf(d.firstLevel)) > 0) {
                refuse(BufferException.class, "first level reaches [" + lo + ", " + hi + ")");
            }
            low = new long[n];
            size = new long[n];
            for (int k = 0; k < n && indirect; k++) {
                if (suboffsets[k] >= 0) {
                    BigInteger[] r = reach(k + 1);
                    if (r == null) {
                        return;
                    }
                    BigInteger extent = r[1].subtract(r[0]);
                    if (!fits(extent) || !fits(r[1].add(BigInteger.valueOf(suboffsets[k])))) {
                        refuse(IllegalArgumentException.class, "extent after the pointer of dimension " + k);
                        return;
                    }
                    low[k] = r[0].longValueExact();
                    size[k] = extent.longValueExact();
                }
            }
        }

        /** [low, high) that dimensions from..k reach (k the next indirect one or the last), or null on overflow. */
        private BigInteger[] reach(int from) {
            BigInteger lo = BigInteger.ZERO;
            BigInteger hi = BigInteger.ZERO;
            long cell = itemSize;
            for (int i = from; i < d.shape.length; i++) {
                BigInteger span = BigInteger.valueOf(strides[i]).multiply(BigInteger.valueOf(d.shape[i] - 1));
                if (!fits(span)) {
                    refuse(IllegalArgumentException.class, "span of dimension " + i);
                    return null;
                }
                if (span.signum() < 0) {
                    lo = lo.add(span);
                } else {
                    hi = hi.add(span);
                }
                if (!fits(lo) || !fits(hi)) {
                    refuse(IllegalArgumentException.class, "reach from dimension " + from);
                    return null;
                }
                if (suboffsets[i] >= 0) {
                    cell = POINTER;
                    break;
                }
            }
            hi = hi.add(BigInteger.valueOf(cell));
            if (!fits(hi)) {
                refuse(IllegalArgumentException.class, "reach from dimension " + from);
                return null;
            }
            return new BigInteger[] {lo, hi};
        }

        private void refuse(Class<? extends RuntimeException> type, String why) {
            refusals.add(type);
            reasons.add(why);
        }

        private static boolean fits(BigInteger v) {
            return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0;
        }
    }

    // ------------------------------------------------------------------------------------------------ the checks

    private static void check(Descriptor d) {
        Format format = Format.parse(d.format);
        Model model = new Model(d, format);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(BLOCK, 16);
            for (long i = 0; i < BLOCK; i++) {
                block.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
            }
            MemorySegment memory = d.heap ? MemorySegment.ofArray(block.asSlice(0, d.firstLevel).toArray(
                    ValueLayout.JAVA_BYTE)) : block.asSlice(0, d.firstLevel);
            if (d.readOnlyMemory) {
                memory = memory.asReadOnly();
            }
            Walk walk = null;
            if (model.refusals.isEmpty() && model.indirect) {
                // Write the pointers before the view exists: the library may read them at any access.
                walk = new Walk(d, model, block);
            }
            BufferView view;
            try {
                view = d.rowScope
                        ? BufferView.wrap(memory, d.bufOffset, format, d.shape, d.strides, d.suboffsets, d.readOnly,
                        arena)
                        : BufferView.wrap(memory, d.bufOffset, format, d.shape, d.strides, d.suboffsets, d.readOnly);
            } catch (RuntimeException e) {
                if (!model.refusals.contains(e.getClass())) {
                    throw new AssertionError(d + " threw " + e + "; the model expected "
                            + (model.refusals.isEmpty() ? "a view" : model.refusals + " for " + model.reasons), e);
                }
                require(e.getMessage() != null && !e.getMessage().isEmpty(), d, "refusal without a message: " + e);
                return;
            }
            try (BufferView v = view) {
                require(model.refusals.isEmpty(), d, "made a view; the model expected " + model.refusals + " for "
                        + model.reasons);
                if (walk == null) {
                    walk = new Walk(d, model, block);
                }
                read(d, model, walk, v, memory, block);
            }
        }
    }

    /**
     * The model's walk of the descriptor over the index tuples read: fixes the pointer of every slot met (from the
     * input's choices), writes it into the block, and records where each item lies.
     */
    static final class Walk {
        final List<long[]> indices = new ArrayList<>();
        /** Per tuple: the item's offset in the block (or in heap memory), or NULL when a NULL pointer is met. */
        final List<Long> items = new ArrayList<>();
        /** Slot offset in the block -> the pointer's offset in the block (or NULL). */
        final TreeMap<Long, Long> slots = new TreeMap<>();
        boolean complete;
        boolean conflict;
        private final Descriptor d;
        private final Model m;
        private int next;

        Walk(Descriptor d, Model m, MemorySegment block) {
            this.d = d;
            this.m = m;
            int n = d.shape.length;
            BigInteger count = BigInteger.ONE;
            for (long s : d.shape) {
                count = count.multiply(BigInteger.valueOf(s));
            }
            if (count.signum() == 0) {
                complete = true;
                return;
            }
            complete = count.compareTo(BigInteger.valueOf(MAX_PATHS)) <= 0;
            if (complete) {
                long[] idx = new long[n];
                for (long c = count.longValueExact(); c > 0; c--) {
                    indices.add(idx.clone());
                    for (int i = n - 1; i >= 0 && ++idx[i] == d.shape[i]; i--) {
                        idx[i] = 0;
                    }
                }
            } else {
                for (int c = 0; c < MAX_PATHS / 2; c++) { // corners
                    long[] idx = new long[n];
                    for (int i = 0; i < n; i++) {
                        idx[i] = (c >> (i % 8) & 1) == 0 ? 0 : d.shape[i] - 1;
                    }
                    indices.add(idx);
                }
                for (int c = 0; c < MAX_PATHS / 2; c++) { // picked by the input
                    long[] idx = new long[n];
                    for (int i = 0; i < n; i++) {
                        idx[i] = Long.remainderUnsigned(choice64(), d.shape[i]);
                    }
                    indices.add(idx);
                }
            }
            for (long[] idx : indices) {
                items.add(walk(idx, block));
                if (conflict) {
                    return;
                }
            }
        }

        private long walk(long[] idx, MemorySegment block) {
            long base = 0;
            long offset = d.bufOffset;
            boolean firstLevel = true;
            for (int i = 0; i < idx.length; i++) {
                offset += m.strides[i] * idx[i];
                if (m.suboffsets[i] >= 0) {
                    long slot = base + offset;
                    long limit = firstLevel ? d.firstLevel : BLOCK;
                    require(slot >= 0 && slot <= limit - POINTER, d, "the walk of " + Arrays.toString(idx)
                            + " reads a pointer at " + slot + ", outside [0, " + limit + ")");
                    Long p = slots.get(slot);
                    if (p != null && p != NULL && !fits(i, p, block.address())) {
                        conflict = true; // a slot another dimension's pointer is in, whose value is no use here
                        return NULL;
                    }
                    if (p == null) {
                        Map.Entry<Long, Long> below = slots.lowerEntry(slot);
                        Map.Entry<Long, Long> above = slots.higherEntry(slot);
                        if (below != null && below.getKey() > slot - POINTER
                                || above != null && above.getKey() < slot + POINTER) {
                            conflict = true; // overlapping pointer slots: no caller can build this
                            return NULL;
                        }
                        p = choosePointer(i, block.address());
                        slots.put(slot, p);
                        block.set(ValueLayout.JAVA_LONG_UNALIGNED, slot, p == NULL ? 0 : block.address() + p);
                    }
                    if (p == NULL) {
                        return NULL;
                    }
                    base = p + m.suboffsets[i];
                    offset = 0;
                    firstLevel = false;
                }
            }
            long item = base + offset;
            long limit = firstLevel ? d.firstLevel : BLOCK;
            require(item >= 0 && item <= limit - m.itemSize, d, "the walk puts item " + Arrays.toString(idx)
                    + " at " + item + ", outside [0, " + limit + ")");
            return item;
        }

        /** Whether pointer {@code p} (an offset from the block's start) leads dimension {@code dim} into the block. */
        private boolean fits(int dim, long p, long blockAddress) {
            long[] range = range(dim, blockAddress);
            return p >= range[0] && p <= range[1];
        }

        /** The pointers (offsets from the block's start) whose extent for {@code dim} lies in the block. */
        private long[] range(int dim, long blockAddress) {
            long reachStart = m.suboffsets[dim] + m.low[dim]; // pointer + reachStart is the first byte reached
            long lo = Math.max(-reachStart, 1 - blockAddress); // a positive address
            long hi = BLOCK - reachStart - m.size[dim];
            return new long[] {lo, hi};
        }

        /** A pointer (as an offset from the block's start) whose extent lies in the block, or NULL. */
        private long choosePointer(int dim, long blockAddress) {
            long[] range = range(dim, blockAddress);
            long lo = range[0];
            long hi = range[1];
            int kind = choice8();
            if (m.size[dim] > BLOCK || hi < lo || kind % 8 == 0) {
                return NULL;
            }
            long just = d.firstLevel; // just past the first level's end, in the guard area behind it
            return switch (kind % 8) {
                case 1 -> just >= lo && just <= hi ? just : lo;
                case 2 -> lo;
                case 3 -> hi;
                default -> lo + Long.remainderUnsigned(choice64(), hi - lo + 1);
            };
        }

        private int choice8() {
            return d.choices.length == 0 ? 0 : d.choices[next++ % d.choices.length] & 0xFF;
        }

        private long choice64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | choice8();
            }
            return v;
        }
    }

    private static void read(Descriptor d, Model m, Walk walk, BufferView v, MemorySegment memory,
                             MemorySegment block) {
        require(v.ndim() == d.shape.length && Arrays.equals(v.shape(), d.shape) && v.len() == m.len
                && v.itemSize() == m.itemSize && v.isIndirect() == m.indirect && v.isReadOnly() == d.readOnly, d,
                "view " + v + " does not match the descriptor");
        require(Arrays.equals(v.strides(), m.strides), d, "strides " + Arrays.toString(v.strides()));
        if (walk.conflict) {
            return;
        }
        boolean anyNull = false;
        Bytes expected = new Bytes(walk.complete ? (int) m.len : 0);
        for (int t = 0; t < walk.indices.size(); t++) {
            long[] idx = walk.indices.get(t);
            long at = walk.items.get(t);
            if (at == NULL) {
                anyNull = true;
                throwsExactly(IllegalStateException.class, d, "elementAt" + Arrays.toString(idx)
                        + " through a NULL pointer", () -> v.elementAt(idx));
                throwsExactly(IllegalStateException.class, d, "typed read through a NULL pointer",
                        () -> typedRead(d.format, v, idx));
                continue;
            }
            // Items reached through pointers lie in the block; direct ones in the first-level memory.
            boolean reached = m.indirect; // every path follows every indirect dimension's pointer
            MemorySegment home = reached ? block : memory;
            MemorySegment item = v.elementAt(idx);
            long expectedAddress = home.address() + at;
            require(item.address() == expectedAddress && item.byteSize() == m.itemSize, d, "elementAt"
                    + Arrays.toString(idx) + " is " + item + "; the model puts it at " + at + " of "
                    + (reached ? "the block" : "memory"));
            byte[] bytes = item.toArray(ValueLayout.JAVA_BYTE);
            byte[] there = home.asSlice(at, m.itemSize).toArray(ValueLayout.JAVA_BYTE);
            require(Arrays.equals(bytes, there), d, "bytes of item " + Arrays.toString(idx));
            expected.put(bytes);
            Object typed = typedRead(d.format, v, idx);
            if (typed != null) {
                require(typed.equals(typedExpected(d.format, home, at)), d, "typed read of "
                        + Arrays.toString(idx) + " is " + typed);
                if (d.readOnly) {
                    try {
                        typedWriteBack(d.format, v, idx, typed);
                        throw new AssertionError(d + ": a typed write to a read-only view returned");
                    } catch (ReadOnlyBufferException expectedRefusal) {
                        // documented (the library's subclass names the view and the index)
                    }
                } else if (!d.format.equals("f") && !d.format.endsWith("d")) {
                    // integers only: a NaN's bits need not survive a round trip through float or double
                    typedWriteBack(d.format, v, idx, typed);
                    require(Arrays.equals(home.asSlice(at, m.itemSize).toArray(ValueLayout.JAVA_BYTE), there), d,
                            "writing back item " + Arrays.toString(idx) + " changed its bytes");
                }
            }
        }
        if (walk.complete && m.len <= Integer.MAX_VALUE) {
            if (anyNull) {
                throwsExactly(IllegalStateException.class, d, "toBytes through a NULL pointer", () -> v.toBytes('C'));
            } else {
                require(Arrays.equals(v.toBytes('C'), expected.bytes()), d, "toBytes('C') differs from the items");
            }
        }
    }

    /** The typed getter the format has, or null for formats read only through elementAt. */
    private static Object typedRead(String format, BufferView v, long[] idx) {
        return switch (format) {
            case "B", "b", "c" -> v.getByte(idx);
            case "h", "H" -> v.getShort(idx);
            case "i", "I", "<i" -> v.getInt(idx);
            case "q", "Q" -> v.getLong(idx);
            case "d", ">d" -> Double.doubleToRawLongBits(v.getDouble(idx));
            case "f" -> Float.floatToRawIntBits(v.getFloat(idx));
            default -> {
                v.elementAt(idx);
                yield null;
            }
        };
    }

    private static Object typedExpected(String format, MemorySegment home, long at) {
        return switch (format) {
            case "B", "b", "c" -> home.get(ValueLayout.JAVA_BYTE, at);
            case "h", "H" -> home.get(ValueLayout.JAVA_SHORT_UNALIGNED, at);
            case "i", "I" -> home.get(ValueLayout.JAVA_INT_UNALIGNED, at);
            case "<i" -> home.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
            case "q", "Q" -> home.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
            case "d" -> home.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
            case ">d" -> home.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at);
            case "f" -> home.get(ValueLayout.JAVA_INT_UNALIGNED, at);
            default -> throw new IllegalArgumentException(format);
        };
    }

    /** Writes the value read back (integers as they are; floating point as the same bits read again). */
    private static void typedWriteBack(String format, BufferView v, long[] idx, Object value) {
        switch (format) {
            case "B", "b", "c" -> v.setByte((Byte) value, idx);
            case "h", "H" -> v.setShort((Short) value, idx);
            case "i", "I", "<i" -> v.setInt((Integer) value, idx);
            case "q", "Q" -> v.setLong((Long) value, idx);
            case "d", ">d" -> v.setDouble(Double.longBitsToDouble((Long) value), idx);
            case "f" -> v.setFloat(Float.intBitsToFloat((Integer) value), idx);
            default -> throw new IllegalArgumentException(format);
        }
    }

    /** The bytes of the items in C order, filled as they are read. */
    private static final class Bytes {
        private final byte[] bytes;
        private int at;

        Bytes(int size) {
            bytes = new byte[size];
        }

        void put(byte[] b) {
            if (at + b.length <= bytes.length) {
                System.arraycopy(b, 0, bytes, at, b.length);
            }
            at += b.length;
        }

        byte[] bytes() {
            return bytes;
        }
    }

    private static void require(boolean condition, Descriptor d, String what) {
        if (!condition) {
            throw new AssertionError(d + ": " + what);
        }
    }

    private static void throwsExactly(Class<? extends Throwable> expected, Descriptor d, String what,
                                      Runnable action) {
        FormatFuzzTest.throwsExactly(expected, d.toString(), what, action);
    }
}
