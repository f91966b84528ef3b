package org.indirectbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tables the library made and lends out ({@link RaggedRows#create}, {@link CStringTable#create}), by address: when
 * such a table comes back as a "foreign" pointer ({@code RaggedRows.wrapTerminated(rows.pointerTable(), ...)}, {@code
 * CStringTable.read(strings.pointerTable(), ...)}), its rows are read through the owner's own record, bounded to what
 * the library allocated and scoped to the owner, instead of following the lent table (which C may have rewritten) or
 * scanning past a row's end. An entry lives as long as the owner's memory: it is removed by a cleanup of the owner's
 * arena, which runs before the memory is freed. Owners are held weakly. Thread-safe.
 */
final class LentTables {
    private static final ConcurrentHashMap<Long, WeakReference<Object>> TABLES = new ConcurrentHashMap<>();

    private LentTables() {
    }

    /**
     * Records that {@code owner} made the table at {@code address}, in memory of {@code arena}.
     *
     * @param address the table's address
     * @param owner   a {@link RaggedRows} or {@link CStringTable}
     * @param arena   the arena whose closing frees the table
     */
    static void register(long address, Object owner, Arena arena) {
        WeakReference<Object> ref = new WeakReference<>(owner);
        TABLES.put(address, ref);
        MemorySegment.NULL.reinterpret(0, arena, ignored -> TABLES.remove(address, ref));
    }

    /**
     * Returns the open owner of the table at {@code address}, if the library made it.
     *
     * @param address an address
     * @param type    the owner type wanted
     * @return the owner, or null if no open {@code type} made a table there
     */
    static <T> T lookup(long address, Class<T> type) {
        WeakReference<Object> ref = TABLES.get(address);
        Object owner = ref == null ? null : ref.get();
        if (owner instanceof RaggedRows r && !r.isClosed() || owner instanceof CStringTable s && !s.isClosed()) {
            return type.isInstance(owner) ? type.cast(owner) : null;
        }
        return null;
    }
}
