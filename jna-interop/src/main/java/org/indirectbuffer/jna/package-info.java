/**
 * {@code T**} across JNA, both ways, and the FFM route beside it.
 *
 * <h2>The problem</h2>
 * JNA refuses {@code double[][]} ("Unsupported array argument type"), so users build {@code double**} and {@code
 * char**} by hand from {@code Memory} blocks and crash when one of them is collected while C still reads it. This
 * package gives every direction a type that says who owns what and keeps it alive as long as needed:
 *
 * <table>
 *   <caption>entry points</caption>
 *   <tr><th>you have</th><th>you want</th><th>use</th></tr>
 *   <tr><td>a {@code T**} C returned</td><td>to read it, C still owns it</td>
 *       <td>{@link org.indirectbuffer.jna.JnaIndirect#wrap(com.sun.jna.Pointer, long, long, String, boolean)}</td></tr>
 *   <tr><td>a {@code T**} C allocated for you</td><td>freed once, by the process's {@code free} or the library's own
 *       free function, after the last view</td><td>{@link org.indirectbuffer.jna.JnaIndirect#adopt} with a {@link
 *       org.indirectbuffer.jna.FreeFunction}; {@link org.indirectbuffer.jna.JnaIndirect#adoptOutParameter} for {@code
 *       T***} out-parameters</td></tr>
 *   <tr><td>JNA {@code Pointer[]} / {@code Memory} rows, a ctypes-style row array</td><td>one {@code T**}, rows
 *       kept reachable</td><td>{@link org.indirectbuffer.jna.JnaIndirect#tableOver}</td></tr>
 *   <tr><td>an {@link org.indirectbuffer.IndirectMemory2D}, a {@link org.indirectbuffer.BufferView}, a {@link
 *       org.indirectbuffer.collection.BufferCollection2D}</td><td>a JNA {@code Pointer} for C</td>
 *       <td>{@link org.indirectbuffer.jna.JnaIndirect#pointer}: an {@link org.indirectbuffer.jna.IndirectPointer}
 *       that keeps its owner reachable; {@link org.indirectbuffer.jna.JnaIndirect#export} for one that holds a
 *       counted view (a collection's staged rows)</td></tr>
 *   <tr><td>a JNA library interface</td><td>parameters typed {@code IndirectMemory2D}, {@code
 *       BufferCollection2D}, {@code BufferView}, {@code RaggedRows}, {@code CStringArray}</td>
 *       <td>{@link org.indirectbuffer.jna.IndirectLibrary#load}: locked during the call, heap rows written back
 *       after it</td></tr>
 *   <tr><td>Java strings</td><td>a {@code char**} in a chosen charset, and back</td>
 *       <td>{@link org.indirectbuffer.jna.CStringArray}</td></tr>
 *   <tr><td>rows of different lengths, or ended by a sentinel ({@code svm_node} with index -1)</td><td>a ragged
 *       {@code T**}</td><td>core's {@link org.indirectbuffer.RaggedRows} with a {@link
 *       org.indirectbuffer.Terminator}; {@link org.indirectbuffer.jna.JnaIndirect#pointer(org.indirectbuffer.RaggedRows)}
 *       and {@link org.indirectbuffer.jna.JnaIndirect#wrapRagged} or {@link
 *       org.indirectbuffer.jna.JnaIndirect#adoptRagged} for JNA</td></tr>
 * </table>
 *
 * <h2>The FFM route</h2>
 * The same objects go to a {@link java.lang.foreign.Linker} downcall as {@code ADDRESS} arguments: {@code
 * IndirectMemory2D.pointerTable()}, {@code BufferView.buf()}, {@code RaggedRows.pointerTable()}, {@code
 * CStringArray.pointerTable()}. Those segments are tied to their owner's memory scope, so a downcall in progress
 * makes a concurrent {@code close()} fail instead of freeing, and a closed owner's segment is refused by the linker.
 * They are read-only to Java code; Java reads of memory this module made go through its own record of the rows,
 * never through the table C may rewrite.
 *
 * <h2>Closed handles</h2>
 * An {@link org.indirectbuffer.jna.IndirectPointer} that was closed, or whose memory ended, is NULL to JNA and refused
 * with an {@code IllegalStateException} by every route this package controls, before C is called.
 *
 * <h2>Native access and restricted methods</h2>
 * The module calls the JDK's restricted methods on the caller's behalf (FFM's {@code reinterpret}, JNA's JNI): run
 * with {@code --enable-native-access=org.indirectbuffer.core,org.indirectbuffer.collection,org.indirectbuffer.jna,}
 * {@code com.sun.jna}. Its own methods that dereference or free an address the caller supplies ({@code
 * JnaIndirect.wrap…}, {@code adopt…}, {@code tableOver}, {@code CStringArray.read…}, {@code FreeFunction.free} and
 * {@code nanny}) are restricted too: they throw {@code IllegalCallerException} unless the caller's own module has
 * native access.
 */
package org.indirectbuffer.jna;
