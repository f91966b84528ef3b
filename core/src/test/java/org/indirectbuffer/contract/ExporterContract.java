package org.indirectbuffer.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * What every {@link BufferExporter} promises, run against each one by a subclass that says how to make it: every
 * request honoured with a view that satisfies it or refused with {@link BufferException}; every mutator refused
 * while a view is open; close, double close and use after close; read-only paths; confined exports.
 *
 * @param <E> the exporter type
 */
public abstract class ExporterContract<E extends BufferExporter> {

    /** Every request bit {@link BufferRequest} knows; the one bit below 0x200 it does not is 0x2. */
    private static final int KNOWN_BITS = 0x1FD;

    /** A mutator of the exporter, named for the test report. */
    public interface Action<E> {
        /**
         * Runs the mutator.
         *
         * @param exporter the exporter
         * @throws Exception whatever it throws
         */
        void apply(E exporter) throws Exception;
    }

    /**
     * A named mutator.
     *
     * @param name   the method it calls
     * @param action the call
     * @param <E>    the exporter type
     */
    public record Mutator<E>(String name, Action<E> action) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Makes a new exporter holding data whose bytes are not all equal.
     *
     * @return the exporter, open
     */
    protected abstract E newExporter();

    /**
     * How many views of the exporter are open.
     *
     * @param exporter the exporter
     * @return its export count
     */
    protected abstract int exportCount(E exporter);

    /**
     * Closes what owns the exporter (the exporter itself when it is {@link AutoCloseable}).
     *
     * @param exporter the exporter
     * @throws Exception whatever close throws
     */
    protected void close(E exporter) throws Exception {
        ((AutoCloseable) exporter).close();
    }

    /**
     * Every mutator the type has, each refused while a view is open; {@code close} among them.
     *
     * @return the mutators
     */
    protected abstract List<Mutator<E>> mutators();

    /**
     * Whether the fixture's exporter is read-only.
     *
     * @return true if so
     */
    protected boolean readOnly() {
        return false;
    }

    /**
     * The fixture's sharing.
     *
     * @return {@link Sharing#SHARED} unless overridden
     */
    protected Sharing sharing() {
        return Sharing.SHARED;
    }

    /**
     * Segments the exporter hands out (its rows, its table), obtained while open; each must refuse access once the
     * exporter is closed.
     *
     * @param exporter the exporter, open
     * @return the segments
     */
    protected List<MemorySegment> partsOf(E exporter) {
        return List.of();
    }

    private static byte[] bytes(BufferExporter exporter) {
        try (BufferView v = exporter.getBuffer(BufferRequest.FULL_RO)) {
            return v.toBytes('C');
        }
    }

    /**
     * Each of the 2^9 flag words: unknown bits and {@code PyBUF_READ} refused with {@link IllegalArgumentException};
     * the others lent with a view that satisfies them, or refused with {@link BufferException}, exactly when CPython's
     * {@code _testbuffer} exporter refuses them for the same layout.
     *
     * @throws Exception if closing the exporter fails
     */
    @Test
    public void everyRequestIsHonouredAsAskedOrRefused() throws Exception {
        E e = newExporter();
        try {
            byte[] reference = bytes(e);
            Layout layout = Layout.of(e);
            int honoured = 0;
            for (int flags = 0; flags < 0x200; flags++) {
                int f = flags;
                String request = BufferRequest.describe(flags) + " of " + e;
                if ((flags & ~KNOWN_BITS) != 0 || flags == 0x100) { // unknown bits, or PyBUF_READ
                    assertThatThrownBy(() -> e.getBuffer(f)).as(request).isInstanceOf(IllegalArgumentException.class);
                    continue;
                }
                String refusal = layout.cpythonRefusal(flags, readOnly());
                BufferView v;
                try {
                    v = e.getBuffer(flags);
                } catch (BufferException refused) {
                    assertThat(refusal).as("%s refused (%s), but CPython's _testbuffer would lend it", request,
                            refused.getMessage()).isNotNull();
                    assertThat(exportCount(e)).as("refused %s leaves no export", request).isZero();
                    continue;
                }
                if (refusal != null) {
                    v.close();
                    throw new AssertionError(request + " lent, but CPython's _testbuffer refuses it: " + refusal);
                }
                try (v) {
                    assertSatisfies(flags, v, reference, request);
                    honoured++;
                }
                assertThat(exportCount(e)).as("closed view of %s", request).isZero();
            }
            assertThat(honoured).as("FULL_RO and at least one more request honoured").isGreaterThan(1);
        } finally {
            close(e);
        }
    }

    /** What CPython's refusal rule needs to know of an exporter's whole layout, read from its FULL_RO view. */
    private record Layout(boolean cContiguous, boolean fContiguous, boolean anyContiguous, boolean indirect,
                          boolean unsignedBytes) {
        static Layout of(BufferExporter e) {
            try (BufferView v = e.getBuffer(BufferRequest.FULL_RO)) {
                return new Layout(v.isContiguous('C'), v.isContiguous('F'), v.isContiguous('A'), v.isIndirect(),
                        v.itemSize() == 1 && v.format().isEquivalentTo(Format.parse("B")));
            }
        }

        /**
         * Why CPython's {@code _testbuffer} refuses {@code flags} ({@code verify_getbuf} in test_buffer.py), or
         * null; with the library's one documented difference: unsigned bytes are given with their format without
         * ND, as {@code bytearray} does.
         */
        String cpythonRefusal(int flags, boolean readOnly) {
            if (BufferRequest.requestsWritable(flags) && readOnly) {
                return "WRITABLE of a read-only exporter";
            }
            if (BufferRequest.requiresCContiguous(flags) && !cContiguous
                    || BufferRequest.requiresFContiguous(flags) && !fContiguous
                    || BufferRequest.requiresAnyContiguous(flags) && !anyContiguous) {
                return "a contiguity the layout lacks";
            }
            if (!BufferRequest.requestsIndirect(flags) && indirect) {
                return "the layout needs suboffsets";
            }
            if (!BufferRequest.requestsStrides(flags) && !cContiguous) {
                return "no strides for a layout that is not C-contiguous";
            }
            if (!BufferRequest.requestsShape(flags) && BufferRequest.requestsFormat(flags) && !unsignedBytes) {
                return "FORMAT without ND";
            }
            return null;
        }
    }

    private void assertSatisfies(int flags, BufferView v, byte[] reference, String request) {
        // A writable exporter may give a read-only view to a request without WRITABLE (a collection of heap rows
        // does, to skip the copy back); CPython's exporters give a writable one.
        if (BufferRequest.requestsWritable(flags)) {
            assertThat(v.isReadOnly()).as("read-only: %s", request).isFalse();
        } else if (readOnly()) {
            assertThat(v.isReadOnly()).as("read-only: %s", request).isTrue();
        }
        assertThat(v.format() != null).as("format present: %s", request).isEqualTo(BufferRequest.requestsFormat(flags));
        assertThat(v.shape() != null).as("shape present: %s", request).isEqualTo(BufferRequest.requestsShape(flags));
        assertThat(v.strides() != null).as("strides present: %s", request)
                .isEqualTo(BufferRequest.requestsStrides(flags));
        if (!BufferRequest.requestsIndirect(flags)) {
            assertThat(v.suboffsets()).as("suboffsets: %s", request).isNull();
        }
        if (BufferRequest.requiresCContiguous(flags) || !BufferRequest.requestsStrides(flags)) {
            assertThat(v.isContiguous('C')).as("C-contiguous: %s", request).isTrue();
        }
        if (BufferRequest.requiresFContiguous(flags)) {
            assertThat(v.isContiguous('F')).as("F-contiguous: %s", request).isTrue();
        }
        if (BufferRequest.requiresAnyContiguous(flags)) {
            assertThat(v.isContiguous('A')).as("contiguous: %s", request).isTrue();
        }
        assertThat(v.len()).as("len: %s", request).isEqualTo(reference.length);
        assertThat(v.toBytes('C')).as("data: %s", request).isEqualTo(reference);
    }

    @TestFactory
    public Stream<DynamicTest> everyMutatorIsRefusedWhileAViewIsOpenAndAllowedAfter() {
        List<Mutator<E>> mutators = mutators();
        assertThat(mutators).as("close is a mutator").anyMatch(m -> m.name().startsWith("close"));
        return mutators.stream().map(m -> dynamicTest(m.name(), () -> {
            E e = newExporter();
            BufferView v = e.getBuffer(BufferRequest.FULL_RO);
            try {
                byte[] before = v.toBytes('C');
                assertThatThrownBy(() -> m.action().apply(e)).as(m.name()).isInstanceOf(BufferException.class)
                        .hasMessageStartingWith("buffer is locked");
                assertThat(v.toBytes('C')).as("data after a refused %s", m.name()).isEqualTo(before);
                assertThat(exportCount(e)).isEqualTo(1);
                v.close();
                assertThat(exportCount(e)).isZero();
                assertThatCode(() -> m.action().apply(e)).as(m.name() + " once released").doesNotThrowAnyException();
            } finally {
                v.close();
                close(e);
            }
        }));
    }

    /**
     * CPython's {@code test_ndarray_linked_list}: five views open at once, released in each of the 120 orders. While
     * any is open every mutator is refused and changes nothing; the views still open keep reading the data; the
     * count falls by one per release and ends at 0, after which the exporter lends again.
     *
     * @throws Exception if closing the exporter fails
     */
    @Test
    public void exportsAreReleasedInEveryOrder() throws Exception {
        E e = newExporter();
        BufferView[] views = new BufferView[5];
        try {
            byte[] reference = bytes(e);
            List<Mutator<E>> mutators = mutators();
            int[] order = {0, 1, 2, 3, 4};
            int orders = 0;
            do {
                for (int i = 0; i < views.length; i++) {
                    views[i] = e.getBuffer(BufferRequest.FULL_RO);
                }
                for (int k = 0; k < order.length; k++) {
                    String when = "release " + k + " of order " + Arrays.toString(order) + " of " + e;
                    Mutator<E> m = mutators.get((orders + k) % mutators.size());
                    assertThatThrownBy(() -> m.action().apply(e)).as("%s while open, %s", m, when)
                            .isInstanceOf(BufferException.class).hasMessageStartingWith("buffer is locked");
                    for (int j = k; j < order.length; j++) {
                        assertThat(views[order[j]].toBytes('C')).as("view %d still open, %s", order[j], when)
                                .isEqualTo(reference);
                    }
                    views[order[k]].close();
                    assertThat(exportCount(e)).as(when).isEqualTo(order.length - 1 - k);
                }
                orders++;
            } while (nextPermutation(order));
            assertThat(orders).isEqualTo(120);
            assertThat(bytes(e)).isEqualTo(reference);
        } finally {
            // a failed assertion leaves views open: close them first, so that the failure, not the refused close, shows
            for (BufferView v : views) {
                if (v != null) {
                    v.close();
                }
            }
            close(e);
        }
    }

    /** Steps {@code a} to its next permutation in lexicographic order; false after the last. */
    private static boolean nextPermutation(int[] a) {
        int i = a.length - 2;
        while (i >= 0 && a[i] >= a[i + 1]) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        int j = a.length - 1;
        while (a[j] <= a[i]) {
            j--;
        }
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
        for (int l = i + 1, r = a.length - 1; l < r; l++, r--) {
            t = a[l];
            a[l] = a[r];
            a[r] = t;
        }
        return true;
    }

    @Test
    public void closeTwiceIsHarmlessAndUseAfterCloseIsRefused() throws Exception {
        E e = newExporter();
        List<MemorySegment> parts = partsOf(e);
        close(e);
        assertThatCode(() -> close(e)).doesNotThrowAnyException();
        assertThatThrownBy(() -> e.getBuffer(BufferRequest.FULL_RO)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> e.getBuffer(BufferRequest.SIMPLE)).isInstanceOf(IllegalStateException.class);
        for (MemorySegment part : parts) {
            assertThatThrownBy(() -> part.get(ValueLayout.JAVA_BYTE, 0)).as("a segment obtained before close: %s",
                    part).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    public void readOnlyExportersRefuseWritesAndWritableOnesShowThem() throws Exception {
        E e = newExporter();
        try {
            byte[] before = bytes(e);
            if (readOnly()) {
                assertThatThrownBy(() -> e.getBuffer(BufferRequest.FULL)).isInstanceOf(BufferException.class);
                assertThatThrownBy(() -> e.getBuffer(BufferRequest.WRITABLE)).isInstanceOf(BufferException.class);
                assertThat(exportCount(e)).isZero();
                try (BufferView v = e.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(v.isReadOnly()).isTrue();
                    assertThatThrownBy(() -> writeFirstItem(v)).isInstanceOf(ReadOnlyBufferException.class);
                    assertThatThrownBy(() -> v.copyFrom(MemorySegment.ofArray(new byte[before.length]), 'C'))
                            .isInstanceOf(ReadOnlyBufferException.class);
                }
                assertThat(bytes(e)).isEqualTo(before);
            } else {
                byte[] reversed = new byte[before.length];
                for (int i = 0; i < before.length; i++) {
                    reversed[i] = before[before.length - 1 - i];
                }
                try (BufferView v = e.getBuffer(BufferRequest.FULL)) {
                    v.copyFrom(MemorySegment.ofArray(reversed), 'C');
                }
                assertThat(bytes(e)).as("a write through one view is seen by the next").isEqualTo(reversed);
            }
        } finally {
            close(e);
        }
    }

    /** Writes the first item with the setter of the view's format. */
    private static void writeFirstItem(BufferView v) {
        long[] first = new long[v.ndim()];
        switch (v.format().toString()) {
            case "d" -> v.setDouble(1, first);
            case "f" -> v.setFloat(1, first);
            case "q" -> v.setLong(1, first);
            case "i" -> v.setInt(1, first);
            case "h" -> v.setShort((short) 1, first);
            default -> v.setByte((byte) 1, first);
        }
    }

    @Test
    public void anotherThreadExportsOnlyFromSharedExporters() throws Exception {
        E e = newExporter();
        try {
            BufferView mine = e.getBuffer(BufferRequest.FULL_RO);
            Throwable export = onAnotherThread(() -> {
                try (BufferView v = e.getBuffer(BufferRequest.FULL_RO)) {
                    assertThat(v.len()).isPositive();
                }
            });
            Throwable read = onAnotherThread(() -> mine.toBytes('C'));
            assertThat(mine.toBytes('C')).isEqualTo(mine.toBytes('C'));
            mine.close();
            if (sharing() == Sharing.CONFINED) {
                assertThat(export).as("export from another thread").isInstanceOf(WrongThreadException.class);
                assertThat(read).as("read of a confined view from another thread")
                        .isInstanceOf(WrongThreadException.class);
            } else {
                assertThat(export).as("export from another thread").isNull();
                assertThat(read).as("read of a shared view from another thread").isNull();
            }
            assertThat(exportCount(e)).isZero();
        } finally {
            close(e);
        }
    }

    private static Throwable onAnotherThread(Runnable task) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                task.run();
            } catch (Throwable x) {
                thrown.set(x);
            }
        }, "contract-other-thread");
        t.start();
        t.join();
        return thrown.get();
    }
}
