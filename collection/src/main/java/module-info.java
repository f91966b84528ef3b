/** Collects existing buffers and arrays into one indirect ({@code T**}) view. */
module org.indirectbuffer.collection {
    requires transitive org.indirectbuffer.core;

    exports org.indirectbuffer.collection;
}
