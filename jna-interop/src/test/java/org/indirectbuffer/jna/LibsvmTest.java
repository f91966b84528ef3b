package org.indirectbuffer.jna;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Terminator;
import org.indirectbuffer.BufferException;
import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.BufferView;
import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.jna.RealLibraries.LibSvm;
import org.junit.jupiter.api.Test;

/** libsvm: an svm_node** of ragged, index -1 terminated rows in; a model whose tables point back into them out. */
class LibsvmTest {
    @Test
    void trainOnRaggedNodeRowsAndWrapTheModelsTables() {
        LibSvm svm = TestNative.libraryOrSkip("libsvm.so.3", "libsvm3", LibSvm.class);
        svm.svm_set_print_string_function(RealLibraries.QUIET);
        Blobs train = Blobs.generate(160, 6, 11);
        Blobs test = Blobs.generate(200, 6, 12);
        try (RaggedRows x = train.rows(-1); RaggedRows tx = test.rows(-1)) {
            Memory y = train.labelMemory();
            RealLibraries.SvmProblem problem = new RealLibraries.SvmProblem();
            problem.l = train.size();
            problem.y = y;
            problem.x = JnaIndirect.pointer(x); // keeps the rows reachable as long as the structure is
            RealLibraries.SvmParameter param = new RealLibraries.SvmParameter();
            param.svm_type = LibSvm.C_SVC;
            param.kernel_type = LibSvm.LINEAR;
            param.gamma = 1.0 / train.dims();
            param.cache_size = 16;
            param.eps = 1e-3;
            param.C = 1;
            param.shrinking = 1;
            assertThat(svm.svm_check_parameter(problem, param)).isNull();

            Pointer model = svm.svm_train(problem, param);
            // The model points into x's rows: hold them open until the model is freed.
            try (RaggedRows.Hold hold = x.hold("svm_model at " + model)) {
                RealLibraries.SvmModel m = new RealLibraries.SvmModel(model);
                assertThat(m.nr_class).isEqualTo(2);
                assertThat(m.l).isBetween(2, train.size());

                // sv_coef: a double** of (nr_class - 1) x l that C allocated, wrapped without copying.
                try (IndirectMemory2D coef = JnaIndirect.wrap(m.sv_coef, m.nr_class - 1, m.l, "d", true);
                     BufferView v = coef.getBuffer(BufferRequest.FULL_RO)) {
                    double sum = 0;
                    for (int i = 0; i < m.l; i++) {
                        double c = coef.getDouble(0, i);
                        assertThat(Math.abs(c)).isLessThanOrEqualTo(param.C + 1e-12).isPositive();
                        sum += c;
                    }
                    assertThat(sum).as("sum of y_i alpha_i is 0").isCloseTo(0, org.assertj.core.data.Offset.offset(1e-9));
                    assertThat(org.indirectbuffer.kernels.Kernels.sum(v)).isCloseTo(sum,
                            org.assertj.core.data.Offset.offset(1e-12));
                }

                // SV: the support vectors are the training rows themselves (same addresses).
                int[] svIndices = m.sv_indices.getIntArray(0, m.l);
                try (RaggedRows sv = JnaIndirect.wrapTerminated(m.SV, m.l, Blobs.NODE, Terminator.field("index", -1),
                        train.dims(), true)) {
                    for (int i = 0; i < m.l; i++) {
                        int row = svIndices[i] - 1;
                        assertThat(JnaIndirect.rowPointer(sv, i).address()).isEqualTo(JnaIndirect.rowPointer(x, row).address());
                        assertThat(sv.length(i)).isEqualTo(x.length(row));
                    }
                }
                assertThatThrownBy(x::close).isInstanceOf(BufferException.class)
                        .hasMessageContaining("buffer is locked").hasMessageContaining("svm_model at");

                int correct = 0;
                for (int s = 0; s < test.size(); s++) {
                    correct += svm.svm_predict(model, JnaIndirect.rowPointer(tx, s)) == test.labels()[s] ? 1 : 0;
                }
                assertThat(correct / (double) test.size()).isGreaterThanOrEqualTo(0.9);
                svm.svm_free_and_destroy_model(new PointerByReference(model));
                assertThat(hold.isReleased()).isFalse();
            }
            java.lang.ref.Reference.reachabilityFence(y);
        }
    }
}
