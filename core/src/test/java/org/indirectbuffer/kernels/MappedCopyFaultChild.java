package org.indirectbuffer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.format.Format;

/**
 * The second child JVM of {@link MappedKernelsFaultTest}: one bulk copy, named by the second argument, over a file
 * it makes in the directory named by the first; one JVM per copy, as the first copy's compiled code shapes how C2
 * compiles the next (called, not inlined). The copy is called from a function called {@value #WARM} times first (so that C2
 * compiles the function with the copy inlined, down to {@code MemorySegment.copy}), then from a thread's loop while
 * this JVM truncates the file (from another thread: any process's truncation faults alike). The fault of a copy stub
 * is raised at the thread's next safepoint poll, which in such a function is after the copy returned, in the caller:
 * the library must raise it before it returns, or the loop meets a raw {@code InternalError}. Prints {@code NAME
 * fault ok}, or what the loop met.
 */
public final class MappedCopyFaultChild {
    static final int BYTES = 1 << 16;
    static final int COLS = 256;
    static final int WARM = 20_000;
    private static volatile long sunk;
    /** The views, kept reachable (never closed: the JVM ends with them). */
    private static final List<Object> KEPT = new ArrayList<>();

    private MappedCopyFaultChild() {
    }

    /**
     * Runs the child.
     *
     * @param args the directory for the file, and the copy's name (as {@link MappedKernelsFaultTest#COPIES} has it)
     * @throws Exception if a file cannot be made or mapped (the parent then sees a non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        MemorySegment contiguous = Arena.ofAuto().allocate(BYTES);
        MemoryBuffer target = buffer(Arena.ofAuto().allocate(BYTES));
        Map<String, Function<MemorySegment, LongUnaryOperator>> copies = new LinkedHashMap<>();
        copies.put("copyTo C", m -> {
            BufferView v = view(m);
            return r -> {
                v.copyTo(contiguous, 'C');
                return contiguous.get(ValueLayout.JAVA_BYTE, r & 255);
            };
        });
        copies.put("copyTo F", m -> {
            BufferView v = view(m);
            return r -> {
                v.copyTo(contiguous, 'F');
                return contiguous.get(ValueLayout.JAVA_BYTE, r & 255);
            };
        });
        copies.put("rows view copyTo C", m -> {
            BufferView v = keep(IndirectMemory2D.tableOverRows(buffer(m)).getBuffer(BufferRequest.FULL_RO));
            return r -> {
                v.copyTo(contiguous, 'C');
                return contiguous.get(ValueLayout.JAVA_BYTE, r & 255);
            };
        });
        copies.put("toBytes", m -> {
            BufferView v = view(m);
            return r -> v.toBytes('C')[(int) (r & 255)];
        });
        copies.put("copyFrom", m -> {
            BufferView v = view(m);
            return r -> {
                v.copyFrom(contiguous, 'C');
                return r;
            };
        });
        copies.put("gather", m -> {
            BufferView v = view(m);
            return r -> {
                Kernels.gather(v, contiguous);
                return contiguous.get(ValueLayout.JAVA_BYTE, r & 255);
            };
        });
        copies.put("scatter", m -> {
            BufferView v = view(m);
            return r -> {
                Kernels.scatter(contiguous, v);
                return r;
            };
        });
        copies.put("IndirectMemory2D.copyTo", m -> {
            IndirectMemory2D rows = keep(IndirectMemory2D.tableOverRows(buffer(m)));
            return r -> {
                rows.copyTo(target);
                return r;
            };
        });
        Function<MemorySegment, LongUnaryOperator> copy = copies.get(args[1]);
        if (copy == null) {
            throw new IllegalArgumentException("copy '" + args[1] + "': expected one of " + copies.keySet());
        }
        Path file = dir.resolve("copy.bin");
        Files.write(file, new byte[BYTES]);
        System.out.println(args[1] + " " + underTruncation(file, copy));
    }

    private static String underTruncation(Path file, Function<MemorySegment, LongUnaryOperator> copy)
            throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            LongUnaryOperator op = copy.apply(channel.map(FileChannel.MapMode.READ_WRITE, 0, BYTES, arena));
            for (int i = 0; i < WARM; i++) {
                sunk += op.applyAsLong(i);
            }
            CountDownLatch looping = new CountDownLatch(1);
            String[] outcome = new String[1];
            Thread loop = new Thread(() -> outcome[0] = loop(op, looping), "copies");
            loop.start();
            looping.await();
            channel.truncate(0);
            loop.join();
            return outcome[0];
        }
    }

    private static String loop(LongUnaryOperator op, CountDownLatch looping) {
        long end = System.nanoTime() + 30_000_000_000L;
        long i = 0;
        try {
            while (System.nanoTime() - end < 0) {
                sunk += op.applyAsLong(i++);
                if (i == 100) {
                    looping.countDown();
                }
            }
            return "did not fault";
        } catch (MemoryFaultException e) {
            return "fault ok";
        } catch (Throwable e) {
            return "UNEXPECTED " + e;
        } finally {
            looping.countDown();
        }
    }

    private static MemoryBuffer buffer(MemorySegment memory) {
        return keep(MemoryBuffer.wrap(memory, Format.parse("i"), 'C', memory.byteSize() / 4 / COLS, COLS));
    }

    private static BufferView view(MemorySegment memory) {
        return keep(buffer(memory).getBuffer(BufferRequest.FULL));
    }

    private static <T> T keep(T object) {
        KEPT.add(object);
        return object;
    }
}
