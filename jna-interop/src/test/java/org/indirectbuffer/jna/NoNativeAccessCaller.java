package org.indirectbuffer.jna;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Terminator;
import org.indirectbuffer.MemoryNanny;

/**
 * Calls the module's methods from a caller without native access: {@link SafetyTest} defines a copy of this class in
 * a class loader of its own, so that the copy lives in that loader's unnamed module, which the test JVM does not
 * grant native access (only the named modules are listed in {@code --enable-native-access}). Public API only (the
 * copy is in another runtime package); no lambdas or nested classes (the loader defines this one class).
 */
public final class NoNativeAccessCaller implements Function<Object[], Object> {
    /** Needed by the reflective instantiation. */
    public NoNativeAccessCaller() {
    }

    @Override
    public Object apply(Object[] a) {
        String what = (String) a[0];
        Pointer p = a.length > 1 && a[1] instanceof Pointer x ? x : null;
        switch (what) {
            case "module":
                return NoNativeAccessCaller.class.getModule();
            case "JnaIndirect.wrap":
                return JnaIndirect.wrap(p, 1, 1, "d", true);
            case "JnaIndirect.adopt with nanny":
                return JnaIndirect.adopt(p, 1, 1, "d", true, MemoryNanny.closing(Arena.ofShared()));
            case "JnaIndirect.wrapKeepingAlive":
                return JnaIndirect.wrapKeepingAlive(p, 1, 1, "d", true, new Object());
            case "JnaIndirect.adopt":
                return JnaIndirect.adopt(p, 1, 1, "d", true, (FreeFunction) a[2]);
            case "JnaIndirect.adoptOutParameter":
                return JnaIndirect.adoptOutParameter((PointerByReference) a[1], 1, 1, "d", true, (FreeFunction) a[2]);
            case "JnaIndirect.tableOver":
                return JnaIndirect.tableOver(new Pointer[] {p}, 1, "d", true);
            case "JnaIndirect.wrapRagged":
                return JnaIndirect.wrapRagged(p, new long[] {1}, "d", true);
            case "JnaIndirect.wrapTerminated":
                return JnaIndirect.wrapTerminated(p, 1, "i4xd", Terminator.field(0, -1), 10, true);
            case "JnaIndirect.adoptRagged":
                return JnaIndirect.adoptRagged(p, new long[] {1}, "d", true, (FreeFunction) a[2]);
            case "JnaIndirect.adoptTerminated":
                return JnaIndirect.adoptTerminated(p, 1, "i4xd", Terminator.field(0, -1), 10, true,
                        (FreeFunction) a[2]);
            case "RaggedRows.wrap":
                return RaggedRows.wrap(MemorySegment.ofAddress(Pointer.nativeValue(p)), new long[] {1}, "d",
                        true);
            case "RaggedRows.wrapKeepingAlive":
                return RaggedRows.wrapKeepingAlive(MemorySegment.ofAddress(Pointer.nativeValue(p)),
                        new long[] {1}, "d", true, new Object());
            case "RaggedRows.wrapTerminatedKeepingAlive":
                return RaggedRows.wrapTerminatedKeepingAlive(MemorySegment.ofAddress(Pointer.nativeValue(p)), 1,
                        "i4xd", Terminator.field(0, -1), 10, true, new Object());
            case "RaggedRows.wrapTerminated":
                return RaggedRows.wrapTerminated(MemorySegment.ofAddress(Pointer.nativeValue(p)), 1, "i4xd",
                        Terminator.field(0, -1), 10, true);
            case "CStringArray.read":
                return CStringArray.read(p, StandardCharsets.UTF_8);
            case "CStringArray.readCounted":
                return CStringArray.readCounted(p, 1, StandardCharsets.UTF_8);
            case "CStringArray.readString":
                return CStringArray.readString(p, StandardCharsets.UTF_8);
            case "FreeFunction.free":
                ((FreeFunction) a[2]).free(p, 1);
                return null;
            case "FreeFunction.nanny":
                return ((FreeFunction) a[2]).nanny(p, 1);
            case "RaggedRows.create":
                return RaggedRows.create(new long[] {2, 1}, "d");
            case "CStringArray.create":
                return CStringArray.create(StandardCharsets.UTF_8, "not", "restricted");
            default:
                throw new IllegalArgumentException(what);
        }
    }
}
