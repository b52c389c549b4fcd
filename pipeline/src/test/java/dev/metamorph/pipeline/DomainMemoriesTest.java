package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.memory.EvictionPolicy;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.memory.MemoryState;
import dev.metamorph.model.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-domain memory stores: texts are written once per record, without labels, evicting by the
 * policy at capacity; an episode reads, for each of its rows, the store's nearest texts by cosine
 * (store-top-k per row, their union), never its own records; encoding an episode writes nothing; the
 * stores save and load bitwise.
 */
class DomainMemoriesTest {
    private static final int HIDDEN = 3;

    private static Record record(String id, String domain, String label) {
        return new Record(id, domain, label, "text of " + id, "test", Map.of());
    }

    private static MemoryConfig config(int capacity, int storeTopK) {
        return new MemoryConfig(capacity, 4, 2, 0, EvictionPolicy.OLDEST, 10.0, 0.95, 0.0).withStore(true, 1.0).withStoreRead(storeTopK, 10.0);
    }

    @Test
    void writesOncePerRecordWithoutLabelsAndEvictsAtCapacity(@TempDir Path tmp) {
        DomainMemories m = new DomainMemories(config(3, 1), HIDDEN);
        m.write(record("a1", "a", "x"), new float[] {1, 0, 0});
        m.write(record("a1", "a", "x"), new float[] {1, 0, 0});
        m.write(record("a2", "a", "y"), new float[] {0, 1, 0});
        m.write(record("b1", "b", "x"), new float[] {0, 0, 1});
        assertEquals(Map.of("a", 2, "b", 1), m.used());
        assertEquals(List.of(DomainMemories.UNLABELED), m.state("a").labelNames());
        m.write(record("a3", "a", "z"), new float[] {0, 0, 2});
        m.write(record("a4", "a", "z"), new float[] {0, 2, 0}); // full: the oldest (a1) goes
        MemoryState a = m.state("a");
        assertEquals(3, a.used());
        // a1 was evicted: its direction is no longer stored
        float[][] view = m.view("a", List.of(new float[] {1, 0, 0}), List.of());
        assertEquals(1, view.length);
        assertEquals(0f, view[0][0], 0f);
        m.write(record("a1", "a", "x"), new float[] {1, 0, 0}); // evicted, so written again (evicting a2)
        assertArrayEquals(new float[] {1, 0, 0}, m.view("a", List.of(new float[] {3, 0, 0}), List.of())[0], 0f);
        assertEquals(0, m.view("c", List.of(new float[] {1, 0, 0}), List.of()).length);

        m.save(tmp);
        MemoryState loaded = MemoryState.load(DomainMemories.file(tmp, "a"));
        assertArrayEquals(a.keys(), loaded.keys());
        assertArrayEquals(a.values(), loaded.values());
        assertEquals(a.labelNames(), loaded.labelNames());
        assertEquals(a.step(), loaded.step());
        assertEquals(true, Files.isRegularFile(DomainMemories.file(tmp, "b")));
    }

    @Test
    void aViewIsTheUnionOfEachRowsNearestTextsInSlotOrder() {
        DomainMemories m = new DomainMemories(config(16, 2), HIDDEN);
        float[][] stored = {{1, 0, 0}, {0.9f, 0.1f, 0}, {0, 1, 0}, {0, 0.9f, 0.2f}, {0, 0, 1}, {-1, 0, 0}};
        for (int j = 0; j < stored.length; j++) m.write(record("s" + j, "a", "c"), stored[j]);
        // two rows: one near slots 0 and 1, one near slots 2 and 3; slot 4 and 5 are nobody's top-2
        float[][] view = m.view("a", List.of(new float[] {2, 0.1f, 0}, new float[] {0, 1, 0.1f}), List.of());
        assertEquals(4, view.length);
        for (int j = 0; j < 4; j++) assertArrayEquals(stored[j], view[j], 0f);
        // the same rows with s0 and s2 among the episode's own records: the next nearest take their place
        float[][] without = m.view("a", List.of(new float[] {2, 0.1f, 0}, new float[] {0, 1, 0.1f}), List.of(record("s0", "a", "c"), record("s2", "a", "c")));
        for (float[] r : without) {
            assertNotEquals(java.util.Arrays.toString(stored[0]), java.util.Arrays.toString(r));
            assertNotEquals(java.util.Arrays.toString(stored[2]), java.util.Arrays.toString(r));
        }
        // the first row's top-2 is now s1 and s3 (cosine 0.05 beats s4's 0), the second's s3 and s1 (0.11 beats s4's 0.10)
        assertEquals(2, without.length);
        assertArrayEquals(stored[1], without[0], 0f);
        assertArrayEquals(stored[3], without[1], 0f);
        assertEquals(List.of(0, 1, 2), StoreIndex.largest(new float[] {5, 4, 3, 2}, java.util.Set.of(), 3));
        assertEquals(List.of(0, 2), StoreIndex.largest(new float[] {5, 4, 3, 3}, java.util.Set.of(1), 2));
    }

    @Test
    void episodesReadTheirNearestStoredTextsButNeverTheirOwnAndWriteNothing() {
        List<Record> records = List.of(record("a1", "a", "x"), record("a2", "a", "y"), record("a3", "a", "z"), record("a4", "a", "w"));
        float[][] pooled = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.6f, 0.8f, 0}};
        BaseRows rows = TestBaseRows.of(HIDDEN, records, pooled);
        MemoryEpisodeEncoder enc = new MemoryEpisodeEncoder(new BaseEpisodeEncoder(rows, 4, null, 1.0), new DomainMemories(config(16, 1), HIDDEN));

        Episode<Record> e = new Episode<>("a/meta-test", List.of("x", "y"), List.of(new Episode.Labeled<>(records.get(0), 0)), List.of(new Episode.Labeled<>(records.get(1), 1)));
        assertEquals(0, enc.task(e).query().storeSize()); // nothing written yet
        enc.writeCorpus(records);
        assertEquals(Map.of("a", 4), enc.memories().used());
        TaskData<TokenBatch> t = enc.task(e);
        assertEquals(Map.of("a", 4), enc.memories().used());
        // a1 = (1,0,0) and a2 = (0,1,0) are the episode's own: each row's nearest other text is a4 = (0.6,0.8,0)
        assertEquals(1, t.query().storeSize());
        assertEquals(1, t.support().storeSize());
        assertArrayEquals(pooled[3], t.query().storeRow(0), 0f);
        assertNull(enc.memories().state("b"));
    }
}
