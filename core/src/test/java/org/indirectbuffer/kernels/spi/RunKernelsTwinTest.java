package org.indirectbuffer.kernels.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link RunKernels} method of the Vector API kernels against its scalar twin, over awkward sizes (around 2, 4,
 * 8 and 16 lanes and their unrolled multiples), runs misaligned by 0..7 bytes inside a larger segment with guard
 * bytes on both sides, both byte orders, and heap (byte[] and long[]), native and memory-mapped segments. Sums of
 * floating-point items may differ in the last bits (the order of additions differs) and are compared within {@code
 * 1e-12 * sum|x|}; everything else must be identical: the same bits for min/max (NaN, -0.0 and 0.0, infinities), the
 * same bytes after fill and scale, the same answers from equal.
 *
 * <p>The build runs this at the preferred vector width and again with {@code -Dindirectbuffer.vectorBits=128} (the
 * {@code vector-128-bit} execution), so the SIMD kernels meet the sizes at two lane counts. Skipped in the test run
 * without {@code jdk.incubator.vector} (there is no SIMD twin to compare).
 */
@SuppressWarnings("restricted") // the row fast path reads absolute addresses; test code only
class RunKernelsTwinTest {
    /** Covers 2, 4, 8 and 16 lanes: lanes - 1, lanes, lanes + 1, 2 lanes + 3, 4 lanes k +- 1, and long runs. */
    private static final long[] SIZES = {0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 15, 16, 17, 19, 31, 32, 33, 35, 63, 64, 65,
            127, 128, 129, 1000, 1023, 4099};
    private static final int GUARD = 16;
    private static final double RELATIVE = 1e-12;

    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
            ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static RunKernels simd;
    private static final RunKernels SCALAR = KernelProviders.scalar();

    enum Type {
        DOUBLE(8), FLOAT(4), LONG(8), INT(4);

        final int size;

        Type(int size) {
            this.size = size;
        }

        boolean floating() {
            return this == DOUBLE || this == FLOAT;
        }
    }

    /** Where a run lives; {@code MAPPED} is a memory-mapped file. */
    enum Mem { HEAP_BYTES, HEAP_LONGS, NATIVE, MAPPED }

    @BeforeAll
    static void findTheVectorKernels() {
        simd = KernelProviders.simd().orElse(null);
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Type t : Type.values()) {
            for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                for (Mem m : Mem.values()) {
                    list.add(Arguments.of(t, o, m));
                }
            }
        }
        return list.stream();
    }

    static Stream<Arguments> floatingCases() {
        return cases().filter(a -> ((Type) a.get()[0]).floating());
    }

    // ------------------------------------------------------------------------------------------------ runs

    /** {@code n} items at {@code off} of {@code seg} (which has random guard bytes around them). */
    private record Run(MemorySegment seg, long off, long n, Type type, ByteOrder order) {
        // one constant layout per access site, so that the accesses compile to plain loads and stores
        long bits(long i) {
            boolean le = order == ByteOrder.LITTLE_ENDIAN;
            if (type.size == 8) {
                return le ? seg.get(LONG_LE, off + i * 8) : seg.get(LONG_BE, off + i * 8);
            }
            return Integer.toUnsignedLong(le ? seg.get(INT_LE, off + i * 4) : seg.get(INT_BE, off + i * 4));
        }

        void put(long i, long bits) {
            boolean le = order == ByteOrder.LITTLE_ENDIAN;
            if (type.size == 8) {
                if (le) {
                    seg.set(LONG_LE, off + i * 8, bits);
                } else {
                    seg.set(LONG_BE, off + i * 8, bits);
                }
            } else if (le) {
                seg.set(INT_LE, off + i * 4, (int) bits);
            } else {
                seg.set(INT_BE, off + i * 4, (int) bits);
            }
        }

        double real(long i) {
            return decode(type, bits(i));
        }

        long integer(long i) {
            return type == Type.LONG ? bits(i) : (int) bits(i);
        }

        /** Every item's bits, read in one bulk copy. */
        long[] items() {
            long[] items = new long[(int) n];
            boolean le = order == ByteOrder.LITTLE_ENDIAN;
            if (type.size == 8) {
                MemorySegment.copy(seg, le ? LONG_LE : LONG_BE, off, items, 0, (int) n);
            } else {
                int[] ints = new int[(int) n];
                MemorySegment.copy(seg, le ? INT_LE : INT_BE, off, ints, 0, (int) n);
                for (int i = 0; i < n; i++) {
                    items[i] = Integer.toUnsignedLong(ints[i]);
                }
            }
            return items;
        }

        byte[] bytes() {
            return seg.toArray(ValueLayout.JAVA_BYTE);
        }

        String describe() {
            return type + " n=" + n + " offset=" + off + " " + order + " " + (seg.isMapped() ? "mapped"
                    : seg.isNative() ? "native" : "heap " + seg.heapBase().map(b -> b.getClass().getSimpleName())
                    .orElse("?"));
        }
    }

    private static double decode(Type t, long bits) {
        return t == Type.DOUBLE ? Double.longBitsToDouble(bits) : Float.intBitsToFloat((int) bits);
    }

    private static long bitsOf(Type t, double value) {
        return switch (t) {
            case DOUBLE -> Double.doubleToRawLongBits(value);
            case FLOAT -> Integer.toUnsignedLong(Float.floatToRawIntBits((float) value));
            case LONG -> (long) value;
            case INT -> Integer.toUnsignedLong((int) value);
        };
    }

    private static long intBits(Type t, long value) {
        return t == Type.LONG ? value : Integer.toUnsignedLong((int) value);
    }

    private static MemorySegment segment(Mem mem, Arena arena, long bytes) {
        return switch (mem) {
            case HEAP_BYTES -> MemorySegment.ofArray(new byte[Math.toIntExact(bytes)]);
            case HEAP_LONGS -> MemorySegment.ofArray(new long[Math.toIntExact((bytes + 7) / 8)]);
            case NATIVE -> arena.allocate(bytes, 8);
            case MAPPED -> mapped(arena, bytes);
        };
    }

    /** A new file of {@code bytes} zeros, mapped read-write in {@code arena}; the file itself is deleted at once. */
    private static MemorySegment mapped(Arena arena, long bytes) {
        try {
            Path file = Files.createTempFile("ib-twin-", ".bin");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                channel.truncate(bytes);
                return channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A run of random items (see {@link #randomBits}) misaligned by {@code mis}, with random guard bytes. */
    private static Run run(Mem mem, Arena arena, Type t, ByteOrder o, long n, int mis, Random rnd) {
        MemorySegment seg = segment(mem, arena, GUARD + mis + n * t.size + GUARD);
        randomBytes(seg, rnd);
        Run r = new Run(seg, GUARD + mis, n, t, o);
        for (long i = 0; i < n; i++) {
            r.put(i, randomBits(t, rnd));
        }
        return r;
    }

    private static void randomBytes(MemorySegment seg, Random rnd) {
        byte[] bytes = new byte[(int) seg.byteSize()];
        rnd.nextBytes(bytes);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
    }

    /** A copy of {@code r} in a new segment of the same kind, its items misaligned by {@code mis}. */
    private static Run copy(Run r, Mem mem, Arena arena, int mis, Random rnd) {
        MemorySegment seg = segment(mem, arena, GUARD + mis + r.n * r.type.size + GUARD);
        randomBytes(seg, rnd);
        Run c = new Run(seg, GUARD + mis, r.n, r.type, r.order);
        MemorySegment.copy(r.seg, r.off, c.seg, c.off, r.n * r.type.size);
        return c;
    }

    /** An exact twin of {@code r}'s whole segment (guards included). */
    private static Run twin(Run r, Mem mem, Arena arena) {
        MemorySegment seg = segment(mem, arena, r.seg.byteSize());
        MemorySegment.copy(r.seg, 0, seg, 0, r.seg.byteSize());
        return new Run(seg, r.off, r.n, r.type, r.order);
    }

    /** Finite values of mixed magnitudes for floating-point items; any value (extremes included) for integers. */
    private static long randomBits(Type t, Random rnd) {
        return switch (t) {
            case DOUBLE, FLOAT -> bitsOf(t, (rnd.nextDouble() * 2 - 1) * Math.pow(10, rnd.nextInt(9) - 4));
            case LONG -> switch (rnd.nextInt(8)) {
                case 0 -> Long.MIN_VALUE;
                case 1 -> Long.MAX_VALUE;
                case 2 -> rnd.nextInt(201) - 100;
                default -> rnd.nextLong();
            };
            case INT -> intBits(t, switch (rnd.nextInt(8)) {
                case 0 -> Integer.MIN_VALUE;
                case 1 -> Integer.MAX_VALUE;
                case 2 -> rnd.nextInt(201) - 100;
                default -> rnd.nextInt();
            });
        };
    }

    /** Every misalignment for short runs; two (one even, one odd) for the long ones, to keep the suite fast. */
    private static int[] misalignments(long n) {
        return n <= 200 ? new int[] {0, 1, 2, 3, 4, 5, 6, 7} : new int[] {0, 5};
    }

    /** Positions to plant a special item at: all for short runs, both ends and a few inside for long ones. */
    private static long[] positions(long n, Random rnd) {
        if (n <= 70) {
            long[] all = new long[(int) n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        List<Long> p = new ArrayList<>();
        for (long i = 0; i < 4; i++) {
            p.add(i);
        }
        for (long i = 0; i < 17; i++) {
            p.add(n - 1 - i); // the tail, and the last whole vector of up to 16 lanes before it
        }
        p.add(n / 2);
        for (int i = 0; i < 3; i++) {
            p.add((long) rnd.nextInt((int) n));
        }
        return p.stream().mapToLong(Long::longValue).toArray();
    }

    private static void check(boolean ok, Supplier<String> message) {
        if (!ok) {
            fail(message.get());
        }
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    private static double sumReal(RunKernels k, Run r) {
        return r.type == Type.DOUBLE ? k.sumDoubles(r.seg, r.off, r.n, r.order)
                : k.sumFloats(r.seg, r.off, r.n, r.order);
    }

    private static long sumInteger(RunKernels k, Run r) {
        return r.type == Type.LONG ? k.sumLongs(r.seg, r.off, r.n, r.order) : k.sumInts(r.seg, r.off, r.n, r.order);
    }

    /** The minimum or maximum as canonical bits (every NaN is one NaN; -0.0 and 0.0 differ). */
    private static long extreme(RunKernels k, Run r, boolean max) {
        MemorySegment s = r.seg;
        return switch (r.type) {
            case DOUBLE -> Double.doubleToLongBits(max ? k.maxDoubles(s, r.off, r.n, r.order)
                    : k.minDoubles(s, r.off, r.n, r.order));
            case FLOAT -> Float.floatToIntBits(max ? k.maxFloats(s, r.off, r.n, r.order)
                    : k.minFloats(s, r.off, r.n, r.order));
            case LONG -> max ? k.maxLongs(s, r.off, r.n, r.order) : k.minLongs(s, r.off, r.n, r.order);
            case INT -> max ? k.maxInts(s, r.off, r.n, r.order) : k.minInts(s, r.off, r.n, r.order);
        };
    }

    /** The reference: a fold with {@link Math#min} / {@link Math#max} from the identity. */
    private static long referenceExtreme(Run r, boolean max) {
        long[] items = r.items();
        switch (r.type) {
            case DOUBLE -> {
                double m = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                for (long bits : items) {
                    double x = Double.longBitsToDouble(bits);
                    m = max ? Math.max(m, x) : Math.min(m, x);
                }
                return Double.doubleToLongBits(m);
            }
            case FLOAT -> {
                float m = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                for (long bits : items) {
                    float x = Float.intBitsToFloat((int) bits);
                    m = max ? Math.max(m, x) : Math.min(m, x);
                }
                return Float.floatToIntBits(m);
            }
            case LONG -> {
                long m = max ? Long.MIN_VALUE : Long.MAX_VALUE;
                for (long x : items) {
                    m = max ? Math.max(m, x) : Math.min(m, x);
                }
                return m;
            }
            default -> {
                int m = max ? Integer.MIN_VALUE : Integer.MAX_VALUE;
                for (long bits : items) {
                    m = max ? Math.max(m, (int) bits) : Math.min(m, (int) bits);
                }
                return m;
            }
        }
    }

    private static void fill(RunKernels k, Run r, long bits) {
        switch (r.type) {
            case DOUBLE -> k.fillDoubles(r.seg, r.off, r.n, r.order, Double.longBitsToDouble(bits));
            case FLOAT -> k.fillFloats(r.seg, r.off, r.n, r.order, Float.intBitsToFloat((int) bits));
            case LONG -> k.fillLongs(r.seg, r.off, r.n, r.order, bits);
            case INT -> k.fillInts(r.seg, r.off, r.n, r.order, (int) bits);
        }
    }

    private static void scale(RunKernels k, Run r, long factorBits) {
        switch (r.type) {
            case DOUBLE -> k.scaleDoubles(r.seg, r.off, r.n, r.order, Double.longBitsToDouble(factorBits));
            case FLOAT -> k.scaleFloats(r.seg, r.off, r.n, r.order, Float.intBitsToFloat((int) factorBits));
            case LONG -> k.scaleLongs(r.seg, r.off, r.n, r.order, factorBits);
            case INT -> k.scaleInts(r.seg, r.off, r.n, r.order, (int) factorBits);
        }
    }

    private static long scaledBits(Type t, long bits, long factorBits) {
        return switch (t) {
            case DOUBLE -> Double.doubleToRawLongBits(Double.longBitsToDouble(bits)
                    * Double.longBitsToDouble(factorBits));
            case FLOAT -> Integer.toUnsignedLong(Float.floatToRawIntBits(Float.intBitsToFloat((int) bits)
                    * Float.intBitsToFloat((int) factorBits)));
            case LONG -> bits * factorBits;
            case INT -> Integer.toUnsignedLong((int) bits * (int) factorBits);
        };
    }

    private static boolean equal(RunKernels k, Run a, Run b) {
        return switch (a.type) {
            case DOUBLE -> k.equalDoubles(a.seg, a.off, b.seg, b.off, a.n, a.order);
            case FLOAT -> k.equalFloats(a.seg, a.off, b.seg, b.off, a.n, a.order);
            case LONG -> k.equalLongs(a.seg, a.off, b.seg, b.off, a.n, a.order);
            case INT -> k.equalInts(a.seg, a.off, b.seg, b.off, a.n, a.order);
        };
    }

    /** Special items to plant: NaN (two encodings), signed zeros, infinities, extremes. */
    private static long[] specials(Type t) {
        return switch (t) {
            case DOUBLE -> new long[] {bitsOf(t, Double.NaN), 0x7ff0_0000_0000_0001L /* signalling NaN */,
                    0xfff8_0000_0000_0000L /* negative NaN */, bitsOf(t, -0.0), bitsOf(t, 0.0),
                    bitsOf(t, Double.POSITIVE_INFINITY), bitsOf(t, Double.NEGATIVE_INFINITY),
                    bitsOf(t, Double.MAX_VALUE), bitsOf(t, -Double.MAX_VALUE), bitsOf(t, Double.MIN_VALUE)};
            case FLOAT -> new long[] {bitsOf(t, Float.NaN), 0x7f80_0001L, 0xffc0_0000L, bitsOf(t, -0.0f),
                    bitsOf(t, 0.0f), bitsOf(t, Float.POSITIVE_INFINITY), bitsOf(t, Float.NEGATIVE_INFINITY),
                    bitsOf(t, Float.MAX_VALUE), bitsOf(t, -Float.MAX_VALUE), bitsOf(t, Float.MIN_VALUE)};
            case LONG -> new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, 1};
            case INT -> new long[] {intBits(t, Integer.MIN_VALUE), intBits(t, Integer.MAX_VALUE), 0,
                    intBits(t, -1), 1};
        };
    }

    // ------------------------------------------------------------------------------------------------ tests

    /** @return the kernels compared with the scalar twin: the Vector API ones here (each test is skipped without) */
    RunKernels fast() {
        Assumptions.assumeTrue(simd != null,
                "jdk.incubator.vector is not in this JVM: the twin comparison runs in the SIMD test run");
        return simd;
    }

    /** @return what {@link #fast()}'s name must match */
    String fastName() {
        return "simd \\d+-bit";
    }

    @Test
    void namesSayWhichKernelsTheyAre() {
        assertThat(fast().name()).matches(fastName());
        assertThat(SCALAR.name()).isEqualTo("scalar");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void sumsAgree(Type t, ByteOrder o, Mem mem) {
        Random rnd = new Random(1 + t.ordinal() * 31L + mem.ordinal() * 7L + (o == ByteOrder.BIG_ENDIAN ? 3 : 0));
        try (Arena arena = Arena.ofConfined()) {
            for (long n : SIZES) {
                for (int mis : misalignments(n)) {
                    Run r = run(mem, arena, t, o, n, mis, rnd);
                    byte[] before = r.bytes();
                    if (t.floating()) {
                        double reference = 0;
                        double sumAbs = 0;
                        for (long i = 0; i < n; i++) {
                            reference += r.real(i);
                            sumAbs += Math.abs(r.real(i));
                        }
                        double tolerance = sumAbs * RELATIVE;
                        double scalar = sumReal(SCALAR, r);
                        double vector = sumReal(fast(), r);
                        double ref = reference;
                        check(Math.abs(scalar - ref) <= tolerance, () -> "scalar sum " + scalar + " != reference "
                                + ref + " for " + r.describe());
                        check(Math.abs(vector - scalar) <= tolerance, () -> fast().name() + " sum " + vector
                                + " != scalar " + scalar + " (tolerance " + tolerance + ") for " + r.describe());
                    } else {
                        long reference = 0;
                        for (long i = 0; i < n; i++) {
                            reference += r.integer(i);
                        }
                        long ref = reference;
                        long scalar = sumInteger(SCALAR, r);
                        long vector = sumInteger(fast(), r);
                        check(scalar == ref, () -> "scalar sum " + scalar + " != " + ref + " for " + r.describe());
                        check(vector == ref, () -> fast().name() + " sum " + vector + " != " + ref + " for "
                                + r.describe());
                    }
                    check(MemorySegment.mismatch(r.seg, 0, r.seg.byteSize(), MemorySegment.ofArray(before), 0,
                            before.length) == -1, () -> "a sum wrote memory: " + r.describe());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("floatingCases")
    void sumsPropagateNaNAndInfinity(Type t, ByteOrder o, Mem mem) {
        Random rnd = new Random(2 + t.ordinal() * 31L + mem.ordinal() * 7L + (o == ByteOrder.BIG_ENDIAN ? 3 : 0));
        try (Arena arena = Arena.ofConfined()) {
            for (long n : SIZES) {
                if (n == 0) {
                    continue;
                }
                Run[] runs = new Run[8];
                for (int mis = 0; mis < 8; mis++) {
                    runs[mis] = run(mem, arena, t, o, n, mis, rnd);
                }
                long[] at = positions(n, rnd);
                for (int k = 0; k < at.length; k++) {
                    long p = at[k];
                    Run r = runs[(int) ((p + k) % 8)];
                    long old = r.bits(p);
                    long q = (p + n / 2) % n;
                    long oldQ = r.bits(q);
                    // NaN
                    r.put(p, bitsOf(t, Double.NaN));
                    check(Double.isNaN(sumReal(SCALAR, r)) && Double.isNaN(sumReal(fast(), r)),
                            () -> "NaN at " + p + " not propagated by a sum of " + r.describe());
                    // +Infinity
                    r.put(p, bitsOf(t, Double.POSITIVE_INFINITY));
                    check(sumReal(SCALAR, r) == Double.POSITIVE_INFINITY
                                    && sumReal(fast(), r) == Double.POSITIVE_INFINITY,
                            () -> "+Infinity at " + p + " not propagated by a sum of " + r.describe());
                    // +Infinity and -Infinity: NaN
                    if (q != p) {
                        r.put(q, bitsOf(t, Double.NEGATIVE_INFINITY));
                        check(Double.isNaN(sumReal(SCALAR, r)) && Double.isNaN(sumReal(fast(), r)),
                                () -> "+Infinity at " + p + " and -Infinity at " + q + " do not sum to NaN for "
                                        + r.describe());
                    }
                    r.put(q, oldQ);
                    r.put(p, old);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void minAndMaxAreIdentical(Type t, ByteOrder o, Mem mem) {
        Random rnd = new Random(3 + t.ordinal() * 31L + mem.ordinal() * 7L + (o == ByteOrder.BIG_ENDIAN ? 3 : 0));
        long[] specials = specials(t);
        try (Arena arena = Arena.ofConfined()) {
            for (long n : SIZES) {
                Run[] runs = new Run[8];
                for (int mis = 0; mis < 8; mis++) {
                    runs[mis] = run(mem, arena, t, o, n, mis, rnd);
                    checkExtremes(runs[mis], "random items");
                }
                // one special item at each position, in otherwise random items (two specials at each position, in
                // turn, so that each special meets many positions and misalignments)
                long[] at = positions(n, rnd);
                int perPosition = n <= 4 ? specials.length : 2;
                for (int k = 0; k < at.length; k++) {
                    long p = at[k];
                    for (int j = 0; j < perPosition; j++) {
                        int s = (k * perPosition + j) % specials.length;
                        Run r = runs[(int) ((p + k + s) % 8)];
                        long old = r.bits(p);
                        r.put(p, specials[s]);
                        checkExtremes(r, "special " + Long.toHexString(specials[s]) + " at " + p);
                        r.put(p, old);
                    }
                }
                if (t.floating() && n > 0) {
                    // signed zeros only: one -0.0 among 0.0, one 0.0 among -0.0; and NaN among zeros
                    long[] zerosAt = n <= 20 ? at : new long[] {0, 1, n / 2, n - 9, n - 5, n - 2, n - 1};
                    for (int k = 0; k < zerosAt.length; k++) {
                        long p = zerosAt[k];
                        Run r = runs[(int) ((p + 3 * k) % 8)];
                        for (boolean negativeBackground : new boolean[] {false, true}) {
                            long background = bitsOf(t, negativeBackground ? -0.0 : 0.0);
                            long planted = bitsOf(t, negativeBackground ? 0.0 : -0.0);
                            for (long i = 0; i < n; i++) {
                                r.put(i, background);
                            }
                            r.put(p, planted);
                            checkExtremes(r, "signed zeros, " + Long.toHexString(planted) + " at " + p);
                            r.put(p, bitsOf(t, Double.NaN));
                            checkExtremes(r, "NaN among signed zeros at " + p);
                        }
                        for (long i = 0; i < n; i++) {
                            r.put(i, randomBits(t, rnd));
                        }
                    }
                }
            }
        }
    }

    private void checkExtremes(Run r, String what) {
        for (boolean max : new boolean[] {false, true}) {
            long reference = referenceExtreme(r, max);
            long scalar = extreme(SCALAR, r, max);
            long vector = extreme(fast(), r, max);
            String op = max ? "max" : "min";
            check(scalar == reference, () -> "scalar " + op + " " + show(r.type, scalar) + " != reference "
                    + show(r.type, reference) + " (" + what + ") for " + r.describe());
            check(vector == scalar, () -> fast().name() + " " + op + " " + show(r.type, vector) + " != scalar "
                    + show(r.type, scalar) + " (" + what + ") for " + r.describe());
        }
    }

    private static String show(Type t, long bits) {
        return switch (t) {
            case DOUBLE -> Double.toString(Double.longBitsToDouble(bits));
            case FLOAT -> Float.toString(Float.intBitsToFloat((int) bits));
            default -> Long.toString(bits);
        };
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void fillWritesIdenticalBytes(Type t, ByteOrder o, Mem mem) {
        Random rnd = new Random(4 + t.ordinal() * 31L + mem.ordinal() * 7L + (o == ByteOrder.BIG_ENDIAN ? 3 : 0));
        long[] specials = specials(t);
        try (Arena arena = Arena.ofConfined()) {
            int counter = 0;
            for (long n : SIZES) {
                for (int mis : misalignments(n)) {
                    Run a = run(mem, arena, t, o, n, mis, rnd);
                    // a random value, or each special in turn: every value meets many sizes and misalignments
                    int k = counter++;
                    long value = k % 3 == 0 ? randomBits(t, rnd) : specials[(k / 3 * 2 + k % 3) % specials.length];
                    Run b = twin(a, mem, arena);
                    Run expected = twin(a, mem, arena);
                    for (long i = 0; i < n; i++) {
                        expected.put(i, value);
                    }
                    fill(SCALAR, a, value);
                    fill(fast(), b, value);
                    String what = "fill with " + Long.toHexString(value) + " of " + a.describe();
                    assertSameBytes(expected, a, "scalar " + what);
                    assertSameBytes(a, b, fast().name() + " " + what);
                }
            }
        }
    }

    private static void assertSameBytes(Run expected, Run actual, String what) {
        long at = MemorySegment.mismatch(expected.seg, 0, expected.seg.byteSize(), actual.seg, 0,
                actual.seg.byteSize());
        check(at == -1, () -> what + ": bytes differ from byte " + at + " (items start at byte " + actual.off
                + ", item " + Math.floorDiv(at - actual.off, actual.type.size) + ")");
    }

    /**
     * Like {@link #assertSameBytes}, but a NaN item matches any NaN: Java leaves the NaN that an arithmetic operation
     * on NaN returns unspecified (interpreted and compiled code differ), so only NaN-ness is compared.
     */
    private static void assertSameItems(Run expected, Run actual, String what) {
        long itemBytes = actual.n * actual.type.size;
        check(MemorySegment.mismatch(expected.seg, 0, actual.off, actual.seg, 0, actual.off) == -1
                        && MemorySegment.mismatch(expected.seg, actual.off + itemBytes, expected.seg.byteSize(),
                        actual.seg, actual.off + itemBytes, actual.seg.byteSize()) == -1,
                () -> what + ": bytes around the run changed");
        long[] expectedItems = expected.items();
        long[] actualItems = actual.items();
        for (int i = 0; i < actual.n; i++) {
            long e = expectedItems[i];
            long a = actualItems[i];
            boolean same = e == a || actual.type.floating() && Double.isNaN(decode(actual.type, e))
                    && Double.isNaN(decode(actual.type, a));
            long item = i;
            check(same, () -> what + ": item " + item + " is " + show(actual.type, a) + " (0x" + Long.toHexString(a)
                    + "), expected " + show(actual.type, e) + " (0x" + Long.toHexString(e) + ")");
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void scaleWritesIdenticalItems(Type t, ByteOrder o, Mem mem) {
        Random rnd = new Random(5 + t.ordinal() * 31L + mem.ordinal() * 7L + (o == ByteOrder.BIG_ENDIAN ? 3 : 0));
        long[] specials = specials(t);
        long[] factors = switch (t) {
            case DOUBLE, FLOAT -> new long[] {bitsOf(t, 2.5), bitsOf(t, -1.0), bitsOf(t, 0.0), bitsOf(t, -0.0),
                    bitsOf(t, Double.NaN), bitsOf(t, Double.POSITIVE_INFINITY), bitsOf(t, t == Type.DOUBLE ? 1e300
                    : 1e30), bitsOf(t, t == Type.DOUBLE ? 1e-300 : 1e-30), bitsOf(t, 1.0 / 3)};
            case LONG -> new long[] {3, -7, 0, Long.MIN_VALUE, Long.MAX_VALUE, -1, 0x1_0000_0001L};
            case INT -> new long[] {3, intBits(t, -7), 0, intBits(t, Integer.MIN_VALUE),
                    intBits(t, Integer.MAX_VALUE), intBits(t, -1), 65537};
        };
        try (Arena arena = Arena.ofConfined()) {
            int counter = 0;
            for (long n : SIZES) {
                for (int mis : misalignments(n)) {
                    Run a = run(mem, arena, t, o, n, mis, rnd);
                    for (long i = 0; i < n; i++) {
                        if (rnd.nextInt(8) == 0) {
                            a.put(i, specials[rnd.nextInt(specials.length)]);
                        }
                    }
                    long factor = factors[counter++ % factors.length]; // each factor in turn
                    Run b = twin(a, mem, arena);
                    Run expected = twin(a, mem, arena);
                    long[] items = a.items();
                    for (int i = 0; i < n; i++) {
                        expected.put(i, scaledBits(t, items[i], factor));
                    }
                    scale(SCALAR, a, factor);
                    scale(fast(), b, factor);
                    String what = "scale by " + show(t, t == Type.INT ? (int) factor : factor) + " of "
                            + a.describe();
                    assertSameItems(expected, a, "scalar " + what);
                    assertSameItems(a, b, fast().name() + " " + what);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void equalGivesIdenticalAnswers(Type t, ByteOrder o, Mem mem) {
        Random rnd = new Random(6 + t.ordinal() * 31L + mem.ordinal() * 7L + (o == ByteOrder.BIG_ENDIAN ? 3 : 0));
        try (Arena arena = Arena.ofConfined()) {
            for (long n : SIZES) {
                for (int mis : misalignments(n)) {
                    Run a = run(mem, arena, t, o, n, mis, rnd);
                    Run b = copy(a, mem, arena, (mis + 3) % 8, rnd);
                    checkEqual(a, b, true, "identical items");
                    checkEqual(a, a, true, "a run with itself");
                    if (n == 0) {
                        continue;
                    }
                    long[] at = mis == 0 ? positions(n, rnd) : new long[] {0, n - 1, rnd.nextInt(
                            (int) n)};
                    for (long p : at) {
                        long old = b.bits(p);
                        // one item differs
                        long changed = t.floating() ? bitsOf(t, decode(t, old) == 0 ? 1 : decode(t, old) * 2)
                                : old ^ (1L << rnd.nextInt(t.size * 8));
                        b.put(p, changed);
                        checkEqual(a, b, false, "item " + p + " differs");
                        checkEqual(b, a, false, "item " + p + " differs");
                        if (t.floating() && (p % 4 == 0 || p >= n - 5)) {
                            long oldA = a.bits(p);
                            // NaN is unequal to itself, whatever its bits
                            a.put(p, bitsOf(t, Double.NaN));
                            b.put(p, bitsOf(t, Double.NaN));
                            checkEqual(a, b, false, "NaN at " + p + " in both");
                            checkEqual(a, a, false, "NaN at " + p + ", run with itself");
                            // -0.0 equals 0.0: bits differ (in both byte orders), values do not
                            a.put(p, bitsOf(t, -0.0));
                            b.put(p, bitsOf(t, 0.0));
                            checkEqual(a, b, true, "-0.0 against 0.0 at " + p);
                            checkEqual(b, a, true, "0.0 against -0.0 at " + p);
                            a.put(p, oldA);
                        }
                        b.put(p, old);
                    }
                    checkEqual(a, b, true, "identical items, restored");
                }
            }
        }
    }

    private void checkEqual(Run a, Run b, boolean expected, String what) {
        boolean scalar = equal(SCALAR, a, b);
        boolean vector = equal(fast(), a, b);
        check(scalar == expected, () -> "scalar equal = " + scalar + ", expected " + expected + " (" + what
                + ") for " + a.describe() + " against " + b.describe());
        check(vector == expected, () -> fast().name() + " equal = " + vector + ", expected " + expected + " (" + what
                + ") for " + a.describe() + " against " + b.describe());
    }

    // ------------------------------------------------------------------------------------------------ row tables

    /** A {@code double**}: a table of row pointers (in heap or native memory) into native rows. */
    private record Table(MemorySegment table, long tableOffset, long tableStride, long rows, long suboffset,
                         long cols, ByteOrder order, double[][] values) {
        double sum(RunKernels k) {
            return k.sumDoubleRows(table, tableOffset, tableStride, rows, MemorySegment.NULL.reinterpret(
                    Long.MAX_VALUE), suboffset, cols, order);
        }

        long pointer(long r) {
            return table.get(ValueLayout.ADDRESS_UNALIGNED, tableOffset + r * tableStride).address();
        }

        void setPointer(long r, long address) {
            table.set(ValueLayout.ADDRESS_UNALIGNED, tableOffset + r * tableStride, MemorySegment.ofAddress(address));
        }

        String describe() {
            return rows + " rows of " + cols + " doubles, " + order + ", suboffset " + suboffset + ", table stride "
                    + tableStride + " at offset " + tableOffset + " of a " + (table.isNative() ? "native" : "heap")
                    + " table";
        }
    }

    private static Table table(Arena arena, boolean heapTable, long rows, long cols, long suboffset, long stride,
                               int mis, ByteOrder order, Random rnd) {
        long tableBytes = GUARD + mis + rows * stride + GUARD;
        MemorySegment table = heapTable ? MemorySegment.ofArray(new byte[(int) tableBytes])
                : arena.allocate(tableBytes, 8);
        long rowBytes = cols * 8;
        // rows in one block, each misaligned differently, each after a header of suboffset bytes
        long pitch = suboffset + rowBytes + 16;
        MemorySegment block = arena.allocate(Math.max(1, rows * pitch + 8), 8);
        ValueLayout.OfDouble layout = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
        double[][] values = new double[(int) rows][(int) cols];
        for (long r = 0; r < rows; r++) {
            long rowPointer = r * pitch + (r * 3 + mis) % 8;
            long first = rowPointer + suboffset;
            for (long c = 0; c < cols; c++) {
                double v = (rnd.nextDouble() * 2 - 1) * Math.pow(10, rnd.nextInt(7) - 3);
                values[(int) r][(int) c] = v;
                block.set(layout, first + c * 8, v);
            }
            table.set(ValueLayout.ADDRESS_UNALIGNED, GUARD + mis + r * stride, block.asSlice(rowPointer));
        }
        return new Table(table, GUARD + mis, stride, rows, suboffset, cols, order, values);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mem.class, names = {"HEAP_BYTES", "NATIVE"})
    void sumDoubleRowsAgrees(Mem tableMemory) {
        Random rnd = new Random(7 + tableMemory.ordinal());
        long[] rowCounts = {0, 1, 2, 3, 5, 17};
        long[] suboffsets = {0, 5, 24};
        long[] strides = {8, 16, 13};
        int counter = 0;
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (long cols : SIZES) {
                for (long rows : rowCounts) {
                    if (cols >= 1000 && rows > 3) {
                        continue;
                    }
                    int k = counter++;
                    try (Arena arena = Arena.ofConfined()) {
                        Table t = table(arena, tableMemory == Mem.HEAP_BYTES, rows, cols, suboffsets[k % 3],
                                strides[(k / 3) % 3], k % 8, order, rnd);
                        double reference = 0;
                        double sumAbs = 0;
                        for (double[] row : t.values) {
                            for (double v : row) {
                                reference += v;
                                sumAbs += Math.abs(v);
                            }
                        }
                        double tolerance = sumAbs * RELATIVE;
                        double scalar = t.sum(SCALAR);
                        double vector = t.sum(fast());
                        double ref = reference;
                        check(Math.abs(scalar - ref) <= tolerance, () -> "scalar row sum " + scalar
                                + " != reference " + ref + " for " + t.describe());
                        check(Math.abs(vector - scalar) <= tolerance, () -> fast().name() + " row sum " + vector
                                + " != scalar " + scalar + " for " + t.describe());
                        // a NULL row pointer: first, middle, last row
                        for (long nullRow : rows == 0 ? new long[0] : new long[] {0, rows / 2, rows - 1}) {
                            long saved = t.pointer(nullRow);
                            t.setPointer(nullRow, 0);
                            for (RunKernels kernels : new RunKernels[] {SCALAR, fast()}) {
                                RunKernels.NullRowException e = catchThrowableOfType(
                                        RunKernels.NullRowException.class, () -> t.sum(kernels));
                                assertThat(e).describedAs("%s: NULL row %d of %s", kernels.name(), nullRow,
                                        t.describe()).isNotNull();
                                assertThat(e.row()).describedAs("%s: NULL row of %s", kernels.name(),
                                        t.describe()).isEqualTo(nullRow);
                            }
                            t.setPointer(nullRow, saved);
                        }
                    }
                }
            }
        }
    }

    @Test
    void copyDoubleArrayRowsAgrees() {
        Random rnd = new Random(11);
        long[] rowCounts = {0, 1, 2, 3, 5, 17};
        for (long cols : SIZES) {
            for (long rows : rowCounts) {
                if (cols >= 1000 && rows > 3) {
                    continue;
                }
                double[][] data = new double[(int) rows][(int) cols];
                for (double[] row : data) {
                    for (int j = 0; j < cols; j++) {
                        row[j] = rnd.nextDouble() - 0.5;
                    }
                }
                for (RunKernels kernels : new RunKernels[] {SCALAR, fast()}) {
                    String what = kernels.name() + ", " + rows + " rows of " + cols;
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment block = arena.allocate(Math.max(1, rows * cols * 8), 64)
                                .asSlice(0, rows * cols * 8);
                        MemorySegment table = arena.allocate(Math.max(8, rows * 8), 8).asSlice(0, rows * 8);
                        assertThat(kernels.copyDoubleArrayRows(data, (int) cols, block, table)).describedAs(what)
                                .isEqualTo((int) rows);
                        for (int r = 0; r < rows; r++) {
                            long address = table.getAtIndex(ValueLayout.JAVA_LONG, r);
                            assertThat(address).describedAs("%s: pointer %d", what, r)
                                    .isEqualTo(block.address() + r * cols * 8);
                            assertThat(block.asSlice(r * cols * 8, cols * 8).toArray(ValueLayout.JAVA_DOUBLE))
                                    .describedAs("%s: row %d", what, r).isEqualTo(data[r]);
                        }
                        // a null row, a shorter and a longer one: first, middle, last; rows before it copied
                        for (long bad : rows == 0 ? new long[0] : new long[] {0, rows / 2, rows - 1}) {
                            double[] saved = data[(int) bad];
                            for (double[] replacement : new double[][] {null, new double[(int) cols + 1],
                                    cols == 0 ? null : new double[(int) cols - 1]}) {
                                data[(int) bad] = replacement;
                                block.fill((byte) 0);
                                assertThat(kernels.copyDoubleArrayRows(data, (int) cols, block, table))
                                        .describedAs("%s: bad row %d", what, bad).isEqualTo((int) bad);
                                for (long r = 0; r < rows; r++) {
                                    assertThat(block.asSlice(r * cols * 8, cols * 8).toArray(ValueLayout.JAVA_DOUBLE))
                                            .describedAs("%s: row %d with bad row %d", what, r, bad)
                                            .isEqualTo(r < bad ? data[(int) r] : new double[(int) cols]);
                                }
                            }
                            data[(int) bad] = saved;
                        }
                    }
                }
            }
        }
    }
}
