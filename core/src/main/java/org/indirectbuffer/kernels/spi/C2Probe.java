package org.indirectbuffer.kernels.spi;

import java.lang.management.ManagementFactory;
import java.util.Optional;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

/**
 * Tells whether HotSpot's optimizing compiler (C2) will compile the kernels. Only C2 turns Vector API calls into
 * vector instructions; the interpreter and C1 run them as allocated objects, many times slower than the scalar
 * twin. Two sources, because neither alone covers every flag (measured on JDK 25, HotSpot):
 *
 * <ul>
 *   <li>{@code java.vm.info} says {@code interpreted mode} under {@code -Xint} and {@code emulated-client} under
 *       {@code -XX:TieredStopAtLevel=1}, {@code -XX:CompilationMode=quick-only} and {@code
 *       -XX:+NeverActAsServerClassMachine}; it says {@code mixed mode} under {@code -XX:-UseCompiler}, {@code
 *       -XX:TieredStopAtLevel=0}, {@code 2} and {@code 3}.</li>
 *   <li>The VM flags, read through {@link HotSpotDiagnosticMXBean} when the module {@code jdk.management} is in the
 *       boot layer (by default on the class path and on the module path, where service binding resolves it; not
 *       in a runtime image or a {@code --limit-modules} set without it): {@code
 *       UseCompiler} is false under {@code -Xint}, {@code -XX:-UseCompiler} and {@code TieredStopAtLevel=0};
 *       {@code TieredStopAtLevel} below 4 with {@code TieredCompilation} on stops at C1 (with {@code
 *       -XX:-TieredCompilation} the level is ignored and C2 compiles everything); {@code CompilationMode} is
 *       {@code quick-only}.</li>
 * </ul>
 *
 * {@code CompilationMXBean.getName()} is no help: it says {@code HotSpot 64-Bit Tiered Compilers} under {@code
 * TieredStopAtLevel=1} too. On a JVM that is not HotSpot neither source says anything and C2 is assumed. Stateless.
 */
final class C2Probe {
    private C2Probe() {
    }

    /** @return why C2 will not compile the kernels, or empty when it will (or nothing says otherwise) */
    static Optional<String> missing() {
        String info = System.getProperty("java.vm.info", "");
        if (info.contains("interpreted mode")) {
            return Optional.of("the JVM only interprets (java.vm.info '" + info + "')");
        }
        if (info.contains("emulated-client")) {
            return Optional.of("the JVM compiles with C1 only (java.vm.info '" + info + "')");
        }
        if (ModuleLayer.boot().findModule("jdk.management").isEmpty()) {
            return Optional.empty();
        }
        try {
            return fromFlags(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class));
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    private static Optional<String> fromFlags(HotSpotDiagnosticMXBean vm) {
        if (vm == null) {
            return Optional.empty();
        }
        if ("false".equals(flag(vm, "UseCompiler"))) {
            return Optional.of("the JIT compilers are off (UseCompiler is false: -Xint, -XX:-UseCompiler or"
                    + " -XX:TieredStopAtLevel=0)");
        }
        String level = flag(vm, "TieredStopAtLevel");
        if ("true".equals(flag(vm, "TieredCompilation")) && level != null && !level.equals("4")) {
            return Optional.of("the JVM compiles with C1 only (-XX:TieredStopAtLevel=" + level + ")");
        }
        if ("quick-only".equals(flag(vm, "CompilationMode"))) {
            return Optional.of("the JVM compiles with C1 only (-XX:CompilationMode=quick-only)");
        }
        return Optional.empty();
    }

    /** @return the flag's value, or null when this VM has no such flag */
    private static String flag(HotSpotDiagnosticMXBean vm, String name) {
        try {
            VMOption option = vm.getVMOption(name);
            return option == null ? null : option.getValue();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
