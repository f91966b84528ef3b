/** Runnable programs, one per use case; each is also run by a test. */
module org.indirectbuffer.samples {
    requires org.indirectbuffer.core;
    requires org.indirectbuffer.collection;
    requires org.indirectbuffer.jna;
    exports org.indirectbuffer.samples;
}
