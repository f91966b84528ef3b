/**
 * Passes indirect ({@code T**}) layouts across JNA, both ways: wraps the {@code T**} C returns (borrowed or adopted
 * with a nanny), builds them from JNA objects, hands the toolkit's types to C as JNA {@link com.sun.jna.Pointer}s that
 * keep their owner reachable, lets JNA library interfaces declare them as parameters, and passes {@code char**}
 * tables and core's ragged rows ({@code org.indirectbuffer.RaggedRows}) to C.
 */
// JNA ships as an automatic module (no module-info of its own); requiring it transitively is deliberate, as its types
// are part of this module's API, so javac's requires-transitive-automatic warning says nothing new.
@SuppressWarnings("requires-transitive-automatic")
module org.indirectbuffer.jna {
    requires transitive org.indirectbuffer.core;
    requires transitive org.indirectbuffer.collection;
    // JNA types (Pointer, Memory, Function, TypeMapper) are part of this module's API.
    requires transitive com.sun.jna;

    exports org.indirectbuffer.jna;
}
