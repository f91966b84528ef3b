package org.indirectbuffer.space;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.format.ElementType;
import org.indirectbuffer.format.Format;

/**
 * The command-line tool for shared arrays, as {@code ipcs} / {@code ipcrm} are for System V segments:
 * <pre>
 *   java -cp indirect-buffer-core.jar org.indirectbuffer.space.SharedArrayTool COMMAND ...
 *     list                    every shared array: name, format, shape, size, kind, creator, attached, orphan
 *     inspect NAME [COUNT]    the header's fields and the first COUNT items (default 10)
 *     delete NAME...          remove the names (attachments stay valid)
 *     remove-orphans          remove arrays whose creator is gone and that no process has attached
 * </pre>
 * Exit codes: {@value #OK} success; {@value #FAILED} an array is damaged, may not be opened, or the file system
 * failed; {@value #USAGE} bad usage or a bad name; {@value #NOT_FOUND} an array named does not exist. Messages go to
 * standard error, results to standard output.
 */
public final class SharedArrayTool {
    /** Exit code: done. */
    public static final int OK = 0;
    /** Exit code: a damaged array, a permission refused, a file-system failure. */
    public static final int FAILED = 1;
    /** Exit code: bad usage or a bad name. */
    public static final int USAGE = 2;
    /** Exit code: an array named does not exist. */
    public static final int NOT_FOUND = 3;

    private static final String HELP = """
            usage: SharedArrayTool COMMAND
              list                    every shared array: name, format, shape, size, kind, creator, attached
              inspect NAME [COUNT]    the header's fields and the first COUNT items (default 10)
              delete NAME...          remove the names (processes attached keep their memory)
              remove-orphans          remove arrays whose creator is gone and that no process has attached
            exit codes: 0 done, 1 failed, 2 bad usage or name, 3 no such array""";

    private SharedArrayTool() {
    }

    /**
     * Runs the tool and exits with its code.
     *
     * @param args the command and its arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs one command.
     *
     * @param args the command and its arguments
     * @param out  where results go
     * @param err  where messages go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(HELP);
            return USAGE;
        }
        try {
            return switch (args[0]) {
                case "list" -> args.length == 1 ? list(out) : usage(err, "list takes no arguments");
                case "inspect" -> args.length == 2 || args.length == 3 ? inspect(args, out)
                        : usage(err, "inspect takes a name and an optional count");
                case "delete" -> args.length >= 2 ? delete(Arrays.asList(args).subList(1, args.length), out, err)
                        : usage(err, "delete takes one or more names");
                case "remove-orphans" -> args.length == 1 ? removeOrphans(out)
                        : usage(err, "remove-orphans takes no arguments");
                case "help", "-h", "--help" -> {
                    out.println(HELP);
                    yield OK;
                }
                default -> usage(err, "unknown command '" + args[0] + "'");
            };
        } catch (SharedMemoryException e) {
            err.println("error: " + e.getMessage());
            return e.reason() == SharedMemoryException.Reason.NOT_FOUND ? NOT_FOUND : FAILED;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return USAGE;
        } catch (UnsupportedOperationException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println("error: " + problem);
        err.println(HELP);
        return USAGE;
    }

    private static int list(PrintStream out) {
        List<SharedArrayEntry> entries = SharedArrays.list();
        out.printf("%-40s %-8s %-16s %12s %-8s %-16s %-8s%n", "NAME", "FORMAT", "SHAPE", "BYTES", "KIND", "CREATOR",
                "ATTACHED");
        for (SharedArrayEntry e : entries) {
            out.printf("%-40s %-8s %-16s %12d %-8s %-16s %-8s%s%n", e.name(), e.format(), e.shape(), e.byteSize(),
                    e.indirect() ? "indirect" : "dense", e.creatorPid() + (e.creatorAlive() ? "" : " (gone)"),
                    e.attached().name().toLowerCase(java.util.Locale.ROOT), e.isOrphan() ? " orphan" : "");
        }
        return OK;
    }

    private static int inspect(String[] args, PrintStream out) {
        String name = args[1];
        long count;
        try {
            count = args.length == 3 ? Long.parseLong(args[2]) : 10;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("COUNT '" + args[2] + "' is not a number");
        }
        if (count < 0) {
            throw new IllegalArgumentException("COUNT " + count + ": expected >= 0");
        }
        SharedArrayEntry e = SharedArrays.describe(name);
        out.println("name:      " + e.name());
        out.println("kind:      " + (e.indirect() ? "indirect" : "dense"));
        out.println("format:    " + e.format());
        out.println("shape:     " + e.shape());
        out.println("bytes:     " + e.byteSize());
        out.println("creator:   " + e.creatorPid() + (e.creatorAlive() ? " (running)" : " (gone)"));
        out.println("created:   " + e.created());
        out.println("attached:  " + e.attached().name().toLowerCase(java.util.Locale.ROOT)
                + (e.isOrphan() ? " (orphan)" : ""));
        try (SharedArray a = SharedArrays.attach(name, true); BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
            out.println("values:    " + firstValues(v, a.format(), count));
        }
        return OK;
    }

    /** The first {@code count} items in C order, as numbers when the format is one number, else in hex. */
    private static String firstValues(BufferView v, Format format, long count) {
        long[] shape = v.shape();
        long total = 1;
        for (long s : shape) {
            total *= s;
        }
        StringBuilder s = new StringBuilder("[");
        long[] index = new long[shape.length];
        for (long i = 0; i < Math.min(count, total); i++) {
            long rest = i;
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            if (i > 0) {
                s.append(", ");
            }
            s.append(item(v, format, index));
        }
        return s.append(total > count ? ", ...]" : "]").toString();
    }

    private static String item(BufferView v, Format format, long[] index) {
        if (format.isSingleElement()) {
            ElementType t = format.fields().getFirst().type();
            long size = format.itemSize();
            try {
                if (t.isFloatingPoint() && !t.isComplex()) {
                    return size == 8 ? Double.toString(v.getDouble(index)) : Float.toString(v.getFloat(index));
                }
                if (t.isInteger()) {
                    return switch ((int) size) {
                        case 8 -> Long.toString(v.getLong(index));
                        case 4 -> Integer.toString(v.getInt(index));
                        case 2 -> Short.toString(v.getShort(index));
                        default -> Byte.toString(v.getByte(index));
                    };
                }
            } catch (RuntimeException ignored) {
                // not a number the getters read: hex below
            }
        }
        StringBuilder hex = new StringBuilder("0x");
        for (byte b : v.elementAt(index).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)) {
            hex.append(String.format("%02x", b & 0xFF));
        }
        return hex.toString();
    }

    private static int delete(List<String> names, PrintStream out, PrintStream err) {
        int code = OK;
        for (String n : names) {
            try {
                SharedArrays.delete(n);
                out.println("deleted " + n);
            } catch (SharedMemoryException e) {
                err.println("error: " + e.getMessage());
                int c = e.reason() == SharedMemoryException.Reason.NOT_FOUND ? NOT_FOUND : FAILED;
                code = Math.max(code, c);
            }
        }
        return code;
    }

    private static int removeOrphans(PrintStream out) {
        for (String n : SharedArrays.removeOrphans()) {
            out.println("removed " + n);
        }
        return OK;
    }
}
