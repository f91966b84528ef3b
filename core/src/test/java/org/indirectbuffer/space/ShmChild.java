package org.indirectbuffer.space;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.kernels.Kernels;
import org.indirectbuffer.space.SharedMemoryException.Reason;

/**
 * The other process of the cross-process tests ({@code SharedArraysCrossProcessTest}): a JVM of its own that
 * attaches to arrays the test made, prints what it found and writes back. One command per run (see {@link #main}).
 */
public final class ShmChild {
    private ShmChild() {
    }

    /**
     * Runs one command.
     *
     * @param args the command and its arguments: {@code dense NAME}, {@code indirect NAME LIBRARY}, {@code race NAME
     *             MILLIS SEED}, {@code warm-truncate NAME}, {@code create-and-exit NAME}, {@code try-attach NAME
     *             ro|rw}, {@code try-delete NAME}
     * @throws Throwable if a step fails (the test then sees a non-zero exit and the stack)
     */
    public static void main(String[] args) throws Throwable {
        switch (args[0]) {
            case "dense" -> dense(args[1]);
            case "indirect" -> indirect(args[1], Path.of(args[2]));
            case "race" -> race(args[1], Long.parseLong(args[2]), Long.parseLong(args[3]));
            case "warm-truncate" -> warmTruncate(args[1]);
            case "create-and-exit" -> {
                SharedArrays.create(args[1], "d", 4).close();
                System.out.println("created");
            }
            case "try-attach" -> tryAttach(args[1], args[2].equals("ro")).forEach(System.out::println);
            case "try-delete" -> {
                try {
                    SharedArrays.delete(args[1]);
                    System.out.println("deleted");
                } catch (SharedMemoryException e) {
                    refused(e).forEach(System.out::println);
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Attaches as asked: {@code read X} (item 0), then {@code wrote} after writing 99 to item 1 when writable; or,
     * when refused, {@code refused REASON NAME} and {@code message ...}. The permission test calls it in its own
     * process too.
     */
    static List<String> tryAttach(String name, boolean readOnly) {
        try (SharedArray a = SharedArrays.attach(name, readOnly)) {
            List<String> lines = new ArrayList<>(List.of("read " + a.getDouble(0)));
            if (!readOnly) {
                a.setDouble(99, 1);
                lines.add("wrote");
            }
            return lines;
        } catch (SharedMemoryException e) {
            return refused(e);
        }
    }

    static List<String> refused(SharedMemoryException e) {
        return List.of("refused " + e.reason() + " " + e.arrayName(), "message " + e.getMessage());
    }

    private static void dense(String name) {
        try (SharedArray a = SharedArrays.attach(name)) {
            try (BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
                System.out.println("sum " + Kernels.sum(v));
            }
            System.out.println("item 2 5 " + a.getDouble(2, 5));
            a.setDouble(99.5, 3, 7);
            System.out.println("wrote");
        }
    }

    private static void indirect(String name, Path library) throws Throwable {
        try (SharedArray a = SharedArrays.attach(name); Arena arena = Arena.ofConfined()) {
            long rows;
            long cols;
            double bySuboffset = 0;
            try (BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
                rows = v.shape()[0];
                cols = v.shape()[1];
                MemorySegment everything = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
                for (long r = 0; r < rows; r++) {
                    // PEP 3118: p = *(char **)(buf + r * strides[0]) + suboffsets[0]; then p + c * strides[1]
                    long p = v.buf().get(ValueLayout.JAVA_LONG_UNALIGNED, r * v.strides()[0]) + v.suboffsets()[0];
                    for (long c = 0; c < cols; c++) {
                        bySuboffset += everything.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, p + c * v.strides()[1]);
                    }
                }
                System.out.println("kernel sum " + Kernels.sum(v));
            }
            System.out.println("suboffset sum " + bySuboffset);
            Linker linker = Linker.nativeLinker();
            MethodHandle sumRows = linker.downcallHandle(SymbolLookup.libraryLookup(library, arena)
                    .find("ib_shm_sum_rows").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            double inC = (double) sumRows.invokeExact(a.rowPointers(), rows, cols);
            System.out.println("c sum " + inC);
            a.setDouble(7, 2, 0);
            System.out.println("wrote");
        }
    }

    /** Creates, attaches and deletes one name at random until the time is up; prints each outcome's count. */
    private static void race(String name, long millis, long seed) throws Exception {
        // warm up (class loading, downcall handles) before the clock starts, then wait for the others
        String own = name + "-warm-" + seed;
        SharedArrays.create(own, "q", 64).close();
        SharedArrays.attach(own, true).close();
        SharedArrays.delete(own);
        System.out.println("ready");
        System.out.flush();
        if (!"go".equals(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine())) {
            throw new IllegalStateException("expected go");
        }
        Random random = new Random(seed);
        Map<String, Integer> outcomes = new TreeMap<>();
        long until = System.nanoTime() + millis * 1_000_000;
        long pid = ProcessHandle.current().pid();
        while (System.nanoTime() < until) {
            int op = random.nextInt(3);
            String what = op == 0 ? "create" : op == 1 ? "attach" : "delete";
            try {
                switch (op) {
                    case 0 -> {
                        try (SharedArray a = SharedArrays.create(name, "q", 64)) {
                            a.setLong(pid, 0);
                            check(a);
                        }
                    }
                    case 1 -> {
                        try (SharedArray a = SharedArrays.attach(name, random.nextBoolean())) {
                            check(a);
                            if (!a.isReadOnly()) {
                                a.setLong(pid, 1);
                            }
                        }
                    }
                    default -> SharedArrays.delete(name);
                }
                outcomes.merge(what + " ok", 1, Integer::sum);
            } catch (SharedMemoryException e) {
                boolean documented = op == 0 ? e.reason() == Reason.ALREADY_EXISTS : e.reason() == Reason.NOT_FOUND;
                if (!documented) {
                    System.out.println("UNDOCUMENTED " + what + ": " + e);
                    e.printStackTrace(System.out);
                }
                outcomes.merge(what + " " + e.reason(), 1, Integer::sum);
            } catch (RuntimeException | Error e) {
                System.out.println("UNDOCUMENTED " + what + ": " + e);
                e.printStackTrace(System.out);
                outcomes.merge(what + " " + e.getClass().getSimpleName(), 1, Integer::sum);
            }
        }
        outcomes.forEach((k, v) -> System.out.println("outcome " + k + " = " + v));
    }

    private static void check(SharedArray a) {
        if (a.shape().length != 1 || a.shape()[0] != 64 || !a.format().toString().equals("q")) {
            throw new AssertionError("a half-made array: " + a);
        }
        try (BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
            Kernels.sumLong(v);
        }
    }

    /** Warms the kernels on the array until C2 compiled them, waits for "go", then sums the truncated file. */
    private static void warmTruncate(String name) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (SharedArray a = SharedArrays.attach(name); BufferView v = a.getBuffer(BufferRequest.FULL_RO)) {
            double s = 0;
            for (int i = 0; i < 20_000; i++) {
                s += Kernels.sum(v);
            }
            System.out.println("warm " + s + " on " + Kernels.implementation());
            System.out.flush();
            if (!"go".equals(in.readLine())) {
                throw new IllegalStateException("expected go");
            }
            for (String op : new String[] {"sum", "max", "get", "copy"}) {
                try {
                    switch (op) {
                        case "sum" -> Kernels.sum(v);
                        case "max" -> Kernels.max(v);
                        case "get" -> a.getDouble(a.shape()[0] - 1);
                        default -> v.toBytes('C');
                    }
                    System.out.println(op + " did not fault");
                } catch (MemoryFaultException e) {
                    System.out.println(op + " fault ok");
                }
            }
        }
    }
}
