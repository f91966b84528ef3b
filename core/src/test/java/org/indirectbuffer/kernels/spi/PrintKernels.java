package org.indirectbuffer.kernels.spi;

import org.indirectbuffer.kernels.Kernels;

/** The main of the child JVMs of {@link KernelSelectionTest}: prints the kernels chosen, and those for mapped memory. */
final class PrintKernels {
    private PrintKernels() {
    }

    public static void main(String[] args) {
        System.out.println("kernels " + Kernels.implementation());
        System.out.println("mapped " + KernelProviders.mapped().name());
    }
}
