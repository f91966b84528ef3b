package org.indirectbuffer.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit never lists as pending a space it already reused. Found by {@link BufferStoreKillTest}'s negative control
 * on the first BufferStore: a commit copied the pending list, then its catalog's allocation reclaimed spaces and could
 * place the catalog in one of them; the next commit then listed that space twice and the newest commits were refused
 * at open (the store fell back to an older one, losing committed removes). Main fixed it the same week (no reclaim
 * between building a commit's pending list and placing its catalog); this is the sequence that showed it.
 */
class BufferStoreReclaimTest {
    private static final byte[] BYTES = new byte[1000];

    @Test
    void removesInARowAfterAFlushLeaveAStoreThatOpens(@TempDir Path dir) {
        Path file = dir.resolve("reclaim.store");
        try (BufferStore store = BufferStore.create(file, 1 << 20)) {
            for (String name : new String[] {"a", "b", "c"}) {
                store.put(name, StoreKillChild.dense(MemorySegment.ofArray(BYTES), "B", BYTES.length));
            }
            assertThat(store.remove("a")).isTrue(); // a's space is pending until the next flush
            store.flush();
            // each remove's catalog may go where a was; the next commit must not list that space as pending again
            assertThat(store.remove("b")).isTrue();
            assertThat(store.remove("c")).isTrue();
        }
        try (BufferStore store = BufferStore.open(file, true)) {
            assertThat(store.names()).isEmpty();
            assertThat(store.revision()).as("the newest commit, not one before it").isEqualTo(7);
        }
    }
}
