package org.indirectbuffer;

/**
 * Something that can lend its memory as a {@link BufferView}: the Java form of CPython's {@code bf_getbuffer}.
 *
 * <p>An exporter refuses, with a {@link BufferException}, what it cannot give, as CPython's exporters do:
 * <ul>
 *   <li>a {@link BufferRequest#WRITABLE} request on read-only memory;</li>
 *   <li>a layout that needs suboffsets to a consumer that did not ask for {@link BufferRequest#INDIRECT};</li>
 *   <li>non-C-contiguous memory to a consumer that did not ask for {@link BufferRequest#STRIDES};</li>
 *   <li>a contiguity ({@link BufferRequest#C_CONTIGUOUS}, {@link BufferRequest#F_CONTIGUOUS},
 *       {@link BufferRequest#ANY_CONTIGUOUS}) the memory does not have;</li>
 *   <li>a format together with a request that has no shape, unless the format is unsigned bytes.</li>
 * </ul>
 * Fields the consumer did not ask for are {@code null} in the view, as in CPython: no {@code FORMAT} means
 * {@link BufferView#format()} is {@code null} (unsigned bytes), no {@code ND} means {@link BufferView#shape()} is
 * {@code null}, no {@code STRIDES} means {@link BufferView#strides()} is {@code null}, and no {@code INDIRECT} means
 * {@link BufferView#suboffsets()} is {@code null}.
 *
 * <p>Every view returned is counted as an export until it is {@linkplain BufferView#close() closed}; while any is
 * open, operations of the exporter that would move, reshape, reformat, make read-only or free the memory throw
 * {@link BufferException} ("buffer is locked"). {@link ExportCounter} implements this for any exporter.
 *
 * <p>The exporter owns the memory its views lend; a view never frees it. Which threads may use an exporter and its
 * views is each implementation's to say ({@link IndirectMemory2D}, {@link MemoryBuffer}: see their {@link Sharing}).
 */
public interface BufferExporter {
    /**
     * Lends the memory as a view shaped by the request.
     *
     * @param flags what the consumer can handle: a combination of the {@link BufferRequest} constants
     * @return a new view, counted as an export until it is closed; the caller must close it
     * @throws BufferException          if the exporter cannot give what {@code flags} asks for; the message names the
     *                                  request and the reason
     * @throws IllegalArgumentException if {@code flags} holds bits that are not buffer request flags, or is {@code
     *                                  PyBUF_READ} ({@code 0x100}; see {@link BufferRequest#check(int)})
     * @throws IllegalStateException    if the exporter is closed
     */
    BufferView getBuffer(int flags);
}
