package org.indirectbuffer.jna;

import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.WString;

import org.indirectbuffer.Sharing;
import org.indirectbuffer.internal.Lifetime;

/**
 * A JNA {@link Pointer} that keeps the object whose memory it points into strongly reachable for as long as the
 * Pointer itself is: hand it to C (as an argument, or stored in a JNA {@code Structure} field) and the memory cannot
 * be freed by a {@code Cleaner} while JNA, the structure or your code still holds the Pointer. It is what {@link
 * JnaIndirect#pointer} and friends return; {@link IndirectLibrary#TYPE_MAPPER} makes one for each argument.
 *
 * <h2>Ownership</h2>
 * The Pointer <b>borrows</b>: it never frees its {@link #owner()}. It keeps it reachable, and ends when the owner's
 * memory ends (below). An explicit {@code close()} of the owner while a C call in progress still uses the address is
 * the caller's error, exactly as in C; the {@link IndirectLibrary} route avoids it by locking the owner for the
 * duration of each call. A Pointer made by one of the {@link
 * JnaIndirect#export(org.indirectbuffer.BufferExporter, int) export} methods also holds a
 * counted {@link org.indirectbuffer.BufferView export} of its owner: {@link #close()} releases it (for a collection
 * with heap rows, that copies C's writes back into the Java arrays). If such a Pointer becomes unreachable
 * unclosed, a {@link java.lang.ref.Cleaner} releases the export and the leak is reported, as for every resource of
 * the library ({@link org.indirectbuffer.LeakDetection}): while open, it is listed among {@link
 * org.indirectbuffer.LeakDetection#openResources()}. A keep-alive-only Pointer holds nothing and is not tracked.
 *
 * <h2>Closed and ended Pointers are NULL</h2>
 * A Pointer ends when {@link #close()} is called on it (or on the Pointer it was {@linkplain #share(long, long)
 * shared} from), or when the memory it points into ends (its owner is closed or resized, an export is released):
 * from then on its JNA value ({@link Pointer#nativeValue(Pointer)}, {@link #address()}) is 0, as JNA's own {@code
 * Memory} after {@code close()}, so plain JNA passes NULL to C instead of an address of freed memory. Every route this
 * library controls refuses an ended Pointer before C is called, with an {@link IllegalStateException} naming it:
 * arguments converted by {@link IndirectLibrary#TYPE_MAPPER}, the tables, rows and strings given to {@link
 * JnaIndirect}, {@link org.indirectbuffer.RaggedRows}, {@link CStringArray} and {@link FreeFunction}, and this class's own {@code get…},
 * {@code set…}, {@code read}, {@code write} and {@code share} methods.
 *
 * <h2>What JNA does not check</h2>
 * A JNA Pointer is a raw address: its {@code getDouble}, {@code setInt}, ... methods are not bounds-checked, here as
 * anywhere in JNA, and the check that the Pointer has not ended is made before each of them, not during it (a close
 * racing on another thread is not caught). Read and write from Java through the owner's accessors (checked) and use
 * the Pointer to pass the address to C. {@link #share(long, long)} returns a Pointer that keeps the same owner
 * reachable and ends with this one; other derived Pointers ({@code getPointer}, ...) are plain JNA Pointers.
 *
 * <p>Thread-safety: immutable but for the ended state; every method may be called from any thread.
 */
public sealed class IndirectPointer extends Pointer implements AutoCloseable permits CallPointer {
    private final Object owner;
    /**
     * The lifetime of what this Pointer holds (an export, a pin), whose release it runs once, by {@link #close()} or
     * by the Cleaner, with the leak record; null for a keep-alive-only Pointer, which holds nothing.
     */
    private final Lifetime lifetime;
    /** The address as made: {@code peer} becomes 0 when the Pointer ends; messages keep naming it. */
    private final long madeAt;
    /** The scope of the memory the address points into, or null when unknown: once dead, the Pointer has ended. */
    private final MemorySegment.Scope scope;
    /** The Pointer {@link #share(long, long)} was first called on: this one, or the root it was shared from. */
    private final IndirectPointer root;
    /** Why this Pointer ended, or null while it has not; written under {@code this}. */
    private volatile String ended;
    /** Pointers shared from this root, ended with it; guarded by {@code this}. */
    private List<WeakReference<IndirectPointer>> shares;

    IndirectPointer(long address, Object owner, MemorySegment.Scope scope, Runnable releaseAction,
                    String description) {
        this(address, owner, scope, releaseAction, description, null);
    }

    private IndirectPointer(long address, Object owner, MemorySegment.Scope scope, Runnable releaseAction,
                            String description, IndirectPointer root) {
        super(address);
        this.owner = Objects.requireNonNull(owner, "owner");
        this.madeAt = address;
        this.scope = scope;
        this.root = root == null ? this : root;
        this.lifetime = releaseAction == null ? null : Lifetime.start(this, null, Sharing.SHARED, true,
                getClass().getSimpleName(), () -> description + " of " + owner + ", at 0x"
                        + Long.toHexString(address), releaseAction);
    }

    /**
     * A keep-alive Pointer handed to the caller: it ends (becomes NULL) when {@code scope} ends.
     *
     * @param address where it points
     * @param owner   what it keeps reachable
     * @param scope   the scope of the memory at {@code address}, or null if unknown
     * @param release what {@link #close()} releases, or null
     * @param description what {@code release} ends ("export"), for leak reports
     */
    static IndirectPointer keeping(long address, Object owner, MemorySegment.Scope scope, Runnable release,
                                   String description) {
        IndirectPointer p = new IndirectPointer(address, owner, scope, release, description);
        PointerRevocation.watch(p, scope);
        return p;
    }

    /**
     * Returns the object this Pointer keeps reachable: an {@link org.indirectbuffer.IndirectMemory2D}, {@link
     * org.indirectbuffer.BufferView}, {@link org.indirectbuffer.collection.BufferCollection2D}, {@link org.indirectbuffer.RaggedRows},
     * {@link CStringArray}, JNA {@code Memory}, or whatever the factory was given.
     *
     * @return the owner, never null
     */
    public Object owner() {
        return owner;
    }

    /**
     * Returns the address as a Java {@code long} (what {@link Pointer#nativeValue(Pointer)} gives): 0 once this
     * Pointer has ended.
     *
     * @return the address, or 0 once ended
     */
    public long address() {
        return Pointer.nativeValue(this);
    }

    /**
     * Returns whether this Pointer holds an export (a view or a pin) that {@link #close()} releases.
     *
     * @return true if {@code close()} has something to release, released or not
     */
    public boolean holdsExport() {
        return lifetime != null;
    }

    /**
     * Returns whether the export this Pointer held was released ({@code false} for a keep-alive-only Pointer).
     *
     * @return true once released
     */
    public boolean isReleased() {
        return lifetime != null && lifetime.isClosed();
    }

    /**
     * Returns whether this Pointer has ended: it was closed (itself, or the Pointer it was shared from), or the
     * memory it points into ended. An ended Pointer is NULL to JNA and refused by this library.
     *
     * @return true once ended
     */
    public boolean isClosed() {
        return endedBecause() != null;
    }

    /**
     * Ends this Pointer: its JNA value becomes NULL, every route this library controls refuses it, and the Pointers
     * shared from it end too. Then releases the export it holds, if any: closes the view (copying staged rows back
     * when it is writable) or ends the pin. Idempotent; safe from any thread.
     *
     * @throws RuntimeException what releasing the export threw (for example a copy-back into a closed row source);
     *                          the export counts as released all the same
     */
    @Override
    public void close() {
        end("it was closed");
        if (lifetime != null) {
            lifetime.close("close", null);
        }
    }

    /** Ends this Pointer and those shared from it, without releasing anything. */
    void end(String why) {
        List<WeakReference<IndirectPointer>> shared;
        synchronized (this) {
            if (ended == null) {
                ended = why;
            }
            Pointer.nativeValue(this, 0);
            shared = shares;
            shares = null;
        }
        if (shared != null) {
            for (WeakReference<IndirectPointer> ref : shared) {
                IndirectPointer p = ref.get();
                if (p != null) {
                    p.end("the Pointer it was shared from ended (" + why + ")");
                }
            }
        }
    }

    /** Why this Pointer cannot be used, or null if it can. */
    private String endedBecause() {
        String why = ended;
        if (why == null && scope != null && !scope.isAlive()) {
            why = "the memory it points into has ended (its owner was closed, resized or freed)";
            end(why);
        }
        if (why == null && root != this && root.isClosed()) {
            why = "the Pointer it was shared from ended";
            end(why);
        }
        return why;
    }

    /**
     * Refuses an ended Pointer before its address is used.
     *
     * @param role what the Pointer was given as, for the message ("argument 0", "table")
     * @throws IllegalStateException naming this Pointer and why it ended
     */
    void ensureUsable(String role) {
        String why = endedBecause();
        if (why != null) {
            throw new IllegalStateException(role + " " + this + " cannot be used: " + why + "; its address is no"
                    + " longer given to C (JNA sees it as NULL)");
        }
    }

    private void usable() {
        ensureUsable("Pointer");
    }

    /** The scope of the memory this Pointer points into, or null if unknown. */
    MemorySegment.Scope scope() {
        return scope;
    }

    /**
     * Returns a Pointer {@code offset} bytes further that keeps the same owner reachable (and releases nothing); it
     * ends when this one does.
     *
     * @param offset bytes from this address
     * @param size   ignored, as by JNA's {@code Pointer}
     * @return a keep-alive Pointer
     * @throws IllegalStateException if this Pointer has ended
     */
    @Override
    public Pointer share(long offset, long size) {
        usable();
        IndirectPointer p = new IndirectPointer(madeAt + offset, owner, scope, null, null, root);
        synchronized (root) {
            if (root.ended == null) {
                List<WeakReference<IndirectPointer>> list = root.shares;
                if (list == null) {
                    list = root.shares = new ArrayList<>(2);
                }
                if (list.size() >= 16 && Integer.bitCount(list.size()) == 1) {
                    list.removeIf(r -> r.get() == null); // amortized: purge at each power of two
                }
                list.add(new WeakReference<>(p));
                return p;
            }
        }
        p.end("the Pointer it was shared from ended");
        return p;
    }

    @Override
    public String toString() {
        String why = ended;
        return getClass().getSimpleName() + "@0x" + Long.toHexString(madeAt) + " keeping " + owner
                + (why != null ? " (ended: " + why + ")" : lifetime == null ? ""
                : lifetime.isClosed() ? " (released)" : " (holding an export)");
    }

    // ------------------------------------------------------------------------------- JNA accessors, refused once ended

    @Override
    public void clear(long size) {
        usable();
        super.clear(size);
    }

    @Override
    public long indexOf(long offset, byte value) {
        usable();
        return super.indexOf(offset, value);
    }

    @Override
    public void read(long offset, byte[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void read(long offset, short[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void read(long offset, char[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void read(long offset, int[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void read(long offset, long[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void read(long offset, float[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void read(long offset, double[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void read(long offset, Pointer[] buf, int index, int length) {
        usable();
        super.read(offset, buf, index, length);
    }

    @Override
    public void write(long offset, byte[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public void write(long offset, short[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public void write(long offset, char[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public void write(long offset, int[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public void write(long offset, long[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public void write(long offset, float[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public void write(long offset, double[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public void write(long offset, Pointer[] buf, int index, int length) {
        usable();
        super.write(offset, buf, index, length);
    }

    @Override
    public byte getByte(long offset) {
        usable();
        return super.getByte(offset);
    }

    @Override
    public char getChar(long offset) {
        usable();
        return super.getChar(offset);
    }

    @Override
    public short getShort(long offset) {
        usable();
        return super.getShort(offset);
    }

    @Override
    public int getInt(long offset) {
        usable();
        return super.getInt(offset);
    }

    @Override
    public long getLong(long offset) {
        usable();
        return super.getLong(offset);
    }

    @Override
    public NativeLong getNativeLong(long offset) {
        usable();
        return super.getNativeLong(offset);
    }

    @Override
    public float getFloat(long offset) {
        usable();
        return super.getFloat(offset);
    }

    @Override
    public double getDouble(long offset) {
        usable();
        return super.getDouble(offset);
    }

    @Override
    public Pointer getPointer(long offset) {
        usable();
        return super.getPointer(offset);
    }

    @Override
    public ByteBuffer getByteBuffer(long offset, long length) {
        usable();
        return super.getByteBuffer(offset, length);
    }

    @Override
    public String getWideString(long offset) {
        usable();
        return super.getWideString(offset);
    }

    @Override
    public String getString(long offset) {
        usable();
        return super.getString(offset);
    }

    @Override
    public String getString(long offset, String encoding) {
        usable();
        return super.getString(offset, encoding);
    }

    @Override
    public byte[] getByteArray(long offset, int arraySize) {
        usable();
        return super.getByteArray(offset, arraySize);
    }

    @Override
    public char[] getCharArray(long offset, int arraySize) {
        usable();
        return super.getCharArray(offset, arraySize);
    }

    @Override
    public short[] getShortArray(long offset, int arraySize) {
        usable();
        return super.getShortArray(offset, arraySize);
    }

    @Override
    public int[] getIntArray(long offset, int arraySize) {
        usable();
        return super.getIntArray(offset, arraySize);
    }

    @Override
    public long[] getLongArray(long offset, int arraySize) {
        usable();
        return super.getLongArray(offset, arraySize);
    }

    @Override
    public float[] getFloatArray(long offset, int arraySize) {
        usable();
        return super.getFloatArray(offset, arraySize);
    }

    @Override
    public double[] getDoubleArray(long offset, int arraySize) {
        usable();
        return super.getDoubleArray(offset, arraySize);
    }

    @Override
    public Pointer[] getPointerArray(long offset) {
        usable();
        return super.getPointerArray(offset);
    }

    @Override
    public Pointer[] getPointerArray(long offset, int arraySize) {
        usable();
        return super.getPointerArray(offset, arraySize);
    }

    @Override
    public String[] getStringArray(long offset) {
        usable();
        return super.getStringArray(offset);
    }

    @Override
    public String[] getStringArray(long offset, String encoding) {
        usable();
        return super.getStringArray(offset, encoding);
    }

    @Override
    public String[] getStringArray(long offset, int length) {
        usable();
        return super.getStringArray(offset, length);
    }

    @Override
    public String[] getWideStringArray(long offset) {
        usable();
        return super.getWideStringArray(offset);
    }

    @Override
    public String[] getWideStringArray(long offset, int length) {
        usable();
        return super.getWideStringArray(offset, length);
    }

    @Override
    public String[] getStringArray(long offset, int length, String encoding) {
        usable();
        return super.getStringArray(offset, length, encoding);
    }

    @Override
    public void setMemory(long offset, long length, byte value) {
        usable();
        super.setMemory(offset, length, value);
    }

    @Override
    public void setByte(long offset, byte value) {
        usable();
        super.setByte(offset, value);
    }

    @Override
    public void setShort(long offset, short value) {
        usable();
        super.setShort(offset, value);
    }

    @Override
    public void setChar(long offset, char value) {
        usable();
        super.setChar(offset, value);
    }

    @Override
    public void setInt(long offset, int value) {
        usable();
        super.setInt(offset, value);
    }

    @Override
    public void setLong(long offset, long value) {
        usable();
        super.setLong(offset, value);
    }

    @Override
    public void setNativeLong(long offset, NativeLong value) {
        usable();
        super.setNativeLong(offset, value);
    }

    @Override
    public void setFloat(long offset, float value) {
        usable();
        super.setFloat(offset, value);
    }

    @Override
    public void setDouble(long offset, double value) {
        usable();
        super.setDouble(offset, value);
    }

    @Override
    public void setPointer(long offset, Pointer value) {
        usable();
        super.setPointer(offset, value);
    }

    @Override
    public void setWideString(long offset, String value) {
        usable();
        super.setWideString(offset, value);
    }

    @Override
    public void setString(long offset, WString value) {
        usable();
        super.setString(offset, value);
    }

    @Override
    public void setString(long offset, String value) {
        usable();
        super.setString(offset, value);
    }

    @Override
    public void setString(long offset, String value, String encoding) {
        usable();
        super.setString(offset, value, encoding);
    }

    @Override
    public String dump(long offset, int size) {
        usable();
        return super.dump(offset, size);
    }
}
