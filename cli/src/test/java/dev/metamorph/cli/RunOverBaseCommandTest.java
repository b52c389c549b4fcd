package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job end to end over the frozen all-MiniLM-L6-v2 base on the real data (20 records per
 * class, a tiny adapter, a few steps): base features, meta-training, curriculum, evaluation, and a
 * {@code report/results.json} with every floor and trained row for both shot settings. Without
 * test-time adaptation, with its own head and the raw pooled embeddings ({@code eval.head=model},
 * {@code model.center-pooled=false}; the main job's defaults are the fitted head and centred
 * embeddings), the untrained adapter scores exactly the base-prototype floor (it starts as the
 * identity over the base's pooled embedding), episode for episode.
 */
class RunOverBaseCommandTest extends CliTestBase {
    private static final String[] TINY = {"model.base=minilm-l6", "dataset.max-records-per-class=20", "model.d-model=8", "model.heads=2", "model.blocks=1",
        "model.ff-size=16", "model.max-length=16", "maml.iterations=2", "maml.meta-batch=2", "maml.val-every=1", "maml.val-tasks=2", "maml.checkpoint-every=0",
        "task.queries=2", "eval.episodes=6", "eval.adapt-steps=0", "curriculum.stages=1", "curriculum.steps-per-stage=2",
        "curriculum.validation-episodes=2", "curriculum.report-episodes=2", "curriculum.elastic.check-every=1",
        "eval.head=model", "model.center-pooled=false", "model.memory=false"};

    @Test
    void runOverTheBaseWritesEveryRowAndTheUntrainedAdapterEqualsTheBasePrototype(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        String[] args = new String[TINY.length + 2];
        args[0] = "run";
        args[1] = "run.dir=" + runDir;
        System.arraycopy(TINY, 0, args, 2, TINY.length);
        Result r = run(args);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*stage times: data [0-9.]+ s, base-features [0-9.]+ s, meta-train .*"), r.out());

        JsonNode rows = new ObjectMapper().readTree(runDir.resolve("report/results.json").toFile());
        Map<String, JsonNode> byKey = new HashMap<>();
        Set<String> methods = new HashSet<>();
        for (JsonNode row : rows) {
            byKey.put(row.get("method").asText() + "/" + row.get("shots").asInt(), row);
            methods.add(row.get("method").asText());
            assertEquals(6, row.get("episodes").asInt(), row.toString());
            for (String f : List.of("accuracy", "ci95", "macro_f1")) assertTrue(row.get(f).isNumber(), "row lacks " + f + ": " + row);
        }
        assertEquals(Set.of("tfidf-prototype", "base-prototype", "base-linear-probe", "tfidf+base-prototype", "random-init", "theta0", "curriculum"), methods);
        for (int shots : new int[] {1, 5}) {
            JsonNode base = byKey.get("base-prototype/" + shots), untrained = byKey.get("random-init/" + shots);
            assertEquals(base.get("accuracy").asDouble(), untrained.get("accuracy").asDouble(), 1e-12, "untrained adapter vs base-prototype, " + shots + "-shot");
            assertEquals(base.get("macro_f1").asDouble(), untrained.get("macro_f1").asDouble(), 1e-12, "untrained adapter vs base-prototype, " + shots + "-shot");
        }
        JsonNode provenance = new ObjectMapper().readTree(runDir.resolve("provenance.json").toFile());
        assertTrue(provenance.toString().matches(".*\"model.base.sha256\"\\s*:\\s*\"[0-9a-f]{64}\".*"), provenance.toString());
    }

    @Test
    void theMainJobsMemoryStoreHoldsTheTargetsUnlabeledTextsAndTravelsInTheBundle(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        List<String> args = new java.util.ArrayList<>(List.of("run", "run.dir=" + runDir, "eval.shots=[1]"));
        for (String a : TINY) if (!a.equals("model.memory=false")) args.add(a);
        Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        Set<String> methods = new HashSet<>();
        for (JsonNode row : new ObjectMapper().readTree(runDir.resolve("report/results.json").toFile())) methods.add(row.get("method").asText());
        assertTrue(methods.containsAll(List.of("random-init+memory", "theta0+memory", "curriculum+memory")), methods.toString());
        // the store evaluation read and the export wrote: the target's texts of every split, without labels
        dev.metamorph.memory.MemoryState saved = dev.metamorph.memory.MemoryState.load(runDir.resolve("memory/gcide.safetensors"));
        assertTrue(saved.used() > 0);
        assertEquals(List.of("(unlabeled)"), saved.labelNames());
        JsonNode exported = events(runDir, "export").get(0);
        assertEquals(saved.used(), exported.get("memory_slots").asInt(), exported.toString());
        try (var zip = new java.util.zip.ZipFile(runDir.resolve("export/gcide.adapter.zip").toFile())) {
            JsonNode manifest = new ObjectMapper().readTree(zip.getInputStream(zip.getEntry("manifest.json")));
            assertEquals(3, manifest.get("format_version").asInt());
            assertEquals(saved.used(), manifest.get("memory").get("used").asInt());
        }
    }
}
