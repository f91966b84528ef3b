package org.indirectbuffer.space;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Unique names for test arrays, and removing what a test made (even when it failed). */
final class ShmNames implements AutoCloseable {
    private final List<String> names = new ArrayList<>();

    /**
     * A name no other test (or helper on the machine) uses.
     *
     * @param what a hint for someone reading /dev/shm
     * @return the name, remembered for {@link #close()}
     */
    String next(String what) {
        String n = "ib-test-" + what + "-" + UUID.randomUUID();
        names.add(n);
        return n;
    }

    static Path file(String name) {
        return Path.of("/dev/shm", name);
    }

    /** Removes the files of every name given out. */
    @Override
    public void close() throws Exception {
        for (String n : names) {
            Files.deleteIfExists(file(n));
        }
    }
}
