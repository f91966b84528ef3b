package org.indirectbuffer.kernels.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The build runs the core suite twice: with {@code --add-modules jdk.incubator.vector} (expecting the Vector API
 * kernels) and without (expecting the scalar twin); each run says which it expects.
 */
class KernelProvidersTest {
    @Test
    void theKernelsInUseAreTheOnesThisRunExpects() {
        String expected = System.getProperty("indirectbuffer.test.expectedKernels", "simd");
        boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertThat(vectorModule).isEqualTo(expected.equals("simd"));
        assertThat(KernelProviders.simd().isPresent()).isEqualTo(vectorModule);
        assertThat(Kernels.implementation()).startsWith(expected);
        assertThat(KernelProviders.selected().name()).isEqualTo(Kernels.implementation());
        assertThat(KernelProviders.scalar().name()).isEqualTo("scalar");
    }
}
