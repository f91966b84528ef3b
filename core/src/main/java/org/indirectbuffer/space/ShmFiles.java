package org.indirectbuffer.space;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.indirectbuffer.space.SharedMemoryException.Reason;

/**
 * The files behind shared arrays: where they live, which names are allowed, reserving their space, and the one
 * lock channel per file this JVM keeps while it is attached.
 *
 * <p>POSIX {@code fcntl} locks belong to the process, and closing <em>any</em> descriptor of a file releases every
 * lock the process holds on it; the JDK throws {@code OverlappingFileLockException} for a second lock of the same
 * file in one JVM. So the JVM keeps one {@link Entry} per file (by its {@code fileKey}, device and inode) while any
 * attachment is open: its channels stay open and its one shared lock held until the last attachment closes, and
 * every other read of such a file (list, delete, orphan checks) goes through the entry's channel instead of opening
 * and closing another. Every change of the entries runs under {@link #LOCK}. Package-private; thread-safe.
 */
final class ShmFiles {
    /** The system property naming the directory; required on systems other than Linux. */
    static final String DIR_PROPERTY = "indirectbuffer.shm.dir";
    static final String TMP_PREFIX = ".ib-tmp-";
    /** How long attach waits for a ready flag, or for a lock another process holds exclusively. */
    static final long DEADLINE_MILLIS = 2000;

    static final Object LOCK = new Object();
    private static final Map<Object, Entry> ENTRIES = new HashMap<>();

    private ShmFiles() {
    }

    /**
     * The directory the names live in.
     *
     * @throws UnsupportedOperationException if the system is not Linux and the property is not set
     */
    static Path directory() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isEmpty()) {
            return Path.of(dir);
        }
        String os = System.getProperty("os.name", "");
        if (!os.startsWith("Linux")) {
            throw new UnsupportedOperationException("shared arrays live in /dev/shm, which " + os + " does not have;"
                    + " set -D" + DIR_PROPERTY + "=<a directory on a memory file system> to use them here");
        }
        return Path.of("/dev/shm");
    }

    /**
     * Checks a name against POSIX's rules for {@code shm_open} names (after the leading slash), before any system
     * call.
     *
     * @throws IllegalArgumentException naming the rule broken
     */
    static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > 255) {
            throw new IllegalArgumentException("shared array name '" + name + "' is " + bytes + " bytes of UTF-8;"
                    + " expected 1 to 255");
        }
        if (name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("shared array name '" + name + "' contains '/' at position "
                    + name.indexOf('/') + "; a name may not contain '/'");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("shared array name '" + name.replace("\0", "\\0")
                    + "' contains a NUL character at position " + name.indexOf('\0'));
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("shared array name '" + name + "' is not allowed: '.' and '..' name"
                    + " directories");
        }
        if (name.startsWith(TMP_PREFIX)) {
            throw new IllegalArgumentException("shared array name '" + name + "' starts with '" + TMP_PREFIX
                    + "', which is reserved for arrays being created");
        }
        return name;
    }

    static Path path(String name) {
        return directory().resolve(checkName(name));
    }

    static SharedMemoryException failure(Reason reason, String name, String message, Throwable cause) {
        return new SharedMemoryException(reason, name, null, message, cause);
    }

    /** Translates a file-system failure of {@code operation} on array {@code name}. */
    static SharedMemoryException translate(IOException e, String operation, String name, Path path, String access) {
        if (e instanceof NoSuchFileException) {
            return failure(Reason.NOT_FOUND, name, operation + " '" + name + "': no shared array of that name (" + path
                    + " does not exist)", e);
        }
        if (e instanceof AccessDeniedException || isEperm(e)) {
            return failure(Reason.PERMISSION_DENIED, name, operation + " '" + name + "': permission to " + access
                    + " " + path + " denied to " + caller() + ownerAndMode(path)
                    + (access.equals("read and write") && Files.isReadable(path) ? "; it may be attached read-only"
                    : ""), e);
        }
        if (e instanceof FileAlreadyExistsException) {
            return failure(Reason.ALREADY_EXISTS, name, operation + " '" + name + "': a shared array of that name"
                    + " exists (" + path + "); it was left untouched", e);
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("ENOSPC")) {
            return failure(Reason.NO_SPACE, name, operation + " '" + name + "': " + path.getParent()
                    + " has no space left: " + m, e);
        }
        return failure(Reason.IO, name, operation + " '" + name + "' (" + path + ") failed: " + e, e);
    }

    /**
     * Whether the failure is {@code EPERM}, which the JDK reports as a plain {@code FileSystemException} (for example
     * removing another user's file from the sticky {@code /dev/shm}). Told by the C library's message, which is
     * English unless the process runs under a translated locale.
     */
    private static boolean isEperm(IOException e) {
        return e.getClass() == FileSystemException.class
                && "Operation not permitted".equals(((FileSystemException) e).getReason());
    }

    /** {@return the user this process opens files as: its name and, where /proc tells it, its uid} */
    static String caller() {
        String user = "user " + System.getProperty("user.name", "?");
        try {
            return user + " (uid " + Files.getAttribute(Path.of("/proc/self"), "unix:uid") + ")";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return user;
        }
    }

    /**
     * {@return "; the file is mode 0640 (rw-r-----), owner alice (uid 1000)"}, of the file, or of its directory when
     * the file does not exist; empty when neither can be read
     */
    private static String ownerAndMode(Path path) {
        for (Path p : new Path[] {path, path.getParent()}) {
            if (p == null || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                String owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
                String mode = octal(perms);
                String uid = "";
                try {
                    Object u = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                    uid = owner.equals(String.valueOf(u)) ? "" : " (uid " + u + ")";
                } catch (UnsupportedOperationException | IllegalArgumentException ignored) {
                    // the owner's name is all this file system tells
                }
                return "; " + (p == path ? "the file" : "the directory " + p) + " is mode " + mode + " ("
                        + PosixFilePermissions.toString(perms) + "), owner " + owner + uid;
            } catch (IOException | UnsupportedOperationException e) {
                return "";
            }
        }
        return "";
    }

    /** {@return the permission bits as chmod writes them, "0640"} */
    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission bit : perms) {
            mode |= 0400 >> bit.ordinal();
        }
        return String.format("0%03o", mode);
    }

    // ---------------------------------------------------------------------------------------- reserving space

    private static final class Native {
        static final MethodHandle OPEN;
        static final MethodHandle FALLOCATE;
        static final MethodHandle CLOSE;

        static {
            Linker linker = Linker.nativeLinker();
            MethodHandle open = null;
            MethodHandle fallocate = null;
            MethodHandle close = null;
            try {
                Optional<MemorySegment> o = linker.defaultLookup().find("open");
                Optional<MemorySegment> f = linker.defaultLookup().find("posix_fallocate");
                Optional<MemorySegment> c = linker.defaultLookup().find("close");
                if (o.isPresent() && f.isPresent() && c.isPresent()) {
                    open = linker.downcallHandle(o.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                            Linker.Option.firstVariadicArg(2));
                    fallocate = linker.downcallHandle(f.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                    close = linker.downcallHandle(c.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT));
                }
            } catch (RuntimeException e) {
                open = null;
            }
            OPEN = open;
            FALLOCATE = open == null ? null : fallocate;
            CLOSE = open == null ? null : close;
        }
    }

    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int ENOSPC = 28;
    private static final int EFBIG = 27;

    /**
     * Reserves {@code length} bytes of the file, so that a full memory file system fails here and not with a SIGBUS
     * at first touch: {@code posix_fallocate} through FFM on Linux, else writing zeros. Called before any lock of
     * the file is taken (closing the descriptor would release it).
     */
    static void reserve(Path file, long length, String name) throws IOException {
        if (Native.FALLOCATE != null && System.getProperty("os.name", "").startsWith("Linux")) {
            int result;
            try (Arena arena = Arena.ofConfined()) {
                int fd = (int) Native.OPEN.invokeExact(arena.allocateFrom(file.toString()), O_RDWR | O_CLOEXEC, 0);
                if (fd < 0) {
                    throw new IOException("open(" + file + ") for posix_fallocate failed");
                }
                try {
                    result = (int) Native.FALLOCATE.invokeExact(fd, 0L, length);
                } finally {
                    int ignored = (int) Native.CLOSE.invokeExact(fd);
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (result == ENOSPC || result == EFBIG) {
                throw new IOException("posix_fallocate of " + length + " bytes: No space left on device (ENOSPC)");
            }
            if (result == 0) {
                return;
            }
            // EOPNOTSUPP and the like: the file system cannot reserve; fall back to writing zeros
        }
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 16);
            for (long at = 0; at < length; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), length - at));
                at += c.write(zeros, at);
            }
        }
    }

    // ---------------------------------------------------------------------------------------- locks

    /** The lock channel(s) and shared lock this JVM holds on one file while attached to it. */
    static final class Entry {
        final Object key;
        final List<FileChannel> channels = new ArrayList<>();
        FileLock lock;
        int attachments;

        Entry(Object key) {
            this.key = key;
        }

        FileChannel channel(boolean writable) {
            for (FileChannel c : channels) {
                if (!writable || isWritable(c)) {
                    return c;
                }
            }
            return null;
        }
    }

    private static final Map<FileChannel, Boolean> WRITABLE = new java.util.IdentityHashMap<>();

    private static boolean isWritable(FileChannel c) {
        return WRITABLE.getOrDefault(c, false);
    }

    static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    /** The entry of a file this JVM is attached to, or null; under {@link #LOCK}. */
    static Entry entry(Object key) {
        return key == null ? null : ENTRIES.get(key);
    }

    static FileChannel open(Path path, boolean writable) throws IOException {
        FileChannel c = writable ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
        WRITABLE.put(c, writable);
        return c;
    }

    static void closeQuietly(FileChannel c) {
        WRITABLE.remove(c);
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to do: the channel is gone either way
        }
    }

    /**
     * Takes (or shares) this JVM's lock of the file {@code path}, whose key is {@code key}: an entry with a channel
     * of the access asked for and a shared lock, counted once more. Under {@link #LOCK}.
     */
    static Entry acquire(Path path, Object key, boolean writable, String name) throws IOException {
        Entry e = ENTRIES.get(key);
        boolean fresh = e == null;
        if (fresh) {
            e = new Entry(key);
        }
        FileChannel c = e.channel(writable);
        if (c == null) {
            c = open(path, writable);
            e.channels.add(c);
        }
        try {
            if (e.lock == null) {
                long until = System.nanoTime() + DEADLINE_MILLIS * 1_000_000;
                FileLock l;
                while ((l = c.tryLock(0, Long.MAX_VALUE, true)) == null) {
                    if (System.nanoTime() > until) {
                        throw failure(Reason.IO, name, "attach '" + name + "': another process held an exclusive"
                                + " lock of " + path + " for " + DEADLINE_MILLIS + " ms (removing it as an orphan?)",
                                null);
                    }
                    sleep();
                }
                e.lock = l;
            }
        } catch (IOException | RuntimeException | Error t) {
            // a channel opened for an existing entry stays in it: closing it would drop the entry's lock
            if (fresh) {
                for (FileChannel ch : e.channels) {
                    closeQuietly(ch);
                }
            }
            throw t;
        }
        if (fresh) {
            ENTRIES.put(key, e);
        }
        e.attachments++;
        return e;
    }

    /** One attachment of the entry ended; the last one releases the lock and closes the channels. */
    static void release(Entry e) {
        synchronized (LOCK) {
            if (--e.attachments > 0) {
                return;
            }
            ENTRIES.remove(e.key);
            try {
                if (e.lock != null && e.lock.isValid()) {
                    e.lock.release();
                }
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            for (FileChannel c : e.channels) {
                closeQuietly(c);
            }
            e.channels.clear();
        }
    }

    static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a shared array", ie);
        }
    }

    /** Reads the first {@link SharedHeader#PAGE} bytes (fewer if the file is shorter). */
    static ByteBuffer readHead(FileChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(SharedHeader.PAGE, c.size()));
        while (b.hasRemaining()) {
            if (c.read(b, b.position()) < 0) {
                break;
            }
        }
        return b.flip();
    }

    /**
     * Reads a file's header through this JVM's entry when it is attached, else through a channel opened and closed
     * here (this JVM then holds no lock of it to lose). Under {@link #LOCK}.
     */
    static SharedHeader header(Path path, String name) throws IOException {
        Entry e = entry(fileKey(path));
        if (e != null) {
            FileChannel c = e.channels.getFirst();
            return SharedHeader.read(name, readHead(c), c.size());
        }
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ)) {
            return SharedHeader.read(name, readHead(c), c.size());
        }
    }

    /**
     * Whether some process has the file attached: true when this JVM has, else whether an exclusive lock is
     * refused (then released at once); null when that cannot be told (the caller may not open it for writing).
     * Under {@link #LOCK}.
     */
    static Boolean attached(Path path) throws IOException {
        if (entry(fileKey(path)) != null) {
            return true;
        }
        FileChannel c;
        try {
            c = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            return null;
        }
        try (c) {
            FileLock l = c.tryLock(0, Long.MAX_VALUE, false);
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        }
    }
}
