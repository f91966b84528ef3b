package org.indirectbuffer.space;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.internal.Lifetime;
import org.indirectbuffer.internal.MappedScopes;
import org.indirectbuffer.internal.ReadOnlyWrite;
import org.indirectbuffer.internal.RowRecord;
import org.indirectbuffer.internal.ViewSecrets;
import org.indirectbuffer.space.BufferStoreException.Reason;
import org.indirectbuffer.space.StoreFormat.Catalog;
import org.indirectbuffer.space.StoreFormat.Entry;
import org.indirectbuffer.space.StoreFormat.Pending;
import org.indirectbuffer.space.StoreFormat.Root;

/**
 * Named buffers in a memory-mapped file that survive restarts and crashes: {@link #put} copies any buffer in (any
 * format, N-D, strided, or indirect — a {@code T**}, a collection, a PIL-style layout), {@link #get} lends it back
 * without a copy, after a restart as before. The file layout is {@code docs/buffer-store-format.md}.
 *
 * <h2>Durability</h2>
 * <ul>
 *   <li><b>A killed process</b> (or a JVM crash) loses nothing that was committed: every {@code put} and {@code
 *       remove} is a commit, atomic and visible to the file once it returns, whether or not it was flushed. A process
 *       killed at any point leaves the file at its last commit (or, killed during a commit, at the one before).
 *       Commits are copy-on-write: new bytes go to free space, then a new catalog, then a root naming it is written
 *       to a slot not holding the newest or the last flushed root; a root carries a CRC-32C, so a torn root is
 *       recognized and the one before it used.</li>
 *   <li><b>A power loss or an operating-system crash</b> keeps what {@link #flush()} forced: the state of the last
 *       flush is never overwritten before the next flush (its root keeps its slot, and space it references is not
 *       reused), so it survives whatever the disk did to later pages. Commits after it may survive or not; a buffer
 *       whose bytes did not reach the disk fails its checksum at {@code get}. {@link #close()} flushes.</li>
 *   <li><b>Damage</b>: the header, each root and each catalog carry a CRC-32C checked at {@code open}; a stored
 *       buffer's bytes carry one checked at its first {@link #get} by this store object. A flipped byte is a
 *       {@link BufferStoreException} naming what failed, never a wrong value. If the newest root is damaged, the one
 *       before it is used (it may be a commit older than the last one).</li>
 * </ul>
 *
 * <h2>Space</h2>
 * The file has the capacity given to {@link #create} and never grows: {@code put} of a buffer that does not fit
 * throws {@link BufferStoreException} ({@link Reason#FULL}) naming the bytes asked and free, and the store stays as
 * it was. Space freed by a {@code put} over a name or a {@code remove} is reused once nothing may read it: no root
 * that a crash could fall back to, no buffer this store lent, and no reader in any process (each holds only the space
 * of the commit it reads). Space the last flushed state references is held until the next flush, even once replaced;
 * a {@code put} or {@code remove} that finds no room flushes first, then retries.
 *
 * <h2>Readers and the writer</h2>
 * One store object in one process may have a file open for writing (a POSIX lock; a second writer is refused with
 * {@link Reason#LOCKED}); any number may open it read-only, in this process or others, while the writer works. A
 * reader sees the commit that was newest when it opened, unchanged until it closes: the writer does not reuse space
 * a reader may read. Readers need only read permission on the file (their locks are shared ones).
 *
 * <p>The locks are POSIX record locks, which belong to the process: closing <em>any</em> descriptor of the store
 * file in this process drops them all. Do not open and close the file by other means (a copy, a backup) while a store
 * of it is open in the same process; copy it from another process, or after closing the store.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} refuses while a {@link StoredBuffer} got from it is open, naming each ({@link Reason#IN_USE});
 * after close, every stored buffer and view, and every segment they handed out, throws {@link
 * IllegalStateException}. A {@link java.lang.ref.Cleaner} unmaps and unlocks a store that became unreachable
 * unclosed (committed data is in the file already; it is not flushed).
 *
 * <h2>Bad luck</h2>
 * A file truncated by another process while mapped: touching the missing pages is a {@link MemoryFaultException}
 * (views, {@code get}, {@code put}), never a crash. A failed flush marks the store failed: later writes are refused
 * with {@link Reason#FAILED}.
 *
 * <h2>Thread-safety</h2>
 * All methods may be called from any thread; they are serialized on the store. Stored buffers may be used from any
 * thread.
 */
public final class BufferStore implements AutoCloseable {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ViewSecrets.Access VIEWS = ViewSecrets.get();

    /** How commits are written; only tests choose another (see {@link #commitModeForTests}). */
    enum CommitMode {
        /** Copy-on-write, as documented. */
        ATOMIC,
        /**
         * Deliberately broken, for the kill test's negative control: a buffer put over a name of the same size is
         * rewritten in place, so a kill during the copy leaves a committed buffer torn.
         */
        IN_PLACE
    }

    private static volatile CommitMode commitMode = CommitMode.ATOMIC;
    /** What forces a range of the mapping to disk; only tests replace it (a failing disk). */
    private static volatile java.util.function.Consumer<MemorySegment> forcer = MemorySegment::force;

    private final Path path;
    private final boolean readOnly;
    private final long capacity;
    private final MemorySegment file;
    private final StoreLocks.File locks;
    private final Lifetime lifetime;
    private final String description;
    /** The revision of each slot's root, 0 for a slot with no usable root. */
    private final long[] slotRevisions = new long[StoreFormat.SLOTS];
    private final byte[] chunk = new byte[StoreFormat.CHUNK];
    /** The buffers whose checksum this object checked. */
    private final Set<Checked> verified = new HashSet<>();
    private Root current;
    private Catalog catalog;
    private int flushedSlot;
    private long flushedRevision;
    private long maxRevision;
    private String failed;

    private BufferStore(Path path, boolean readOnly, long capacity, MemorySegment file, Arena arena,
                        StoreLocks.File locks, Opened opened) {
        this.path = path;
        this.readOnly = readOnly;
        this.capacity = capacity;
        this.file = file;
        this.locks = locks;
        this.current = opened.root;
        this.catalog = opened.catalog;
        this.maxRevision = opened.maxRevision;
        System.arraycopy(opened.slotRevisions, 0, slotRevisions, 0, slotRevisions.length);
        // The root last forced to disk: the flush mark's, else the one the newest names, else (unknown) the oldest
        // other usable root.
        int f = -1;
        for (int s = 0; s < slotRevisions.length; s++) {
            if (slotRevisions[s] != 0 && slotRevisions[s] == opened.flushMark) {
                f = s;
            }
        }
        for (int s = 0; s < slotRevisions.length && f < 0; s++) {
            if (slotRevisions[s] != 0 && slotRevisions[s] == current.flushedRevision()) {
                f = s;
            }
        }
        if (f < 0) {
            f = current.slot();
            for (int s = 0; s < slotRevisions.length; s++) {
                if (s != current.slot() && slotRevisions[s] != 0 && (f == current.slot()
                        || slotRevisions[s] < slotRevisions[f])) {
                    f = s;
                }
            }
        }
        this.flushedSlot = f;
        this.flushedRevision = slotRevisions[f];
        this.description = "BufferStore " + path + (readOnly ? " (read-only)" : "");
        String d = description;
        boolean writer = !readOnly;
        long held = readOnly ? opened.root.revision() : 0;
        this.lifetime = Lifetime.start(this, arena, Sharing.SHARED, true, "BufferStore", () -> d, () -> {
            try {
                if (writer) {
                    locks.unlockWriter();
                } else {
                    locks.removeReader(held);
                }
            } finally {
                StoreLocks.leave(locks);
            }
        });
        MappedScopes.noteIfMapped(file);
    }

    /** A stored buffer's bytes as checked: where they are, the commit that wrote them, their checksum. */
    private record Checked(long offset, long revision, int crc) {
    }

    /** What open found: the root used, its catalog, and the slots. */
    private record Opened(Root root, Catalog catalog, long[] slotRevisions, long maxRevision, long flushMark) {
    }

    // ------------------------------------------------------------------------------------------------ factories

    /**
     * Creates a store file of {@code capacity} bytes (sparse where the file system allows) holding no buffer, and
     * opens it for writing.
     *
     * @param file     the file to create; it must not exist
     * @param capacity the file's size, fixed for its life: at least {@value StoreFormat#MIN_CAPACITY} bytes (the
     *                 header, three root slots and a page); buffers take their bytes rounded up to 64, plus the
     *                 catalog (about 100 bytes a buffer)
     * @return the store, open for writing; the caller must close it
     * @throws IllegalArgumentException if {@code capacity} is too small
     * @throws UncheckedIOException     if the file exists ({@link java.nio.file.FileAlreadyExistsException}), its
     *                                  directory does not, or the file system fails; nothing is left behind
     */
    public static BufferStore create(Path file, long capacity) {
        Objects.requireNonNull(file, "file");
        if (capacity < StoreFormat.MIN_CAPACITY) {
            throw new IllegalArgumentException("BufferStore.create " + file + ": capacity " + capacity
                    + " bytes; expected at least " + StoreFormat.MIN_CAPACITY + " (header, 3 root slots, one page)");
        }
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            try (Arena a = Arena.ofConfined()) {
                c.write(java.nio.ByteBuffer.wrap(new byte[1]), capacity - 1);
                MemorySegment m = c.map(FileChannel.MapMode.READ_WRITE, 0, capacity, a);
                Catalog empty = new Catalog(1, List.of(), List.of());
                byte[] bytes = StoreFormat.encode(empty);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, m, StoreFormat.DATA_START, bytes.length);
                StoreFormat.writeRoot(m, new Root(0, 1, 1, StoreFormat.DATA_START, bytes.length,
                        StoreFormat.crc(MemorySegment.ofArray(bytes))));
                StoreFormat.writeFlushMark(m, 1);
                m.force();
                StoreFormat.writeHeader(m, capacity); // last: a file without it is not a store
                m.force();
            }
            c.force(true);
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof java.nio.file.FileAlreadyExistsException)) {
                try {
                    java.nio.file.Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    e.addSuppressed(ignored);
                }
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("BufferStore.create " + file + ": " + io, io);
            }
            throw (RuntimeException) e;
        }
        return open(file, false);
    }

    /**
     * Opens a store file for writing.
     *
     * @param file the store file
     * @return the store; the caller must close it
     * @throws BufferStoreException if the file is not a store, of another version, truncated or damaged (every
     *                              root unusable), or another writer has it open ({@link Reason#LOCKED})
     * @throws UncheckedIOException if the file does not exist, may not be read and written, or the file system
     *                              fails
     * @see #open(Path, boolean)
     */
    public static BufferStore open(Path file) {
        return open(file, false);
    }

    /**
     * Opens a store file, for writing or read-only. A read-only store sees the commit newest now, for its whole life,
     * and refuses {@code put}, {@code remove} and writes through views ({@link ReadOnlyBufferException}).
     *
     * @param file     the store file
     * @param readOnly whether to open it read-only
     * @return the store; the caller must close it
     * @throws BufferStoreException if the file is not a store ({@link Reason#NOT_A_STORE}), of another version
     *                              ({@link Reason#UNSUPPORTED_VERSION}), shorter than its header says ({@link
     *                              Reason#TRUNCATED}), has a damaged header or no usable root ({@link
     *                              Reason#CORRUPT}), or, for writing, another writer has it open ({@link
     *                              Reason#LOCKED})
     * @throws UncheckedIOException if the file does not exist, may not be opened as asked, or the file system fails
     */
    public static BufferStore open(Path file, boolean readOnly) {
        Objects.requireNonNull(file, "file");
        StoreLocks.File locks = StoreLocks.enter(file);
        Arena arena = null;
        boolean writerLocked = false;
        long[] registered = {0};
        try {
            if (!readOnly) {
                locks.lockWriter();
                writerLocked = true;
            }
            FileChannel channel = locks.channel();
            long size = channel.size();
            String where = "BufferStore " + file;
            if (size < StoreFormat.HEADER_BYTES) {
                boolean storeMagic = size >= 8 && StoreFormat.startsWithMagic(channel);
                throw StoreFormat.failure(storeMagic ? Reason.TRUNCATED : Reason.NOT_A_STORE, null, "length", where
                        + ": the file has " + size + " bytes" + (storeMagic ? ", the start of a store's header"
                        : ", and does not start with \"IBUFSTOR\"") + "; a store has at least "
                        + StoreFormat.MIN_CAPACITY);
            }
            arena = Arena.ofShared();
            MemorySegment m = channel.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE,
                    0, size, arena);
            Opened opened;
            long capacity;
            try {
                capacity = StoreFormat.checkHeader(copy(m, 0, StoreFormat.HEADER_BYTES), size, where);
                long cap = capacity;
                Opened[] found = new Opened[1];
                if (readOnly) {
                    registered[0] = locks.registerReader(() -> {
                        found[0] = newestRoot(m, cap, where);
                        return found[0].root.revision();
                    });
                } else {
                    found[0] = newestRoot(m, cap, where);
                }
                opened = found[0];
                MappedScopes.raisePendingFault(); // a faulting copy's error is raised at the next poll: here
            } catch (InternalError fault) {
                throw StoreFormat.failure(Reason.TRUNCATED, null, "length", where + ": the file shrank while it was"
                        + " being opened (" + fault.getMessage() + ")");
            }
            return new BufferStore(file, readOnly, capacity, m, arena, locks, opened);
        } catch (IOException e) {
            cleanUp(locks, arena, writerLocked, registered[0]);
            throw new UncheckedIOException("BufferStore.open " + file + ": " + e, e);
        } catch (RuntimeException | Error e) {
            cleanUp(locks, arena, writerLocked, registered[0]);
            throw e;
        }
    }

    private static void cleanUp(StoreLocks.File locks, Arena arena, boolean writerLocked, long reading) {
        if (arena != null) {
            arena.close();
        }
        if (reading != 0) {
            locks.removeReader(reading);
        }
        if (writerLocked) {
            locks.unlockWriter();
        }
        StoreLocks.leave(locks);
    }

    private static MemorySegment copy(MemorySegment m, long offset, long length) {
        byte[] b = new byte[(int) Math.min(length, Math.max(0, m.byteSize() - offset))];
        MemorySegment.copy(m, offset, MemorySegment.ofArray(b), 0, b.length);
        return MemorySegment.ofArray(b);
    }

    /** The newest root whose slot and catalog check out, or CORRUPT naming what each slot had. */
    private static Opened newestRoot(MemorySegment m, long capacity, String where) {
        Root[] roots = new Root[StoreFormat.SLOTS];
        String[] why = new String[StoreFormat.SLOTS];
        long maxRevision = 0;
        for (int s = 0; s < roots.length; s++) {
            Object r = StoreFormat.readRoot(s, copy(m, StoreFormat.slotOffset(s), StoreFormat.ROOT_BYTES), capacity);
            if (r instanceof Root root) {
                roots[s] = root;
                maxRevision = Math.max(maxRevision, root.revision());
            } else {
                why[s] = (String) r;
            }
        }
        long[] revisions = new long[roots.length];
        Root best = null;
        Catalog bestCatalog = null;
        byte[] chunk = new byte[StoreFormat.CHUNK];
        for (int round = 0; round < roots.length; round++) {
            Root next = null;
            for (Root r : roots) {
                if (r != null && (next == null || r.revision() > next.revision())) {
                    next = r;
                }
            }
            if (next == null) {
                break;
            }
            roots[next.slot()] = null;
            int crc = StoreFormat.crcOfMapped(m, next.catalogOffset(), next.catalogLength(), chunk);
            if (crc != next.catalogCrc()) {
                why[next.slot()] = "slot " + next.slot() + ": revision " + next.revision() + "'s catalog checksum is 0x"
                        + Integer.toHexString(next.catalogCrc()) + "; its bytes give 0x" + Integer.toHexString(crc);
                continue;
            }
            byte[] bytes = copy(m, next.catalogOffset(), next.catalogLength()).toArray(ValueLayout.JAVA_BYTE);
            try {
                Catalog c = StoreFormat.decode(bytes, next.revision(), capacity, where + " revision "
                        + next.revision());
                revisions[next.slot()] = next.revision();
                if (best == null) {
                    best = next;
                    bestCatalog = c;
                }
            } catch (BufferStoreException e) {
                why[next.slot()] = "slot " + next.slot() + ": " + e.getMessage();
            }
        }
        if (best == null) {
            throw StoreFormat.failure(Reason.CORRUPT, null, "roots", where + ": no usable root: "
                    + String.join("; ", Arrays.stream(why).filter(Objects::nonNull).toList()));
        }
        long mark = StoreFormat.readFlushMark(copy(m, StoreFormat.FLUSH_MARK, StoreFormat.FLUSH_MARK_BYTES));
        return new Opened(best, bestCatalog, revisions, maxRevision, mark);
    }

    // ------------------------------------------------------------------------------------------------ reading

    /**
     * Lends a stored buffer without copying it. The first {@code get} of a buffer by this store object checks its
     * bytes against their checksum; later ones do not read them.
     *
     * @param name the buffer's name
     * @return the buffer; the caller must close it (the store refuses to close until then)
     * @throws NoSuchElementException if the store has no buffer of that name
     * @throws BufferStoreException   ({@link Reason#CORRUPT}) if its bytes or its row table do not match what was
     *                                stored
     * @throws MemoryFaultException   if the file was truncated under the mapping by another process
     * @throws IllegalStateException  if the store is closed
     */
    public synchronized StoredBuffer get(String name) {
        Objects.requireNonNull(name, "name");
        checkOpen("get");
        Entry e = catalog.find(name);
        if (e == null) {
            throw missing("get", name);
        }
        try {
            verify(e);
            Format format = Format.parse(e.format());
            StoreEntry info = info(e);
            java.util.function.Supplier<BufferView> whole;
            if (e.isIndirect()) {
                long rows = e.rows();
                long rowBytes = e.rowBytes();
                long[] addresses = new long[Math.toIntExact(rows)];
                MemorySegment table = file.asSlice(e.tableOffset(), 8 * rows);
                for (int r = 0; r < rows; r++) {
                    long o = table.getAtIndex(I64, r);
                    if (o < e.dataOffset() || o - e.dataOffset() > e.dataLength() - rowBytes) {
                        throw StoreFormat.failure(Reason.CORRUPT, name, "row table", description + ": buffer '" + name
                                + "' row " + r + " is at offset " + o + "; its " + rowBytes + " bytes must lie in ["
                                + e.dataOffset() + ", " + (e.dataOffset() + e.dataLength()) + ")");
                    }
                    addresses[r] = file.address() + o;
                }
                RowRecord record = RowRecord.ofAddresses(MemorySegment.ofArray(addresses), rows, rowBytes,
                        file.scope());
                MemorySegment lent = table.asReadOnly();
                long[] rowShape = Arrays.copyOfRange(e.shape(), 1, e.shape().length);
                long base = file.address();
                whole = () -> VIEWS.ofRecordedRows(lent, record, format, rowShape, true, base);
            } else {
                MemorySegment items = file.asSlice(e.dataOffset(), e.dataLength()).asReadOnly();
                long[] shape = e.shape();
                whole = () -> BufferView.wrap(items, 0, format, shape, null, null, true);
            }
            MappedScopes.raisePendingFault(); // the checksum's and the table's copies faulted: here, not later
            long revision = current.revision();
            locks.addReader(revision);
            Lifetime.Hold hold;
            try {
                hold = lifetime.hold("StoredBuffer '" + name + "' (revision " + e.revision() + ")", () -> description);
            } catch (RuntimeException ex) {
                locks.removeReader(revision);
                throw ex;
            }
            StoreLocks.File l = locks;
            return new StoredBuffer(this, info, description, whole, () -> {
                try {
                    l.removeReader(revision);
                } finally {
                    hold.run();
                }
            });
        } catch (InternalError fault) {
            throw MemoryFaultException.fault(fault, "BufferStore.get", description + " buffer '" + name + "'");
        }
    }

    private void verify(Entry e) {
        Checked key = new Checked(e.extentOffset(), e.revision(), e.crc());
        if (verified.contains(key)) {
            return;
        }
        CRC32C crc = new CRC32C();
        if (e.isIndirect()) {
            update(crc, e.tableOffset(), 8 * e.rows());
        }
        update(crc, e.dataOffset(), e.dataLength());
        if ((int) crc.getValue() != e.crc()) {
            throw StoreFormat.failure(Reason.CORRUPT, e.name(), "data checksum", description + ": buffer '" + e.name()
                    + "' (revision " + e.revision() + ", " + e.dataLength() + " bytes at " + e.dataOffset()
                    + ") is damaged: its checksum is 0x" + Integer.toHexString(e.crc()) + ", its bytes give 0x"
                    + Integer.toHexString((int) crc.getValue()));
        }
        verified.add(key);
    }

    private void update(CRC32C crc, long offset, long length) {
        StoreFormat.updateFromMapped(crc, file, offset, length, chunk);
    }

    /**
     * {@return whether the store has a buffer of that name}
     *
     * @param name the name
     * @throws IllegalStateException if the store is closed
     */
    public synchronized boolean contains(String name) {
        checkOpen("contains");
        return catalog.find(Objects.requireNonNull(name, "name")) != null;
    }

    /**
     * {@return the names of the stored buffers, in the order they were first stored}
     *
     * @throws IllegalStateException if the store is closed
     */
    public synchronized List<String> names() {
        checkOpen("names");
        return catalog.entries().stream().map(Entry::name).toList();
    }

    /**
     * {@return what the store records of every buffer, in the order of {@link #names()}}
     *
     * @throws IllegalStateException if the store is closed
     */
    public synchronized List<StoreEntry> entries() {
        checkOpen("entries");
        return catalog.entries().stream().map(BufferStore::info).toList();
    }

    /**
     * Describes a stored buffer without reading its bytes.
     *
     * @param name the buffer's name
     * @return its format, shape, layout, size and revision
     * @throws NoSuchElementException if the store has no buffer of that name
     * @throws IllegalStateException  if the store is closed
     */
    public synchronized StoreEntry info(String name) {
        checkOpen("info");
        Entry e = catalog.find(Objects.requireNonNull(name, "name"));
        if (e == null) {
            throw missing("info", name);
        }
        return info(e);
    }

    private static StoreEntry info(Entry e) {
        return new StoreEntry(e.name(), Format.parse(e.format()), e.shape(), e.isIndirect(), e.dataLength(),
                e.revision());
    }

    private NoSuchElementException missing(String operation, String name) {
        List<String> names = catalog.entries().stream().map(Entry::name).toList();
        return new NoSuchElementException(operation + ": " + description + " has no buffer '" + name + "'; it has "
                + names.size() + (names.size() <= 20 ? ": " + names : ""));
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Stores a copy of {@code source}'s buffer under {@code name}, replacing a buffer of that name, as one commit.
     * The source is read through one {@link BufferRequest#FULL_RO} view: contiguous, strided (stored compacted, in C
     * order), any format, any number of dimensions; a layout whose first dimension is indirect (a {@code T**}, a
     * collection, PIL-style {@code suboffsets [s, -1, ...]}) is stored with a row table and comes back indirect.
     * Buffers already got keep showing the bytes they were got with. The source must not change while it is put:
     * its bytes are read once for the checksum and once for the copy, so a buffer changed meanwhile may be stored
     * with bytes that fail their checksum at {@link #get} ({@link Reason#CORRUPT}), never read wrong. Memory-mapped
     * sources (a shared array another process may be writing, a mapped file) are the exception: they are read once,
     * and stored as read, with a matching checksum.
     *
     * @param name   the name: 1 to 1024 bytes of UTF-8, no NUL
     * @param source what to store; its view is closed before this returns
     * @return what the store now records of the buffer
     * @throws IllegalArgumentException if the name breaks a rule (the message names it)
     * @throws BufferException          if the source refuses the request, or is indirect in a dimension other than
     *                                  the first (the message names it); nothing changed
     * @throws BufferStoreException     if the buffer does not fit ({@link Reason#FULL}: the bytes asked and free),
     *                                  or the store failed ({@link Reason#FAILED}); nothing changed
     * @throws ReadOnlyBufferException  if the store is read-only
     * @throws MemoryFaultException     if the source's memory or the file faulted (truncated by another process);
     *                                  nothing was committed
     * @throws IllegalStateException    if the store is closed
     */
    public synchronized StoreEntry put(String name, BufferExporter source) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        checkWritable("put");
        String bad = StoreFormat.checkName(name);
        if (bad != null) {
            throw new IllegalArgumentException("put: " + bad);
        }
        try (BufferView v = source.getBuffer(BufferRequest.FULL_RO)) {
            Format format = v.format() == null ? Format.parse("B") : v.format();
            long[] shape = v.shape() == null ? new long[] {v.len()} : v.shape();
            long[] sub = v.suboffsets();
            boolean indirect = false;
            if (sub != null) {
                for (int d = 0; d < sub.length; d++) {
                    if (sub[d] >= 0 && d > 0) {
                        throw new BufferException("put '" + name + "': the source is indirect in dimension " + d
                                + " (suboffsets " + Arrays.toString(sub) + "); a store keeps only the first"
                                + " dimension indirect");
                    }
                }
                indirect = sub.length > 0 && sub[0] >= 0;
            }
            long dataLength = v.len();
            long rows = indirect ? shape[0] : 0;
            long tableBytes = indirect ? StoreFormat.align(Math.multiplyExact(8, rows)) : 0;
            long extentLength = Math.max(StoreFormat.ALIGN, StoreFormat.align(Math.addExact(tableBytes, dataLength)));
            Entry old = catalog.find(name);
            long revision = maxRevision + 1;
            long extent;
            if (commitMode == CommitMode.IN_PLACE && old != null && old.extentLength() == extentLength
                    && old.isIndirect() == indirect) {
                extent = old.extentOffset();
            } else {
                extent = allocate(extentLength, "put '" + name + "'", old, null);
            }
            long dataOffset = extent + tableBytes;
            CRC32C crc = new CRC32C();
            if (indirect) {
                long rowBytes = rows == 0 ? 0 : dataLength / rows;
                MemorySegment table = file.asSlice(extent, 8 * rows);
                for (long r = 0; r < rows; r++) {
                    table.setAtIndex(I64, r, dataOffset + r * rowBytes);
                }
                update(crc, extent, 8 * rows);
            }
            write(v, dataOffset, dataLength, crc);
            MappedScopes.raisePendingFault(); // before the commit: a faulting copy's error is raised at a poll
            Entry e = new Entry(name, format.source(), format.itemSize(), shape, indirect
                    ? StoreFormat.KIND_INDIRECT : StoreFormat.KIND_DENSE, extent, extentLength,
                    indirect ? extent : 0, dataOffset, dataLength, (int) crc.getValue(), revision);
            List<Entry> entries = new ArrayList<>(catalog.entries());
            if (old != null) {
                entries.set(entries.indexOf(old), e);
            } else {
                entries.add(e);
            }
            commit(revision, entries, old != null && old.extentOffset() != extent ? old : null, "put '" + name + "'",
                    e);
            return info(e);
        } catch (InternalError fault) {
            throw MemoryFaultException.fault(fault, "BufferStore.put", description + " buffer '" + name + "'");
        }
    }

    /**
     * Copies the view's items in C order to {@code offset} of the file, adding them to the checksum: a contiguous
     * source piece by piece, each checksummed where it is, then copied ({@link StoreFormat#copyChecksummed}); any
     * other source copied, then its stored bytes checksummed through a heap chunk.
     */
    private void write(BufferView v, long offset, long length, CRC32C crc) {
        if (v.suboffsets() == null && v.isContiguous('C')) {
            StoreFormat.copyChecksummed(v.buf(), file, offset, length, crc, chunk, StoreFormat.PIECE);
        } else {
            v.copyTo(file.asSlice(offset, length), 'C');
            update(crc, offset, length);
        }
    }

    /**
     * Removes a stored buffer, as one commit. Buffers already got keep showing its bytes.
     *
     * @param name the buffer's name
     * @return whether there was a buffer of that name (if not, nothing is committed)
     * @throws BufferStoreException    if the store failed ({@link Reason#FAILED}), or the commit's catalog does not
     *                                 fit ({@link Reason#FULL})
     * @throws ReadOnlyBufferException if the store is read-only
     * @throws IllegalStateException   if the store is closed
     */
    public synchronized boolean remove(String name) {
        Objects.requireNonNull(name, "name");
        checkWritable("remove");
        Entry old = catalog.find(name);
        if (old == null) {
            return false;
        }
        List<Entry> entries = new ArrayList<>(catalog.entries());
        entries.remove(old);
        try {
            commit(maxRevision + 1, entries, old, "remove '" + name + "'", null);
        } catch (InternalError fault) {
            throw MemoryFaultException.fault(fault, "BufferStore.remove", description + " buffer '" + name + "'");
        }
        return true;
    }

    /**
     * Writes the catalog of a commit and its root: the commit point. {@code freed} is the entry the commit stops
     * referencing, {@code added} the one it adds (its space must not hold the catalog).
     */
    private void commit(long revision, List<Entry> entries, Entry freed, String operation, Entry added) {
        Catalog next = null;
        byte[] bytes = null;
        long at = -1;
        for (int attempt = 0; attempt < 2 && at < 0; attempt++) {
            if (attempt == 1) {
                if (flushedRevision == current.revision()) {
                    break;
                }
                flush(); // frees what was held for the flushed state
            }
            reclaim();
            next = new Catalog(revision, entries, pendingAfter(revision, freed));
            bytes = StoreFormat.encode(next);
            at = lastFit(StoreFormat.align(bytes.length), added);
        }
        if (at < 0) {
            throw full(StoreFormat.align(bytes.length), operation + " (its catalog)", null, added);
        }
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, file, at, bytes.length);
        int spare = spareSlot();
        Root root = new Root(spare, revision, flushedRevision, at, bytes.length,
                StoreFormat.crc(MemorySegment.ofArray(bytes)));
        StoreFormat.writeRoot(file, root); // the commit point
        MappedScopes.raisePendingFault(); // a faulting copy of the catalog or root: nothing is taken as committed
        slotRevisions[spare] = revision;
        maxRevision = revision;
        current = root;
        catalog = next;
    }

    /** The pending spaces of commit {@code revision}: today's, the old catalog's, and {@code freed}'s. */
    private List<Pending> pendingAfter(long revision, Entry freed) {
        List<Pending> pending = new ArrayList<>(catalog.pending());
        pending.add(new Pending(current.catalogOffset(), StoreFormat.align(current.catalogLength()),
                current.revision(), revision));
        if (freed != null) {
            pending.add(new Pending(freed.extentOffset(), freed.extentLength(), freed.revision(), revision));
        }
        return pending;
    }

    private int spareSlot() {
        int spare = -1;
        for (int s = 0; s < slotRevisions.length; s++) {
            if (s != current.slot() && s != flushedSlot && (spare < 0 || slotRevisions[s] < slotRevisions[spare])) {
                spare = s;
            }
        }
        return spare;
    }

    /**
     * Finds {@code length} free bytes: not referenced by the newest commit (nor by {@code also}, a space the commit
     * being written uses), nor pending for a root or reader that may read them. Reuses what may be reused first;
     * flushes once if that makes room.
     */
    private long allocate(long length, String what, Entry replaced, Entry also) {
        reclaim();
        long at = firstFit(length, also);
        if (at < 0 && flushedRevision < current.revision()) {
            flush();
            reclaim();
            at = firstFit(length, also);
        }
        if (at < 0) {
            throw full(length, what, replaced, also);
        }
        return at;
    }

    private BufferStoreException full(long length, String what, Entry replaced, Entry also) {
        return StoreFormat.failure(Reason.FULL, replaced == null ? null : replaced.name(), null, description + ": "
                + what + " needs " + length + " bytes (rounded up to 64); " + freeBytes(also) + " of " + capacity
                + " are free, the largest free run has " + largestGap(also) + "; nothing was changed");
    }

    /**
     * Drops the pending spaces nothing may read any more: a space referenced by revisions {@code [a, r)} is kept while
     * the last flushed root is one of them (a power loss returns to it), or a reader anywhere (or a buffer this store
     * lent) holds one of them. The newest root never references a pending space.
     */
    private void reclaim() {
        List<Pending> candidates = new ArrayList<>();
        List<Pending> keep = new ArrayList<>();
        for (Pending p : catalog.pending()) {
            boolean flushedReadsIt = p.allocatedAt() <= flushedRevision && flushedRevision < p.freedAt();
            (flushedReadsIt ? keep : candidates).add(p);
        }
        if (candidates.isEmpty()) {
            return;
        }
        long[] from = new long[candidates.size()];
        long[] to = new long[candidates.size()];
        for (int i = 0; i < from.length; i++) {
            from[i] = candidates.get(i).allocatedAt();
            to[i] = candidates.get(i).freedAt();
        }
        boolean[] used = locks.inUse(from, to);
        for (int i = 0; i < used.length; i++) {
            if (used[i]) {
                keep.add(candidates.get(i));
            }
        }
        if (keep.size() != catalog.pending().size()) {
            // Only in memory: the next commit writes the shorter list; until then the spaces are free to use by it.
            catalog = new Catalog(catalog.revision(), catalog.entries(), keep);
        }
    }

    /** The used spaces, sorted by offset. */
    private List<long[]> used(Entry also) {
        List<long[]> spans = new ArrayList<>();
        for (Entry e : catalog.entries()) {
            spans.add(new long[] {e.extentOffset(), e.extentLength()});
        }
        for (Pending p : catalog.pending()) {
            spans.add(new long[] {p.offset(), p.length()});
        }
        spans.add(new long[] {current.catalogOffset(), StoreFormat.align(current.catalogLength())});
        if (also != null) {
            spans.add(new long[] {also.extentOffset(), also.extentLength()});
        }
        spans.sort((x, y) -> Long.compare(x[0], y[0]));
        return spans;
    }

    private long firstFit(long length, Entry also) {
        long at = StoreFormat.DATA_START;
        for (long[] s : used(also)) {
            if (s[0] - at >= length) {
                return at;
            }
            at = Math.max(at, s[0] + s[1]);
        }
        return capacity - at >= length ? at : -1;
    }

    /** The highest free place for {@code length} bytes: catalogs go there, away from the buffers, against holes. */
    private long lastFit(long length, Entry also) {
        long at = StoreFormat.DATA_START;
        long best = -1;
        for (long[] s : used(also)) {
            if (s[0] - at >= length) {
                best = s[0] - length;
            }
            at = Math.max(at, s[0] + s[1]);
        }
        long top = (capacity - length) & -StoreFormat.ALIGN;
        return top >= at ? top : best;
    }

    private long largestGap(Entry also) {
        long at = StoreFormat.DATA_START;
        long best = 0;
        for (long[] s : used(also)) {
            best = Math.max(best, s[0] - at);
            at = Math.max(at, s[0] + s[1]);
        }
        return Math.max(best, capacity - at);
    }

    private long freeBytes(Entry also) {
        long at = StoreFormat.DATA_START;
        long free = 0;
        for (long[] s : used(also)) {
            free += Math.max(0, s[0] - at);
            at = Math.max(at, s[0] + s[1]);
        }
        return free + Math.max(0, capacity - at);
    }

    /**
     * Forces every commit so far to the disk: after it returns, the store's state survives a power loss. Data and
     * catalogs are forced first, then the newest root. A read-only store has nothing to force.
     *
     * @throws BufferStoreException  ({@link Reason#FAILED}) if forcing failed; the store then refuses every later
     *                               write, and what is on disk is the state of the previous successful flush
     * @throws IllegalStateException if the store is closed
     */
    public synchronized void flush() {
        checkOpen("flush");
        if (readOnly || flushedRevision == current.revision()) {
            return;
        }
        if (failed != null) {
            throw failedException("flush");
        }
        try {
            java.util.function.Consumer<MemorySegment> force = forcer;
            force.accept(file.asSlice(StoreFormat.DATA_START));
            force.accept(file.asSlice(StoreFormat.slotOffset(current.slot()), StoreFormat.PAGE));
            StoreFormat.writeFlushMark(file, current.revision());
            force.accept(file.asSlice(0, StoreFormat.PAGE));
        } catch (UncheckedIOException | InternalError e) {
            failed = "flush of revision " + current.revision() + " failed: " + e;
            throw StoreFormat.failure(Reason.FAILED, null, null, description + ": " + failed
                    + "; the store refuses every later write");
        }
        flushedSlot = current.slot();
        flushedRevision = current.revision();
    }

    // ------------------------------------------------------------------------------------------------ description

    /** {@return the store file} */
    public Path path() {
        return path;
    }

    /** {@return whether the store was opened read-only} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@return the file's size: what the store can hold, with its header and catalogs} */
    public long capacity() {
        return capacity;
    }

    /**
     * {@return the revision of the newest commit this store object sees (a reader: the one it opened at)}
     *
     * @throws IllegalStateException if the store is closed
     */
    public synchronized long revision() {
        checkOpen("revision");
        return current.revision();
    }

    /**
     * {@return the bytes free for buffers now, not counting space held for the last flush or for readers}
     *
     * @throws IllegalStateException if the store is closed
     */
    public synchronized long freeBytes() {
        checkOpen("freeBytes");
        return freeBytes(null);
    }

    /** {@return whether {@link #close()} ran} */
    public boolean isClosed() {
        return lifetime.isClosed();
    }

    /**
     * Flushes (a writer), unmaps the file and unlocks it. Closing twice is harmless.
     *
     * @throws BufferStoreException ({@link Reason#IN_USE}) if stored buffers got from this store are open, naming
     *                              each; the store stays open. ({@link Reason#FAILED}) if the flush failed; the
     *                              store is closed all the same
     */
    @Override
    public synchronized void close() {
        if (lifetime.isClosed()) {
            return;
        }
        BufferStoreException flushFailure = null;
        if (!readOnly && failed == null) {
            try {
                flush();
            } catch (BufferStoreException e) {
                flushFailure = e;
            }
        }
        try {
            lifetime.close("close", null);
        } catch (BufferException e) {
            throw new BufferStoreException(Reason.IN_USE, null, null, description + ": cannot close: "
                    + lifetime.holdCount() + " stored buffer(s) are still open (" + e.getMessage()
                    + "); close them first", e);
        }
        if (flushFailure != null) {
            throw flushFailure;
        }
    }

    @Override
    public String toString() {
        return description + (lifetime.isClosed() ? ", closed" : ", revision " + current.revision() + ", "
                + catalog.entries().size() + " buffers");
    }

    private void checkOpen(String operation) {
        if (lifetime.isClosed()) {
            throw new IllegalStateException(operation + ": " + description + " is closed");
        }
    }

    private void checkWritable(String operation) {
        checkOpen(operation);
        if (readOnly) {
            throw ReadOnlyWrite.of(operation, null, description);
        }
        if (failed != null) {
            throw failedException(operation);
        }
    }

    private BufferStoreException failedException(String operation) {
        return StoreFormat.failure(Reason.FAILED, null, null, operation + ": " + description + " has failed ("
                + failed + "); it refuses writes");
    }

    // ------------------------------------------------------------------------------------------------ tests

    /** For the kill test's negative control only: chooses how this JVM's stores commit. */
    static void commitModeForTests(CommitMode mode) {
        commitMode = Objects.requireNonNull(mode, "mode");
    }

    /** For tests of a failing disk only: replaces what forces the mapping ({@code null}: the JDK's force). */
    static void forcerForTests(java.util.function.Consumer<MemorySegment> force) {
        forcer = force == null ? MemorySegment::force : force;
    }
}
