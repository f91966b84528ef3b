package org.indirectbuffer.leaks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.testing.AllowsLeaks;
import org.indirectbuffer.testing.LeakCheckExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link LeakCheckExtension}, auto-detected as in every test run: a class leaving an owner open fails, naming it and
 * the bytes; one that closes what it opens, or drops it for the Cleaner, passes; {@link AllowsLeaks} exempts. The
 * fixtures are nested classes, which surefire does not run by itself; each runs here in a Jupiter engine of its own.
 */
class LeakCheckExtensionTest {

    /** What the leaking fixture left open; closed after each test, so that this class leaks nothing. */
    static IndirectMemory2D kept;

    @AfterEach
    void closeWhatTheFixtureKept() {
        if (kept != null) {
            kept.close();
            kept = null;
        }
    }

    static class KeepsAnOwnerOpen {
        @Test
        void opensAndKeeps() {
            kept = IndirectMemory2D.createMemory(3, 5, "d", false);
        }
    }

    static class ClosesWhatItOpens {
        @Test
        void opensAndCloses() {
            IndirectMemory2D.createMemory(3, 5, "d", false).close();
        }
    }

    static class DropsAnOwner {
        @Test
        void opensAndDrops() {
            assertThat(IndirectMemory2D.createMemory(4, 6, "f", false).rows()).isEqualTo(4);
        }
    }

    @AllowsLeaks("the fixture of the exemption")
    static class KeepsAnOwnerOpenOnPurpose {
        @Test
        void opensAndKeeps() {
            kept = IndirectMemory2D.createMemory(3, 5, "d", false);
        }
    }

    private static Events classEvents(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(fixture)).execute().containerEvents();
    }

    private static List<Throwable> classFailures(Class<?> fixture) {
        return classEvents(fixture).failed().stream()
                .map(e -> e.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .getThrowable().orElseThrow())
                .toList();
    }

    @Test
    void aClassLeavingAnOwnerOpenFailsNamingItAndItsBytes() {
        List<Throwable> failures = classFailures(KeepsAnOwnerOpen.class);
        assertThat(kept).as("the fixture ran").isNotNull();
        assertThat(failures).hasSize(1);
        Throwable f = failures.getFirst();
        assertThat(f).isInstanceOf(AssertionError.class);
        // the table and record (2 x 3 x 8) and one block of 3 x 5 doubles with 63 bytes of alignment padding
        assertThat(f.getMessage()).startsWith(KeepsAnOwnerOpen.class.getName() + " leaked")
                .contains((48 + 120 + 63) + " native bytes allocated by the library more after it than before it")
                .contains("1 resource(s) it opened still open:\n  - IndirectMemory2D: 3 x 5 'd'")
                .containsPattern("\\(open resource #\\d+\\)");
    }

    @Test
    void aClassThatClosesOrDropsWhatItOpensPasses() {
        assertThat(classFailures(ClosesWhatItOpens.class)).isEmpty();
        assertThat(classFailures(DropsAnOwner.class)).as("the Cleaner frees what is dropped before the check")
                .isEmpty();
        assertThat(classEvents(ClosesWhatItOpens.class).succeeded().count()).as("engine and class").isEqualTo(2);
    }

    @Test
    void resourcesOpenBeforeTheClassAreNotBlamedOnIt() {
        try (IndirectMemory2D before = IndirectMemory2D.createMemory(2, 2, "i", false)) {
            assertThat(before.rows()).isEqualTo(2);
            assertThat(classFailures(ClosesWhatItOpens.class)).isEmpty();
        }
    }

    @Test
    void allowsLeaksExemptsAClass() {
        assertThat(classFailures(KeepsAnOwnerOpenOnPurpose.class)).isEmpty();
        assertThat(kept).as("the fixture ran and kept its owner").isNotNull();
    }
}
