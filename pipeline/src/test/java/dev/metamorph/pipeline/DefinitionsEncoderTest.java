package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.model.tokenizer.BpeTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DefinitionsEncoderTest {
    private static final List<Record> RECORDS = List.of(
            new Record("s0", "d", "a", "alpha beta", "", null), new Record("s1", "d", "b", "gamma delta", "", null),
            new Record("q0", "d", "a", "beta alpha alpha", "", null), new Record("q1", "d", "b", "delta gamma gamma", "", null));

    @ParameterizedTest(name = "prototype head {0}")
    @ValueSource(booleans = {true, false})
    void joinedSupportAndQueryUseEachExampleOnceWithItsLabel(boolean prototypeHead) {
        BpeTokenizer tokenizer = BpeTrainer.train(RECORDS.stream().map(Record::text).toList(), 64, 1, 8, BpeTokenizer.Truncation.HEAD);
        DefinitionsEncoder encoder = new DefinitionsEncoder(tokenizer, Record::text, prototypeHead);
        Episode<Record> e = new Episode<>("d", List.of("a", "b"),
                List.of(new Episode.Labeled<>(RECORDS.get(0), 0), new Episode.Labeled<>(RECORDS.get(1), 1)),
                List.of(new Episode.Labeled<>(RECORDS.get(2), 0), new Episode.Labeled<>(RECORDS.get(3), 1)));
        TaskData<TokenBatch> task = encoder.task(e);
        TokenBatch joined = EpisodeEncoder.join(task.support(), task.query());

        Map<String, Integer> uses = new HashMap<>();
        for (int r = 0; r < joined.size(); r++) {
            int[] ids = joined.ids()[r];
            String id = RECORDS.stream().filter(x -> Arrays.equals(encoder.ids(x), ids)).findFirst().orElseThrow().id();
            uses.merge(id, 1, Integer::sum);
            assertEquals(id.endsWith("0") ? 0 : 1, joined.label(r), "label of row " + r + " (" + id + ")");
            assertEquals(true, joined.isLossRow(r) && joined.isPrototypeRow(r), "row " + r + " trains as both prototype and loss row");
        }
        Map<String, Integer> once = new HashMap<>();
        for (Record x : RECORDS) once.put(x.id(), 1);
        assertEquals(once, uses, "times each example appears in the joined batch: " + new ArrayList<>(uses.entrySet()));
    }
}
