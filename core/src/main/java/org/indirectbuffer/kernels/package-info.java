/**
 * Bulk operations ({@link org.indirectbuffer.kernels.Kernels}) over any buffer view, run by a SIMD provider or its
 * scalar twin, chosen once when {@code Kernels} is first used.
 *
 * <h2>Which kernels run</h2>
 * The Vector API kernels run when all of these hold; otherwise the scalar twin runs (same results; floating-point
 * sums may differ in the last bits) and one line is logged through {@code System.Logger} at INFO saying why:
 * <ol>
 *   <li>the system property {@code indirectbuffer.kernels} is not {@code scalar} ({@code simd}, the default, or
 *       {@code scalar}; anything else is refused);</li>
 *   <li>the module {@code jdk.incubator.vector} is in the boot layer ({@code --add-modules
 *       jdk.incubator.vector});</li>
 *   <li>HotSpot's optimizing compiler C2 compiles: not under {@code -Xint}, {@code -XX:-UseCompiler}, {@code
 *       -XX:TieredStopAtLevel=0..3} (with tiered compilation), {@code -XX:CompilationMode=quick-only} or an
 *       emulated client VM ({@code -XX:+NeverActAsServerClassMachine}). The interpreter and C1 run Vector API code
 *       as objects, many times slower than a scalar loop. This is read from {@code java.vm.info} and, when the
 *       module {@code jdk.management} is in the boot layer (by default it is, on the class path and the module
 *       path), from the VM's flags; on a JVM that is not HotSpot C2 is assumed;</li>
 *   <li>the vectors are at least 128 bits wide: the platform's preferred species (for example {@code
 *       -XX:MaxVectorSize=8} makes it 64 bits), or the width the system property {@code indirectbuffer.vectorBits}
 *       asks for.</li>
 * </ol>
 *
 * <h2>Vector width</h2>
 * {@code -Dindirectbuffer.vectorBits=128}, {@code 256} or {@code 512} makes the Vector API kernels use species of
 * that width instead of the preferred one ({@code max}, the default); a width above the preferred one is lowered to
 * it, with a WARNING log line. Any other value is refused: {@code Kernels} fails to initialize with an {@link
 * java.lang.IllegalArgumentException} (as its cause) naming the property, the value and the accepted ones. The build
 * runs the kernel tests at 128 bits as well as at the preferred width, so that tails, accumulators and short-row
 * code are checked at two lane counts.
 *
 * <p>{@link org.indirectbuffer.kernels.Kernels#implementation()} names what was chosen: {@code "scalar"} or {@code
 * "simd <bits>-bit"}.
 */
package org.indirectbuffer.kernels;
