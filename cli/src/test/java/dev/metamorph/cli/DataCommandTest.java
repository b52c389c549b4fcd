package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.RecordFileWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest extends CliTestBase {

    /** A domain with {@code classes} labels of 20, 21, 22... records. */
    static void writeDomain(Path dir, String domain, int classes) {
        List<Record> rs = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < 20 + c; i++) rs.add(new Record(domain + ":" + c + "#" + i, domain, "field" + c, "word " + c + " text " + i, "test", Map.of()));
        }
        rs.add(new Record(domain + ":rare", domain, "rare", "only one of these", "test", Map.of()));
        RecordFileWriter.write(dir.resolve(domain + ".jsonl"), rs);
    }

    @Test
    void statsJsonIsOneObjectKeyedByDomain(@TempDir Path dir) throws Exception {
        writeDomain(dir, "alpha", 5);
        writeDomain(dir, "beta", 3);
        Result r = run("data", "stats", "--json", "--cache-dir", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("alpha", "beta"), iterableNames(json));
        JsonNode alpha = json.get("alpha");
        assertEquals(20 + 21 + 22 + 23 + 24 + 1, alpha.get("records").asInt());
        assertEquals(6, alpha.get("classes").asInt());
        assertEquals(5, alpha.get("classes_with_20_or_more").asInt());
        assertEquals(1, alpha.at("/examples_per_class/min").asInt());
        assertEquals(24, alpha.at("/examples_per_class/max").asInt());
        assertEquals(4, alpha.at("/tokens_per_text/median").asInt());
        int splitClasses = 0;
        for (String s : List.of("meta-train", "meta-val", "meta-test")) splitClasses += alpha.at("/splits/" + s + "/classes").asInt();
        assertEquals(5, splitClasses, "the kept classes are split, the rare one is not");
    }

    @Test
    void statsTableShowsEveryDomainAndOneDomainOnRequest(@TempDir Path dir) {
        writeDomain(dir, "alpha", 4);
        writeDomain(dir, "beta", 2);
        Result all = run("data", "stats", "--cache-dir", dir.toString());
        assertEquals(0, all.code(), all.err());
        assertTrue(all.out().contains("alpha") && all.out().contains("beta") && all.out().contains("meta-train"), all.out());
        Result one = run("data", "stats", "beta", "--cache-dir", dir.toString());
        assertTrue(one.out().contains("beta") && !one.out().contains("alpha"), one.out());
        Result option = run("data", "stats", "--dataset", "supersenses", "--set", "dataset.min-examples-per-class=21", "--cache-dir", dir.toString());
        assertEquals(0, option.code(), option.err());
        assertTrue(option.out().contains("kept: classes with >= 21 examples"), "the composed option and override reach the command: " + option.out());
        Result missing = run("data", "stats", "gamma", "--cache-dir", dir.toString());
        assertEquals(ExitCodes.USAGE, missing.code());
        assertTrue(missing.err().contains("./metamorph data import gamma"), missing.err());
    }

    @Test
    void splitsJsonListsLabelsAndRecordsPerDomainAndSplitAndALabelHasOneSplit(@TempDir Path dir) throws Exception {
        for (String d : List.of("wordnet", "foldoc", "gcide")) writeDomain(dir, d, 30);
        Result r = run("data", "splits", "--json", "--cache-dir", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("wordnet", "foldoc", "gcide"), iterableNames(json));
        Map<String, String> splitOfLabel = new java.util.HashMap<>();
        for (String d : List.of("wordnet", "foldoc", "gcide")) {
            assertEquals(List.of("meta-train", "meta-val", "meta-test"), iterableNames(json.get(d)));
            int labels = 0;
            for (String s : List.of("meta-train", "meta-val", "meta-test")) {
                for (String label : iterableNames(json.get(d).get(s))) {
                    labels++;
                    int c = Integer.parseInt(label.substring("field".length()));
                    assertEquals(20 + c, json.get(d).get(s).get(label).asInt(), d + " " + label);
                    String before = splitOfLabel.putIfAbsent(label, s);
                    assertEquals(before == null ? s : before, s, label + " has one split in every domain");
                }
            }
            assertEquals(30, labels, "every kept class, not the rare one");
        }
        Result table = run("data", "splits", "--cache-dir", dir.toString());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("gcide (target)") && table.out().contains("field0 20")
                && table.out().contains("no meta-val/meta-test label of [gcide] is a meta-train label of [wordnet, foldoc]"), table.out());
        Result missing = run("data", "splits", "--cache-dir", dir.resolve("none").toString());
        assertEquals(ExitCodes.USAGE, missing.code());
        assertTrue(missing.err().contains("./metamorph data import wordnet"), missing.err());
    }

    @Test
    void badRecordFailsWithFileAndLineOrIsSkippedAndCounted(@TempDir Path dir) throws Exception {
        writeDomain(dir, "alpha", 2);
        long lines;
        try (var l = Files.lines(dir.resolve("alpha.jsonl"))) {
            lines = l.count();
        }
        Files.write(dir.resolve("alpha.jsonl"), "{\"id\":\"x\",\"domain\":\"alpha\"}\nnot json\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Result fail = run("data", "stats", "--cache-dir", dir.toString());
        assertEquals(ExitCodes.USAGE, fail.code());
        assertTrue(fail.err().contains("alpha.jsonl:" + (lines + 1) + ": missing field 'label'"), fail.err());
        Result skip = run("data", "stats", "--json", "--cache-dir", dir.toString(), "--on-bad-record", "skip");
        assertEquals(0, skip.code(), skip.err());
        assertEquals(2, new ObjectMapper().readTree(skip.out()).at("/alpha/skipped_bad_records").asInt());
        assertTrue(skip.err().contains("alpha: skipped 2 bad record(s)"), skip.err());
        Result viaConfig = run("data", "stats", "--json", "--cache-dir", dir.toString(), "--set", "dataset.on-bad-record=skip");
        assertEquals(0, viaConfig.code(), viaConfig.err());
    }

    @Test
    void domainOfOnesOwnIsImportedThroughItsConfiguredCommand(@TempDir Path dir) throws Exception {
        // The shipped example: configs/dataset/definitions-fortunes.conf runs scripts/import_fortunes.py
        // over Debian's fortunes (installed by .ci/run).
        Result imp = run("data", "import", "fortunes", "--dataset", "definitions-fortunes", "--cache-dir", dir.toString());
        assertEquals(0, imp.code(), imp.err());
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("fortunes.manifest.json").toFile());
        assertEquals("category", manifest.path("label_set").asText());
        assertTrue(manifest.path("licence").asText().startsWith("BSD-3-Clause"), manifest.toString());
        assertTrue(manifest.path("classes").asInt() >= 30 && manifest.path("records").asLong() > 5000, manifest.toString());
        Result stats = run("data", "stats", "fortunes", "--json", "--dataset", "definitions-fortunes", "--cache-dir", dir.toString());
        assertEquals(0, stats.code(), stats.err());
        Result failing = run("data", "import", "fortunes", "--dataset", "definitions-fortunes", "--cache-dir", dir.toString(),
                "--set", "dataset.importers.fortunes.command=[python3, scripts/import_fortunes.py, \"{out}\", " + dir.resolve("nowhere") + "]");
        assertEquals(ExitCodes.USAGE, failing.code());
        assertTrue(failing.err().contains("exit code 3") && failing.err().contains("apt-get install -y --no-install-recommends fortunes"), failing.err());
    }

    @Test
    void importErrorsAreUsageErrorsThatSayWhatToDo(@TempDir Path dir) {
        Result unknown = run("data", "import", "webster", "--cache-dir", dir.toString());
        assertEquals(ExitCodes.USAGE, unknown.code());
        assertTrue(unknown.err().contains("Unknown domain 'webster'; use 'all' or one of [foldoc, gcide, wordnet]"), unknown.err());
        assertTrue(unknown.err().contains("dataset.importers.webster"), "says how to add a domain of one's own: " + unknown.err());
        Result missing = run("data", "import", "gcide", "--cache-dir", dir.toString(), "--dictd-dir", dir.resolve("nowhere").toString());
        assertEquals(ExitCodes.USAGE, missing.code());
        assertTrue(missing.err().contains("apt-get install -y --no-install-recommends dict-gcide"), missing.err());
        Result typo = run("data", "stats", "--cache-dir", dir.toString(), "--set", "dataset.min-example-per-class=3");
        assertEquals(ExitCodes.USAGE, typo.code());
        assertTrue(typo.err().contains("dataset.min-example-per-class"), typo.err());
    }

    @Test
    void importsRealFoldocAndReportsItsStats(@TempDir Path dir) throws Exception {
        Result imp = run("data", "import", "foldoc", "--cache-dir", dir.toString());
        assertEquals(0, imp.code(), imp.err());
        assertTrue(imp.out().contains("foldoc") && imp.out().contains("imported 1 domain(s)"), imp.out());
        assertTrue(Files.isRegularFile(dir.resolve("foldoc.manifest.json")));
        Result stats = run("data", "stats", "foldoc", "--json", "--cache-dir", dir.toString());
        JsonNode f = new ObjectMapper().readTree(stats.out()).get("foldoc");
        assertTrue(f.get("classes_with_20_or_more").asInt() >= 45, stats.out());
        assertTrue(f.get("records").asInt() > 5000, stats.out());
    }

    private static List<String> iterableNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
