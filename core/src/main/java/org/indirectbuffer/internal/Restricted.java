package org.indirectbuffer.internal;

import java.lang.StackWalker.Option;
import java.util.Optional;

/**
 * The library's restricted methods: those that trust a pointer value or an address foreign code supplies, and so
 * could crash the JVM if it is wrong. As the JDK restricts {@code MemorySegment.reinterpret} and {@code Linker}, each
 * such method checks that the module of its caller has native access ({@code --enable-native-access=M}, or
 * {@code =ALL-UNNAMED} for code on the class path) and refuses otherwise. The caller is the first frame on the stack
 * outside this class and the class declaring the restricted method (so overloads that call one another are one
 * method). Internal: exported only to the sibling modules. Thread-safe.
 */
public final class Restricted {
    private static final StackWalker WALKER = StackWalker.getInstance(Option.RETAIN_CLASS_REFERENCE);

    private Restricted() {
    }

    /**
     * Refuses the call unless the caller's module has native access.
     *
     * @param declaring the class declaring the restricted method
     * @param method    the method, for the message ({@code "IndirectMemory2D.wrap"})
     * @throws IllegalCallerException if the caller's module does not have native access; the message names the
     *                                method, the module and the flag that grants it
     */
    public static void check(Class<?> declaring, String method) {
        Optional<Class<?>> caller = WALKER.walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c != Restricted.class && c != declaring)
                .findFirst());
        Module module = caller.map(Class::getModule).orElse(declaring.getModule());
        if (!module.isNativeAccessEnabled()) {
            String flag = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            throw new IllegalCallerException(method + " is a restricted method: it trusts a pointer or address"
                    + " supplied from outside Java, which the JVM cannot check. Its caller ("
                    + caller.map(Class::getName).orElse("unknown") + ", in " + module
                    + ") has no native access; start the JVM with --enable-native-access=" + flag);
        }
    }
}
