package org.indirectbuffer.jna;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.sun.jna.FromNativeConverter;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ToNativeContext;
import com.sun.jna.ToNativeConverter;
import com.sun.jna.TypeMapper;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferExporter;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.collection.BufferCollection2D;

/**
 * JNA library interfaces that take the toolkit's types as parameters directly:
 * <pre>{@code
 * interface Matrices extends Library {
 *     double sum(IndirectMemory2D m, int rows, int cols);          // double **m
 *     void scale(BufferCollection2D c, int rows, int cols, double f); // heap rows staged, written back
 *     int count(CStringArray names);                                 // char **names
 *     double svm_like(RaggedRows x, int n);                          // svm_node **x
 * }
 * Matrices lib = IndirectLibrary.load("matrices", Matrices.class);
 * }</pre>
 *
 * <h2>What each parameter becomes</h2>
 * <table>
 *   <caption>conversions of {@link #TYPE_MAPPER}</caption>
 *   <tr><th>declared</th><th>passed to C</th><th>during the call</th><th>after the call</th></tr>
 *   <tr><td>{@link IndirectMemory2D}</td><td>its pointer table ({@code T**})</td><td>exported: close, resize,
 *       reformat throw "buffer is locked"</td><td>export released</td></tr>
 *   <tr><td>{@link BufferCollection2D}</td><td>the table of an export (heap rows copied to native memory)</td>
 *       <td>exported; writable if the collection is</td><td>C's writes to heap rows copied back into the Java
 *       arrays; export released</td></tr>
 *   <tr><td>any other {@link BufferExporter}</td><td>{@code buf} of a {@link BufferRequest#FULL} export (read-only
 *       if writable is refused)</td><td>exported</td><td>released</td></tr>
 *   <tr><td>{@link BufferView}</td><td>its {@code buf}</td><td>kept reachable (the caller closes the view)</td>
 *       <td>—</td></tr>
 *   <tr><td>{@link RaggedRows}, {@link CStringArray}</td><td>the table</td><td>pinned: {@code close()} throws
 *       "buffer is locked"</td><td>unpinned</td></tr>
 *   <tr><td>{@link ReadOnly}, from {@link #readOnly(BufferExporter)}</td><td>as its exporter, from a read-only
 *       ({@link BufferRequest#FULL_RO}) export</td><td>exported read-only</td><td>nothing copied back (a {@code
 *       const T**} parameter: heap rows are staged, never written back); export released</td></tr>
 * </table>
 * Each argument is an {@link IndirectPointer} keeping its owner reachable for the whole call, whatever the garbage
 * collector does. An {@link IndirectPointer} passed where a {@code Pointer} is declared is checked before the call: one
 * that was closed, or whose memory ended (its owner closed or resized), is an {@link IllegalStateException} naming it,
 * and C is not called. The release after the call is JNA's post-call hook ({@code Function.PostCallRead}, which JNA runs
 * on every converted argument after the native function returned). With {@link #load}, it also runs when the call
 * throws (a {@code LastErrorException}, a later argument that fails to convert); with the bare {@link #TYPE_MAPPER}
 * in your own {@code Native.load}, a failed call's exports are released by a Cleaner instead. A {@code null}
 * argument is passed as NULL.
 *
 * <p>These types cannot be return types: C returns a bare {@code T**} without its shape. Declare {@link Pointer} and
 * wrap it with {@link JnaIndirect#wrap} or {@link JnaIndirect#adopt}; declaring one of them fails at the call, before C
 * is called, with a message saying so. Interface mapping only: JNA's direct mapping ({@code Native.register}) has no
 * post-call hook.
 *
 * <p>Thread-safety: the mapper and the libraries are stateless and may be used from any thread (as thread-safe as the C
 * functions called).
 */
public final class IndirectLibrary {
    /** Converts {@link IndirectMemory2D}, {@link BufferCollection2D}, {@link BufferExporter}, {@link BufferView},
     *  {@link RaggedRows} and {@link CStringArray} arguments, and refuses {@link IndirectPointer} arguments that have
     *  ended; see the class documentation. */
    public static final TypeMapper TYPE_MAPPER = new Mapper(null);

    private IndirectLibrary() {
    }

    /**
     * An argument passed from a read-only export, whatever the exporter allows: for a {@code const T**} parameter
     * ({@code const FLAC__int32 *const buffer[]}), so that a collection of Java arrays is staged for the call and
     * not copied back after it. Declare the parameter as {@code IndirectLibrary.ReadOnly}.
     *
     * @param exporter the exporter: an {@link IndirectMemory2D}, a {@link BufferCollection2D}, any other
     */
    public record ReadOnly(BufferExporter exporter) {
        /**
         * Marks {@code exporter} as lent read-only for one call.
         *
         * @param exporter the exporter
         * @throws NullPointerException if {@code exporter} is null
         */
        public ReadOnly {
            Objects.requireNonNull(exporter, "exporter");
        }
    }

    /**
     * Marks {@code exporter} to be passed read-only for one call (see {@link ReadOnly}).
     *
     * @param exporter the exporter
     * @return the argument
     * @throws NullPointerException if {@code exporter} is null
     */
    public static ReadOnly readOnly(BufferExporter exporter) {
        return new ReadOnly(exporter);
    }

    /**
     * A type mapper converting the toolkit's types and asking {@code delegate} for every other type.
     *
     * @param delegate the mapper for other types (a {@code DefaultTypeMapper}, W32APITypeMapper...), or null
     * @return the combined mapper
     */
    public static TypeMapper typeMapper(TypeMapper delegate) {
        return delegate == null ? TYPE_MAPPER : new Mapper(delegate);
    }

    /**
     * Library options with {@link #TYPE_MAPPER}: for {@code Native.load(name, iface, IndirectLibrary.options())}.
     *
     * @return a new mutable map
     */
    public static Map<String, Object> options() {
        Map<String, Object> m = new HashMap<>();
        m.put(Library.OPTION_TYPE_MAPPER, TYPE_MAPPER);
        return m;
    }

    /**
     * Loads a C library as a JNA interface whose methods may take the toolkit's types, with exports released after
     * every call even when it throws.
     *
     * @param name  the library: a name JNA maps ({@code "svm"}), a soname ({@code "libsvm.so.3"}) or a path
     * @param iface the interface
     * @param <T>   its type
     * @return the library
     * @throws UnsatisfiedLinkError if the library cannot be loaded
     */
    public static <T extends Library> T load(String name, Class<T> iface) {
        return load(name, iface, Map.of());
    }

    /**
     * Loads a library as {@link #load(String, Class)} does, with further JNA options; a {@link
     * Library#OPTION_TYPE_MAPPER} among them handles the types this mapper does not.
     *
     * @param name    the library
     * @param iface   the interface
     * @param options JNA library options
     * @param <T>     its type
     * @return the library
     * @throws UnsatisfiedLinkError if the library cannot be loaded
     */
    public static <T extends Library> T load(String name, Class<T> iface, Map<String, ?> options) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(iface, "iface");
        Map<String, Object> all = new HashMap<>(options);
        all.put(Library.OPTION_TYPE_MAPPER, typeMapper((TypeMapper) options.get(Library.OPTION_TYPE_MAPPER)));
        T jna = Native.load(name, iface, all);
        InvocationHandler handler = Proxy.getInvocationHandler(jna);
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface},
                new Calls(jna, handler, name)));
    }

    /**
     * Loads a library if it is installed: tests and samples use it to skip with a clear message when it is not.
     *
     * @param name  the library
     * @param iface the interface
     * @param <T>   its type
     * @return the library, or empty if the dynamic linker cannot find or load it
     */
    public static <T extends Library> Optional<T> loadIfPresent(String name, Class<T> iface) {
        try {
            return Optional.of(load(name, iface));
        } catch (UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }

    /** The proxy around JNA's: one {@link CallPointer.CallFrame} per call, released in {@code finally}. */
    private record Calls(Object jna, InvocationHandler handler, String name) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "toString" -> "IndirectLibrary[" + name + ": " + jna + "]";
                    default -> handler.invoke(jna, method, args);
                };
            }
            CallPointer.CallFrame frame = CallPointer.CallFrame.open();
            Throwable failure = null;
            try {
                return handler.invoke(jna, method, args);
            } catch (Throwable t) {
                failure = t;
                throw t;
            } finally {
                frame.close(failure);
            }
        }
    }

    /** The type mapper. Stateless. */
    private static final class Mapper implements TypeMapper {
        private final TypeMapper delegate;

        Mapper(TypeMapper delegate) {
            this.delegate = delegate;
        }

        @Override
        public ToNativeConverter getToNativeConverter(Class<?> type) {
            if (handles(type) || IndirectPointer.class.isAssignableFrom(type)) {
                return Converter.INSTANCE;
            }
            return delegate == null ? null : delegate.getToNativeConverter(type);
        }

        @Override
        public FromNativeConverter getFromNativeConverter(Class<?> type) {
            if (handles(type)) {
                throw new IllegalArgumentException(type.getSimpleName() + " cannot be the return type of a native"
                        + " function: C returns a bare pointer, without rows, columns or format. Declare Pointer and"
                        + " wrap the result with JnaIndirect.wrap / JnaIndirect.adopt (or RaggedRows, CStringArray.read)");
            }
            return delegate == null ? null : delegate.getFromNativeConverter(type);
        }

        private static boolean handles(Class<?> type) {
            return BufferExporter.class.isAssignableFrom(type) || type == BufferView.class
                    || type == RaggedRows.class || type == CStringArray.class || type == ReadOnly.class;
        }
    }

    /** Makes the {@link CallPointer} of one argument. */
    private static final class Converter implements ToNativeConverter {
        static final Converter INSTANCE = new Converter();

        @Override
        public Object toNative(Object value, ToNativeContext context) {
            return switch (value) {
                case null -> null;
                case IndirectPointer p -> {
                    // A closed Pointer, or one whose memory ended, is refused before C is called.
                    p.ensureUsable("argument " + context(context));
                    yield p;
                }
                case IndirectMemory2D m -> exported(m, m.isReadOnly() ? BufferRequest.FULL_RO : BufferRequest.FULL);
                case BufferCollection2D c -> exported(c, c.isReadOnly() ? BufferRequest.FULL_RO : BufferRequest.FULL);
                case BufferExporter e -> exportedEitherWay(e);
                case ReadOnly r -> exported(r.exporter(), BufferRequest.FULL_RO);
                case BufferView v -> new CallPointer(JnaIndirect.nativeBuf(v), v, null, null);
                case RaggedRows r -> {
                    String holder = "native call on " + Thread.currentThread().getName();
                    yield new CallPointer(r.pointerTable().address(), r, r.hold(holder)::close, callHeld("hold"));
                }
                case CStringArray s -> new CallPointer(s.pointerTable().address(), s, s.pinForCall(),
                        callHeld("hold"));
                default -> throw new IllegalArgumentException("IndirectLibrary cannot convert " + value.getClass());
            };
        }

        /** What a call pointer holds, for leak reports: "export for a native call (thread 'main')". */
        private static String callHeld(String what) {
            return what + " for a native call (thread '" + Thread.currentThread().getName() + "')";
        }

        private static String context(ToNativeContext context) {
            return context instanceof com.sun.jna.FunctionParameterContext f
                    ? f.getParameterIndex() + " of " + f.getFunction().getName() : "";
        }

        private static CallPointer exported(BufferExporter e, int flags) {
            BufferView view = e.getBuffer(flags);
            try {
                return new CallPointer(JnaIndirect.nativeBuf(view), e, view::close, callHeld("export"));
            } catch (RuntimeException | Error t) {
                view.close();
                throw t;
            }
        }

        private static CallPointer exportedEitherWay(BufferExporter e) {
            try {
                return exported(e, BufferRequest.FULL);
            } catch (BufferException writableRefused) {
                try {
                    return exported(e, BufferRequest.FULL_RO);
                } catch (RuntimeException again) {
                    again.addSuppressed(writableRefused);
                    throw again;
                }
            }
        }

        @Override
        public Class<?> nativeType() {
            return Pointer.class;
        }
    }
}
