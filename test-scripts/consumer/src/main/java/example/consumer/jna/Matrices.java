package example.consumer.jna;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;

/** {@code matrices.c} as a JNA interface: the library's types are parameters, exported for exactly one call. */
public interface Matrices extends Library {
    double cm_sum(IndirectMemory2D m, int rows, int cols);

    void cm_scale(BufferCollection2D m, int rows, int cols, double f);

    Pointer cm_new(int rows, int cols);
}
