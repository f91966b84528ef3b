package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.jna.Pointer;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.testing.AllowsLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive under GC pressure: 10^5 native calls whose only reference to the memory's owner is the Pointer (or the
 * JNA argument array), while another thread churns the heap and forces collections. Memory freed under C would show
 * as a wrong sum or a crash. A control shows that the same owner held only by a bare JNA Pointer is collected.
 */
@AllowsLeaks("drops 25,000 owners for the Cleaner on purpose under GC pressure; more than the Cleaner frees within"
        + " the check's 2 s wait")
class KeepAliveTest {
    private static final int CALLS = 100_000;
    private static final int ROWS = 8;
    private static final int COLS = 16;

    private Thread churn;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong collections = new AtomicLong();

    @BeforeEach
    void startGcPressure() {
        churn = Thread.ofPlatform().daemon().name("gc-churn").start(() -> {
            long lastGc = System.nanoTime();
            Object[] keep = new Object[64];
            int i = 0;
            while (!stop.get()) {
                keep[i++ & 63] = new byte[16 * 1024];
                if (System.nanoTime() - lastGc > 20_000_000L) {
                    System.gc();
                    collections.incrementAndGet();
                    lastGc = System.nanoTime();
                }
            }
        });
    }

    @AfterEach
    void stopGcPressure() throws InterruptedException {
        stop.set(true);
        churn.join();
    }

    private static double[][] data() {
        double[][] d = new double[ROWS][COLS];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < COLS; j++) {
                d[i][j] = i * 100 + j;
            }
        }
        return d;
    }

    private static final double EXPECTED = expected();

    private static double expected() {
        double s = 0;
        for (double[] row : data()) {
            for (double v : row) {
                s += v;
            }
        }
        return s;
    }

    /** Makes memory that only the returned Pointer references. */
    private static IndirectPointer onlyThePointerHoldsIt() {
        return JnaIndirect.pointer(IndirectMemory2D.createFrom(data()));
    }

    @Test
    void keepAlivePointerAcross100kCallsWithTheOwnerOtherwiseUnreachable() {
        IndirectPointer p = onlyThePointerHoldsIt();
        WeakReference<Object> owner = new WeakReference<>(p.owner());
        long bad = 0;
        for (int i = 0; i < CALLS; i++) {
            if (TestNative.RAW.jt_sum(p, ROWS, COLS) != EXPECTED) {
                bad++;
            }
        }
        assertThat(bad).isZero();
        assertThat(collections.get()).as("collections forced during the calls").isPositive();
        assertThat(owner.get()).isNotNull();
        Reference.reachabilityFence(p);
    }

    @Test
    void typeMapperArgumentsAcross100kCallsWithFreshUnreachableOwners() {
        // Each call's argument is referenced by nothing but JNA's argument array: a fresh memory (never closed: the
        // Cleaner frees it) or a fresh read-only handle on one. Each is exported for its call, released after it.
        long bad = 0;
        IndirectMemory2D handleSource = IndirectMemory2D.createFrom(data());
        for (int i = 0; i < CALLS; i++) {
            IndirectMemory2D arg = (i & 3) == 0 ? IndirectMemory2D.createFrom(data())
                    : handleSource.narrowed(org.indirectbuffer.Access.READ_ONLY);
            if (TestNative.TYPED.jt_sum(arg, ROWS, COLS) != EXPECTED) {
                bad++;
            }
        }
        assertThat(bad).isZero();
        assertThat(handleSource.exportCount()).isZero();
        handleSource.close();
    }

    @Test
    void raggedRowsPointerAcrossCallsWithTheOwnerOtherwiseUnreachable() {
        long[] lengths = {3, 1, 4, 1, 5};
        IndirectPointer p = JnaIndirect.pointer(RaggedRowsTest.nodes(lengths, "T{i:index:4x d:value:}"));
        double expected = RaggedRowsTest.expectedNodeSum(lengths);
        long bad = 0;
        for (int i = 0; i < CALLS / 4; i++) {
            if (TestNative.RAW.jt_sum_nodes(p, lengths.length) != expected) {
                bad++;
            }
        }
        assertThat(bad).isZero();
        Reference.reachabilityFence(p);
    }

    @Test
    void controlABarePointerDoesNotKeepTheOwnerReachable() throws InterruptedException {
        @SuppressWarnings({"unchecked", "rawtypes"}) // a one-cell out-parameter: Java has no generic array creation
        WeakReference<Object>[] owner = new WeakReference[1];
        Pointer bare = barePointer(owner);
        for (int i = 0; i < 500 && owner[0].get() != null; i++) {
            System.gc();
            Thread.sleep(2);
        }
        // The owner is gone (its memory freed by the Cleaner): `bare` now dangles, so it is not used.
        assertThat(owner[0].get()).isNull();
        assertThat(Pointer.nativeValue(bare)).isNotZero();
    }

    private static Pointer barePointer(WeakReference<Object>[] owner) {
        IndirectMemory2D m = IndirectMemory2D.createFrom(data());
        owner[0] = new WeakReference<>(m);
        return new Pointer(m.pointerTable().address());
    }
}
