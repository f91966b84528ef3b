package org.indirectbuffer.kernels;

import static org.indirectbuffer.kernels.spi.OrderedLayouts.D_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.D_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.F_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.F_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.I_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.I_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.J_BE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.J_LE;
import static org.indirectbuffer.kernels.spi.OrderedLayouts.little;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.Objects;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.ReadOnlyWrite;
import org.indirectbuffer.internal.MappedScopes;
import org.indirectbuffer.internal.ViewSecrets;
import org.indirectbuffer.kernels.spi.KernelProviders;
import org.indirectbuffer.kernels.spi.RunKernels;

/**
 * Bulk operations over any {@link BufferView} — direct or indirect, any number of dimensions, any strides — for
 * items of format {@code d} (double), {@code f} (float), 8-byte integers ({@code q}, native {@code l}, {@code n}) and
 * 4-byte integers ({@code i}, standard {@code l}), in either byte order.
 *
 * <p>Each operation walks the layout once, run by run ({@link BufferView#runs()}: the last dimension's items, with
 * pointers followed once per run), and hands each contiguous run to a kernel that uses the Vector API when the module
 * {@code jdk.incubator.vector} is present and C2 compiles, or its scalar twin otherwise (one log line then says why;
 * the system property {@code indirectbuffer.kernels=scalar} forces the twin, {@code indirectbuffer.vectorBits=128}
 * narrows the vectors; the rule is in the {@linkplain org.indirectbuffer.kernels package description}). Runs whose
 * items are not adjacent are walked item by item.
 *
 * <p>Unsigned integer formats ({@code Q}, {@code I}, ...) are accepted by the bitwise operations ({@link
 * #fill(BufferView, long)}, {@link #equal}, {@link #gather}, {@link #scatter}) and refused by the arithmetic ones.
 * Floating-point sums are accumulated in {@code double}; the order of additions differs between the SIMD and scalar
 * kernels, so sums may differ in the last bits. {@code min} and {@code max} follow {@link Math#min}: a NaN item makes
 * the result NaN.
 *
 * <p>Thread-safety: the operations keep no state. Reading operations may run on one view from many threads at once;
 * writing ones ({@code fill}, {@code scale}, {@code scatter}) must be ordered by the caller. Every operation
 * throws {@link IllegalStateException} if the view is closed, or a pointer it follows is NULL (naming the dimension
 * and index), and {@link BufferException} if the view has no format or one these kernels do not handle. A writing
 * operation that meets a NULL pointer has already written the runs before it: check foreign tables first (for
 * example {@code IndirectMemory2D.validate()}) where all-or-nothing matters. Memory that faults when touched (a
 * mapped file truncated by someone else) is a {@link org.indirectbuffer.MemoryFaultException}, never a JVM error.
 * Closing the memory's owner on another thread while an operation runs makes that operation throw {@link
 * IllegalStateException}: every segment the kernels touch belongs to the owner's scope.
 */
public final class Kernels {
    private static final RunKernels RUNS = KernelProviders.selected();
    private static final RunKernels MAPPED = KernelProviders.mapped();
    private static final ViewSecrets.Access VIEWS = ViewSecrets.get();

    private Kernels() {
    }

    /**
     * Names the kernels in use, for logs and benchmark reports: the provider and, for the Vector API one, the width
     * of its vectors (the preferred one, or the one {@code indirectbuffer.vectorBits} asks for).
     *
     * @return {@code "scalar"} or {@code "simd <bits>-bit"}, for example {@code "simd 512-bit"}
     */
    public static String implementation() {
        return RUNS.name();
    }

    /** The element kinds the kernels handle. */
    private enum Kind {
        DOUBLE(8), FLOAT(4), LONG(8), INT(4);

        final long size;

        Kind(long size) {
            this.size = size;
        }
    }

    /** A view's element kind, byte order and signedness, checked once per call. */
    private record Items(Kind kind, ByteOrder order, boolean signed) {
    }

    private static Items items(BufferView view, String operation, boolean arithmetic) {
        Objects.requireNonNull(view, "view");
        Format format = view.format();
        if (format == null) {
            throw new BufferException(operation + ": the view has no format; request BufferRequest.FORMAT");
        }
        if (format.isSingleElement()) {
            ElementType type = format.elementType();
            Kind kind = switch (type) {
                case FLOAT64 -> Kind.DOUBLE;
                case FLOAT32 -> Kind.FLOAT;
                default -> !type.isInteger() ? null
                        : format.itemSize() == 8 ? Kind.LONG
                        : format.itemSize() == 4 ? Kind.INT : null;
            };
            boolean signed = kind == Kind.DOUBLE || kind == Kind.FLOAT || type.isSigned();
            if (kind != null && (signed || !arithmetic)) {
                return new Items(kind, format.byteOrder(), signed);
            }
        }
        throw new BufferException(operation + ": format '" + format + "' is not supported; expected d, f, a signed"
                + " 8-byte integer (q, native l, n) or a signed 4-byte integer (i, standard l)"
                + (arithmetic ? "" : ", or their unsigned forms"));
    }


    // ------------------------------------------------------------------------------------------------ sum

    /**
     * Sums every item, as a {@code double} (integer items are summed exactly as {@code long}, then converted).
     *
     * @param view the items
     * @return the sum; 0 for a view without items
     * @throws BufferException       if the format is not one the kernels handle, or is unsigned
     * @throws IllegalStateException if the view is closed or a pointer followed is NULL
     */
    public static double sum(BufferView view) {
        try {
            Items items = items(view, "sum", true);
            return switch (items.kind) {
                case DOUBLE -> sumDoubles(view, items.order);
                case FLOAT -> sumFloats(view, items.order);
                case LONG, INT -> sumLong(view, items);
            };
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.sum", view);
        }
    }

    /**
     * Sums every integer item exactly, wrapping on overflow.
     *
     * @param view items of a signed integer format
     * @return the sum; 0 for a view without items
     * @throws BufferException       if the format is not a signed 4- or 8-byte integer
     * @throws IllegalStateException if the view is closed or a pointer followed is NULL
     */
    public static long sumLong(BufferView view) {
        try {
            Items items = items(view, "sumLong", true);
            if (items.kind == Kind.DOUBLE || items.kind == Kind.FLOAT) {
                throw new BufferException("sumLong: format '" + view.format() + "' is floating-point; use sum");
            }
            return sumLong(view, items);
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.sumLong", view);
        }
    }

    /**
     * The kernels for one run: {@link KernelProviders#mapped()} for memory that may be mapped (see {@link
     * MappedScopes}: a C2-compiled vector load that faults on a truncated file kills the JVM instead of throwing),
     * the selected ones otherwise.
     */
    private static RunKernels k(MemorySegment segment) {
        return MappedScopes.mayBeMapped(segment) ? MAPPED : RUNS;
    }

    private static RunKernels k(MemorySegment a, MemorySegment b) {
        return MappedScopes.mayBeMapped(a) || MappedScopes.mayBeMapped(b) ? MAPPED : RUNS;
    }

    private static double sumDoubles(BufferView view, ByteOrder order) {
        if (view.ndim() == 2 && view.len() > 0 && view.isIndirect()) {
            // The common double** (rows through a table of pointers, each row contiguous): one fused pass, so a
            // row costs a pointer load and its vector adds, not a call and a reduction. The table is the library's
            // own record of the rows when it made them, and the address space is tied to the rows' owner.
            ViewSecrets.RowTable table = VIEWS.rowTable(view);
            if (table != null && view.strides()[1] == 8) {
                try {
                    return k(table.space()).sumDoubleRows(table.table(), table.tableOffset(), table.tableStride(), table.rows(),
                            table.space(), table.suboffset(), view.shape()[1], order);
                } catch (RunKernels.NullRowException e) {
                    // fall through: the general walk reports the NULL row with the view's own message
                }
            }
        }
        double sum = 0;
        BufferView.Runs runs = view.runs();
        while (runs.next()) {
            if (runs.stride() == 8 || runs.count() == 1) {
                sum += k(runs.segment()).sumDoubles(runs.segment(), runs.offset(), runs.count(), order);
            } else {
                for (long k = 0; k < runs.count(); k++) {
                    sum += readFloating(runs.segment(), runs.offset() + k * runs.stride(), Kind.DOUBLE, order);
                }
            }
        }
        return sum;
    }

    private static double sumFloats(BufferView view, ByteOrder order) {
        double sum = 0;
        BufferView.Runs runs = view.runs();
        while (runs.next()) {
            if (runs.stride() == 4 || runs.count() == 1) {
                sum += k(runs.segment()).sumFloats(runs.segment(), runs.offset(), runs.count(), order);
            } else {
                for (long k = 0; k < runs.count(); k++) {
                    sum += readFloating(runs.segment(), runs.offset() + k * runs.stride(), Kind.FLOAT, order);
                }
            }
        }
        return sum;
    }

    private static long sumLong(BufferView view, Items items) {
        long sum = 0;
        BufferView.Runs runs = view.runs();
        boolean longs = items.kind == Kind.LONG;
        while (runs.next()) {
            MemorySegment s = runs.segment();
            if (runs.stride() == items.kind.size || runs.count() == 1) {
                sum += longs ? k(s).sumLongs(s, runs.offset(), runs.count(), items.order)
                        : k(s).sumInts(s, runs.offset(), runs.count(), items.order);
            } else {
                for (long k = 0; k < runs.count(); k++) {
                    sum += readLong(s, runs.offset() + k * runs.stride(), longs, items.order);
                }
            }
        }
        return sum;
    }

    private static long readLong(MemorySegment s, long offset, boolean longs, ByteOrder order) {
        return longs ? s.get(little(order) ? J_LE : J_BE, offset) : readInt(s, offset, little(order));
    }

    /**
     * An int item, read as two 16-bit halves: C2 compiles an int load widened to long into one sign-extending load
     * ({@code movslq}), which HotSpot's SIGBUS handler cannot step over (JDK 25.0.3, x86-64), so on a truncated
     * mapped file it killed the JVM ("Internal Error (assembler_x86.cpp:1175)") instead of throwing; see
     * docs/decisions.md, "Mapped memory". Item-by-item reads only (strided runs); contiguous runs go to the kernels.
     */
    private static int readInt(MemorySegment s, long offset, boolean little) {
        int first = Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
        int second = Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset + 2));
        int value = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? first | second << 16 : first << 16 | second;
        return little == (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) ? value : Integer.reverseBytes(value);
    }

    private static double readFloating(MemorySegment s, long offset, Kind kind, ByteOrder order) {
        return kind == Kind.DOUBLE ? s.get(little(order) ? D_LE : D_BE, offset)
                : s.get(little(order) ? F_LE : F_BE, offset);
    }

    // ------------------------------------------------------------------------------------------------ min / max

    /**
     * Returns the smallest item, as a {@code double} ({@link Math#min} semantics: NaN if any item is NaN).
     *
     * @param view the items
     * @return the minimum
     * @throws BufferException       if the view has no items, or its format is not one the kernels handle
     * @throws IllegalStateException if the view is closed or a pointer followed is NULL
     */
    public static double min(BufferView view) {
        try {
            return extreme(view, "min", false);
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.min", view);
        }
    }

    /**
     * Returns the largest item, as a {@code double} ({@link Math#max} semantics: NaN if any item is NaN).
     *
     * @param view the items
     * @return the maximum
     * @throws BufferException       if the view has no items, or its format is not one the kernels handle
     * @throws IllegalStateException if the view is closed or a pointer followed is NULL
     */
    public static double max(BufferView view) {
        try {
            return extreme(view, "max", true);
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.max", view);
        }
    }

    /**
     * Returns the smallest integer item exactly.
     *
     * @param view items of a signed integer format
     * @return the minimum
     * @throws BufferException       if the view has no items, or its format is not a signed 4- or 8-byte integer
     * @throws IllegalStateException if the view is closed or a pointer followed is NULL
     */
    public static long minLong(BufferView view) {
        try {
            return extremeLong(view, "minLong", false);
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.minLong", view);
        }
    }

    /**
     * Returns the largest integer item exactly.
     *
     * @param view items of a signed integer format
     * @return the maximum
     * @throws BufferException       if the view has no items, or its format is not a signed 4- or 8-byte integer
     * @throws IllegalStateException if the view is closed or a pointer followed is NULL
     */
    public static long maxLong(BufferView view) {
        try {
            return extremeLong(view, "maxLong", true);
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.maxLong", view);
        }
    }

    private static void checkNotEmpty(BufferView view, String operation) {
        if (view.len() == 0) {
            throw new BufferException(operation + ": the view has no items (shape " + Arrays.toString(view.shape())
                    + ")");
        }
    }

    private static double extreme(BufferView view, String operation, boolean max) {
        Items items = items(view, operation, true);
        checkNotEmpty(view, operation);
        if (items.kind == Kind.LONG || items.kind == Kind.INT) {
            return extremeLong(view, items, max);
        }
        double result = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        BufferView.Runs runs = view.runs();
        while (runs.next()) {
            MemorySegment s = runs.segment();
            double run;
            if (runs.stride() == items.kind.size || runs.count() == 1) {
                run = items.kind == Kind.DOUBLE
                        ? (max ? k(s).maxDoubles(s, runs.offset(), runs.count(), items.order)
                        : k(s).minDoubles(s, runs.offset(), runs.count(), items.order))
                        : (max ? k(s).maxFloats(s, runs.offset(), runs.count(), items.order)
                        : k(s).minFloats(s, runs.offset(), runs.count(), items.order));
            } else {
                run = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                for (long k = 0; k < runs.count(); k++) {
                    double x = readFloating(s, runs.offset() + k * runs.stride(), items.kind, items.order);
                    run = max ? Math.max(run, x) : Math.min(run, x);
                }
            }
            result = max ? Math.max(result, run) : Math.min(result, run);
        }
        return result;
    }

    private static long extremeLong(BufferView view, String operation, boolean max) {
        Items items = items(view, operation, true);
        if (items.kind == Kind.DOUBLE || items.kind == Kind.FLOAT) {
            throw new BufferException(operation + ": format '" + view.format() + "' is floating-point; use "
                    + (max ? "max" : "min"));
        }
        checkNotEmpty(view, operation);
        return extremeLong(view, items, max);
    }

    private static long extremeLong(BufferView view, Items items, boolean max) {
        long result = max ? Long.MIN_VALUE : Long.MAX_VALUE;
        boolean longs = items.kind == Kind.LONG;
        BufferView.Runs runs = view.runs();
        while (runs.next()) {
            MemorySegment s = runs.segment();
            long run;
            if (runs.stride() == items.kind.size || runs.count() == 1) {
                run = longs
                        ? (max ? k(s).maxLongs(s, runs.offset(), runs.count(), items.order)
                        : k(s).minLongs(s, runs.offset(), runs.count(), items.order))
                        : (max ? k(s).maxInts(s, runs.offset(), runs.count(), items.order)
                        : k(s).minInts(s, runs.offset(), runs.count(), items.order));
            } else {
                run = max ? Long.MIN_VALUE : Long.MAX_VALUE;
                for (long k = 0; k < runs.count(); k++) {
                    long x = readLong(s, runs.offset() + k * runs.stride(), longs, items.order);
                    run = max ? Math.max(run, x) : Math.min(run, x);
                }
            }
            result = max ? Math.max(result, run) : Math.min(result, run);
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------------ fill / scale

    /**
     * Sets every item of a floating-point view to {@code value} (rounded to {@code float} for {@code f}).
     *
     * @param view  a writable view of format {@code d} or {@code f}
     * @param value the value
     * @throws ReadOnlyBufferException if the view is read-only
     * @throws BufferException         if the format is not {@code d} or {@code f}
     * @throws IllegalStateException   if the view is closed or a pointer followed is NULL
     */
    public static void fill(BufferView view, double value) {
        try {
            Items items = items(view, "fill(double)", false);
            if (items.kind != Kind.DOUBLE && items.kind != Kind.FLOAT) {
                throw new BufferException("fill(double): format '" + view.format() + "' is an integer; use fill(long)");
            }
            if (view.isReadOnly()) {
                throw ReadOnlyWrite.of("fill(" + value + ")", "every item", view);
            }
            BufferView.Runs runs = view.runs();
            while (runs.next()) {
                MemorySegment s = runs.segment();
                if (runs.stride() == items.kind.size || runs.count() == 1) {
                    if (items.kind == Kind.DOUBLE) {
                        k(s).fillDoubles(s, runs.offset(), runs.count(), items.order, value);
                    } else {
                        k(s).fillFloats(s, runs.offset(), runs.count(), items.order, (float) value);
                    }
                } else {
                    for (long k = 0; k < runs.count(); k++) {
                        writeFloating(s, runs.offset() + k * runs.stride(), items, value);
                    }
                }
            }
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.fill", view);
        }
    }

    /**
     * Sets every item of an integer view to {@code value} (its low 32 bits for 4-byte items).
     *
     * @param view  a writable view of a 4- or 8-byte integer format, signed or not
     * @param value the value
     * @throws ReadOnlyBufferException if the view is read-only
     * @throws BufferException         if the format is not a 4- or 8-byte integer
     * @throws IllegalStateException   if the view is closed or a pointer followed is NULL
     */
    public static void fill(BufferView view, long value) {
        try {
            Items items = items(view, "fill(long)", false);
            if (items.kind == Kind.DOUBLE || items.kind == Kind.FLOAT) {
                throw new BufferException("fill(long): format '" + view.format()
                        + "' is floating-point; use fill(double)");
            }
            if (view.isReadOnly()) {
                throw ReadOnlyWrite.of("fill(" + value + ")", "every item", view);
            }
            BufferView.Runs runs = view.runs();
            while (runs.next()) {
                MemorySegment s = runs.segment();
                if (runs.stride() == items.kind.size || runs.count() == 1) {
                    if (items.kind == Kind.LONG) {
                        k(s).fillLongs(s, runs.offset(), runs.count(), items.order, value);
                    } else {
                        k(s).fillInts(s, runs.offset(), runs.count(), items.order, (int) value);
                    }
                } else {
                    for (long k = 0; k < runs.count(); k++) {
                        writeLong(s, runs.offset() + k * runs.stride(), items, value);
                    }
                }
            }
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.fill", view);
        }
    }

    /**
     * Multiplies every item of a floating-point view by {@code factor}, in place.
     *
     * @param view   a writable view of format {@code d} or {@code f}
     * @param factor the factor (rounded to {@code float} for {@code f})
     * @throws ReadOnlyBufferException if the view is read-only
     * @throws BufferException         if the format is not {@code d} or {@code f}
     * @throws IllegalStateException   if the view is closed or a pointer followed is NULL
     */
    public static void scale(BufferView view, double factor) {
        try {
            Items items = items(view, "scale(double)", true);
            if (items.kind != Kind.DOUBLE && items.kind != Kind.FLOAT) {
                throw new BufferException("scale(double): format '" + view.format()
                        + "' is an integer; use scale(long)");
            }
            if (view.isReadOnly()) {
                throw ReadOnlyWrite.of("scale(" + factor + ")", "every item", view);
            }
            BufferView.Runs runs = view.runs();
            while (runs.next()) {
                MemorySegment s = runs.segment();
                if (runs.stride() == items.kind.size || runs.count() == 1) {
                    if (items.kind == Kind.DOUBLE) {
                        k(s).scaleDoubles(s, runs.offset(), runs.count(), items.order, factor);
                    } else {
                        k(s).scaleFloats(s, runs.offset(), runs.count(), items.order, (float) factor);
                    }
                } else {
                    for (long k = 0; k < runs.count(); k++) {
                        long p = runs.offset() + k * runs.stride();
                        if (items.kind == Kind.DOUBLE) {
                            writeFloating(s, p, items, readFloating(s, p, items.kind, items.order) * factor);
                        } else {
                            writeFloating(s, p, items, (float) readFloating(s, p, items.kind, items.order)
                                    * (float) factor);
                        }
                    }
                }
            }
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.scale", view);
        }
    }

    /**
     * Multiplies every item of a signed integer view by {@code factor}, in place, wrapping on overflow.
     *
     * @param view   a writable view of a signed 4- or 8-byte integer format
     * @param factor the factor (its low 32 bits for 4-byte items)
     * @throws ReadOnlyBufferException if the view is read-only
     * @throws BufferException         if the format is not a signed 4- or 8-byte integer
     * @throws IllegalStateException   if the view is closed or a pointer followed is NULL
     */
    public static void scale(BufferView view, long factor) {
        try {
            Items items = items(view, "scale(long)", true);
            if (items.kind == Kind.DOUBLE || items.kind == Kind.FLOAT) {
                throw new BufferException("scale(long): format '" + view.format()
                        + "' is floating-point; use scale(double)");
            }
            if (view.isReadOnly()) {
                throw ReadOnlyWrite.of("scale(" + factor + ")", "every item", view);
            }
            boolean longs = items.kind == Kind.LONG;
            BufferView.Runs runs = view.runs();
            while (runs.next()) {
                MemorySegment s = runs.segment();
                if (runs.stride() == items.kind.size || runs.count() == 1) {
                    if (longs) {
                        k(s).scaleLongs(s, runs.offset(), runs.count(), items.order, factor);
                    } else {
                        k(s).scaleInts(s, runs.offset(), runs.count(), items.order, (int) factor);
                    }
                } else {
                    for (long k = 0; k < runs.count(); k++) {
                        long p = runs.offset() + k * runs.stride();
                        writeLong(s, p, items, longs ? readLong(s, p, true, items.order) * factor
                                : (int) readLong(s, p, false, items.order) * (int) factor);
                    }
                }
            }
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.scale", view);
        }
    }

    private static void writeFloating(MemorySegment s, long offset, Items items, double value) {
        if (items.kind == Kind.DOUBLE) {
            s.set(little(items.order) ? D_LE : D_BE, offset, value);
        } else {
            s.set(little(items.order) ? F_LE : F_BE, offset, (float) value);
        }
    }

    private static void writeLong(MemorySegment s, long offset, Items items, long value) {
        if (items.kind == Kind.LONG) {
            s.set(little(items.order) ? J_LE : J_BE, offset, value);
        } else {
            s.set(little(items.order) ? I_LE : I_BE, offset, (int) value);
        }
    }

    // ------------------------------------------------------------------------------------------------ copies

    /**
     * Copies every item into {@code dst}, contiguously in C order: a gather. Works for any format (bytes are
     * copied as they are).
     *
     * @param view the items
     * @param dst  receives {@code view.len()} bytes from its start
     * @throws IndexOutOfBoundsException if {@code dst} is shorter than {@code view.len()}
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public static void gather(BufferView view, MemorySegment dst) {
        try {
            view.copyTo(dst, 'C');
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.gather", view);
        }
    }

    /**
     * Copies contiguous C-order items from {@code src} into the view: a scatter. Works for any format.
     *
     * @param src  holds {@code view.len()} bytes from its start
     * @param view the writable destination
     * @throws ReadOnlyBufferException   if the view is read-only
     * @throws IndexOutOfBoundsException if {@code src} is shorter than {@code view.len()}
     * @throws IllegalStateException     if the view is closed or a pointer followed is NULL
     */
    public static void scatter(MemorySegment src, BufferView view) {
        try {
            view.copyFrom(src, 'C');
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.scatter", view);
        }
    }

    // ------------------------------------------------------------------------------------------------ equality

    /**
     * Returns whether two views hold equal items at every index: same shape and IEEE equality for floating-point
     * items (NaN is unequal to itself, -0.0 equals 0.0), bitwise equality for integers. The layouts may differ
     * (direct, indirect, strided, either byte order is compared after decoding only when both views share it).
     *
     * @param a one view
     * @param b the other
     * @return true if the shapes are equal and every item is
     * @throws BufferException       if the formats are not equivalent, or not ones the kernels handle
     * @throws IllegalStateException if a view is closed or a pointer followed is NULL
     */
    public static boolean equal(BufferView a, BufferView b) {
        try {
            Items ia = items(a, "equal", false);
            Items ib = items(b, "equal", false);
            if (!a.format().isEquivalentTo(b.format())) {
                throw new BufferException("equal: formats '" + a.format() + "' and '" + b.format()
                        + "' are not equivalent");
            }
            if (a.ndim() != b.ndim() || !Arrays.equals(a.shape(), b.shape())) {
                return false;
            }
            BufferView.Runs ra = a.runs();
            BufferView.Runs rb = b.runs();
            long leftA = 0;
            long leftB = 0;
            long offA = 0;
            long offB = 0;
            long size = ia.kind.size;
            while (true) {
                if (leftA == 0) {
                    if (!ra.next()) {
                        return true;
                    }
                    leftA = ra.count();
                    offA = ra.offset();
                }
                if (leftB == 0) {
                    rb.next();
                    leftB = rb.count();
                    offB = rb.offset();
                }
                long n = Math.min(leftA, leftB);
                boolean contiguous = (ra.stride() == size || leftA == 1) && (rb.stride() == size || leftB == 1);
                if (contiguous && n > 0) {
                    if (!equalRun(ra.segment(), offA, rb.segment(), offB, n, ia)) {
                        return false;
                    }
                } else {
                    for (long k = 0; k < n; k++) {
                        if (!equalRun(ra.segment(), offA + k * ra.stride(), rb.segment(), offB + k * rb.stride(), 1,
                                ia)) {
                            return false;
                        }
                    }
                }
                offA += n * ra.stride();
                offB += n * rb.stride();
                leftA -= n;
                leftB -= n;
            }
        } catch (InternalError e) {
            throw MemoryFaultException.fault(e, "Kernels.equal", a);
        }
    }

    private static boolean equalRun(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, Items items) {
        return switch (items.kind) {
            case DOUBLE -> k(a, b).equalDoubles(a, aOff, b, bOff, n, items.order);
            case FLOAT -> k(a, b).equalFloats(a, aOff, b, bOff, n, items.order);
            case LONG -> k(a, b).equalLongs(a, aOff, b, bOff, n, items.order);
            case INT -> k(a, b).equalInts(a, aOff, b, bOff, n, items.order);
        };
    }
}
