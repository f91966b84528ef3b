package org.indirectbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.indirectbuffer.format.Format;
import org.indirectbuffer.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Every exception has a message (issue 14): a write to read-only memory names what was written, where, and the
 * read-only object; and no main source of the library modules throws an exception made without a message.
 */
class ExceptionMessagesTest {

    private static void readOnlyWrite(ThrowingCallable write, String... parts) {
        assertThatThrownBy(write).isInstanceOf(ReadOnlyBufferException.class)
                .satisfies(e -> assertThat(e.getMessage()).as("message of %s", e.getClass()).isNotNull()
                        .contains(parts).contains("is read-only; nothing was written"));
    }

    @Test
    void readOnlyWritesThroughIndirectMemory2DNameTheCall() {
        String[] formats = {"d", "f", "q", "i", "h", "b"};
        for (String f : formats) {
            try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, f, true)) {
                String where = " at row 1, column 2: IndirectMemory2D[";
                switch (f) {
                    case "d" -> readOnlyWrite(() -> m.setDouble(1, 2, 4.5), "setDouble(4.5)" + where);
                    case "f" -> readOnlyWrite(() -> m.setFloat(1, 2, 4.5f), "setFloat(4.5)" + where);
                    case "q" -> readOnlyWrite(() -> m.setLong(1, 2, 7), "setLong(7)" + where);
                    case "i" -> readOnlyWrite(() -> m.setInt(1, 2, 7), "setInt(7)" + where);
                    case "h" -> readOnlyWrite(() -> m.setShort(1, 2, (short) 7), "setShort(7)" + where);
                    default -> readOnlyWrite(() -> m.setByte(1, 2, (byte) 7), "setByte(7)" + where);
                }
            }
        }
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", true);
             IndirectMemory2D src = IndirectMemory2D.createMemory(2, 3, "d", false)) {
            readOnlyWrite(() -> m.copyFrom(src), "copyFrom(IndirectMemory2D[");
            assertThat(m.getDouble(1, 2)).isZero();
        }
    }

    @Test
    void readOnlyWritesThroughAViewNameTheIndex() {
        try (IndirectMemory2D m = IndirectMemory2D.createMemory(2, 3, "d", true);
             BufferView v = m.getBuffer(BufferRequest.FULL_RO)) {
            assertThat(v.isReadOnly()).isTrue();
            readOnlyWrite(() -> v.setDouble(4.5, 1, 2), "setDouble(4.5) at index [1, 2]: ");
            readOnlyWrite(() -> v.copyFrom(MemorySegment.ofArray(new double[6]), 'C'), "copyFrom(48 bytes, 'C'): ");
            readOnlyWrite(() -> Kernels.fill(v, 1.5), "fill(1.5) at every item: ");
            readOnlyWrite(() -> Kernels.scale(v, 2.0), "scale(2.0) at every item: ");
            readOnlyWrite(() -> Kernels.scatter(MemorySegment.ofArray(new double[6]), v), "copyFrom(48 bytes");
        }
        MemorySegment bytes = MemorySegment.ofArray(new long[4]);
        String[] codes = {"f", "q", "i", "h", "b"};
        for (String code : codes) {
            Format f = Format.parse(code);
            try (BufferView v = BufferView.wrap(bytes, f, new long[] {2}, null, null, true)) {
                switch (code) {
                    case "f" -> readOnlyWrite(() -> v.setFloat(1f, 1), "setFloat(1.0) at index [1]");
                    case "q" -> readOnlyWrite(() -> v.setLong(3, 1), "setLong(3) at index [1]");
                    case "i" -> readOnlyWrite(() -> v.setInt(3, 1), "setInt(3) at index [1]");
                    case "h" -> readOnlyWrite(() -> v.setShort((short) 3, 1), "setShort(3) at index [1]");
                    default -> readOnlyWrite(() -> v.setByte((byte) 3, 1), "setByte(3) at index [1]");
                }
            }
        }
        try (BufferView q = BufferView.wrap(bytes, Format.parse("q"), new long[] {2}, null, null, true)) {
            readOnlyWrite(() -> Kernels.fill(q, 5L), "fill(5) at every item");
            readOnlyWrite(() -> Kernels.scale(q, 5L), "scale(5) at every item");
        }
    }

    /** Argument values wrong on their own are IllegalArgumentExceptions, as the JDK's Arena.allocate(-1) is. */
    @Test
    void memoryBufferArgumentValueErrorsAreIllegalArgumentExceptions() {
        Format d = Format.parse("d");
        assertThatThrownBy(() -> MemoryBuffer.allocate(d, 'C', 2, -3))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape[1] = -3: expected a size >= 0 in shape [2, -3]");
        assertThatThrownBy(() -> MemoryBuffer.allocate(d, 'C', new long[65]))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape has 65 dimensions; at most 64 are allowed");
        assertThatThrownBy(() -> MemoryBuffer.allocate(d, 'C', Long.MAX_VALUE / 4, 8))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflows a 64-bit byte count");
        assertThatThrownBy(() -> MemoryBuffer.wrap(new double[4], 'C', -4))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape[0] = -4");
        assertThatThrownBy(() -> MemoryBuffer.wrapStrided(MemorySegment.ofArray(new double[4]), 0, d,
                new long[] {-1}, new long[] {8})).isExactlyInstanceOf(IllegalArgumentException.class);
        // a mismatch between valid arguments stays a BufferException
        assertThatThrownBy(() -> MemoryBuffer.wrap(new double[4], 'C', 5)).isInstanceOf(BufferException.class);
    }

    private static final Pattern NO_MESSAGE = Pattern.compile("new\\s+[A-Z]\\w*(Exception|Error)\\s*\\(\\s*\\)");

    /** A source scan: a {@code throw new XxxException()} without a message cannot come back. */
    @Test
    void noMainSourceMakesAnExceptionWithoutAMessage() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> found = new ArrayList<>();
        int files = 0;
        for (String module : new String[] {"core", "collection", "jna-interop"}) {
            Path src = root.resolve(module).resolve("src/main/java");
            assertThat(src).as("sources of %s (the test runs in the core module's directory)", module).isDirectory();
            try (Stream<Path> paths = Files.walk(src)) {
                for (Path p : paths.filter(x -> x.toString().endsWith(".java")).toList()) {
                    files++;
                    List<String> lines = Files.readAllLines(p);
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher m = NO_MESSAGE.matcher(lines.get(i));
                        if (m.find()) {
                            found.add(root.relativize(p) + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        assertThat(files).isGreaterThan(30);
        assertThat(found).as("exceptions made without a message").isEmpty();
    }
}
