package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.jna.RealLibraries.LibLinear;
import org.junit.jupiter.api.Test;

/** liblinear: {@code struct problem { int l, n; double *y; struct feature_node **x; double bias; }}. */
class LiblinearTest {
    @Test
    void logisticRegressionOnRaggedFeatureNodesWithABiasNode() {
        LibLinear linear = TestNative.libraryOrSkip("liblinear.so.4", "liblinear4", LibLinear.class);
        linear.set_print_string_function(RealLibraries.QUIET);
        Blobs train = Blobs.generate(300, 5, 21);
        Blobs test = Blobs.generate(300, 5, 22);
        // With bias >= 0 liblinear expects each row to end with the node (n + 1, bias) before the terminator.
        try (RaggedRows x = train.rows(1.0); RaggedRows tx = test.rows(1.0)) {
            assertThat(x.length(0)).isEqualTo(train.indices()[0].length + 1);
            Memory y = train.labelMemory();
            RealLibraries.LinearProblem problem = new RealLibraries.LinearProblem();
            problem.l = train.size();
            problem.n = train.dims() + 1;
            problem.y = y;
            problem.x = JnaIndirect.pointer(x);
            problem.bias = 1.0;
            RealLibraries.LinearParameter param = new RealLibraries.LinearParameter();
            param.solver_type = LibLinear.L2R_LR;
            param.eps = 0.01;
            param.C = 1;
            assertThat(linear.check_parameter(problem, param)).isNull();
            Pointer model = linear.train(problem, param);
            try {
                assertThat(linear.get_nr_feature(model)).isEqualTo(train.dims());
                int correct = 0;
                for (int s = 0; s < test.size(); s++) {
                    correct += linear.predict(model, JnaIndirect.rowPointer(tx, s)) == test.labels()[s] ? 1 : 0;
                }
                assertThat(correct / (double) test.size()).isGreaterThanOrEqualTo(0.9);
                // Every feature pushes towards the +1 label: the weights of the first class share one sign.
                double first = linear.get_decfun_coef(model, 1, 0);
                for (int f = 2; f <= train.dims(); f++) {
                    assertThat(Math.signum(linear.get_decfun_coef(model, f, 0))).isEqualTo(Math.signum(first));
                }
            } finally {
                linear.free_and_destroy_model(new PointerByReference(model));
            }
            java.lang.ref.Reference.reachabilityFence(y);
        }
    }
}
