package org.indirectbuffer.jna;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Terminator;

import java.util.Random;

import com.sun.jna.Memory;

/**
 * Two Gaussian blobs in {@code dims} dimensions (labels +1 around +1, -1 around -1, unit variance), stored sparse:
 * features with {@code |value| < 0.25} are left out, so rows differ in length — libsvm's and liblinear's input.
 */
record Blobs(double[] labels, int[][] indices, double[][] values, int dims) {
    static final String NODE = "T{i:index:4x d:value:}";

    static Blobs generate(int samples, int dims, long seed) {
        Random random = new Random(seed);
        double[] labels = new double[samples];
        int[][] indices = new int[samples][];
        double[][] values = new double[samples][];
        for (int s = 0; s < samples; s++) {
            double label = (s & 1) == 0 ? 1 : -1;
            labels[s] = label;
            int[] idx = new int[dims];
            double[] val = new double[dims];
            int n = 0;
            for (int d = 0; d < dims; d++) {
                double v = label + random.nextGaussian();
                if (Math.abs(v) >= 0.25) {
                    idx[n] = d + 1; // libsvm / liblinear indices start at 1
                    val[n] = v;
                    n++;
                }
            }
            indices[s] = java.util.Arrays.copyOf(idx, n);
            values[s] = java.util.Arrays.copyOf(val, n);
        }
        return new Blobs(labels, indices, values, dims);
    }

    int size() {
        return labels.length;
    }

    /** The samples as svm_node** / feature_node**: ended by index -1, with a bias node (index dims + 1) if asked. */
    RaggedRows rows(double bias) {
        long[] lengths = new long[size()];
        for (int s = 0; s < size(); s++) {
            lengths[s] = indices[s].length + (bias >= 0 ? 1 : 0);
        }
        RaggedRows rows = RaggedRows.createTerminated(lengths, NODE, Terminator.field("index", -1));
        RaggedRows.FieldAccess index = rows.field("index");
        RaggedRows.FieldAccess value = rows.field("value");
        for (int s = 0; s < size(); s++) {
            for (int k = 0; k < indices[s].length; k++) {
                index.setInt(s, k, indices[s][k]);
                value.setDouble(s, k, values[s][k]);
            }
            if (bias >= 0) {
                index.setInt(s, indices[s].length, dims + 1);
                value.setDouble(s, indices[s].length, bias);
            }
        }
        return rows;
    }

    /** The labels as a C double[] (JNA Memory, freed when unreachable: keep it referenced while C uses it). */
    Memory labelMemory() {
        Memory y = new Memory(8L * size());
        y.write(0, labels, 0, labels.length);
        return y;
    }
}
