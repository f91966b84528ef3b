package example.consumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * FFM downcalls into {@code matrices.c}, the small C library the consumer test compiles with gcc. Its path is the
 * system property {@code consumer.lib}. {@code Linker} and {@code libraryLookup} are restricted methods of the JDK:
 * this class is why the consumer's own module needs native access.
 */
public final class CLibrary {
    /** The path of {@code libmatrices.so}. */
    public static String path() {
        String path = System.getProperty("consumer.lib");
        if (path == null) {
            throw new IllegalStateException("set -Dconsumer.lib=<path of libmatrices.so>");
        }
        return path;
    }

    private static final SymbolLookup LIB = SymbolLookup.libraryLookup(Path.of(path()), Arena.global());

    /** {@code double cm_sum(double **m, int rows, int cols)}. */
    public static final MethodHandle SUM = downcall("cm_sum", FunctionDescriptor.of(JAVA_DOUBLE, ADDRESS, JAVA_INT, JAVA_INT));
    /** {@code void cm_fill(double **m, int rows, int cols)}: {@code m[i][j] = 100 * i + j}. */
    public static final MethodHandle FILL = downcall("cm_fill", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT));
    /** {@code void cm_scale(double **m, int rows, int cols, double f)}. */
    public static final MethodHandle SCALE =
            downcall("cm_scale", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_DOUBLE));
    /** {@code double **cm_new(int rows, int cols)}: malloc'ed rows and table, {@code m[i][j] = i - j}. */
    public static final MethodHandle NEW = downcall("cm_new", FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT));

    private CLibrary() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor type) {
        return Linker.nativeLinker().downcallHandle(
                LIB.find(name).orElseThrow(() -> new IllegalStateException(name + " not in " + path())), type);
    }
}
