package org.indirectbuffer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;

import org.indirectbuffer.BufferException;
import org.indirectbuffer.LeakDetection;
import org.indirectbuffer.Sharing;
import org.junit.jupiter.api.Test;

/** The lifetime core's release: run once, and a release that throws still ends the lifetime. */
class LifetimeTest {

    @Test
    void aReleaseThatThrowsIsRethrownOnceAndTheLifetimeEndsAllTheSame() {
        Object owner = new Object();
        AtomicInteger runs = new AtomicInteger();
        Lifetime lifetime = Lifetime.start(owner, null, Sharing.SHARED, true, "LifetimeTest",
                () -> "release that throws", () -> {
                    runs.incrementAndGet();
                    throw new IllegalStateException("copy back refused");
                });
        assertThat(LeakDetection.openResources()).anyMatch(r -> r.startsWith("LifetimeTest: release that throws"));

        assertThatThrownBy(() -> lifetime.close("close", null)).isInstanceOf(IllegalStateException.class)
                .hasMessage("copy back refused");
        assertThat(lifetime.isClosed()).as("ended although the release threw").isTrue();
        assertThat(LeakDetection.openResources()).noneMatch(r -> r.startsWith("LifetimeTest: release that throws"));
        assertThatCode(() -> lifetime.close("close", null)).as("a second close").doesNotThrowAnyException();
        assertThat(runs).hasValue(1);
    }

    @Test
    void aHoldRefusesCloseNamingTheOperationAndTheHolder() {
        AtomicInteger runs = new AtomicInteger();
        Lifetime lifetime = Lifetime.start(new Object(), null, Sharing.SHARED, true, "LifetimeTest",
                () -> "held", runs::incrementAndGet);
        Lifetime.Hold hold = lifetime.hold("native call on main", () -> "the owner");
        assertThatThrownBy(() -> lifetime.close("close CStringArray[2 strings, UTF-8]", null))
                .isInstanceOf(BufferException.class)
                .hasMessage("buffer is locked: cannot close CStringArray[2 strings, UTF-8] while 1 hold is open:"
                        + " [native call on main]");
        assertThat(runs).as("nothing released while held").hasValue(0);
        hold.run();
        hold.run();
        lifetime.close("close", null);
        assertThat(runs).hasValue(1);
        assertThatThrownBy(() -> lifetime.hold("late", () -> "the owner")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the owner is closed");
    }
}
