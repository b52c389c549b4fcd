package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.memory.EvictionPolicy;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.memory.MemoryState;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.base.BaseFeatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-domain memory stores: training episodes write their rows (as fed) into their own domain's
 * store, once per record, evicting by the policy at capacity; an episode reads its domain's store
 * without its own classes, and encoding an episode for evaluation writes nothing; the stores save
 * and load bitwise.
 */
class DomainMemoriesTest {
    private static final int HIDDEN = 3;

    private static Record record(String id, String domain, String label) {
        return new Record(id, domain, label, "text of " + id, "test", Map.of());
    }

    private static MemoryConfig config(int capacity) {
        return new MemoryConfig(capacity, 4, 2, 0, EvictionPolicy.OLDEST, 10.0, 0.95, 0.0).withStore(true, 0.0);
    }


    @Test
    void writesOncePerRecordEvictsAtCapacityAndViewsWithoutTheExcludedLabels(@TempDir Path tmp) {
        DomainMemories m = new DomainMemories(config(3), HIDDEN);
        m.write(record("a1", "a", "x"), new float[] {1, 0, 0});
        m.write(record("a1", "a", "x"), new float[] {1, 0, 0});
        m.write(record("a2", "a", "y"), new float[] {0, 1, 0});
        m.write(record("b1", "b", "x"), new float[] {0, 0, 1});
        assertEquals(Map.of("a", 2, "b", 1), m.used());
        assertEquals(1, m.view("a", List.of("x")).length);
        assertArrayEquals(new float[] {0, 1, 0}, m.view("a", List.of("x"))[0]);
        assertEquals(0, m.view("c", List.of()).length);
        m.write(record("a3", "a", "z"), new float[] {0, 0, 2});
        m.write(record("a4", "a", "z"), new float[] {0, 2, 0}); // full: the oldest (a1) goes
        MemoryState a = m.state("a");
        assertEquals(3, a.used());
        assertEquals(List.of("y", "z", "z"), List.of(a.label(0), a.label(1), a.label(2)).stream().sorted().toList());
        assertEquals(0, m.view("a", List.of("y", "z")).length);
        m.write(record("a1", "a", "x"), new float[] {1, 0, 0}); // evicted, so written again (evicting a2)
        assertEquals(1, m.view("a", List.of("z")).length);

        m.save(tmp);
        MemoryState loaded = MemoryState.load(DomainMemories.file(tmp, "a"));
        assertArrayEquals(a.keys(), loaded.keys());
        assertArrayEquals(a.values(), loaded.values());
        assertEquals(a.labelNames(), loaded.labelNames());
        assertEquals(a.step(), loaded.step());
        for (int j = 0; j < 3; j++) assertEquals(a.label(j), loaded.label(j));
        assertEquals(true, Files.isRegularFile(DomainMemories.file(tmp, "b")));
    }

    @Test
    void trainingEpisodesWriteEvaluationEpisodesOnlyReadAndNoEpisodeSeesItsOwnClasses() {
        List<Record> records = List.of(record("a1", "a", "x"), record("a2", "a", "y"), record("a3", "a", "z"), record("a4", "a", "w"));
        float[][] pooled = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.6f, 0.8f, 0}};
        List<float[]> states = new ArrayList<>();
        for (float[] p : pooled) states.add(p.clone());
        BaseFeatures features = BaseFeatures.of(HIDDEN, states, List.of(pooled), new int[] {1, 1, 1, 1});
        BaseRows.Builder b = BaseRows.builder(HIDDEN, "0".repeat(64));
        for (int i = 0; i < records.size(); i++) b.add(records.get(i), features, i);
        BaseRows rows = b.build();
        MemoryEpisodeEncoder enc = new MemoryEpisodeEncoder(new BaseEpisodeEncoder(rows, 4, null, 1.0), new DomainMemories(config(16), HIDDEN));

        Episode<Record> train = new Episode<>("a/meta-train", List.of("x", "y"), List.of(new Episode.Labeled<>(records.get(0), 0)), List.of(new Episode.Labeled<>(records.get(1), 1)));
        TaskData<TokenBatch> first = enc.trainingTask(train);
        assertEquals(0, first.query().storeSize()); // the store was empty when it was encoded
        assertEquals(Map.of("a", 2), enc.memories().used());
        // an evaluation episode of other classes reads both slots and writes nothing
        Episode<Record> test = new Episode<>("a/meta-test", List.of("z", "w"), List.of(new Episode.Labeled<>(records.get(2), 0)), List.of(new Episode.Labeled<>(records.get(3), 1)));
        TaskData<TokenBatch> t = enc.task(test);
        assertEquals(2, t.support().storeSize());
        assertEquals(2, t.query().storeSize());
        assertEquals(Map.of("a", 2), enc.memories().used());
        // an episode of class x (and z) never reads x's slot
        Episode<Record> withX = new Episode<>("a/meta-test", List.of("x", "z"), List.of(new Episode.Labeled<>(records.get(0), 0)), List.of(new Episode.Labeled<>(records.get(2), 1)));
        TaskData<TokenBatch> tx = enc.task(withX);
        assertEquals(1, tx.query().storeSize());
        assertArrayEquals(pooled[1], tx.query().storeRow(0), 0f);
        assertNull(enc.memories().state("b"));
    }
}
