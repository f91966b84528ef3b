package org.indirectbuffer.samples;

import java.io.PrintStream;
import java.lang.ref.Reference;
import java.util.Optional;
import java.util.Random;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.Access;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.MemoryNanny;
import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Terminator;
import org.indirectbuffer.jna.IndirectLibrary;
import org.indirectbuffer.jna.JnaIndirect;

/**
 * Trains a support vector machine with libsvm and predicts with it — the libsvm data set built in Java as what libsvm
 * reads: a ragged {@code svm_node**}, each row a sparse sample ending with {@code index == -1}.
 *
 * <ol>
 *   <li>Make a sparse data set: two overlapping Gaussian blobs (seeded; the best possible accuracy is about 0.98),
 *       features near zero left out, so rows differ in length.</li>
 *   <li>Lay it out as {@link RaggedRows} of {@code 'T{i:index:4x d:value:}'} (C's {@code struct svm_node}) ended by
 *       {@link Terminator#field(String, long) index = -1}, and hand its table to {@code struct svm_problem}.</li>
 *   <li>{@code svm_train}: the model C returns <em>points into the training rows</em> (its support vectors are those
 *       rows). {@link Model} makes that impossible to get wrong: it holds the rows open and reachable until the model
 *       is freed, so closing the rows first is refused ("buffer is locked") instead of leaving C with dangling
 *       pointers.</li>
 *   <li>Wrap the model's {@code sv_coef}, a {@code double**} libsvm allocated, without copying; predict a held-out
 *       set; free the model with libsvm's own {@code svm_free_and_destroy_model}, exactly once.</li>
 * </ol>
 * Needs {@value #SONAME} (Debian: {@code apt-get install libsvm3}).
 */
public final class SvmDemo {
    /** The library, loaded by soname. */
    public static final String SONAME = "libsvm.so.3";
    /** What to install where it is missing. */
    public static final String MISSING = SONAME + " not found: install it (Debian/Ubuntu: apt-get install libsvm3,"
            + " or .ci/install-native-libs.sh) to run this demo";
    /** {@code struct svm_node} as a format: {@code int index; double value;} with C's padding. */
    public static final String NODE = "T{i:index:4x d:value:}";

    private static final int DIMS = 8;

    /** What the demo measured, for its test. */
    public record Result(int trainSamples, int testSamples, long storedNodes, int supportVectors,
                         boolean supportVectorsAreTrainingRows, double svCoefSum, boolean closingRowsEarlyRefused,
                         double accuracy, boolean modelFreed) {
    }

    private SvmDemo() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** @return whether {@value #SONAME} can be loaded */
    public static boolean isAvailable() {
        return LibSvm.INSTANCE.isPresent();
    }

    // ------------------------------------------------------------------------------------------------ the demo

    /**
     * Runs the demo, printing each step.
     *
     * @param out where to print
     * @return what it measured
     * @throws IllegalStateException if {@value #SONAME} is not installed (see {@link #MISSING})
     */
    public static Result run(PrintStream out) {
        LibSvm svm = LibSvm.INSTANCE.orElseThrow(() -> new IllegalStateException(MISSING));
        svm.svm_set_print_string_function(LibSvm.QUIET);

        // 1. A sparse, two-class data set, and a held-out set from the same distribution.
        DataSet train = DataSet.blobs(240, DIMS, new Random(2024));
        DataSet test = DataSet.blobs(400, DIMS, new Random(7));

        try (RaggedRows x = train.nodes(); RaggedRows testRows = test.nodes()) {
            out.printf("training set: %s%n", x);
            Memory y = train.labelMemory();

            // 2. struct svm_problem { int l; double *y; struct svm_node **x; }
            SvmProblem problem = new SvmProblem();
            problem.l = train.size();
            problem.y = y;
            problem.x = JnaIndirect.pointer(x); // a keep-alive Pointer: the rows live as long as the structure
            SvmParameter param = SvmParameter.cSvcRbf(1.0 / DIMS, 4.0);
            String invalid = svm.svm_check_parameter(problem, param);
            if (invalid != null) {
                throw new IllegalStateException("libsvm refused the parameters: " + invalid);
            }

            // 3. Train. The model points into x: it holds x until it is closed.
            Model model = Model.train(svm, problem, param, x);
            int supportVectors;
            boolean same;
            boolean refused = false;
            double coefSum = 0;
            double accuracy;
            try (model) {
                supportVectors = model.supportVectors();
                out.printf("trained: %d support vectors of %d samples%n", supportVectors, train.size());
                same = model.supportVectorsAreRowsOf(x);
                out.printf("support vectors are the training rows themselves (same addresses): %s%n", same);
                try {
                    x.close();
                } catch (BufferException e) {
                    refused = true;
                    out.printf("closing the rows before the model: refused (%s)%n", e.getMessage());
                }

                // 4. sv_coef, a double** libsvm allocated: read in place.
                IndirectMemory2D coef = model.svCoef();
                for (long j = 0; j < coef.cols(); j++) {
                    coefSum += coef.getDouble(0, j);
                }
                out.printf("sv_coef: %s, sum of y_i * alpha_i = %.3g%n", coef, coefSum);

                int correct = 0;
                for (int s = 0; s < test.size(); s++) {
                    correct += model.predict(testRows, s) == test.label(s) ? 1 : 0;
                }
                accuracy = correct / (double) test.size();
                out.printf("held-out accuracy: %d / %d = %.3f%n", correct, test.size(), accuracy);
            }
            out.printf("model freed with svm_free_and_destroy_model: %s; the training rows may close now%n",
                    model.isFreed());
            Reference.reachabilityFence(y);
            return new Result(train.size(), test.size(), x.totalLength(), supportVectors, same, coefSum, refused,
                    accuracy, model.isFreed());
        }
    }

    // ------------------------------------------------------------------------------------------------ the model

    /**
     * A trained {@code struct svm_model *}: owns it (freed with {@code svm_free_and_destroy_model}, once, by {@link
     * #close()} or when unreachable), and holds the training rows it points into — open and reachable — until then.
     * Not thread-safe for close; {@link #predict} may run in several threads (libsvm's predict is re-entrant).
     */
    public static final class Model implements AutoCloseable {
        private final LibSvm svm;
        private final Pointer model;
        private final MemoryNanny nanny;
        private final SvmModel fields;
        private final IndirectMemory2D svCoef;

        private Model(LibSvm svm, Pointer model, MemoryNanny nanny) {
            this.svm = svm;
            this.model = model;
            this.nanny = nanny;
            this.fields = new SvmModel(model);
            // sv_coef is (nr_class - 1) x l doubles libsvm allocated: borrowed, kept valid by keeping this Model
            // reachable: kept alive, not freed (the model's own free releases it).
            this.svCoef = JnaIndirect.wrapKeepingAlive(fields.sv_coef, fields.nr_class - 1, fields.l, "d", true,
                    this);
        }

        /**
         * Trains a model on {@code problem}, whose {@code x} is {@code rows}.
         *
         * @throws IllegalStateException if libsvm returns NULL
         */
        static Model train(LibSvm svm, SvmProblem problem, SvmParameter param, RaggedRows rows) {
            RaggedRows.Hold hold = rows.hold("libsvm model");
            Pointer model;
            try {
                model = svm.svm_train(problem, param);
            } catch (RuntimeException | Error e) {
                hold.close();
                throw e;
            }
            if (model == null) {
                hold.close();
                throw new IllegalStateException("svm_train returned NULL");
            }
            long address = Pointer.nativeValue(model);
            // Frees the model, then lets the rows go. Captures the hold (keeping the rows reachable), never the Model.
            MemoryNanny nanny = MemoryNanny.running("svm_model at 0x" + Long.toHexString(address), () -> {
                svm.svm_free_and_destroy_model(new PointerByReference(new Pointer(address)));
                hold.close();
            });
            return new Model(svm, model, nanny);
        }

        /** @return the number of support vectors */
        public int supportVectors() {
            return fields.l;
        }

        /** @return the dual coefficients, a read-only handle on libsvm's own {@code double**}; ends with the model */
        public IndirectMemory2D svCoef() {
            return svCoef.narrowed(Access.READ_ONLY);
        }

        /** @return whether every support vector is a row of {@code rows} (libsvm keeps pointers, not copies) */
        boolean supportVectorsAreRowsOf(RaggedRows rows) {
            try {
                int[] indices = fields.sv_indices.getIntArray(0, fields.l);
                Pointer[] sv = fields.SV.getPointerArray(0, fields.l);
                for (int i = 0; i < fields.l; i++) {
                    if (Pointer.nativeValue(sv[i]) != JnaIndirect.rowPointer(rows, indices[i] - 1).address()) {
                        return false;
                    }
                }
                return true;
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        /**
         * Predicts the label of one sample.
         *
         * @param rows samples in libsvm's layout
         * @param row  which one
         * @return the predicted label
         */
        public double predict(RaggedRows rows, long row) {
            if (nanny.isFreed()) {
                throw new IllegalStateException("the model was freed");
            }
            try {
                return svm.svm_predict(model, JnaIndirect.rowPointer(rows, row));
            } finally {
                // `model` is a bare address: this Model (whose nanny frees it) must stay reachable during the call.
                Reference.reachabilityFence(this);
            }
        }

        /** @return whether the C model was freed */
        public boolean isFreed() {
            return nanny.isFreed();
        }

        /**
         * Frees the model (once) and releases the training rows.
         *
         * @throws BufferException if a view of {@link #svCoef()} is open; nothing is freed then
         */
        @Override
        public void close() {
            svCoef.close();
            nanny.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ data

    /** A sparse data set: labels and, per sample, the indices (from 1) and values of its non-zero features. */
    record DataSet(double[] labels, int[][] indices, double[][] values) {
        /** Two Gaussian blobs around (+0.7, ...) and (-0.7, ...), unit variance; features with |v| < 0.3 are not stored. */
        static DataSet blobs(int samples, int dims, Random random) {
            double[] labels = new double[samples];
            int[][] indices = new int[samples][];
            double[][] values = new double[samples][];
            for (int s = 0; s < samples; s++) {
                double label = random.nextBoolean() ? 1 : -1;
                int[] idx = new int[dims];
                double[] val = new double[dims];
                int n = 0;
                for (int d = 0; d < dims; d++) {
                    double v = 0.7 * label + random.nextGaussian();
                    if (Math.abs(v) >= 0.3) {
                        idx[n] = d + 1;
                        val[n++] = v;
                    }
                }
                labels[s] = label;
                indices[s] = java.util.Arrays.copyOf(idx, n);
                values[s] = java.util.Arrays.copyOf(val, n);
            }
            return new DataSet(labels, indices, values);
        }

        int size() {
            return labels.length;
        }

        double label(int s) {
            return labels[s];
        }

        /** The samples as libsvm's svm_node**: row s holds its stored features, then {index -1}. */
        RaggedRows nodes() {
            long[] lengths = new long[size()];
            for (int s = 0; s < size(); s++) {
                lengths[s] = indices[s].length;
            }
            RaggedRows rows = RaggedRows.createTerminated(lengths, NODE, Terminator.field("index", -1));
            RaggedRows.FieldAccess index = rows.field("index");
            RaggedRows.FieldAccess value = rows.field("value");
            for (int s = 0; s < size(); s++) {
                for (int k = 0; k < indices[s].length; k++) {
                    index.setInt(s, k, indices[s][k]);
                    value.setDouble(s, k, values[s][k]);
                }
            }
            return rows;
        }

        /** The labels as a C {@code double[]}. */
        Memory labelMemory() {
            Memory y = new Memory(8L * size());
            y.write(0, labels, 0, labels.length);
            return y;
        }
    }

    // ------------------------------------------------------------------------------------------------ libsvm

    /** libsvm's C API (svm.h, libsvm 3.x), the part the demo uses. */
    public interface LibSvm extends Library {
        /** The library if installed. */
        Optional<LibSvm> INSTANCE = IndirectLibrary.loadIfPresent(SONAME, LibSvm.class);
        /** Discards libsvm's training output; held here because C keeps the function pointer. */
        PrintFunction QUIET = message -> { };

        /** {@code void (*)(const char *)}. */
        interface PrintFunction extends Callback {
            void invoke(String message);
        }

        Pointer svm_train(SvmProblem prob, SvmParameter param);

        String svm_check_parameter(SvmProblem prob, SvmParameter param);

        double svm_predict(Pointer model, Pointer x);

        void svm_free_and_destroy_model(PointerByReference model);

        void svm_set_print_string_function(PrintFunction f);
    }

    /** {@code struct svm_problem}. */
    @Structure.FieldOrder({"l", "y", "x"})
    public static class SvmProblem extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public SvmProblem() {
        }

        public int l;
        public Pointer y;
        public Pointer x;
    }

    /** {@code struct svm_parameter}. */
    @Structure.FieldOrder({"svm_type", "kernel_type", "degree", "gamma", "coef0", "cache_size", "eps", "C",
            "nr_weight", "weight_label", "weight", "nu", "p", "shrinking", "probability"})
    public static class SvmParameter extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public SvmParameter() {
        }

        public int svm_type;
        public int kernel_type;
        public int degree;
        public double gamma;
        public double coef0;
        public double cache_size;
        public double eps;
        public double C;
        public int nr_weight;
        public Pointer weight_label;
        public Pointer weight;
        public double nu;
        public double p;
        public int shrinking;
        public int probability;

        /** C-SVC with an RBF kernel. */
        static SvmParameter cSvcRbf(double gamma, double c) {
            SvmParameter p = new SvmParameter();
            p.svm_type = 0;    // C_SVC
            p.kernel_type = 2; // RBF
            p.gamma = gamma;
            p.cache_size = 16;
            p.eps = 1e-3;
            p.C = c;
            p.shrinking = 1;
            return p;
        }
    }

    /** {@code struct svm_model}, read-only. */
    @Structure.FieldOrder({"param", "nr_class", "l", "SV", "sv_coef", "rho", "probA", "probB", "sv_indices",
            "label", "nSV", "free_sv"})
    public static class SvmModel extends Structure {
        public SvmParameter param;
        public int nr_class;
        public int l;
        public Pointer SV;
        public Pointer sv_coef;
        public Pointer rho;
        public Pointer probA;
        public Pointer probB;
        public Pointer sv_indices;
        public Pointer label;
        public Pointer nSV;
        public int free_sv;

        public SvmModel() {
        }

        SvmModel(Pointer p) {
            super(p);
            read();
        }
    }
}
