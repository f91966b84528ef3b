package org.indirectbuffer.jna;

import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

import org.indirectbuffer.internal.ScopeArena;

/**
 * Ends keep-alive {@link IndirectPointer}s when the memory they point into ends: one cleanup per memory scope, run by
 * the JDK when that scope is closed (before the memory is freed: cleanups run in reverse order of registration, and
 * freeing was registered when the memory was allocated), sets every watched Pointer of the scope to NULL. So a Pointer
 * whose owner was closed or resized is NULL to plain JNA, not an address of freed memory. Holds Pointers and scopes
 * weakly: it keeps nothing reachable. Thread-safe.
 */
final class PointerRevocation {
    private static final MemorySegment.Scope GLOBAL = MemorySegment.NULL.scope();
    /** One watch per live scope; a scope's entry goes when the scope is collected. Guarded by itself. */
    private static final Map<MemorySegment.Scope, Watch> WATCHES = new WeakHashMap<>();

    private PointerRevocation() {
    }

    /**
     * Ends {@code p} when {@code scope} ends. Nothing is watched for an unknown or global scope, or for a confined
     * scope of another thread (whose cleanup only its owner may register); those Pointers are still refused by
     * {@link IndirectPointer#ensureUsable} once the scope is dead.
     */
    static void watch(IndirectPointer p, MemorySegment.Scope scope) {
        if (scope == null || scope.equals(GLOBAL)) {
            return;
        }
        Watch w;
        synchronized (WATCHES) {
            w = WATCHES.get(scope);
            if (w == null) {
                Watch fresh = new Watch();
                try {
                    // The cleanup captures the watch only (weak references to Pointers), never the scope's owner.
                    MemorySegment.NULL.reinterpret(0, ScopeArena.of(scope), ignored -> fresh.endAll());
                } catch (IllegalStateException | WrongThreadException | IllegalCallerException e) {
                    return; // already closed (the Pointer is refused when used), or confined to another thread
                }
                WATCHES.put(scope, fresh);
                w = fresh;
            }
        }
        w.add(p);
    }

    /** The Pointers of one scope. */
    private static final class Watch {
        private final List<WeakReference<IndirectPointer>> pointers = new ArrayList<>();
        private boolean done;
        private int purgeAt = 16;

        void add(IndirectPointer p) {
            synchronized (this) {
                if (!done) {
                    if (pointers.size() >= purgeAt) {
                        pointers.removeIf(r -> r.get() == null);
                        purgeAt = Math.max(16, pointers.size() * 2);
                    }
                    pointers.add(new WeakReference<>(p));
                    return;
                }
            }
            p.end("the memory it points into has ended (its owner was closed, resized or freed)");
        }

        void endAll() {
            List<WeakReference<IndirectPointer>> all;
            synchronized (this) {
                done = true;
                all = new ArrayList<>(pointers);
                pointers.clear();
            }
            for (WeakReference<IndirectPointer> r : all) {
                IndirectPointer p = r.get();
                if (p != null) {
                    p.end("the memory it points into has ended (its owner was closed, resized or freed)");
                }
            }
        }
    }
}
