package org.indirectbuffer.space;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.indirectbuffer.space.BufferStoreException.Reason;

/**
 * The locks that let one writer and many readers share a store file, across processes and within this JVM.
 *
 * <p>Locks are POSIX record locks on bytes far beyond the file's end (locking there is allowed and changes nothing
 * in the file):
 * <ul>
 *   <li>{@link #WRITER}: held exclusively by the one writer for as long as it has the store open.</li>
 *   <li>{@link #GATE}: a reader holds it shared from reading the roots until it has locked its revision; the
 *       writer holds it exclusively while it checks which old spaces may be reused. So no reader can pick a root
 *       whose spaces the writer decided to reuse.</li>
 *   <li>{@code REVISIONS + q}: held shared while anything in the process reads revision {@code q} (a reader store,
 *       a buffer a writer lent). The writer reuses a space that revisions {@code [a, r)} referenced only if no such
 *       lock is held in that range.</li>
 * </ul>
 *
 * <p>POSIX locks belong to the process and closing any descriptor of the file drops them all, and the JDK refuses
 * overlapping locks within one JVM; so this JVM keeps one {@link File} per store file (by device and inode) with one
 * channel for every lock, a count per revision read here, and a flag for a writer here. Package-private;
 * thread-safe: each file's state changes under its monitor, the table under the class's.
 */
final class StoreLocks {
    static final long WRITER = 1L << 60;
    static final long GATE = WRITER + 1;
    static final long REVISIONS = WRITER + 2;

    private static final Map<Object, File> FILES = new HashMap<>();

    private StoreLocks() {
    }

    /** This JVM's locks on one store file. */
    static final class File {
        private final Object key;
        private final Path path;
        private final FileChannel channel;
        private int users;
        private FileLock writerLock;
        /** Revision to the number of readers in this JVM, and the lock held for each. */
        private final TreeMap<Long, Integer> readers = new TreeMap<>();
        private final Map<Long, FileLock> revisionLocks = new HashMap<>();

        private File(Object key, Path path, FileChannel channel) {
            this.key = key;
            this.path = path;
            this.channel = channel;
        }

        /** {@return the one channel this JVM keeps on the file (read-write when the file allowed it)} */
        FileChannel channel() {
            return channel;
        }

        /**
         * Becomes the writer.
         *
         * @throws BufferStoreException ({@link Reason#LOCKED}) if a writer has the file open here or elsewhere
         */
        synchronized void lockWriter() {
            if (writerLock != null) {
                throw StoreFormat.failure(Reason.LOCKED, null, null, path + ": already open for writing by another"
                        + " BufferStore in this process; close it first, or open this one read-only");
            }
            FileLock lock;
            try {
                lock = channel.tryLock(WRITER, 1, false);
            } catch (IOException e) {
                throw new UncheckedIOException("locking " + path + " for writing", e);
            } catch (java.nio.channels.NonWritableChannelException e) {
                throw new UncheckedIOException(new AccessDeniedException(path.toString(), null,
                        "the file is open read-only in this process and cannot be locked for writing"));
            }
            if (lock == null) {
                throw StoreFormat.failure(Reason.LOCKED, null, null, path + ": another process has the store open for"
                        + " writing (it holds the writer lock); open it read-only, or wait until that process"
                        + " closes it");
            }
            writerLock = lock;
        }

        synchronized void unlockWriter() {
            if (writerLock != null) {
                release(writerLock);
                writerLock = null;
            }
        }

        /**
         * Registers a reader of the revision {@code pick} chooses, with the gate held around the choice.
         *
         * @param pick reads the roots and returns the revision chosen (it may throw)
         * @return the revision now registered
         */
        synchronized long registerReader(java.util.function.LongSupplier pick) {
            FileLock gate = lock(GATE, true, true);
            try {
                long revision = pick.getAsLong();
                addReader(revision);
                return revision;
            } finally {
                release(gate);
            }
        }

        /** Registers one more reader of a revision already read here (a buffer a writer lends). */
        synchronized void addReader(long revision) {
            int n = readers.merge(revision, 1, Integer::sum);
            if (n == 1) {
                revisionLocks.put(revision, lock(REVISIONS + revision, true, true));
            }
        }

        synchronized void removeReader(long revision) {
            Integer n = readers.get(revision);
            if (n == null) {
                return;
            }
            if (n == 1) {
                readers.remove(revision);
                release(revisionLocks.remove(revision));
            } else {
                readers.put(revision, n - 1);
            }
        }

        /**
         * Tells, for each range of revisions {@code [from[i], to[i])}, whether a reader in this JVM or another
         * process holds one of them; checked under the gate, so no reader can be choosing a root meanwhile.
         *
         * @param from the first revision of each range
         * @param to   one past the last revision of each range
         * @return for each range, whether it may be read; all true when a reader holds the gate right now
         */
        synchronized boolean[] inUse(long[] from, long[] to) {
            boolean[] used = new boolean[from.length];
            FileLock gate = lock(GATE, false, false);
            if (gate == null) {
                java.util.Arrays.fill(used, true);
                return used;
            }
            try {
                for (int i = 0; i < from.length; i++) {
                    // A revision this JVM reads answers alone; otherwise no lock of this JVM's lies in the range and
                    // the probe cannot overlap one.
                    used[i] = from[i] < to[i] && (!readers.subMap(from[i], to[i]).isEmpty() || !free(from[i], to[i]));
                }
                return used;
            } finally {
                release(gate);
            }
        }

        private boolean free(long from, long to) {
            FileLock l = lock(REVISIONS + from, to - from, false, false);
            if (l == null) {
                return false;
            }
            release(l);
            return true;
        }

        private FileLock lock(long position, boolean shared, boolean wait) {
            return lock(position, 1, shared, wait);
        }

        private FileLock lock(long position, long size, boolean shared, boolean wait) {
            try {
                return wait ? channel.lock(position, size, shared) : channel.tryLock(position, size, shared);
            } catch (OverlappingFileLockException | java.nio.channels.NonWritableChannelException e) {
                // A lock of this JVM's overlaps (a revision read here), or the channel cannot lock exclusively:
                // treat as held.
                if (wait) {
                    throw new IllegalStateException(path + ": lock at " + position + " is held in this JVM", e);
                }
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("locking " + path, e);
            }
        }

        private void release(FileLock lock) {
            try {
                if (lock != null && lock.isValid()) {
                    lock.release();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("unlocking " + path, e);
            }
        }
    }

    /**
     * Takes this JVM's entry for a store file, opening its lock channel if it is the first user.
     *
     * @param path the file
     * @return the entry; give it back with {@link #leave}
     * @throws UncheckedIOException if the file cannot be opened
     */
    static File enter(Path path) {
        synchronized (FILES) {
            Object key;
            try {
                key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            } catch (IOException e) {
                throw new UncheckedIOException("opening store " + path, e);
            }
            if (key == null) {
                key = path.toAbsolutePath().normalize();
            }
            File f = FILES.get(key);
            if (f == null) {
                FileChannel c;
                try {
                    c = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (IOException e) {
                    try {
                        c = FileChannel.open(path, StandardOpenOption.READ);
                    } catch (IOException again) {
                        throw new UncheckedIOException("opening store " + path, again);
                    }
                }
                f = new File(key, path, c);
                FILES.put(key, f);
            }
            f.users++;
            return f;
        }
    }

    /** Gives an entry back; the last user closes its channel (which drops every lock it held). */
    static void leave(File f) {
        synchronized (FILES) {
            if (--f.users == 0) {
                FILES.remove(f.key);
                try {
                    f.channel.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("closing store " + f.path, e);
                }
            }
        }
    }
}
