package org.indirectbuffer.jna;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Function;

import org.indirectbuffer.internal.CloseEach;

/**
 * The argument {@link IndirectLibrary#TYPE_MAPPER} makes for one parameter of one native call: a keep-alive Pointer
 * holding the export (or pin) made for the call, which JNA releases right after the call returns ({@link
 * Function.PostCallRead}, which JNA runs on each converted argument). If the call throws, the {@link CallFrame} of a
 * library loaded with {@link IndirectLibrary#load} releases it; otherwise the Cleaner does. Once released it is NULL,
 * like every closed {@link IndirectPointer}.
 */
final class CallPointer extends IndirectPointer implements Function.PostCallRead {
    CallPointer(long address, Object owner, Runnable releaseAction, String description) {
        super(address, owner, null, releaseAction, description);
        CallFrame.register(this);
    }

    /** Called by JNA after the native call returned: the export made for the call ends now. */
    @Override
    public void read() {
        end("the native call it was made for returned");
        close();
    }

    /**
     * The call pointers made on this thread during one call through an {@link IndirectLibrary#load} proxy, released
     * in its {@code finally} whether the call returned or threw. Frames nest (a callback calling back into C).
     */
    static final class CallFrame {
        private static final ThreadLocal<ArrayDeque<CallFrame>> FRAMES = ThreadLocal.withInitial(ArrayDeque::new);
        private final List<CallPointer> pointers = new ArrayList<>(4);

        static CallFrame open() {
            CallFrame f = new CallFrame();
            FRAMES.get().push(f);
            return f;
        }

        static void register(CallPointer p) {
            CallFrame top = FRAMES.get().peek();
            if (top != null) {
                top.pointers.add(p);
            }
        }

        /**
         * Pops the frame and releases every pointer of it not yet released.
         *
         * @param failure what the call threw, or null: release failures are added to it as suppressed
         * @throws RuntimeException the first release failure, when the call itself did not fail
         */
        void close(Throwable failure) {
            FRAMES.get().remove(this);
            CloseEach.closeEach(pointers, CallPointer::close, failure);
        }
    }
}
