package org.indirectbuffer.samples;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The small C library the samples call ({@code src/main/c/ibsamples.c}, compiled by the build with gcc), bound
 * through the FFM {@link Linker}. The library's path is the system property {@value #PROPERTY}, which the build
 * sets for the demo and the tests.
 *
 * <p>The library stays loaded for the life of the JVM (global arena). Thread-safe: the C functions keep no state.
 */
public final class SamplesLibrary {
    /** The system property naming the library file. */
    public static final String PROPERTY = "indirectbuffer.samples.lib";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = load();

    /** {@code double ib_sum(double **m, int rows, int cols)}. */
    public static final MethodHandle SUM = bind("ib_sum",
            FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
    /** {@code void ib_fill_coordinates(double **m, int rows, int cols)}: writes {@code m[i][j] = i * 1000 + j}. */
    public static final MethodHandle FILL_COORDINATES = bind("ib_fill_coordinates",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /** {@code void ib_scale_rows(double **m, int rows, int cols, double f)}: multiplies every cell by {@code f}. */
    public static final MethodHandle SCALE_ROWS = bind("ib_scale_rows",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_DOUBLE));
    /** {@code double **ib_new_matrix(int rows, int cols)}: malloc'ed, cell (i, j) holds {@code i + j / 10}. */
    public static final MethodHandle NEW_MATRIX = bind("ib_new_matrix",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /** {@code void ib_free_matrix(double **m, int rows)}: frees what {@code ib_new_matrix} returned. */
    public static final MethodHandle FREE_MATRIX = bind("ib_free_matrix",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private SamplesLibrary() {
    }

    private static SymbolLookup load() {
        String path = System.getProperty(PROPERTY);
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new IllegalStateException("the samples' C library was not found: system property " + PROPERTY
                    + " = " + path + "; expected the path of libibsamples.so, which `mvn -B verify` builds into"
                    + " samples/target/native with gcc");
        }
        return SymbolLookup.libraryLookup(Path.of(path), Arena.global());
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LOOKUP.find(name).orElseThrow(
                () -> new IllegalStateException("symbol " + name + " not found in " + System.getProperty(PROPERTY)));
        return LINKER.downcallHandle(symbol, descriptor);
    }
}
