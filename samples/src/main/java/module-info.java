/** Runnable programs, one per use case; each is also run by a test. */
module org.indirectbuffer.samples {
    requires org.indirectbuffer.core;
    requires org.indirectbuffer.collection;
    // transitive: the demos' public JNA structures (exported so JNA can reach them) expose com.sun.jna types.
    requires transitive org.indirectbuffer.jna;
    exports org.indirectbuffer.samples;
}
