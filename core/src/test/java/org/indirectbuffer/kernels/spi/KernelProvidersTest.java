package org.indirectbuffer.kernels.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import jdk.incubator.vector.DoubleVector;

import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The build runs the core suite with {@code --add-modules jdk.incubator.vector} (expecting the Vector API kernels at
 * the preferred width), without it (expecting the scalar twin), and the kernel tests once more with {@code
 * -Dindirectbuffer.vectorBits=128} (expecting {@code simd 128-bit}); each run says which it expects in {@code
 * indirectbuffer.test.expectedKernels}.
 */
class KernelProvidersTest {
    private static final String EXPECTED = System.getProperty("indirectbuffer.test.expectedKernels", "simd");

    @Test
    void theKernelsInUseAreTheOnesThisRunExpects() {
        boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertThat(vectorModule).isEqualTo(EXPECTED.startsWith("simd"));
        assertThat(KernelProviders.simd().isPresent()).isEqualTo(vectorModule);
        assertThat(Kernels.implementation()).startsWith(EXPECTED);
        assertThat(KernelProviders.selected().name()).isEqualTo(Kernels.implementation());
        assertThat(KernelProviders.scalar().name()).isEqualTo("scalar");
        assertThat(KernelProviders.scalar().vectorBits()).isZero();
    }

    @Test
    void theVectorKernelsUseTheWidthAskedForAndNeverMoreThanThePreferredOne() {
        if (KernelProviders.simd().isEmpty()) {
            return; // the run without jdk.incubator.vector
        }
        int preferred = DoubleVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = KernelProviders.simd().orElseThrow().vectorBits();
        String asked = System.getProperty(VectorBits.PROPERTY, "max");
        assertThat(bits).isEqualTo(asked.equals("max") ? preferred : Math.min(Integer.parseInt(asked), preferred));
        assertThat(KernelProviders.simd().orElseThrow().name()).isEqualTo("simd " + bits + "-bit");
    }

    @Test
    void vectorBitsAcceptsTheThreeWidthsAndMaxAndRefusesAnythingElseNamingTheProperty() {
        assertThat(VectorBits.parse(null)).isEqualTo(VectorBits.PREFERRED);
        assertThat(VectorBits.parse("max")).isEqualTo(VectorBits.PREFERRED);
        assertThat(VectorBits.parse("128")).isEqualTo(128);
        assertThat(VectorBits.parse("256")).isEqualTo(256);
        assertThat(VectorBits.parse("512")).isEqualTo(512);
        for (String bad : new String[] {"64", "1024", "", "MAX", " 128", "preferred"}) {
            assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> VectorBits.parse(bad)))
                    .hasMessage("system property indirectbuffer.vectorBits = '" + bad
                            + "': expected 128, 256, 512 or max (the preferred width)");
        }
    }
}
