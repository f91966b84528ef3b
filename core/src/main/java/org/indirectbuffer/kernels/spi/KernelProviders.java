package org.indirectbuffer.kernels.spi;

import java.util.Optional;

/**
 * Chooses the {@link RunKernels} implementation once, at class initialization. The Vector API kernels are selected
 * when all of these hold, the scalar twin otherwise (with one log line at INFO saying why):
 *
 * <ol>
 *   <li>the system property {@value #PROPERTY} is not {@code scalar};</li>
 *   <li>the module {@code jdk.incubator.vector} is in the boot layer;</li>
 *   <li>HotSpot's C2 compiles (not {@code -Xint}, {@code -XX:-UseCompiler}, {@code -XX:TieredStopAtLevel} below 4,
 *       {@code -XX:CompilationMode=quick-only} or an emulated client VM; see {@link C2Probe}): without C2 the Vector
 *       API runs as objects, many times slower than scalar loops;</li>
 *   <li>the vectors are at least {@value VectorBits#MINIMUM} bits wide (the preferred species, or the width
 *       {@value VectorBits#PROPERTY} asks for, which is never wider than the preferred one).</li>
 * </ol>
 *
 * {@link RunKernels#name()} of the selection says which ran and at what width ({@code "simd 128-bit"}).
 *
 * <p>Memory that may be memory-mapped ({@code internal.MappedScopes}) gets {@link #mapped()} whatever the selection:
 * {@link MappedRunKernels}, scalar accesses only, so that a fault on a truncated file is an exception.
 *
 * <p>A value of {@value #PROPERTY} or {@value VectorBits#PROPERTY} that is not accepted is an {@link
 * IllegalArgumentException} from this class's initialization. Immutable after initialization; thread-safe.
 *
 * <p>Internal: not exported.
 */
public final class KernelProviders {
    /** System property: {@code scalar} forces the scalar kernels (for testing), {@code simd} is the default. */
    public static final String PROPERTY = "indirectbuffer.kernels";

    private static final ScalarRunKernels SCALAR = new ScalarRunKernels();
    private static final Optional<RunKernels> SIMD = loadSimd();
    private static final RunKernels SELECTED = select();
    private static final MappedRunKernels MAPPED = new MappedRunKernels();

    private KernelProviders() {
    }

    /** @return the kernels every bulk operation uses */
    public static RunKernels selected() {
        return SELECTED;
    }

    /** @return the kernels for runs that may be memory-mapped, whatever {@link #selected()} is */
    public static RunKernels mapped() {
        return MAPPED;
    }

    /** @return the scalar twin */
    public static RunKernels scalar() {
        return SCALAR;
    }

    /** @return the Vector API kernels, when {@code jdk.incubator.vector} is present */
    public static Optional<RunKernels> simd() {
        return SIMD;
    }

    private static Optional<RunKernels> loadSimd() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.empty();
        }
        try {
            Class<?> type = Class.forName("org.indirectbuffer.kernels.simd.VectorRunKernels");
            return Optional.of((RunKernels) type.getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            System.getLogger(KernelProviders.class.getName()).log(System.Logger.Level.WARNING,
                    "indirect-buffer: the Vector API kernels could not be loaded (" + e + "); using scalar kernels");
            return Optional.empty();
        }
    }

    private static RunKernels select() {
        VectorBits.requested(); // refuses a bad width also where the Vector API kernels are not used
        String wanted = System.getProperty(PROPERTY, "simd");
        if (wanted.equals("scalar")) {
            return SCALAR;
        }
        if (!wanted.equals("simd")) {
            throw new IllegalArgumentException("system property " + PROPERTY + " = '" + wanted
                    + "': expected 'simd' or 'scalar'");
        }
        if (SIMD.isEmpty()) {
            return scalarBecause("jdk.incubator.vector is not present, bulk kernels run scalar;"
                    + " start the JVM with --add-modules jdk.incubator.vector to enable SIMD");
        }
        Optional<String> noC2 = noC2();
        if (noC2.isPresent()) {
            return scalarBecause(noC2.get() + ": the Vector API would run many times slower than scalar loops, so"
                    + " bulk kernels run scalar");
        }
        int bits = SIMD.get().vectorBits();
        if (bits < VectorBits.MINIMUM) {
            return scalarBecause("the preferred vectors are " + bits + " bits wide, under "
                    + VectorBits.MINIMUM + ": bulk kernels run scalar");
        }
        return SIMD.get();
    }

    private static Optional<String> noC2() {
        try {
            return C2Probe.missing();
        } catch (LinkageError e) {
            return Optional.empty();
        }
    }

    private static RunKernels scalarBecause(String why) {
        System.getLogger(KernelProviders.class.getName()).log(System.Logger.Level.INFO, "indirect-buffer: " + why);
        return SCALAR;
    }
}
