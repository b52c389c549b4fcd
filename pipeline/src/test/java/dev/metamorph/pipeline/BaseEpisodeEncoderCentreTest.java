package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.model.TokenBatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code model.center-pooled}: each domain's centre is the mean pooled embedding of the records given
 * for it, every pooled embedding is fed minus its own domain's centre (token states unchanged), and a
 * domain with no records is an error naming the key.
 */
class BaseEpisodeEncoderCentreTest {
    private static final int HIDDEN = 3;

    private static Record record(String id, String domain, String label) {
        return new Record(id, domain, label, "text of " + id, "test", Map.of());
    }

    @Test
    void feedsEachPooledEmbeddingMinusItsDomainsCentre() {
        List<Record> records = List.of(record("a1", "a", "x"), record("a2", "a", "y"), record("b1", "b", "x"), record("b2", "b", "y"));
        float[][] pooled = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.6f, 0.8f, 0}};
        BaseRows rows = TestBaseRows.of(HIDDEN, records, pooled);

        Map<String, float[]> centres = BaseEpisodeEncoder.domainCentres(rows, Map.of("a", records.subList(0, 2), "b", records.subList(2, 4)));
        assertArrayEquals(new float[] {0.5f, 0.5f, 0}, centres.get("a"), 1e-7f);
        assertArrayEquals(new float[] {0.3f, 0.4f, 0.5f}, centres.get("b"), 1e-7f);

        BaseEpisodeEncoder encoder = new BaseEpisodeEncoder(rows, 4, null, 1.0, centres);
        Episode<Record> e = new Episode<>("b", List.of("x", "y"), List.of(new Episode.Labeled<>(records.get(2), 0)), List.of(new Episode.Labeled<>(records.get(3), 1)));
        TaskData<TokenBatch> task = encoder.task(e);
        assertArrayEquals(new float[] {-0.3f, -0.4f, 0.5f}, task.support().basePooled(0), 1e-7f);
        TokenBatch query = task.query(); // support rows first, then the queries
        assertArrayEquals(new float[] {0.3f, 0.4f, -0.5f}, query.basePooled(1), 1e-7f);
        assertArrayEquals(new float[] {0.6f, 0.8f, 0}, query.baseStates(1), 1e-7f);

        BaseEpisodeEncoder raw = new BaseEpisodeEncoder(rows, 4, null, 1.0);
        assertArrayEquals(pooled[2], raw.task(e).support().basePooled(0), 0f);
    }

    @Test
    void aDomainWithoutRecordsIsAnErrorNamingTheKey() {
        BaseRows rows = BaseRows.builder(HIDDEN, "0".repeat(64)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BaseEpisodeEncoder.domainCentres(rows, Map.of("c", List.of())));
        assertTrue(e.getMessage().contains("domain 'c'") && e.getMessage().contains("model.center-pooled=false"), e.getMessage());
    }
}
