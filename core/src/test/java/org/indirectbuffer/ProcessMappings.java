package org.indirectbuffer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether given addresses lie in this process's mappings, read from {@code /proc/self/maps}: how a test sees that
 * glibc freed a block it had served with a mapping of its own (a block above its largest mmap threshold, 32 MiB).
 *
 * <p>A question about particular addresses, unlike a process-wide count such as {@code mallinfo2().hblkhd}, is not
 * disturbed by whatever else the JVM allocates or a Cleaner frees meanwhile. Its one blind spot is a new mapping
 * placed over a freed block between the free and the look, which would make a freed block look allocated: the
 * look follows the free at once, so a test reading "still mapped" where it expected "freed" is the code's fault.
 */
final class ProcessMappings {
    private static final Path MAPS = Path.of("/proc/self/maps");
    /** Rows of 40 MiB are above glibc's largest mmap threshold: each is a mapping of its own, unmapped by free. */
    static final long BIG_BLOCK = 40L << 20;

    private ProcessMappings() {
    }

    /** Skips the test unless the process's allocator is glibc's and its mappings can be read. */
    static void assumeGlibcAndProcMaps() {
        assumeTrue(Files.isReadable(MAPS), "needs /proc/self/maps");
        assumeTrue(java.lang.foreign.Linker.nativeLinker().defaultLookup().find("mallinfo2").isPresent(),
                "needs glibc (2.33 or later), which serves blocks above 32 MiB with mappings of their own");
    }

    /** {@return whether every address in {@code addresses} lies in a mapping of this process} */
    static boolean allMapped(long... addresses) {
        return count(addresses) == addresses.length;
    }

    /** {@return whether no address in {@code addresses} lies in a mapping of this process} */
    static boolean noneMapped(long... addresses) {
        return count(addresses) == 0;
    }

    /** {@return how many of {@code addresses} lie in a mapping of this process} */
    static int count(long... addresses) {
        List<String> lines;
        try {
            lines = Files.readAllLines(MAPS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int mapped = 0;
        for (long address : addresses) {
            for (String line : lines) {
                int dash = line.indexOf('-');
                long from = Long.parseUnsignedLong(line, 0, dash, 16);
                long to = Long.parseUnsignedLong(line, dash + 1, line.indexOf(' '), 16);
                if (Long.compareUnsigned(address, from) >= 0 && Long.compareUnsigned(address, to) < 0) {
                    mapped++;
                    break;
                }
            }
        }
        return mapped;
    }
}
