package org.indirectbuffer.kernels.spi;

/**
 * Every test of {@link RunKernelsTwinTest} for the kernels of memory-mapped memory ({@link MappedRunKernels}) against
 * the scalar twin: the same awkward sizes (the eight accumulators' tails among them: 7, 8, 9, 15, 16, 17, 1023, ...),
 * misalignments, both byte orders, heap, native and mapped segments. Sums of floating-point items are compared within
 * the same tolerance; integer sums, min, max (NaN, signed zeros), fill, scale and equal must be identical. Runs in
 * every test run, with or without {@code jdk.incubator.vector}: these kernels do not use it.
 */
class MappedRunKernelsTwinTest extends RunKernelsTwinTest {
    @Override
    RunKernels fast() {
        return KernelProviders.mapped();
    }

    @Override
    String fastName() {
        return "mapped scalar";
    }
}
