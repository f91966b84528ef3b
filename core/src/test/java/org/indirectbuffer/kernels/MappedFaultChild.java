package org.indirectbuffer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.MemoryFaultException;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.space.BufferStore;
import org.indirectbuffer.space.SharedArray;
import org.indirectbuffer.space.SharedArrays;

/**
 * The child JVM of {@link MappedKernelsFaultTest}: maps the file it is given (zeros, {@value #BYTES} bytes), views it
 * as rows of {@value #COLS} items of every format the kernels handle, warms every kernel on it until C2 compiled them,
 * prints {@code running} while a thread keeps calling the kernels, and then, once the parent truncated the file, prints
 * one line per kernel saying how it faulted. A JVM killed by SIGBUS prints nothing more and exits non-zero.
 *
 * <p>Besides the kernels, it calls the typed accessors from loops of its own that widen each item ({@code s +=
 * view.getInt(i)} into a {@code long}: an int load widened to long is the {@code movslq} that HotSpot cannot step
 * over), which the parent has C2 inline into them ({@code -XX:CompileCommand=inline}), and the bulk copies. Two more
 * files are mapped for them, a shared array and a store, each named on a {@code truncate} line before {@code
 * running} for the parent to truncate too.
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
            kernels.putAll(accessors(mapped));
            String shared = "ib-test-fault-" + UUID.randomUUID();
            try {
                // neither is closed: the store refuses while a view is open, and the JVM ends with them
                SharedArray array = SharedArrays.create(shared, "i", COLS);
                kernels.put("SharedArray.getInt widened", () -> sink(sumShared(array)));
                BufferStore store = BufferStore.create(file.resolveSibling("store.bin"), 4 * BYTES);
                store.put("ints", buffer(Arena.ofAuto().allocate(BYTES), "i", 4));
                BufferView stored = store.get("ints").getBuffer(BufferRequest.FULL_RO);
                kernels.put("StoredBuffer view getInt widened", () -> sink(sumGrid(stored)));
                System.out.println("truncate " + Path.of("/dev/shm", shared));
                System.out.println("truncate " + store.path());
                run(kernels);
            } finally {
                Files.deleteIfExists(Path.of("/dev/shm", shared));
            }
        }
    }

    private static void run(Map<String, Runnable> kernels) throws InterruptedException {
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
        BufferView rows = IndirectMemory2D.tableOverRows(buffer(mapped, "d", 8)).getBuffer(BufferRequest.FULL_RO);
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

    /**
     * The typed accessors, each from a loop of this class that widens its items, and the bulk copies, over the mapped
     * file; views are opened once and stay open.
     */
    private static Map<String, Runnable> accessors(MemorySegment mapped) {
        BufferView ints = items(mapped, "i", 4);
        BufferView unsigned = items(mapped, "I", 4);
        BufferView bigInts = items(mapped, ">i", 4);
        BufferView shorts = items(mapped, "h", 2);
        BufferView bytes = items(mapped, "b", 1);
        BufferView longs = items(mapped, "q", 8);
        BufferView floats = items(mapped, "f", 4);
        BufferView halves = items(mapped, "e", 2);
        BufferView doubles = items(mapped, "d", 8);
        IndirectMemory2D intRows = IndirectMemory2D.tableOverRows(buffer(mapped, "i", 4));
        IndirectMemory2D shortRows = IndirectMemory2D.tableOverRows(buffer(mapped, "h", 2));
        IndirectMemory2D byteRows = IndirectMemory2D.tableOverRows(buffer(mapped, "b", 1));
        IndirectMemory2D doubleRows = IndirectMemory2D.tableOverRows(buffer(mapped, "d", 8));
        BufferView rowTable = intRows.getBuffer(BufferRequest.FULL_RO);
        BufferView grid = view(mapped, "i", 4);
        MemorySegment copy = Arena.ofAuto().allocate(4 * COLS);
        Map<String, Runnable> k = new LinkedHashMap<>();
        k.put("getInt i widened", () -> sink(sumInts(ints)));
        k.put("getInt I unsigned widened", () -> sink(sumUnsignedInts(unsigned)));
        k.put("getInt >i widened", () -> sink(sumInts(bigInts)));
        k.put("getShort h widened", () -> sink(sumShorts(shorts)));
        k.put("getByte b widened", () -> sink(sumBytes(bytes)));
        k.put("getLong q", () -> sink(sumLongs(longs)));
        k.put("getFloat f widened", () -> sink(sumFloats(floats)));
        k.put("getFloat e", () -> sink(sumFloats(halves)));
        k.put("getDouble d", () -> sink(sumDoubles(doubles)));
        k.put("IndirectMemory2D.getInt widened", () -> sink(sumIntRows(intRows)));
        k.put("IndirectMemory2D.getShort widened", () -> sink(sumShortRows(shortRows)));
        k.put("IndirectMemory2D.getByte widened", () -> sink(sumByteRows(byteRows)));
        // through the format's layout (ItemLayouts): a constant layout would inline the load into this loop
        k.put("IndirectMemory2D.getDouble", () -> sink(sumDoubleRows(doubleRows)));
        k.put("rows view getInt widened", () -> sink(sumGrid(rowTable)));
        k.put("getInt 2-D widened", () -> sink(sumGrid(grid)));
        BufferView row = view(mapped.asSlice(0, 4 * COLS), "i", 4); // one row: the copies are repeated
        BufferView rowOfTable = IndirectMemory2D.tableOverRows(buffer(mapped.asSlice(0, 4 * COLS), "i", 4))
                .getBuffer(BufferRequest.FULL);
        IndirectMemory2D oneRow = IndirectMemory2D.tableOverRows(buffer(mapped.asSlice(0, 4 * COLS), "i", 4));
        MemoryBuffer target = buffer(Arena.ofAuto().allocate(4 * COLS), "i", 4);
        k.put("copyTo C", () -> sink(copyTo(row, copy, 'C')));
        k.put("copyTo F", () -> sink(copyTo(row, copy, 'F')));
        k.put("rows view copyTo C", () -> sink(copyTo(rowOfTable, copy, 'C')));
        k.put("toBytes", () -> sink(toBytes(row)));
        k.put("copyFrom", () -> sink(copyFrom(copy, row)));
        k.put("gather", () -> sink(gather(row, copy)));
        k.put("scatter", () -> sink(scatter(copy, row)));
        k.put("IndirectMemory2D.copyTo", () -> sink(copyTo(oneRow, target)));
        return k;
    }

    /** A sink for the loops' results, so that C2 keeps their loads. */
    private static volatile long sunk;

    private static void sink(long value) {
        sunk += value;
    }

    // The loops: one row (COLS items) each, every item widened (int to long, short and byte to long, float to double).

    private static long sumInts(BufferView v) {
        long s = 0;
        for (long i = 0; i < COLS; i++) {
            s += v.getInt(i);
        }
        return s;
    }

    private static long sumUnsignedInts(BufferView v) {
        long s = 0;
        for (long i = 0; i < COLS; i++) {
            s += Integer.toUnsignedLong(v.getInt(i));
        }
        return s;
    }

    private static long sumShorts(BufferView v) {
        long s = 0;
        for (long i = 0; i < COLS; i++) {
            s += v.getShort(i);
        }
        return s;
    }

    private static long sumBytes(BufferView v) {
        long s = 0;
        for (long i = 0; i < COLS; i++) {
            s += v.getByte(i);
        }
        return s;
    }

    private static long sumLongs(BufferView v) {
        long s = 0;
        for (long i = 0; i < COLS; i++) {
            s += v.getLong(i);
        }
        return s;
    }

    private static long sumFloats(BufferView v) {
        double s = 0;
        for (long i = 0; i < COLS; i++) {
            s += v.getFloat(i);
        }
        return (long) s;
    }

    private static long sumDoubles(BufferView v) {
        double s = 0;
        for (long i = 0; i < COLS; i++) {
            s += v.getDouble(i);
        }
        return (long) s;
    }

    private static long sumDoubleRows(IndirectMemory2D m) {
        double s = 0;
        for (long c = 0; c < COLS; c++) {
            s += m.getDouble(1, c);
        }
        return (long) s;
    }

    private static long sumIntRows(IndirectMemory2D m) {
        long s = 0;
        for (long c = 0; c < COLS; c++) {
            s += m.getInt(1, c);
        }
        return s;
    }

    private static long sumShortRows(IndirectMemory2D m) {
        long s = 0;
        for (long c = 0; c < COLS; c++) {
            s += m.getShort(1, c);
        }
        return s;
    }

    private static long sumByteRows(IndirectMemory2D m) {
        long s = 0;
        for (long c = 0; c < COLS; c++) {
            s += m.getByte(1, c);
        }
        return s;
    }

    private static long sumGrid(BufferView v) {
        long s = 0;
        for (long c = 0; c < COLS; c++) {
            s += v.getInt(1, c);
        }
        return s;
    }

    private static long sumShared(SharedArray a) {
        long s = 0;
        for (long i = 0; i < COLS; i++) {
            s += a.getInt(i);
        }
        return s;
    }

    // The copies: a few per call, so that C2 compiles these loops (3000 calls of a lambda would leave it interpreted)
    // with the copy inlined, as in a user's loop; the fault must still be raised inside the library's method.

    private static final int COPIES = 8;

    private static long copyTo(BufferView v, MemorySegment dst, char order) {
        long s = 0;
        for (int r = 0; r < COPIES; r++) {
            v.copyTo(dst, order);
            s += dst.get(ValueLayout.JAVA_BYTE, r);
        }
        return s;
    }

    private static long toBytes(BufferView v) {
        long s = 0;
        for (int r = 0; r < COPIES; r++) {
            s += v.toBytes('C')[r];
        }
        return s;
    }

    private static long copyFrom(MemorySegment src, BufferView v) {
        for (int r = 0; r < COPIES; r++) {
            v.copyFrom(src, 'C');
        }
        return COPIES;
    }

    private static long gather(BufferView v, MemorySegment dst) {
        long s = 0;
        for (int r = 0; r < COPIES; r++) {
            Kernels.gather(v, dst);
            s += dst.get(ValueLayout.JAVA_BYTE, r);
        }
        return s;
    }

    private static long scatter(MemorySegment src, BufferView v) {
        for (int r = 0; r < COPIES; r++) {
            Kernels.scatter(src, v);
        }
        return COPIES;
    }

    private static long copyTo(IndirectMemory2D m, MemoryBuffer target) {
        for (int r = 0; r < COPIES; r++) {
            m.copyTo(target);
        }
        return COPIES;
    }

    /** A one-dimensional view of every item of the file. */
    private static BufferView items(MemorySegment memory, String format, int size) {
        return BufferView.wrap(memory, Format.parse(format), new long[] {memory.byteSize() / size}, null, null, false);
    }

    private static BufferView view(MemorySegment memory, String format, int size) {
        return buffer(memory, format, size).getBuffer(BufferRequest.FULL);
    }

    private static MemoryBuffer buffer(MemorySegment memory, String format, int size) {
        return MemoryBuffer.wrap(memory, Format.parse(format), 'C', memory.byteSize() / size / COLS, COLS);
    }
}
