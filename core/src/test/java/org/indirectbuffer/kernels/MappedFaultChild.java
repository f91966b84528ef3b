package org.indirectbuffer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.format.Format;

/**
 * The child JVM of {@link MappedKernelsFaultTest}: maps the file it is given (zeros, {@value #BYTES} bytes), views it
 * as rows of {@value #COLS} items of every format the kernels handle, warms every kernel on it until C2 compiled them,
 * prints {@code running} while a thread keeps calling the kernels, and then, once the parent truncated the file, prints
 * one line per kernel saying how it faulted. A JVM killed by SIGBUS prints nothing more and exits non-zero.
 *
 * <p>Rows are {@value #COLS} items, a multiple of every vector length and of the unrolled loops' eight items, so that
 * no loop tail runs: had the kernels for mapped memory been the Vector API ones, the vector loads alone would meet the
 * fault.
 */
public final class MappedFaultChild {
    /** The file's size: 32 rows of 1024 doubles. */
    public static final int BYTES = 1 << 18;
    static final int COLS = 1024;
    /** Rounds of every kernel before the loop: enough for C2 (without tiered compilation) to compile them all. */
    static final int WARM_ROUNDS = 3000;

    private MappedFaultChild() {
    }

    /**
     * Runs the child.
     *
     * @param args the file to map
     * @throws Exception if the file cannot be mapped (the parent then sees a non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, BYTES, arena);
            Map<String, Runnable> kernels = kernels(mapped);
            for (int i = 0; i < WARM_ROUNDS; i++) {
                kernels.values().forEach(Runnable::run);
            }
            System.out.println("warm " + Kernels.implementation());
            CountDownLatch looping = new CountDownLatch(1);
            String[] first = new String[1];
            Thread loop = new Thread(() -> first[0] = loopUntilFault(kernels, looping), "kernels");
            loop.start();
            looping.await();
            System.out.println("running");
            System.out.flush();
            loop.join();
            System.out.println("first " + first[0]);
            kernels.forEach((name, kernel) -> System.out.println(name + " " + outcome(kernel)));
        }
    }

    /** Calls every kernel in turn until one fails (or a minute passed); returns its name and how it failed. */
    private static String loopUntilFault(Map<String, Runnable> kernels, CountDownLatch looping) {
        long rounds = 0;
        long end = System.nanoTime() + 60_000_000_000L; // the parent truncates at once: bounded all the same
        while (System.nanoTime() - end < 0) {
            for (Map.Entry<String, Runnable> e : kernels.entrySet()) {
                String outcome = outcome(e.getValue());
                if (!outcome.equals("did not fault")) {
                    return e.getKey() + " " + outcome + " after " + rounds + " rounds";
                }
            }
            rounds++;
            looping.countDown();
        }
        return "none: no kernel faulted in a minute";
    }

    private static String outcome(Runnable kernel) {
        try {
            kernel.run();
            return "did not fault";
        } catch (MemoryFaultException e) {
            return "fault ok";
        } catch (Throwable e) {
            return "UNEXPECTED " + e;
        }
    }

    /** Every kernel over the mapped rows, by name; views are opened once and stay open (the JVM ends with them). */
    private static Map<String, Runnable> kernels(MemorySegment mapped) {
        BufferView d = view(mapped, "d", 8);
        BufferView big = view(mapped, ">d", 8);
        BufferView bigFloats = view(mapped, ">f", 4);
        BufferView bigLongs = view(mapped, ">q", 8);
        BufferView bigInts = view(mapped, ">i", 4);
        // every other int: runs of stride 8, read item by item by Kernels itself
        BufferView strided = BufferView.wrap(mapped, Format.parse("i"), new long[] {BYTES / 8}, new long[] {8}, null,
                false);
        BufferView f = view(mapped, "f", 4);
        BufferView q = view(mapped, "q", 8);
        BufferView i = view(mapped, "i", 4);
        BufferView rows = IndirectMemory2D.viewOfRows(buffer(mapped, "d", 8)).getBuffer(BufferRequest.FULL_RO);
        Map<String, Runnable> k = new LinkedHashMap<>();
        k.put("sum d", () -> Kernels.sum(d));
        k.put("sum >d", () -> Kernels.sum(big));
        k.put("sum >f", () -> Kernels.sum(bigFloats));
        k.put("sum >q", () -> Kernels.sumLong(bigLongs));
        k.put("sum >i", () -> Kernels.sumLong(bigInts));
        k.put("sum f", () -> Kernels.sum(f));
        k.put("sum q", () -> Kernels.sumLong(q));
        k.put("sum i", () -> Kernels.sumLong(i));
        k.put("sum i strided", () -> Kernels.sumLong(strided));
        k.put("max i strided", () -> Kernels.maxLong(strided));
        k.put("sum rows", () -> Kernels.sum(rows));
        k.put("min d", () -> Kernels.min(d));
        k.put("max d", () -> Kernels.max(d));
        k.put("min f", () -> Kernels.min(f));
        k.put("max f", () -> Kernels.max(f));
        k.put("min q", () -> Kernels.minLong(q));
        k.put("max q", () -> Kernels.maxLong(q));
        k.put("min i", () -> Kernels.minLong(i));
        k.put("max i", () -> Kernels.maxLong(i));
        k.put("fill d", () -> Kernels.fill(d, 0.0));
        k.put("fill f", () -> Kernels.fill(f, 0.0));
        k.put("fill q", () -> Kernels.fill(q, 0L));
        k.put("fill i", () -> Kernels.fill(i, 0L));
        k.put("scale d", () -> Kernels.scale(d, 1.0));
        k.put("scale f", () -> Kernels.scale(f, 1.0));
        k.put("scale q", () -> Kernels.scale(q, 1L));
        k.put("scale i", () -> Kernels.scale(i, 1L));
        for (String format : new String[] {"d", "f", "q", "i"}) {
            // the two halves of the file: equal (zeros), so every item of both is read
            int size = format.equals("d") || format.equals("q") ? 8 : 4;
            BufferView first = view(mapped.asSlice(0, BYTES / 2), format, size);
            BufferView second = view(mapped.asSlice(BYTES / 2, BYTES / 2), format, size);
            k.put("equal " + format, () -> Kernels.equal(first, second));
        }
        return k;
    }

    private static BufferView view(MemorySegment memory, String format, int size) {
        return buffer(memory, format, size).getBuffer(BufferRequest.FULL);
    }

    private static MemoryBuffer buffer(MemorySegment memory, String format, int size) {
        return MemoryBuffer.wrap(memory, Format.parse(format), 'C', memory.byteSize() / size / COLS, COLS);
    }
}
