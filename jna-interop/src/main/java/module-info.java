/** Passes indirect ({@code T**}) layouts across JNA, both ways. */
module org.indirectbuffer.jna {
    requires transitive org.indirectbuffer.core;
    requires com.sun.jna;
}
