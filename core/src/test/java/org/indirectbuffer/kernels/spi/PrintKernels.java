package org.indirectbuffer.kernels.spi;

import org.indirectbuffer.kernels.Kernels;

/** The main of the child JVMs of {@link KernelSelectionTest}: prints which kernels were chosen. */
final class PrintKernels {
    private PrintKernels() {
    }

    public static void main(String[] args) {
        System.out.println("kernels " + Kernels.implementation());
    }
}
