/**
 * The consumer test's application as a named module: what a modular application that uses indirect-buffer writes.
 * Run on the module path, it needs native access for itself (it makes FFM downcalls) and for every library module
 * that makes restricted calls; see the README's "JVM flags".
 */
module example.consumer {
    requires org.indirectbuffer.core;
    requires org.indirectbuffer.collection;
    requires org.indirectbuffer.jna;   // and through it com.sun.jna (JNA)

    // JNA implements the library interface with a proxy: the package must be visible to it.
    exports example.consumer.jna to com.sun.jna;
}
