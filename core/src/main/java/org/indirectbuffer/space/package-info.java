/**
 * Where memory lives beyond one process.
 * <ul>
 *   <li>Named shared-memory arrays ({@link org.indirectbuffer.space.SharedArrays}, {@link
 *       org.indirectbuffer.space.SharedArray}), dense and indirect, in POSIX shared memory ({@code /dev/shm}), in the
 *       on-disk format of {@code docs/shared-array-format.md} that programs in other languages can read and write.</li>
 *   <li>Persistent buffer stores ({@link org.indirectbuffer.space.BufferStore}, {@link
 *       org.indirectbuffer.space.StoredBuffer}): named buffers in a memory-mapped file, committed atomically,
 *       checked by checksums, lent back without a copy after a restart; the layout is {@code
 *       docs/buffer-store-format.md}.</li>
 * </ul>
 */
package org.indirectbuffer.space;
