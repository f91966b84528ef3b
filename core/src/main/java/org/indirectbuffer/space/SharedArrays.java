package org.indirectbuffer.space;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.NativeBytes;
import org.indirectbuffer.internal.Shapes;
import org.indirectbuffer.space.SharedMemoryException.Reason;

/**
 * Named arrays in POSIX shared memory that every process on the machine can attach: the Java side of Python's
 * SharedArray, made safe where it is not, and with indirect ({@code T**}) layouts.
 *
 * <h2>Names</h2>
 * A name is 1 to 255 bytes of UTF-8 without {@code '/'} or NUL, not {@code "."} or {@code ".."}, and not starting
 * with {@code ".ib-tmp-"} (reserved); it is checked before any system call, and a name that breaks a rule is an
 * {@link IllegalArgumentException} naming the rule. The array {@code n} is the file {@code /dev/shm/n} on Linux (what
 * {@code shm_open("/n")} opens); the system property {@code indirectbuffer.shm.dir} names another directory. On
 * other systems that property must be set: every method otherwise throws {@link UnsupportedOperationException}.
 * The format of the file is {@code docs/shared-array-format.md}.
 *
 * <h2>What goes wrong, and what it gets</h2>
 * Each call succeeds or throws a {@link SharedMemoryException} whose {@link SharedMemoryException#reason() reason}
 * says why (or the {@code IllegalArgumentException}s of bad arguments), also when several processes create, attach
 * and delete one name at once:
 * <ul>
 *   <li>{@code create} of an existing name: {@link Reason#ALREADY_EXISTS}, the existing array untouched. Arrays are
 *       published atomically (made under a temporary name, then linked to the name), so no process ever attaches a
 *       half-made array, even of a creator that died while creating.</li>
 *   <li>more than the memory file system holds: {@link Reason#NO_SPACE} from {@code create} (the space is reserved
 *       then), never a SIGBUS at first touch;</li>
 *   <li>a name that does not exist: {@link Reason#NOT_FOUND}; one the caller may not open or remove: {@link
 *       Reason#PERMISSION_DENIED} naming the array, the access asked for, the calling user, and the file's mode and
 *       owner (see Permissions);</li>
 *   <li>a file with a bad magic, version, checksum or lengths: {@link Reason#CORRUPT}, {@link
 *       SharedMemoryException#field()} naming the field.</li>
 * </ul>
 *
 * <h2>Permissions</h2>
 * Arrays are created with mode {@code 0600} (readable and writable by their owner only) unless a wider mode is asked
 * for ({@link #create(String, int, String, long...)}: within {@code 0666} and including {@code 0600}, else an {@link
 * IllegalArgumentException}). The file's mode decides who may attach: reading needs read permission, a writable
 * attachment read and write. An attach the mode does not allow is a {@link SharedMemoryException} of reason {@link
 * Reason#PERMISSION_DENIED}, {@link SharedMemoryException#arrayName()} the name, whose message names the array, the
 * access asked for ({@code read}, or {@code read and write}), the calling user and uid, and the file's mode and
 * owner, for example {@code attach 'prices': permission to read and write /dev/shm/prices denied to user nobody
 * (uid 65534); the file is mode 0644 (rw-r--r--), owner alice (uid 1000); it may be attached read-only}. So is a
 * {@code delete} by a user who does not own the array ({@code /dev/shm} is sticky). A process that already has an
 * array attached writable attaches it again through the same open file, without a second check. Root (with {@code
 * CAP_DAC_OVERRIDE}) may open any array, whatever its mode.
 *
 * <h2>Leftovers</h2>
 * The header records the creating process's id, and every process holds a shared lock of the file while attached.
 * An array whose creator is gone and that no process has attached is an orphan ({@link SharedArrayEntry#isOrphan()});
 * {@link #removeOrphans()} removes exactly those.
 *
 * <p>Thread-safe: calls that open or close files of shared arrays are serialized within the JVM.
 */
public final class SharedArrays {
    /** The mode arrays are created with unless another is given: read and write for the owner only. */
    public static final int DEFAULT_MODE = 0600;
    /** How long {@link #attach} waits for an array whose ready flag is not yet set: 2000 milliseconds. */
    public static final long ATTACH_DEADLINE_MILLIS = ShmFiles.DEADLINE_MILLIS;

    private static final SecureRandom RANDOM = new SecureRandom();

    private SharedArrays() {
    }

    // ------------------------------------------------------------------------------------------------ create

    /**
     * Creates a zero-filled dense array (C order) of mode {@code 0600} and attaches it, writable.
     *
     * @param name   the name (see the class comment for the rules)
     * @param format a struct / PEP 3118 format string whose items are at least one byte
     * @param shape  the extent of each dimension, each {@code >= 0}, at most {@value BufferView#MAX_NDIM}
     * @return this process's attachment; close it
     * @throws IllegalArgumentException      if the name breaks a rule, the format does not parse (a {@link
     *                                       org.indirectbuffer.format.FormatException}) or has 0-byte items, or the
     *                                       shape is negative, has too many dimensions or overflows
     * @throws SharedMemoryException         {@link Reason#ALREADY_EXISTS} if the name exists (left untouched),
     *                                       {@link Reason#NO_SPACE} if the memory file system cannot hold it, {@link
     *                                       Reason#PERMISSION_DENIED} or {@link Reason#IO} if the file cannot be made
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static SharedArray create(String name, String format, long... shape) {
        return create(name, DEFAULT_MODE, format, shape);
    }

    /**
     * Creates a zero-filled dense array with the given mode and attaches it, writable.
     *
     * @param name   the name
     * @param mode   the permission bits, as {@code chmod} takes them ({@code 0600}, {@code 0640}, {@code 0666}):
     *               within {@code 0666}, and including {@code 0600}
     * @param format the item format string
     * @param shape  the extent of each dimension
     * @return this process's attachment
     * @throws IllegalArgumentException      as {@link #create(String, String, long...)}, or if the mode has bits
     *                                       outside {@code 0666} or lacks the owner's read and write
     * @throws SharedMemoryException         as {@link #create(String, String, long...)}
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static SharedArray create(String name, int mode, String format, long... shape) {
        ShmFiles.checkName(name);
        Format f = itemFormat(format);
        long[] sh = checkedShape(shape);
        long bytes = byteCount(f, sh);
        return make(name, SharedHeader.dense(f, format, sh, bytes), f, permissions(mode));
    }

    /**
     * Creates a zero-filled indirect array ({@code T**}) of {@code rows} rows of {@code cols} items, mode {@code
     * 0600}, and attaches it, writable: the row table stores each row's offset from the start of the shared memory
     * (see {@link SharedArray}).
     *
     * @param name   the name
     * @param rows   the number of rows, {@code >= 0}
     * @param cols   the items per row, {@code >= 0}
     * @param format the item format string
     * @return this process's attachment
     * @throws IllegalArgumentException      as {@link #create(String, String, long...)}
     * @throws SharedMemoryException         as {@link #create(String, String, long...)}
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static SharedArray createIndirect(String name, long rows, long cols, String format) {
        return createIndirect(name, rows, cols, format, DEFAULT_MODE);
    }

    /**
     * Creates a zero-filled indirect array with the given mode (see {@link #createIndirect(String, long, long,
     * String)} and {@link #create(String, int, String, long...)}).
     *
     * @param name   the name
     * @param rows   the number of rows
     * @param cols   the items per row
     * @param format the item format string
     * @param mode   the permission bits, within {@code 0666} and including {@code 0600}
     * @return this process's attachment
     * @throws IllegalArgumentException      as {@link #create(String, int, String, long...)}
     * @throws SharedMemoryException         as {@link #create(String, String, long...)}
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static SharedArray createIndirect(String name, long rows, long cols, String format, int mode) {
        ShmFiles.checkName(name);
        Format f = itemFormat(format);
        long[] sh = checkedShape(new long[] {rows, cols});
        long bytes = byteCount(f, sh);
        if (rows > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("rows = " + rows + ": an indirect shared array has at most "
                    + (Integer.MAX_VALUE - 8) + " rows");
        }
        SharedHeader header;
        try {
            header = SharedHeader.indirect(f, format, rows, cols, bytes);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(rows + " rows of " + cols + " items of format '" + format
                    + "' overflow a 64-bit byte count", e);
        }
        return make(name, header, f, permissions(mode));
    }

    private static Format itemFormat(String format) {
        Objects.requireNonNull(format, "format");
        Format f = Format.parse(format);
        if (f.itemSize() <= 0) {
            throw new IllegalArgumentException("format '" + format + "' has item size " + f.itemSize()
                    + "; a shared array needs items of at least one byte");
        }
        if (format.length() > SharedHeader.MAX_FORMAT || !format.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException("format '" + format + "': a shared array's format string must be 1 to "
                    + SharedHeader.MAX_FORMAT + " printable ASCII characters");
        }
        return f;
    }

    private static long[] checkedShape(long[] shape) {
        return Shapes.checked(shape);
    }

    private static long byteCount(Format f, long[] shape) {
        try {
            long n = f.itemSize();
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            Math.addExact(n, 1L << 20); // room for the header and table
            return n;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of format '" + f
                    + "' overflows a 64-bit byte count", e);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        if ((mode & ~0666) != 0 || (mode & 0600) != 0600) {
            throw new IllegalArgumentException("mode 0" + Integer.toOctalString(mode) + ": expected permission bits"
                    + " within 0666 that include 0600 (the owner reads and writes; no execute, setuid or sticky bits)");
        }
        return PosixFilePermissions.fromString(PosixFilePermissions.toString(toSet(mode)));
    }

    private static Set<PosixFilePermission> toSet(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int b = 0; b < bits.length; b++) {
            if ((mode & (1 << b)) != 0) {
                set.add(bits[b]);
            }
        }
        return set;
    }

    /** Makes the file under a temporary name, fills its header, and links it to the name. */
    private static SharedArray make(String name, SharedHeader header, Format format, Set<PosixFilePermission> mode) {
        Path dir = ShmFiles.directory();
        Path target = dir.resolve(name);
        synchronized (ShmFiles.LOCK) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw ShmFiles.failure(Reason.ALREADY_EXISTS, name, "create '" + name + "': a shared array of that"
                        + " name exists (" + target + "); it was left untouched", null);
            }
            Path tmp = dir.resolve(ShmFiles.TMP_PREFIX + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(RANDOM.nextLong()));
            ShmFiles.Entry entry = null;
            Arena arena = null;
            boolean linked = false;
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(toSet(0600)));
                if (!mode.equals(toSet(0600))) {
                    Files.setPosixFilePermissions(tmp, mode);
                }
                ShmFiles.reserve(tmp, header.fileLength, name);
                entry = ShmFiles.acquire(tmp, ShmFiles.fileKey(tmp), true, name);
                arena = Arena.ofShared();
                MemorySegment file = map(entry.channel(true), FileChannel.MapMode.READ_WRITE, header.fileLength,
                        arena);
                if (header.isIndirect()) {
                    long rowBytes = header.shape[1] * header.itemSize;
                    for (long r = 0; r < header.shape[0]; r++) {
                        file.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                                header.rowTableOffset + 8 * r, header.dataOffset + r * rowBytes);
                    }
                }
                header.write(file);
                Files.createLink(target, tmp);
                linked = true;
                Files.delete(tmp);
                return new SharedArray(name, header, format, file, arena, entry, false);
            } catch (IOException e) {
                throw cleanUp(ShmFiles.translate(e, "create", name, target, "create"), arena, entry, tmp, linked,
                        target);
            } catch (RuntimeException e) {
                throw cleanUp(e, arena, entry, tmp, linked, target);
            } catch (Error e) {
                throw cleanUp(e, arena, entry, tmp, linked, target);
            }
        }
    }

    private static <T extends Throwable> T cleanUp(T failure, Arena arena, ShmFiles.Entry entry, Path tmp,
                                                   boolean linked, Path target) {
        if (arena != null) {
            arena.close();
        }
        if (entry != null) {
            ShmFiles.release(entry);
        }
        try {
            if (linked) {
                Files.deleteIfExists(target);
            }
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /** Maps the file into {@code arena} and counts the mapping among the library's live native bytes. */
    private static MemorySegment map(FileChannel channel, FileChannel.MapMode mode, long length, Arena arena)
            throws IOException {
        MemorySegment file = channel.map(mode, 0, length, arena);
        MemorySegment.NULL.reinterpret(0, arena, ignored -> NativeBytes.add(-length));
        NativeBytes.add(length);
        return file;
    }

    // ------------------------------------------------------------------------------------------------ attach

    /**
     * Attaches an existing array, writable.
     *
     * @param name the name
     * @return this process's attachment; close it
     * @throws IllegalArgumentException      if the name breaks a rule
     * @throws SharedMemoryException         {@link Reason#NOT_FOUND}, {@link Reason#PERMISSION_DENIED} if the
     *                                       file's mode does not let the caller read and write it (naming the
     *                                       access, the calling user, and the file's mode and owner; see the class
     *                                       comment), {@link Reason#CORRUPT} (naming the header
     *                                       field), {@link Reason#NOT_READY} (ready flag unset for {@value
     *                                       #ATTACH_DEADLINE_MILLIS} ms), or {@link Reason#IO}
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static SharedArray attach(String name) {
        return attach(name, false);
    }

    /**
     * Attaches an existing array, read-only or writable.
     *
     * @param name     the name
     * @param readOnly whether to map it read-only: nothing can be written through the attachment, and only read
     *                 permission is needed
     * @return this process's attachment; close it
     * @throws IllegalArgumentException      if the name breaks a rule
     * @throws SharedMemoryException         as {@link #attach(String)}; {@link Reason#PERMISSION_DENIED} if the
     *                                       file's mode does not let the caller read it ({@code readOnly}), or read
     *                                       and write it
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static SharedArray attach(String name, boolean readOnly) {
        Path path = ShmFiles.path(name);
        String access = readOnly ? "read" : "read and write";
        synchronized (ShmFiles.LOCK) {
            for (int attempt = 0; ; attempt++) {
                Object key;
                ShmFiles.Entry entry;
                try {
                    key = ShmFiles.fileKey(path);
                    entry = ShmFiles.acquire(path, key, !readOnly, name);
                } catch (IOException e) {
                    throw ShmFiles.translate(e, "attach", name, path, access);
                }
                Arena arena = null;
                try {
                    Object now;
                    try {
                        now = ShmFiles.fileKey(path);
                    } catch (NoSuchFileException e) {
                        now = null;
                    }
                    if (!key.equals(now)) {
                        // deleted (or replaced) between looking it up and locking it
                        if (now == null || attempt >= 3) {
                            throw ShmFiles.failure(Reason.NOT_FOUND, name, "attach '" + name + "': the shared array"
                                    + " was deleted while being attached (" + path + ")", null);
                        }
                        ShmFiles.release(entry);
                        continue;
                    }
                    FileChannel c = entry.channel(!readOnly);
                    SharedHeader header = readyHeader(c, name);
                    arena = Arena.ofShared();
                    MemorySegment file = map(c, readOnly ? FileChannel.MapMode.READ_ONLY
                            : FileChannel.MapMode.READ_WRITE, header.fileLength, arena);
                    return new SharedArray(name, header, Format.parse(header.format), file, arena, entry, readOnly);
                } catch (IOException e) {
                    throw detachFailed(ShmFiles.translate(e, "attach", name, path, access), arena, entry);
                } catch (RuntimeException e) {
                    throw detachFailed(e, arena, entry);
                } catch (Error e) {
                    throw detachFailed(e, arena, entry);
                }
            }
        }
    }

    private static <T extends Throwable> T detachFailed(T failure, Arena arena, ShmFiles.Entry entry) {
        if (arena != null) {
            arena.close();
        }
        ShmFiles.release(entry);
        return failure;
    }

    private static SharedHeader readyHeader(FileChannel c, String name) throws IOException {
        long until = System.nanoTime() + ATTACH_DEADLINE_MILLIS * 1_000_000;
        while (true) {
            SharedHeader h = SharedHeader.read(name, ShmFiles.readHead(c), c.size());
            if (h.ready) {
                return h;
            }
            if (System.nanoTime() > until) {
                throw ShmFiles.failure(Reason.NOT_READY, name, "attach '" + name + "': its header's ready flag stayed"
                        + " 0 for " + ATTACH_DEADLINE_MILLIS + " ms (its creator, process " + h.creatorPid + ", is "
                        + (alive(h.creatorPid) ? "still running" : "gone") + ")", null);
            }
            ShmFiles.sleep();
        }
    }

    // ------------------------------------------------------------------------------------------------ delete, list

    /**
     * Removes the name: later {@code attach} and {@code list} do not find it, and {@code create} may use it again.
     * Attachments that exist, in any process, stay valid; the memory goes when the last one closes.
     *
     * @param name the name
     * @throws IllegalArgumentException      if the name breaks a rule
     * @throws SharedMemoryException         {@link Reason#NOT_FOUND}; {@link Reason#CORRUPT} (field {@code magic})
     *                                       if the file is not a shared array (it is not removed); {@link
     *                                       Reason#PERMISSION_DENIED} if the caller may not remove it (another
     *                                       user's array in the sticky {@code /dev/shm}), or {@link Reason#IO}
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static void delete(String name) {
        Path path = ShmFiles.path(name);
        synchronized (ShmFiles.LOCK) {
            try {
                try {
                    ShmFiles.header(path, name);
                } catch (SharedMemoryException e) {
                    if ("magic".equals(e.field()) || "length".equals(e.field())) {
                        throw e;
                    }
                    // a damaged array is still ours to remove
                }
                Files.delete(path);
            } catch (IOException e) {
                throw ShmFiles.translate(e, "delete", name, path, "remove");
            }
        }
    }

    /**
     * Lists the shared arrays in the directory, by name: one entry per file with a valid header. Files that are not
     * shared arrays, that this process may not read, or whose header is damaged are left out.
     *
     * @return the entries, sorted by name
     * @throws SharedMemoryException         {@link Reason#IO} if the directory cannot be read
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static List<SharedArrayEntry> list() {
        Path dir = ShmFiles.directory();
        List<SharedArrayEntry> entries = new ArrayList<>();
        synchronized (ShmFiles.LOCK) {
            for (Path p : files(dir)) {
                SharedArrayEntry e = entry(p);
                if (e != null) {
                    entries.add(e);
                }
            }
        }
        entries.sort((a, b) -> a.name().compareTo(b.name()));
        return entries;
    }

    /**
     * Describes one array as {@link #list()} would.
     *
     * @param name the name
     * @return its entry
     * @throws IllegalArgumentException      if the name breaks a rule
     * @throws SharedMemoryException         {@link Reason#NOT_FOUND}, {@link Reason#CORRUPT} naming the field,
     *                                       {@link Reason#PERMISSION_DENIED} or {@link Reason#IO}
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static SharedArrayEntry describe(String name) {
        Path path = ShmFiles.path(name);
        synchronized (ShmFiles.LOCK) {
            try {
                return entryOf(path, name, ShmFiles.header(path, name));
            } catch (IOException e) {
                throw ShmFiles.translate(e, "describe", name, path, "read");
            }
        }
    }

    /**
     * Removes every orphan: each array whose creator is no longer running and that no process has attached (checked
     * by taking an exclusive lock of it, held while it is removed, so an array someone uses is never removed), and
     * each temporary file of a create whose process is gone.
     *
     * @return the names removed (temporary files by their file names, starting with {@code ".ib-tmp-"})
     * @throws SharedMemoryException         {@link Reason#IO} if the directory cannot be read
     * @throws UnsupportedOperationException if the system has no {@code /dev/shm} and no directory was configured
     */
    public static List<String> removeOrphans() {
        Path dir = ShmFiles.directory();
        List<String> removed = new ArrayList<>();
        synchronized (ShmFiles.LOCK) {
            for (Path p : files(dir)) {
                String file = p.getFileName().toString();
                if (file.startsWith(ShmFiles.TMP_PREFIX)) {
                    if (removeDeadTemporary(p, file)) {
                        removed.add(file);
                    }
                    continue;
                }
                SharedArrayEntry e = entry(p);
                if (e != null && !e.creatorAlive() && removeIfUnused(p)) {
                    removed.add(e.name());
                }
            }
        }
        removed.sort(null);
        return removed;
    }

    private static boolean removeDeadTemporary(Path p, String file) {
        String rest = file.substring(ShmFiles.TMP_PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            return !alive(pid) && Files.deleteIfExists(p);
        } catch (NumberFormatException | IOException e) {
            return false;
        }
    }

    private static boolean removeIfUnused(Path p) {
        try {
            if (ShmFiles.entry(ShmFiles.fileKey(p)) != null) {
                return false;
            }
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock l = c.tryLock(0, Long.MAX_VALUE, false);
                if (l == null) {
                    return false;
                }
                try {
                    Files.delete(p);
                    return true;
                } finally {
                    l.release();
                }
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Path> files(Path dir) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw ShmFiles.failure(Reason.IO, null, "list: cannot read the directory " + dir + ": " + e, e);
        }
        return files;
    }

    /** The entry of a file, or null when it is not a readable, valid shared array. */
    private static SharedArrayEntry entry(Path p) {
        String name = p.getFileName().toString();
        try {
            ShmFiles.checkName(name);
            SharedHeader h = ShmFiles.header(p, name);
            return h.ready ? entryOf(p, name, h) : null;
        } catch (IllegalArgumentException | SharedMemoryException | IOException e) {
            return null;
        }
    }

    private static SharedArrayEntry entryOf(Path p, String name, SharedHeader h) throws IOException {
        Boolean attached = ShmFiles.attached(p);
        List<Long> shape = Arrays.stream(h.shape).boxed().toList();
        return new SharedArrayEntry(name, h.format, shape, h.dataLength, h.isIndirect(), h.creatorPid,
                alive(h.creatorPid), attached == null ? SharedArrayEntry.Attached.UNKNOWN
                : attached ? SharedArrayEntry.Attached.YES : SharedArrayEntry.Attached.NO,
                Instant.ofEpochMilli(h.created));
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

}
