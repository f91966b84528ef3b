/**
 * The buffer protocol (PEP 3118 in Java), format strings, and indirect ({@code T**}) memory.
 * Depends on nothing but the JDK.
 */
module org.indirectbuffer.core {
    exports org.indirectbuffer;
    exports org.indirectbuffer.format;
    exports org.indirectbuffer.kernels;
    exports org.indirectbuffer.space;
    exports org.indirectbuffer.internal to org.indirectbuffer.collection, org.indirectbuffer.jna;

    // The Vector API kernels load only when the JVM has the module (--add-modules jdk.incubator.vector).
    requires static jdk.incubator.vector;
    // Read only to tell whether C2 compiles (HotSpotDiagnosticMXBean), when the module is in the boot layer.
    requires static jdk.management;
}
