package org.indirectbuffer.kernels.spi;

/**
 * The vector width the Vector API kernels are asked to use: the system property {@value #PROPERTY}, read once when
 * this class is initialized. {@code max} (the default) is the platform's preferred width; {@code 128}, {@code 256}
 * or {@code 512} ask for vectors of that many bits, so that the kernels' loop tails, accumulators and short-row code
 * are tested at widths the build machine would not pick (as Lucene's {@code tests.vectorsize}). A width above the
 * preferred one is lowered to the preferred one, with one log line at WARNING: a build that asks for 512 bits still
 * runs on a machine with 256-bit vectors. Any other value is refused when the kernels are first used, with an
 * {@link IllegalArgumentException} naming the property, the value and what is accepted (so {@code Kernels} then
 * fails to initialize): a mistyped width never silently tests the wrong thing.
 *
 * <p>Depends on nothing, so that both {@link KernelProviders} and the Vector API kernels read it without one's class
 * initialization waiting on the other's. Immutable; thread-safe. Internal: not exported.
 */
public final class VectorBits {
    /** System property: {@code 128}, {@code 256}, {@code 512} or {@code max} (the default). */
    public static final String PROPERTY = "indirectbuffer.vectorBits";
    /** The narrowest width the Vector API kernels run at; below it the scalar kernels are selected. */
    public static final int MINIMUM = 128;
    /** {@link #requested()} when the property asks for the preferred width. */
    public static final int PREFERRED = 0;

    private static final int REQUESTED = parse(System.getProperty(PROPERTY));

    private VectorBits() {
    }

    /**
     * The width asked for.
     *
     * @return 128, 256, 512, or {@link #PREFERRED}
     */
    public static int requested() {
        return REQUESTED;
    }

    /**
     * The width the Vector API kernels use: the one asked for, never wider than the preferred one.
     *
     * @param preferredBits the bit size of the platform's preferred species
     * @return the bit size of the species the kernels use
     */
    public static int choose(int preferredBits) {
        if (REQUESTED == PREFERRED) {
            return preferredBits;
        }
        if (REQUESTED <= preferredBits) {
            return REQUESTED;
        }
        System.getLogger(VectorBits.class.getName()).log(System.Logger.Level.WARNING,
                "indirect-buffer: " + PROPERTY + "=" + REQUESTED + " is wider than this platform's preferred "
                        + preferredBits + "-bit vectors; the Vector API kernels use " + preferredBits + " bits");
        return preferredBits;
    }

    /**
     * Parses a value of {@value #PROPERTY}.
     *
     * @param value the property's value, or null when it is not set
     * @return 128, 256, 512, or {@link #PREFERRED} for {@code max} and null
     * @throws IllegalArgumentException for any other value
     */
    static int parse(String value) {
        if (value == null) {
            return PREFERRED;
        }
        return switch (value) {
            case "max" -> PREFERRED;
            case "128" -> 128;
            case "256" -> 256;
            case "512" -> 512;
            default -> throw new IllegalArgumentException("system property " + PROPERTY + " = '" + value
                    + "': expected 128, 256, 512 or max (the preferred width)");
        };
    }
}
