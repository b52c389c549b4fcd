package dev.metamorph.model.base;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * On real episodes (gcide definitions through the MiniLM base): a query that copies one support
 * example of a 5-way 5-shot episode is classified right >= 95% of the time with the memory on, both
 * by the whole untrained adapter with memory and by the memory channel alone (cosine head scaled
 * away). Classes are drawn from the first 12 labels, so that few texts go through the base. Needs the imported data ({@code ./metamorph data import}; {@code .ci/run} does it).
 */
class MemoryCopyQueryTest {
    private static final int WAYS = 5, SHOTS = 5, EPISODES = 20;

    @Test
    void aQueryCopyingASupportExampleIsClassifiedRightWithMemoryOn() throws Exception {
        Map<String, List<String>> byLabel = gcideByLabel(SHOTS);
        Assumptions.assumeTrue(byLabel != null, "needs .cache/data/gcide.jsonl (./metamorph data import)");
        List<String> labels = new ArrayList<>(byLabel.keySet());
        assertTrue(labels.size() >= WAYS, "expected >= " + WAYS + " gcide labels with " + SHOTS + " records, got " + labels.size());
        ModelConfig cfg = ModelConfig.defaults().withShape(5000, 64, 4, 1, 128, 32).withBase(ModelConfig.Base.MINILM_L6, 384)
                .withHead(ModelConfig.HeadType.PROTOTYPE).withWays(WAYS).withMemory(MemoryConfig.defaults());
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = learner.initialParameters(new SeededRandom(1)).reshape(1, learner.layout().size());
        INDArray memoryOnly = theta.dup();
        learner.layout().view(memoryOnly, "head.scale").assign(Math.log(1e-6));
        SeededRandom rng = new SeededRandom(17);
        int right = 0, rightMemoryOnly = 0, total = 0;
        Map<String, float[][]> encoded = new java.util.HashMap<>(); // text -> {states, pooled}: each text through the base once
        try (BaseEncoder base = BaseEncoder.open(BaseConfig.minilm(BaseConfig.Precision.INT8, 1))) {
            for (int e = 0; e < EPISODES; e++) {
                List<String> texts = new ArrayList<>();
                int[] sl = new int[WAYS * SHOTS];
                for (int c = 0; c < WAYS; c++) {
                    String label = labels.get(rng.nextInt(Math.min(labels.size(), 12)));
                    while (texts.stream().anyMatch(byLabel.get(label)::contains)) label = labels.get(rng.nextInt(Math.min(labels.size(), 12)));
                    for (int s = 0; s < SHOTS; s++) {
                        texts.add(byLabel.get(label).get(s));
                        sl[c * SHOTS + s] = c;
                    }
                }
                int[] copied = new int[WAYS];
                int[] ql = new int[WAYS];
                for (int c = 0; c < WAYS; c++) {
                    copied[c] = c * SHOTS + rng.nextInt(SHOTS);
                    ql[c] = c;
                }
                List<String> missing = texts.stream().filter(t -> !encoded.containsKey(t)).distinct().toList();
                if (!missing.isEmpty()) {
                    BaseFeatures f = base.encode(missing);
                    for (int i = 0; i < missing.size(); i++) encoded.put(missing.get(i), new float[][] {f.states(i), f.pooled(i)});
                }
                float[][] st = new float[texts.size()][], po = new float[texts.size()][];
                for (int i = 0; i < texts.size(); i++) {
                    st[i] = encoded.get(texts.get(i))[0];
                    po[i] = encoded.get(texts.get(i))[1];
                }
                float[][] qst = new float[WAYS][], qpo = new float[WAYS][];
                for (int c = 0; c < WAYS; c++) {
                    qst[c] = st[copied[c]];
                    qpo[c] = po[copied[c]];
                }
                TokenBatch episode = TokenBatch.episode(TokenBatch.ofBase(st, po, 384, cfg.maxLength(), sl), TokenBatch.ofBase(qst, qpo, 384, cfg.maxLength(), ql));
                INDArray logits = learner.predict(theta, episode), logitsMem = learner.predict(memoryOnly, episode);
                for (int c = 0; c < WAYS; c++) {
                    int row = WAYS * SHOTS + c;
                    if (logits.getRow(row).argMax().getInt(0) == c) right++;
                    if (logitsMem.getRow(row).argMax().getInt(0) == c) rightMemoryOnly++;
                    total++;
                }
            }
        }
        assertTrue(right >= 0.95 * total, "with memory: " + right + " of " + total + " copied queries right");
        assertTrue(rightMemoryOnly >= 0.95 * total, "memory channel alone: " + rightMemoryOnly + " of " + total + " copied queries right");
    }

    /** gcide texts of the labels with at least {@code min} records (first ones per label), or null without the data cache. */
    private static Map<String, List<String>> gcideByLabel(int min) throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve(".cache/data/gcide.jsonl"))) dir = dir.getParent();
        if (dir == null) return null;
        ObjectMapper json = new ObjectMapper();
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (BufferedReader r = Files.newBufferedReader(dir.resolve(".cache/data/gcide.jsonl"))) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode n = json.readTree(line);
                List<String> l = out.computeIfAbsent(n.path("label").asText(), k -> new ArrayList<>());
                if (l.size() < min) l.add(n.path("text").asText());
            }
        }
        out.values().removeIf(l -> l.size() < min);
        return out;
    }
}
