package org.indirectbuffer.kernels.spi;

import java.util.Optional;

/**
 * Chooses the {@link RunKernels} implementation once, at class initialization: the Vector API one when the module
 * {@code jdk.incubator.vector} is in the boot layer and the system property {@value #PROPERTY} is not {@code
 * scalar}; the scalar twin otherwise, with one log line saying how to enable SIMD.
 *
 * <p>Internal: not exported.
 */
public final class KernelProviders {
    /** System property: {@code scalar} forces the scalar kernels (for testing), {@code simd} is the default. */
    public static final String PROPERTY = "indirectbuffer.kernels";

    private static final ScalarRunKernels SCALAR = new ScalarRunKernels();
    private static final Optional<RunKernels> SIMD = loadSimd();
    private static final RunKernels SELECTED = select();

    private KernelProviders() {
    }

    /** @return the kernels every bulk operation uses */
    public static RunKernels selected() {
        return SELECTED;
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
        String wanted = System.getProperty(PROPERTY, "simd");
        if (wanted.equals("scalar")) {
            return SCALAR;
        }
        if (!wanted.equals("simd")) {
            throw new IllegalArgumentException("system property " + PROPERTY + " = '" + wanted
                    + "': expected 'simd' or 'scalar'");
        }
        if (SIMD.isEmpty()) {
            System.getLogger(KernelProviders.class.getName()).log(System.Logger.Level.INFO,
                    "indirect-buffer: jdk.incubator.vector is not present, bulk kernels run scalar;"
                            + " start the JVM with --add-modules jdk.incubator.vector to enable SIMD");
            return SCALAR;
        }
        return SIMD.get();
    }
}
