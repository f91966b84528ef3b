package example.consumer.jna;

import java.util.Arrays;
import java.util.List;

import example.consumer.Check;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;
import org.indirectbuffer.jna.FreeFunction;
import org.indirectbuffer.jna.IndirectLibrary;
import org.indirectbuffer.jna.JnaIndirect;
import org.indirectbuffer.kernels.Kernels;

/** The three jobs through JNA: a {@code double**} passed as an interface parameter, one C returned, Java arrays. */
public final class JnaJobs {
    private JnaJobs() {
    }

    /**
     * Runs the jobs against the library at {@code path}.
     *
     * @param path the path of {@code libmatrices.so}
     */
    public static void run(String path) {
        Matrices lib = IndirectLibrary.load(path, Matrices.class);

        double cSum;
        try (IndirectMemory2D m = IndirectMemory2D.createFrom(new double[][] {{1, 2, 3}, {4, 5, 6}})) {
            cSum = lib.cm_sum(m, 2, 3);
        }
        Check.equal("cm_sum of an IndirectMemory2D through JNA", 21.0, cSum);

        double x;
        double javaSum;
        try (IndirectMemory2D c = JnaIndirect.adopt(lib.cm_new(3, 4), 3, 4, "d", true,
                FreeFunction.C_FREE_ROWS_AND_TABLE);
             BufferView v = c.getBuffer(BufferRequest.FULL_RO)) {
            x = c.getDouble(2, 1);
            javaSum = Kernels.sum(v);
        }
        Check.equal("c[2][1] of cm_new adopted through JNA", 1.0, x);
        Check.equal("Kernels.sum of cm_new(3, 4) adopted through JNA", -6.0, javaSum);

        double[][] data = {{1, 2}, {3, 4}, {5, 6}};
        try (BufferCollection2D rows = BufferCollection2D.wrap(List.of(data))) {
            lib.cm_scale(rows, 3, 2, 10.0);   // staged, and copied back into data when the call returns
        }
        Check.equal("arrays after cm_scale through JNA", Arrays.deepToString(new double[][] {{10, 20}, {30, 40}, {50, 60}}),
                Arrays.deepToString(data));
    }
}
