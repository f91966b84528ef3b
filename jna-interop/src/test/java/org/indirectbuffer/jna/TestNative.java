package org.indirectbuffer.jna;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;

/** The test C library (src/test/c/jna_test.c), bound three ways: IndirectLibrary, plain JNA, and FFM. */
final class TestNative {
    static final String PATH = libraryPath();

    /** The library with the toolkit's types as parameters (IndirectLibrary.load). */
    static final Typed TYPED = IndirectLibrary.load(PATH, Typed.class);
    /** The same functions through plain JNA: Pointer parameters, no type mapper. */
    static final Raw RAW = Native.load(PATH, Raw.class);
    static final NativeLibrary LIBRARY = NativeLibrary.getInstance(PATH);

    private TestNative() {
    }

    private static String libraryPath() {
        String path = System.getProperty("indirectbuffer.jna.testlib");
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new IllegalStateException("test library not found: indirectbuffer.jna.testlib = " + path
                    + "; `mvn verify` builds it from src/test/c with gcc");
        }
        return path;
    }

    /** A C callback without arguments: {@code void (*cb)(void)}. */
    public interface VoidCallback extends Callback {
        void invoke();
    }

    /** The toolkit's types as parameters. */
    public interface Typed extends Library {
        double jt_sum(IndirectMemory2D m, int rows, int cols);

        double jt_sum(BufferCollection2D m, int rows, int cols);

        double jt_sum(BufferView m, int rows, int cols);

        double jt_sum_float(IndirectMemory2D m, int rows, int cols);

        double jt_sum_float(BufferCollection2D m, int rows, int cols);

        void jt_fill(IndirectMemory2D m, int rows, int cols);

        void jt_fill(BufferCollection2D m, int rows, int cols);

        void jt_fill(IndirectLibrary.ReadOnly m, int rows, int cols);

        double jt_sum(IndirectLibrary.ReadOnly m, int rows, int cols);

        void jt_add(BufferCollection2D a, IndirectMemory2D b, int rows, int cols);

        double jt_sum_with_callback(IndirectMemory2D m, int rows, int cols, VoidCallback cb);

        double jt_sum_with_callback(BufferCollection2D m, int rows, int cols, VoidCallback cb);

        void jt_fill_then_fail(BufferCollection2D m, int rows, int cols) throws com.sun.jna.LastErrorException;

        void jt_fill_then_fail(IndirectMemory2D m, int rows, int cols) throws com.sun.jna.LastErrorException;

        long jt_total_strlen(CStringArray s, int n);

        int jt_count_strings(CStringArray s);

        int jt_join(CStringArray s, int n, byte sep, byte[] out, int cap);

        void jt_first_chars(CStringArray s, byte c);

        int jt_count_strings_with_callback(CStringArray s, VoidCallback cb);

        double jt_sum_ragged(RaggedRows rows, long[] lengths, int n);

        double jt_sum_nodes(RaggedRows rows, int n);

        void jt_double_nodes(RaggedRows rows, int n);

        double jt_sum_nodes_with_callback(RaggedRows rows, int n, VoidCallback cb);

        double jt_sum_flat(org.indirectbuffer.BufferExporter a, int n);

        /** A plain Pointer parameter of a typed library: the type mapper checks IndirectPointers passed to it. */
        double jt_sum(Pointer m, int rows, int cols);

        long jt_address_of(Pointer p);

        /** Declared with an impossible return type: must fail before C is called. */
        IndirectMemory2D jt_new_matrix(int rows, int cols);
    }

    /** Plain JNA. */
    public interface Raw extends Library {
        double jt_sum(Pointer m, int rows, int cols);

        double jt_sum_float(Pointer m, int rows, int cols);

        void jt_fill(Pointer m, int rows, int cols);

        Pointer jt_new_matrix(int rows, int cols);

        void jt_free_matrix(Pointer m, int rows);

        int jt_free_calls();

        int jt_live_matrices();

        int jt_make_matrix(PointerByReference out, int rows, int cols);

        int jt_make_matrix_fails(PointerByReference out, int rows, int cols);

        void jt_row_addresses(Pointer m, int rows, long[] out);

        long jt_total_strlen(Pointer s, int n);

        int jt_count_strings(Pointer s);

        int jt_join(Pointer s, int n, byte sep, byte[] out, int cap);

        Pointer jt_new_strings();

        void jt_free_strings(Pointer s);

        int jt_strings_freed();

        double jt_sum_ragged(Pointer rows, long[] lengths, int n);

        double jt_sum_nodes(Pointer rows, int n);

        int jt_count_nodes(Pointer row);

        Pointer jt_new_nodes(int n);

        void jt_fill_then_fail(Pointer m, int rows, int cols) throws com.sun.jna.LastErrorException;

        /** The address C received (0 for NULL); never dereferenced. */
        long jt_address_of(Pointer p);
    }

    /** The same library through the FFM Linker. */
    static final class Ffm {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup LOOKUP = SymbolLookup.libraryLookup(Path.of(PATH), Arena.global());
        static final MethodHandle SUM = bind("jt_sum", FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle FILL = bind("jt_fill", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle SUM_NODES = bind("jt_sum_nodes", FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle TOTAL_STRLEN = bind("jt_total_strlen", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

        private Ffm() {
        }

        private static MethodHandle bind(String name, FunctionDescriptor d) {
            MemorySegment symbol = LOOKUP.find(name).orElseThrow();
            return LINKER.downcallHandle(symbol, d);
        }
    }

    /**
     * Skips the calling test, with what to install, unless the library loads.
     *
     * @param soname     e.g. "libsvm.so.3"
     * @param aptPackage the Debian runtime package, e.g. "libsvm3"
     */
    static <T extends Library> T libraryOrSkip(String soname, String aptPackage, Class<T> iface) {
        Optional<T> lib = IndirectLibrary.loadIfPresent(soname, iface);
        assumeTrue(lib.isPresent(), () -> soname + " is not installed: skipped. Install it with `apt-get install "
                + aptPackage + "` (or run .ci/install-native-libs.sh, which installs the -dev packages)");
        return lib.orElseThrow();
    }
}
