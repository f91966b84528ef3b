package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Terminator;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, "no JVM crash through the public API", for the JNA module: each test reproduces a way 00dcdf5 let Java
 * or C read memory it must not (freed, past a row's end, through a rewritten table, from a caller without native
 * access), written so that the fixed code answers with the documented exception and no step can crash the JVM.
 */
class SafetyTest {
    private static final TestNative.Raw RAW = TestNative.RAW;
    private static final TestNative.Typed LIB = TestNative.TYPED;

    // ------------------------------------------------------------------------------------ 1. closed handles

    @Test
    void aClosedPointerIsNullToJnaAndRefusedBeforeTheCall() {
        double[][] rows = new double[3][4];
        try (BufferCollection2D c = BufferCollection2D.wrap(List.of(rows[0], rows[1], rows[2]))) {
            IndirectPointer p = JnaIndirect.export(c); // holds an export: staged copies, freed when it is closed
            long address = p.address();
            IndirectPointer slice = (IndirectPointer) p.share(Native.POINTER_SIZE);
            assertThat(RAW.jt_address_of(p)).isEqualTo(address);
            RAW.jt_fill(p, 3, 4);
            p.close();
            // As JNA's Memory after close(): the Pointer is NULL, so plain JNA passes NULL, not freed memory.
            assertThat(Pointer.nativeValue(p)).isZero();
            assertThat(p.address()).isZero();
            assertThat(p.isClosed()).isTrue();
            assertThat(Pointer.nativeValue(slice)).as("a Pointer shared from it ends with it").isZero();
            assertThat(RAW.jt_address_of(p)).isZero();
            assertThat(rows[2][3]).as("the export was released: C's writes copied back").isEqualTo(2003.0);
            // Every route the library controls refuses it before C is called, naming it.
            String name = "IndirectPointer@0x" + Long.toHexString(address);
            assertThatThrownBy(() -> LIB.jt_sum(p, 3, 4)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("argument 0 of jt_sum " + name)
                    .hasMessageContaining("cannot be used: it was closed");
            assertThatThrownBy(() -> LIB.jt_address_of(slice)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the Pointer it was shared from ended");
            assertThatThrownBy(() -> p.getDouble(0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(name);
            assertThatThrownBy(() -> p.share(8)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> JnaIndirect.wrap(p, 3, 4, "d", true)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("table " + name);
            assertThatThrownBy(() -> JnaIndirect.tableOver(new Pointer[] {slice}, 4, "d", true))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("row 0 IndirectPointer@0x");
            assertThat(p.toString()).contains("ended: it was closed");
            p.close(); // idempotent
        }
    }

    @Test
    void aPointerWhoseOwnerClosedOrResizedEndsWithItsMemory() {
        IndirectMemory2D m = IndirectMemory2D.createFrom(new double[][] {{1, 2}, {3, 4}});
        IndirectPointer q = JnaIndirect.pointer(m);
        IndirectPointer beforeResize = JnaIndirect.pointer(m);
        assertThat(LIB.jt_sum(q, 2, 2)).isEqualTo(10.0);
        m.resize(3, 2); // a new table: the old address is freed
        assertThat(Pointer.nativeValue(beforeResize)).isZero();
        assertThatThrownBy(() -> LIB.jt_sum(beforeResize, 2, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the memory it points into has ended");
        IndirectPointer current = JnaIndirect.pointer(m);
        assertThat(LIB.jt_sum(current, 2, 2)).isEqualTo(10.0);
        m.close();
        assertThat(Pointer.nativeValue(current)).isZero();
        assertThat(RAW.jt_address_of(current)).isZero();
        assertThatThrownBy(() -> LIB.jt_sum(current, 2, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("IndirectMemory2D");

        CStringArray strings = CStringArray.create(StandardCharsets.UTF_8, "a", "b");
        IndirectPointer s = strings.pointer();
        RaggedRows ragged = RaggedRows.create(new long[] {1}, "d");
        IndirectPointer r = JnaIndirect.rowPointer(ragged, 0);
        strings.close();
        ragged.close();
        assertThat(Pointer.nativeValue(s)).isZero();
        assertThat(Pointer.nativeValue(r)).isZero();
        assertThatThrownBy(() -> CStringArray.read(s, StandardCharsets.UTF_8)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CStringArray[2 strings, UTF-8");
        assertThatThrownBy(() -> r.getDouble(0)).isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------------------------ 2. get racing close

    @Test
    void getRacingCloseOnAnotherThreadIsTheValueOrIllegalStateException() throws Exception {
        String expected = "ä".repeat(700) + "z".repeat(600); // 2000 UTF-8 bytes: long enough to be mid-read
        int iterations = 10_000;
        SynchronousQueue<CStringArray> handoff = new SynchronousQueue<>();
        AtomicReference<Throwable> closerFailure = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                for (int i = 0; i < iterations; i++) {
                    CStringArray a = handoff.take();
                    for (int spin = ThreadLocalRandom.current().nextInt(4000); spin > 0; spin--) {
                        Thread.onSpinWait();
                    }
                    a.close();
                    // Reuse the freed memory at once: a read that went on through freed memory would see 'X'.
                    try (Arena scratch = Arena.ofConfined()) {
                        scratch.allocate(2008).fill((byte) 'X');
                    }
                }
            } catch (Throwable t) {
                closerFailure.set(t);
            }
        }, "closer");
        closer.setDaemon(true);
        closer.start();
        int refusedMidRead = 0;
        int spuriousInterrupts = 0;
        for (int i = 0; i < iterations && closerFailure.get() == null; i++) {
            CStringArray a = CStringArray.create(StandardCharsets.UTF_8, expected);
            // JDK 25 may leave the interrupt flag set on a thread whose access a shared arena's close cut short
            // (seen with plain FFM code too): clear it, or the hand-off below would throw InterruptedException.
            spuriousInterrupts += Thread.interrupted() ? 1 : 0;
            handoff.put(a);
            while (true) {
                String s;
                try {
                    s = a.get(0);
                } catch (IllegalStateException e) {
                    assertThat(e).hasMessageContaining("CStringArray[1 strings, UTF-8]");
                    refusedMidRead += e.getMessage().contains("was being read") ? 1 : 0;
                    break;
                }
                if (!expected.equals(s)) {
                    fail("iteration " + i + ": get(0) read " + s.length() + " characters that are not the string ("
                            + s.substring(0, Math.min(20, s.length())) + "...): a read of freed memory");
                }
            }
        }
        closer.join(60_000);
        assertThat(closerFailure.get()).isNull();
        System.out.println("get racing close: " + refusedMidRead + " of " + iterations
                + " closes landed during a read and were refused by the segment's scope (" + spuriousInterrupts
                + " left the reader's interrupt flag set)");
    }

    // ------------------------------------------------------------------------------------ 3. rows the library made

    @Test
    void rowsTheLibraryMadeAreNeverScannedPastTheirEnd() {
        try (RaggedRows own = RaggedRows.createTerminated(new long[] {2, 3}, "i4xd", Terminator.field(0, -1))) {
            for (int r = 0; r < 2; r++) {
                for (int k = 0; k < own.length(r); k++) {
                    own.field(0).setInt(r, k, k + 1);
                }
            }
            // Found by scanning the record when the table comes back as a foreign one.
            try (RaggedRows again = JnaIndirect.wrapTerminated(JnaIndirect.pointer(own), 2, "i4xd", Terminator.field(0, -1),
                    1000, true)) {
                assertThat(again.lengths()).containsExactly(2, 3);
            }
            // C overwrites row 0's terminator (index -1 at item 2) with an index: the row has none any more.
            MemorySegment.ofAddress(JnaIndirect.rowPointer(own, 0).address()).reinterpret(3 * 16).set(ValueLayout.JAVA_INT, 32, 3);
            assertThatThrownBy(() -> JnaIndirect.wrapTerminated(JnaIndirect.pointer(own), 2, "i4xd", Terminator.field(0, -1),
                    1000, true)).isInstanceOf(BufferException.class)
                    .hasMessageMatching("row 0 of the T\\*\\* at 0x[0-9a-f]+: no terminator \\(field 0 = -1\\) within"
                            + " its 3 items of 'i4xd' \\(48 bytes: the whole row RaggedRows\\[2 rows.* allocated, which"
                            + " is never read past its end\\)");
            assertThatThrownBy(() -> RaggedRows.wrapTerminated(own.pointerTable(), 2, "i4xd",
                    Terminator.field(0, -1), 1000, true)).isInstanceOf(BufferException.class)
                    .hasMessageContaining("never read past its end");
            // Lengths beyond what the library allocated are refused instead of read.
            assertThatThrownBy(() -> RaggedRows.wrap(own.pointerTable(), new long[] {4, 3}, "i4xd", true))
                    .isInstanceOf(BufferException.class)
                    .hasMessageStartingWith("row 0: 4 items of 'i4xd' (64 bytes) were asked for, but the row"
                            + " RaggedRows[2 rows").hasMessageEndingWith("allocated holds 48 bytes");
            // Nor can a nanny adopt memory the library frees itself.
            assertThatThrownBy(() -> RaggedRows.adopt(own.pointerTable(), new long[] {2, 3}, "i4xd", true,
                    org.indirectbuffer.MemoryNanny.running("free", () -> { })))
                    .isInstanceOf(BufferException.class).hasMessageContaining("borrow it (without a nanny)");
        }
        try (CStringArray a = CStringArray.create(StandardCharsets.UTF_8, "abc", "xyz")) {
            long string0 = MemorySegment.ofAddress(a.pointer().address()).reinterpret(8)
                    .get(ValueLayout.ADDRESS, 0).address();
            MemorySegment.ofAddress(string0).reinterpret(4).set(ValueLayout.JAVA_BYTE, 3, (byte) 'd'); // C's write
            assertThatThrownBy(() -> a.get(0)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("CStringArray[2 strings, UTF-8]: string 0 of CStringTable[2 strings, UTF-8] has no"
                            + " NUL terminator within the 4 bytes allocated for it (C overwrote it); it is not read"
                            + " past its end");
            assertThatThrownBy(() -> CStringArray.read(a.pointer(), StandardCharsets.UTF_8))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not read past its end");
            assertThat(a.get(1)).isEqualTo("xyz");
            assertThatThrownBy(() -> CStringArray.readCounted(a.pointer(), 4, StandardCharsets.UTF_8))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds 3 entries");
        }
    }

    // ------------------------------------------------------------------------------------ 4. maxLength bound

    @Test
    void wrapTerminatedBeforeAnUnmappedPageIsAnErrorNotARead() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MethodHandle mprotect = linker.downcallHandle(linker.defaultLookup().find("mprotect").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT));
        MethodHandle munmap = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        long page = 1L << 16; // a multiple of any page size in use
        MemorySegment base = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, 2 * page, 3, 0x22, -1, 0L);
        assertThat(base.address()).isNotEqualTo(-1L);
        try {
            assertThat((int) mprotect.invokeExact(MemorySegment.ofAddress(base.address() + page), page, 0)).isZero();
            MemorySegment mapped = base.reinterpret(page);
            // An unterminated row of 4 svm_node-like items ending exactly at the unmapped page.
            MemorySegment row = mapped.asSlice(page - 4 * 16, 4 * 16);
            for (int k = 0; k < 4; k++) {
                row.set(ValueLayout.JAVA_INT, k * 16L, k + 1);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment table = arena.allocate(ValueLayout.ADDRESS);
                table.set(ValueLayout.ADDRESS, 0, row);
                // maxLength 3: at most 3 items and a terminator, all inside the row: a clear error.
                assertThatThrownBy(() -> RaggedRows.wrapTerminated(table, 1, "i4xd", Terminator.field(0, -1), 3,
                        true)).isInstanceOf(BufferException.class)
                        .hasMessageMatching("row 0 of the T\\*\\* at 0x[0-9a-f]+: no terminator \\(field 0 = -1\\)"
                                + " within the first 3 items of 'i4xd'");
                // A row terminated right before the unmapped page: the scan stops at its terminator, whatever the
                // bound.
                row.set(ValueLayout.JAVA_INT, 3 * 16L, -1);
                try (RaggedRows rows = RaggedRows.wrapTerminated(table, 1, "i4xd", Terminator.field(0, -1),
                        1_000_000, true)) {
                    assertThat(rows.lengths()).containsExactly(3);
                    assertThat(rows.row(0).byteSize()).isEqualTo(3 * 16);
                    assertThat(rows.item(0, 2).get(ValueLayout.JAVA_INT, 0)).isEqualTo(3);
                }
            }
        } finally {
            int ignored = (int) munmap.invokeExact(base, 2 * page);
        }
    }

    // ------------------------------------------------------------------------------------ 5. lent tables

    @Test
    void lentTablesAreReadOnlyAndJavaNeverFollowsThem() {
        try (Arena decoys = Arena.ofConfined();
             RaggedRows rows = RaggedRows.create(new long[] {2, 3}, "d");
             CStringArray strings = CStringArray.create(StandardCharsets.UTF_8, "first", "second")) {
            rows.field(0).setDouble(0, 0, 1.5);
            rows.field(0).setDouble(0, 1, 2.5);
            MemorySegment rowTable = rows.pointerTable();
            MemorySegment stringTable = strings.pointerTable();
            assertThat(rowTable.isReadOnly()).isTrue();
            assertThat(stringTable.isReadOnly()).isTrue();
            assertThatThrownBy(() -> rowTable.setAtIndex(ValueLayout.ADDRESS, 0, MemorySegment.NULL))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> stringTable.setAtIndex(ValueLayout.ADDRESS, 0, MemorySegment.NULL))
                    .isInstanceOf(IllegalArgumentException.class);
            long row0 = JnaIndirect.rowPointer(rows, 0).address();

            // C (or code with native access) rewrites both tables to point at decoys.
            MemorySegment decoyRow = decoys.allocate(3 * 8);
            decoyRow.fill((byte) 0x7f);
            MemorySegment decoyString = decoys.allocateFrom("evil", StandardCharsets.UTF_8);
            MemorySegment.ofAddress(rowTable.address()).reinterpret(rowTable.byteSize())
                    .setAtIndex(ValueLayout.ADDRESS, 0, decoyRow);
            MemorySegment.ofAddress(stringTable.address()).reinterpret(stringTable.byteSize())
                    .setAtIndex(ValueLayout.ADDRESS, 0, decoyString);
            assertThat(rowTable.getAtIndex(ValueLayout.ADDRESS, 0).address()).as("C sees the rewrite")
                    .isEqualTo(decoyRow.address());
            assertThat(RAW.jt_total_strlen(strings.pointer(), 1)).as("C sees the rewrite").isEqualTo(4);

            // Java reads where the library allocated, not where the table points now.
            assertThat(rows.field(0).getDouble(0, 1)).isEqualTo(2.5);
            assertThat(rows.row(0).address()).isEqualTo(row0);
            assertThat(JnaIndirect.rowPointer(rows, 0).address()).isEqualTo(row0);
            try (BufferView v = rows.rowView(0)) {
                assertThat(Kernels.sum(v)).isEqualTo(4.0);
            }
            try (RaggedRows again = RaggedRows.wrap(rowTable, new long[] {2, 3}, "d", true)) {
                assertThat(again.row(0).address()).isEqualTo(row0);
            }
            assertThat(strings.get(0)).isEqualTo("first");
            assertThat(strings.toArray()).containsExactly("first", "second");
            assertThat(CStringArray.read(strings.pointer(), StandardCharsets.UTF_8)).containsExactly("first",
                    "second");
        }
    }

    // ------------------------------------------------------------------------------------ 6. restricted methods

    /** A copy of {@link NoNativeAccessCaller} in the unnamed module of a loader of its own: no native access. */
    private static Function<Object[], Object> callerWithoutNativeAccess() throws Exception {
        String name = NoNativeAccessCaller.class.getName();
        byte[] bytes;
        try (InputStream in = NoNativeAccessCaller.class.getResourceAsStream("NoNativeAccessCaller.class")) {
            bytes = in.readAllBytes();
        }
        ClassLoader loader = new ClassLoader("no-native-access", SafetyTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                synchronized (getClassLoadingLock(n)) {
                    if (n.equals(name)) {
                        Class<?> c = findLoadedClass(n);
                        return c != null ? c : defineClass(n, bytes, 0, bytes.length);
                    }
                    return super.loadClass(n, resolve);
                }
            }
        };
        @SuppressWarnings("unchecked")
        Function<Object[], Object> caller = (Function<Object[], Object>) loader.loadClass(name)
                .getConstructor().newInstance();
        return caller;
    }

    @Test
    void restrictedMethodsRefuseACallerWithoutNativeAccess() throws Exception {
        Function<Object[], Object> caller = callerWithoutNativeAccess();
        Module module = (Module) caller.apply(new Object[] {"module"});
        assertThat(module.isNamed()).isFalse();
        assertThat(module.isNativeAccessEnabled()).as("precondition: the caller has no native access").isFalse();
        assertThat(SafetyTest.class.getModule().isNativeAccessEnabled()).isTrue();

        int frees = RAW.jt_free_calls();
        Pointer matrix = RAW.jt_new_matrix(1, 1);
        Pointer nodes = RAW.jt_new_nodes(1);
        Pointer strings = RAW.jt_new_strings();
        FreeFunction freeMatrix = FreeFunction.withRowCount(TestNative.LIBRARY.getFunction("jt_free_matrix"));
        PointerByReference out = new PointerByReference(RAW.jt_new_matrix(1, 1));
        try {
            Object[][] calls = {
                    {"JnaIndirect.wrap", matrix},
                    {"JnaIndirect.adopt with nanny", matrix},
                    {"JnaIndirect.wrapKeepingAlive", matrix},
                    {"RaggedRows.wrapKeepingAlive", matrix},
                    {"RaggedRows.wrapTerminatedKeepingAlive", nodes},
                    {"JnaIndirect.adopt", matrix, freeMatrix},
                    {"JnaIndirect.adoptOutParameter", out, freeMatrix},
                    {"JnaIndirect.tableOver", matrix.getPointer(0)},
                    {"JnaIndirect.wrapRagged", matrix},
                    {"JnaIndirect.wrapTerminated", nodes},
                    {"JnaIndirect.adoptRagged", matrix, freeMatrix},
                    {"JnaIndirect.adoptTerminated", nodes, freeMatrix},
                    {"RaggedRows.wrap", matrix},
                    {"RaggedRows.wrapTerminated", nodes},
                    {"CStringArray.read", strings},
                    {"CStringArray.readCounted", strings},
                    {"CStringArray.readString", strings.getPointer(0)},
                    {"FreeFunction.free", matrix, freeMatrix},
                    {"FreeFunction.nanny", matrix, freeMatrix},
            };
            for (Object[] call : calls) {
                String method = ((String) call[0]).replace(" with nanny", "");
                assertThatThrownBy(() -> caller.apply(call)).as(method)
                        .isInstanceOf(IllegalCallerException.class)
                        .hasMessageStartingWith(method + " is a restricted method")
                        .hasMessageContaining("Its caller (" + NoNativeAccessCaller.class.getName())
                        .hasMessageContaining("--enable-native-access=ALL-UNNAMED");
            }
            assertThat(RAW.jt_free_calls()).as("nothing was freed").isEqualTo(frees);
            // Allocating and owning is not restricted.
            try (RaggedRows made = (RaggedRows) caller.apply(new Object[] {"RaggedRows.create"});
                 CStringArray s = (CStringArray) caller.apply(new Object[] {"CStringArray.create"})) {
                assertThat(made.lengths()).containsExactly(2, 1);
                assertThat(s.toArray()).containsExactly("not", "restricted");
            }
        } finally {
            RAW.jt_free_matrix(matrix, 1);
            RAW.jt_free_matrix(out.getValue(), 1);
            RAW.jt_free_matrix(nodes, 1);
            RAW.jt_free_strings(strings);
        }
    }

    @Test
    void deallocatorsRefuseMemoryJavaOwns() throws IOException {
        FreeFunction free = FreeFunction.C_FREE_TABLE;
        try (RaggedRows rows = RaggedRows.create(new long[] {1}, "d")) {
            IndirectPointer p = JnaIndirect.pointer(rows);
            assertThatThrownBy(() -> free.free(p, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("memory Java owns");
            assertThatThrownBy(() -> JnaIndirect.adopt(p, 1, 1, "d", true, free))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memory Java owns");
            assertThatThrownBy(() -> free.nanny(new com.sun.jna.Memory(8), 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("freed by JNA itself");
            assertThat(rows.field(0).getDouble(0, 0)).isZero();
        }
    }
}
