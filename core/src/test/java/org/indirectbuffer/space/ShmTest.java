package org.indirectbuffer.space;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** What every test of shared arrays starts from: Linux's /dev/shm, unique names, and removing what a test made. */
abstract class ShmTest {
    /** The names this test gave out; their files are removed after each test. */
    final ShmNames names = new ShmNames();

    @BeforeAll
    static void linux() {
        assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "needs /dev/shm (Linux)");
    }

    @AfterEach
    void removeFiles() throws Exception {
        names.close();
    }
}
