package org.indirectbuffer.jna;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.collection.BufferCollection2D;

/** JNA bindings of the real C libraries the tests prove the interop against (headers of the Debian -dev packages). */
public final class RealLibraries {
    private RealLibraries() {
    }

    /** {@code void (*print_func)(const char *)}: libsvm's and liblinear's output hook. */
    public interface PrintFunction extends Callback {
        void invoke(String message);
    }

    /** Discards libsvm's / liblinear's training chatter. Kept in a static field: C holds it for good. */
    public static final PrintFunction QUIET = message -> { };

    // ------------------------------------------------------------------------------------------------ libsvm 3.24

    /** {@code struct svm_problem { int l; double *y; struct svm_node **x; }}. */
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
    }

    /** {@code struct svm_model} (read-only here). */
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

        // JNA's own pattern for a structure over native memory: read it in the constructor.
        @SuppressWarnings("this-escape")
        public SvmModel(Pointer p) {
            super(p);
            read();
        }
    }

    /** libsvm.so.3. */
    public interface LibSvm extends Library {
        int C_SVC = 0;
        int LINEAR = 0;
        int RBF = 2;

        Pointer svm_train(SvmProblem prob, SvmParameter param);

        String svm_check_parameter(SvmProblem prob, SvmParameter param);

        double svm_predict(Pointer model, Pointer x);

        int svm_get_nr_sv(Pointer model);

        void svm_free_and_destroy_model(PointerByReference model);

        void svm_set_print_string_function(PrintFunction f);
    }

    // ------------------------------------------------------------------------------------------------ liblinear 2.3

    /** {@code struct problem { int l, n; double *y; struct feature_node **x; double bias; }}. */
    @Structure.FieldOrder({"l", "n", "y", "x", "bias"})
    public static class LinearProblem extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public LinearProblem() {
        }

        public int l;
        public int n;
        public Pointer y;
        public Pointer x;
        public double bias;
    }

    /** {@code struct parameter}. */
    @Structure.FieldOrder({"solver_type", "eps", "C", "nr_weight", "weight_label", "weight", "p", "init_sol"})
    public static class LinearParameter extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public LinearParameter() {
        }

        public int solver_type;
        public double eps;
        public double C;
        public int nr_weight;
        public Pointer weight_label;
        public Pointer weight;
        public double p;
        public Pointer init_sol;
    }

    /** liblinear.so.4. */
    public interface LibLinear extends Library {
        int L2R_LR = 0;

        Pointer train(LinearProblem prob, LinearParameter param);

        String check_parameter(LinearProblem prob, LinearParameter param);

        double predict(Pointer model, Pointer x);

        int get_nr_feature(Pointer model);

        double get_decfun_coef(Pointer model, int featIdx, int labelIdx);

        void free_and_destroy_model(PointerByReference model);

        void set_print_string_function(PrintFunction f);
    }

    // ------------------------------------------------------------------------------------------------ libsoxr 0.1

    /** {@code struct soxr_io_spec}. */
    @Structure.FieldOrder({"itype", "otype", "scale", "e", "flags"})
    public static class SoxrIoSpec extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public SoxrIoSpec() {
        }

        public int itype;
        public int otype;
        public double scale;
        public Pointer e;
        public NativeLong flags;
    }

    /** {@code struct soxr_quality_spec}. */
    @Structure.FieldOrder({"precision", "phase_response", "passband_end", "stopband_begin", "e", "flags"})
    public static class SoxrQualitySpec extends Structure {
        /** An empty structure, for JNA to fill or for the caller to set. */
        public SoxrQualitySpec() {
        }

        public double precision;
        public double phase_response;
        public double passband_end;
        public double stopband_begin;
        public Pointer e;
        public NativeLong flags;

        /** Returned by value from {@code soxr_quality_spec}. */
        public static class ByValue extends SoxrQualitySpec implements Structure.ByValue {
            /** An empty structure, for JNA to fill or for the caller to set. */
            public ByValue() {
            }
        }
    }

    /** libsoxr.so.0, with split-channel buffers passed as the toolkit's T** types. */
    public interface LibSoxr extends Library {
        int SOXR_FLOAT32_S = 4;
        int SOXR_FLOAT64_S = 5;
        int SOXR_HQ = 4;

        String soxr_oneshot(double inRate, double outRate, int channels, IndirectMemory2D in, long ilen,
                            LongByReference idone, IndirectMemory2D out, long olen, LongByReference odone,
                            SoxrIoSpec io, SoxrQualitySpec quality, Pointer runtime);

        String soxr_oneshot(double inRate, double outRate, int channels, IndirectMemory2D in, long ilen,
                            LongByReference idone, BufferCollection2D out, long olen, LongByReference odone,
                            SoxrIoSpec io, SoxrQualitySpec quality, Pointer runtime);

        SoxrQualitySpec.ByValue soxr_quality_spec(NativeLong recipe, NativeLong flags);

        String soxr_version();
    }

    // ------------------------------------------------------------------------------------------------ rubberband

    /** librubberband.so.2's C API. */
    public interface LibRubberband extends Library {
        int OPTION_PROCESS_OFFLINE = 0x00000000;

        Pointer rubberband_new(int sampleRate, int channels, int options, double timeRatio, double pitchScale);

        void rubberband_delete(Pointer state);

        void rubberband_set_expected_input_duration(Pointer state, int samples);

        void rubberband_set_max_process_size(Pointer state, int samples);

        void rubberband_study(Pointer state, BufferCollection2D input, int samples, int isFinal);

        void rubberband_process(Pointer state, BufferCollection2D input, int samples, int isFinal);

        int rubberband_available(Pointer state);

        int rubberband_retrieve(Pointer state, BufferCollection2D output, int samples);

        int rubberband_get_latency(Pointer state);
    }
}
