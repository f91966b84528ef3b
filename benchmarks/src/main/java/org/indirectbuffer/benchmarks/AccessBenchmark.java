package org.indirectbuffer.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-element typed access, as a new user first writes it: every item of a 1000x1000 {@code double} matrix read
 * (summed) or written through {@code getDouble}/{@code setDouble(row, col)} of {@code IndirectMemory2D}, of a {@code
 * BufferView} of it, and of a {@code BufferCollection2D} over its rows, against the hand-written loop over the same
 * memory ({@code row(i)} once per row, then {@code getAtIndex}/{@code setAtIndex}). Setup checks that every read
 * returns the same sum and every write leaves the same bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AccessBenchmark {
    @Param({"1000x1000"})
    public String shape;

    /** Read from a field so that the writes are not folded. */
    public double value = 0.25;

    private IndirectMemory2D matrix;
    private BufferView view;
    private BufferCollection2D collection;
    private int rows;
    private int cols;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        rows = Integer.parseInt(dims[0]);
        cols = Integer.parseInt(dims[1]);
        double[][] data = Matrices.random(rows, cols, 3);
        matrix = IndirectMemory2D.createFrom(data);
        view = matrix.getBuffer(BufferRequest.FULL);
        List<MemorySegment> rowSegments = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            rowSegments.add(matrix.row(r));
        }
        collection = BufferCollection2D.wrap(rowSegments, cols, "d", false);
        double expected = rowSegmentsGet();
        NativeMatrix.checkSame("libraryMatrixGet", expected, libraryMatrixGet());
        NativeMatrix.checkSame("libraryViewGet", expected, libraryViewGet());
        NativeMatrix.checkSame("libraryCollectionGet", expected, libraryCollectionGet());
        for (Runnable set : new Runnable[] {this::libraryMatrixSet, this::libraryViewSet, this::libraryCollectionSet}) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(data[r], 0, matrix.row(r), ValueLayout.JAVA_DOUBLE, 0, cols);
            }
            set.run();
            NativeMatrix.checkSame("a setDouble loop", (double) rows * cols * value, rowSegmentsGet());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        collection.close();
        view.close();
        matrix.close();
    }

    @Benchmark
    public double libraryMatrixGet() {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                sum += matrix.getDouble(r, c);
            }
        }
        return sum;
    }

    @Benchmark
    public double libraryViewGet() {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                sum += view.getDouble(r, c);
            }
        }
        return sum;
    }

    @Benchmark
    public double libraryCollectionGet() {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                sum += collection.getDouble(r, c);
            }
        }
        return sum;
    }

    /** The hand-written loop: one row segment per row, then an indexed read per item. */
    @Benchmark
    public double rowSegmentsGet() {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            MemorySegment row = matrix.row(r);
            for (int c = 0; c < cols; c++) {
                sum += row.getAtIndex(ValueLayout.JAVA_DOUBLE, c);
            }
        }
        return sum;
    }

    @Benchmark
    public void libraryMatrixSet() {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                matrix.setDouble(r, c, value);
            }
        }
    }

    @Benchmark
    public void libraryViewSet() {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                view.setDouble(value, r, c);
            }
        }
    }

    @Benchmark
    public void libraryCollectionSet() {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                collection.setDouble(r, c, value);
            }
        }
    }

    @Benchmark
    public void rowSegmentsSet() {
        for (int r = 0; r < rows; r++) {
            MemorySegment row = matrix.row(r);
            for (int c = 0; c < cols; c++) {
                row.setAtIndex(ValueLayout.JAVA_DOUBLE, c, value);
            }
        }
    }
}
