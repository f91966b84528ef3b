package org.indirectbuffer.races;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.indirectbuffer.BufferRequest;
import org.indirectbuffer.MemoryBuffer;
import org.indirectbuffer.contract.Races;
import org.indirectbuffer.contract.Races.Scenario;
import org.indirectbuffer.format.Format;
import org.junit.jupiter.api.Test;

/**
 * The race harness fails what it must: an undocumented exception (also a subclass of a documented type), one without
 * a message, a wrong value, lost native bytes; and accepts the library's internal subclass of a documented JDK type.
 */
class RacesHarnessTest {
    private static final int ROUNDS = 200;

    /** A scenario over a read-only heap buffer whose reader does {@code op} and whose mutation does nothing. */
    private static Scenario<MemoryBuffer> scenario(List<Class<? extends Throwable>> documented,
                                                   Consumer<MemoryBuffer> op, List<MemoryBuffer> opened) {
        return new Scenario<>("self-test", documented) {
            @Override
            protected MemoryBuffer open(long round) {
                MemoryBuffer b = MemoryBuffer.wrap(new double[4]);
                b.makeReadOnly();
                opened.add(b);
                return b;
            }

            @Override
            protected void read(MemoryBuffer subject, int k) {
                op.accept(subject);
            }

            @Override
            protected void write(MemoryBuffer subject, int k) {
                op.accept(subject);
            }

            @Override
            protected void mutate(MemoryBuffer subject, long round, boolean last, SplittableRandom random) {
            }

            @Override
            protected void finish(MemoryBuffer subject) {
                Races.whileLocked(subject::exportCount, subject::close);
            }
        };
    }

    @Test
    void anUndocumentedSubclassOfADocumentedTypeFails() {
        List<MemoryBuffer> opened = new ArrayList<>();
        // FormatException is an IllegalArgumentException, but not what was documented: the types are exact.
        assertThatThrownBy(() -> Races.run(scenario(List.of(IllegalArgumentException.class),
                b -> Format.parse("dd("), opened), ROUNDS, 1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("undocumented exception or a wrong value")
                .cause().isInstanceOf(org.indirectbuffer.format.FormatException.class);
    }

    @Test
    void anExceptionWithoutMessageFails() {
        List<MemoryBuffer> opened = new ArrayList<>();
        assertThatThrownBy(() -> Races.run(scenario(List.of(IllegalStateException.class), b -> {
            throw new IllegalStateException();
        }, opened), ROUNDS, 2)).isInstanceOf(AssertionError.class).cause()
                .isExactlyInstanceOf(IllegalStateException.class);
    }

    @Test
    void aWrongValueFails() {
        List<MemoryBuffer> opened = new ArrayList<>();
        assertThatThrownBy(() -> Races.run(scenario(List.of(IllegalStateException.class), b -> {
            try (var v = b.getBuffer(BufferRequest.FULL_RO)) {
                RacesTest.check(v.getDouble(0), false, "self-test");
            }
        }, opened), ROUNDS, 3)).isInstanceOf(AssertionError.class).cause().isInstanceOf(AssertionError.class)
                .hasMessageContaining("read 0.0, expected 1, 2, -1 or -2");
    }

    @Test
    void theLibrarysInternalSubclassOfADocumentedJdkTypeIsAccepted() throws Exception {
        List<MemoryBuffer> opened = new ArrayList<>();
        // A write to a read-only view throws internal.ReadOnlyWrite, declared as ReadOnlyBufferException.
        Races.Result result = Races.run(scenario(List.of(java.nio.ReadOnlyBufferException.class,
                IllegalStateException.class), b -> {
            try (var v = b.getBuffer(BufferRequest.FULL_RO)) {
                v.setDouble(1, 0);
            }
        }, opened), ROUNDS, 4);
        assertThat(result.unexpected()).isZero();
        assertThat(result.exceptions()).containsKey("ReadOnlyBufferException");
    }

    @Test
    void lostNativeBytesFail() {
        List<MemoryBuffer> leaked = new ArrayList<>();
        Scenario<MemoryBuffer> leaking = new Scenario<>("self-test leak", List.of(IllegalStateException.class)) {
            @Override
            protected MemoryBuffer open(long round) {
                MemoryBuffer b = MemoryBuffer.allocate(Format.parse("d"), 'C', 4);
                leaked.add(b);
                return b;
            }

            @Override
            protected void read(MemoryBuffer subject, int k) {
                throw new IllegalStateException("every round races");
            }

            @Override
            protected void write(MemoryBuffer subject, int k) {
                throw new IllegalStateException("every round races");
            }

            @Override
            protected void mutate(MemoryBuffer subject, long round, boolean last, SplittableRandom random) {
            }

            @Override
            protected void finish(MemoryBuffer subject) {
                // forgets to close
            }
        };
        try {
            assertThatThrownBy(() -> Races.run(leaking, ROUNDS, 5)).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("native bytes lost");
        } finally {
            leaked.forEach(MemoryBuffer::close);
        }
    }
}
