package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job end to end on the real data (imported into the project's cache if missing) with a
 * tiny prototype-head model, a few steps of meta-training and curriculum, and a handful of
 * episodes, then {@code eval} on the model it saved: exit codes, the report rows, the evaluation
 * events in metrics.jsonl, the saved models, and the error for a missing model.
 */
class RunAndEvalCommandTest extends CliTestBase {
    private static final String[] TINY = {"model.vocab-size=300", "model.d-model=8", "model.heads=2", "model.blocks=1", "model.ff-size=16", "model.max-length=24",
        "maml.iterations=3", "maml.meta-batch=2", "maml.val-every=2", "maml.val-tasks=2", "maml.checkpoint-every=0", "task.queries=2", "eval.episodes=4", "eval.adapt-steps=1",
        "model.head=prototype", "model.base=none", "curriculum.stages=2", "curriculum.steps-per-stage=3", "curriculum.validation-episodes=2", "curriculum.report-episodes=2", "curriculum.elastic.check-every=2"};

    @Test
    void runTrainsEvaluatesAndReportsThenEvalScoresTheSavedModel(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        Result r = run(args("run", "run.dir=" + runDir));
        assertEquals(0, r.code(), r.out() + r.err());
        String summary = Files.readString(runDir.resolve("report/summary.md"));
        for (String row : List.of("| random-init+memory | gcide |", "| theta0+memory | gcide |", "| curriculum+memory | gcide |", "| tfidf-prototype | gcide |", "forgetting")) {
            assertTrue(summary.contains(row), "report lacks '" + row + "':\n" + summary);
        }
        List<JsonNode> selects = events(runDir, "select");
        assertEquals(1, selects.size(), "one selection event");
        long kept = selects.get(0).get("selected_step").asLong();
        assertTrue(kept == 0 || kept == 2 || kept == 3, "theta of a validated step (the initial 0, 2 or the last, 3) is kept: " + selects.get(0));
        assertEquals("val_accuracy", selects.get(0).get("metric").asText());
        assertEquals(kept, events(runDir, "meta-train-done").get(0).get("selected_step").asLong());
        assertTrue(r.out().contains("kept theta of step " + kept), r.out());
        assertTrue(summary.contains("report episodes (not used for selection)"), summary);
        assertTrue(r.out().matches("(?s).*stage times: data [0-9.]+ s, meta-train [0-9.]+ s, curriculum [0-9.]+ s, eval [0-9.]+ s, export [0-9.]+ s, report [0-9.]+ s\\R.*"), r.out());
        List<String> timed = events(runDir, "stage-time").stream().map(n -> n.get("stage").asText()).toList();
        assertEquals(List.of("data", "meta-train", "curriculum", "eval", "export", "report"), timed);
        assertTrue(Files.isRegularFile(runDir.resolve("export/gcide.adapter.zip")), "the export stage writes the target domain's bundle");
        JsonNode exported = events(runDir, "export").get(0);
        assertEquals("gcide", exported.get("domain").asText());
        assertTrue(exported.get("labels").asInt() >= 2 && exported.get("accuracy").asDouble() >= 0, exported.toString());
        assertTrue(r.out().contains("export gcide: "), r.out());
        assertEquals(1, events(runDir, "stage-times").size());
        List<JsonNode> evals = evalEvents(runDir);
        assertEquals(4 * 2, evals.size(), "four methods x two shot settings");
        assertTrue(Files.isRegularFile(runDir.resolve("model/adapted-gcide.zip")), "the curriculum-adapted model is saved");
        for (JsonNode e : evals) {
            assertEquals(4, e.get("episodes").asInt());
            double acc = e.get("accuracy").get(0).asDouble();
            assertTrue(acc >= 0 && acc <= 1, e.toString());
        }
        Path model = runDir.resolve("model/theta0.zip");
        assertTrue(Files.isRegularFile(model));

        Path evalDir = tmp.resolve("eval");
        Result e = run(args("eval", "--model", model.toString(), "run.dir=" + evalDir));
        assertEquals(0, e.code(), e.out() + e.err());
        assertTrue(Files.readString(evalDir.resolve("report/summary.md")).contains("saved model theta0.zip (fine-tune)"));
        assertEquals(2 * 2, evalEvents(evalDir).size(), "saved model and TF-IDF x two shot settings");

        Result missing = run("eval", "--model", tmp.resolve("nothing.zip").toString(), "run.dir=" + tmp.resolve("x"));
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("No saved model") && missing.err().contains("nothing.zip"), missing.err());

        // the report stage built the report; the closing summary names it and the models
        assertTrue(Files.isRegularFile(runDir.resolve("report/report.html")) && Files.isRegularFile(runDir.resolve("report/report.md")));
        assertTrue(r.out().contains("report: " + runDir.resolve("report/report.html")), r.out());
        assertTrue(r.out().contains("model: " + runDir.resolve("model/adapted-gcide.zip")), r.out());
        assertTrue(r.out().contains("adapter: " + runDir.resolve("export/gcide.adapter.zip")), r.out());
        assertTrue(Files.readString(runDir.resolve("report/report.html")).contains("export/gcide.adapter.zip</code></td><td>exported adapter bundle"), "the report lists the bundle");
        assertTrue(r.out().matches("(?s).*\\* curriculum +theta_0 \\+ curriculum +gcide .*|(?s).*\\* (random-init|theta0|tfidf-prototype) .*"), "a best row is marked:\n" + r.out());
        Files.delete(runDir.resolve("report/report.html"));
        Result rebuilt = run("report", runDir.toString());
        assertEquals(0, rebuilt.code(), rebuilt.out() + rebuilt.err());
        assertTrue(Files.readString(runDir.resolve("report/report.html")).contains("<section id=\"curriculum\">"));
        Result notARun = run("report", tmp.resolve("eval-missing").toString());
        assertEquals(2, notARun.code());
        assertTrue(notARun.err().contains("No run folder at"), notARun.err());
    }

    @Test
    void adaptBringsANewDomainToTheSavedThetaOfARunOnTheShippedDomains(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        Result r = run(args("run", "run.dir=" + runDir, "curriculum.enabled=false", "eval.shots=[1]"));
        assertEquals(0, r.code(), r.out() + r.err());
        // fortunes: a domain added as README's "Adding a domain" says (importer script, templates/fortunes/), not a domain of the run
        Path adaptDir = tmp.resolve("adapt");
        Result a = run(args("adapt", "--from", runDir.toString(), "--domain", "fortunes", "dataset=definitions-fortunes", "run.dir=" + adaptDir));
        assertEquals(0, a.code(), a.out() + a.err());
        assertTrue(Files.isRegularFile(adaptDir.resolve("model/adapted-fortunes.zip")));
        List<JsonNode> evals = evalEvents(adaptDir);
        assertEquals(List.of("tfidf-prototype", "random-init+memory", "theta0+memory", "curriculum+memory", "tfidf-prototype", "random-init+memory", "theta0+memory", "curriculum+memory"),
                evals.stream().map(e -> e.get("method").asText()).toList());
        assertTrue(evals.stream().allMatch(e -> e.get("domain").asText().equals("fortunes")), evals.toString());
        assertTrue(events(adaptDir, "start").stream().allMatch(e -> e.get("target").asText().equals("fortunes")), "curriculum events name the target");
        assertEquals(List.of("data", "curriculum", "eval", "report"), events(adaptDir, "stage-time").stream().map(n -> n.get("stage").asText()).toList());
        String html = Files.readString(adaptDir.resolve("report/report.html"));
        assertTrue(html.contains("Curriculum on fortunes") && html.contains("No meta-training in this run"), "adapt report");
        assertTrue(Files.readString(adaptDir.resolve("provenance.json")).contains("\"domain\" : \"fortunes\""));

        Result source = run(args("adapt", "--from", runDir.toString(), "--domain", "wordnet", "run.dir=" + tmp.resolve("x")));
        assertEquals(2, source.code());
        assertTrue(source.err().contains("'wordnet' is a source domain"), source.err());
        Result none = run(args("adapt", "--from", tmp.resolve("nowhere").toString(), "--domain", "fortunes", "run.dir=" + tmp.resolve("y")));
        assertEquals(2, none.code());
        assertTrue(none.err().contains("No saved theta_0 at"), none.err());
    }

    private static String[] args(String... head) {
        List<String> a = new ArrayList<>(List.of(head));
        a.addAll(List.of(TINY));
        return a.toArray(String[]::new);
    }

    private static List<JsonNode> evalEvents(Path runDir) throws Exception {
        return events(runDir, "eval");
    }

}
