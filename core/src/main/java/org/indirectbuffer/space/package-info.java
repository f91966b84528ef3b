/**
 * Where memory lives beyond one process: named shared-memory arrays ({@link org.indirectbuffer.space.SharedArrays},
 * {@link org.indirectbuffer.space.SharedArray}), dense and indirect, in POSIX shared memory ({@code /dev/shm}), in the
 * on-disk format of {@code docs/shared-array-format.md} that programs in other languages can read and write.
 */
package org.indirectbuffer.space;
