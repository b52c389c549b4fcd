package dev.metamorph.datasets.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainClasses;
import dev.metamorph.datasets.DomainManifest;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.RecordFileWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports the three real sources (installed by .ci/run: dict-gcide, dict-foldoc; WordNet from Maven)
 * once into a temporary folder and checks EVERY record: no label tag left in any text, no dropped
 * markup, unique ids and texts, class counts of the acceptance criteria, manifests that match files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealDataImportTest {
    @TempDir
    static Path dir;
    DomainStore store;
    DatasetConfig cfg;

    @BeforeAll
    void importAll() {
        cfg = DatasetConfig.defaults().withCacheDir(dir.toString());
        store = DomainStore.open(dir, cfg.onBadRecord());
        assertEquals(List.of("wordnet", "foldoc", "gcide"), store.importIfMissing(cfg));
        assertEquals(List.of(), store.importIfMissing(cfg), "nothing is imported twice");
    }

    /** GCIDE abbreviations per field, read from the data file independently of the importer. */
    static Map<String, List<String>> abbreviationsByField() throws Exception {
        Map<String, List<String>> m = new HashMap<>();
        try (var r = new BufferedReader(new InputStreamReader(
                RealDataImportTest.class.getClassLoader().getResourceAsStream(GcideFieldMap.RESOURCE), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                m.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f[0]);
            }
        }
        return m;
    }

    /** The tags that would give the label away, lower case. */
    static List<String> tagsOf(Record r, Map<String, List<String>> abbreviations) {
        String label = r.label().toLowerCase(Locale.ROOT);
        List<String> tags = new ArrayList<>(List.of("(" + label + ")", "<" + label + ">"));
        if (r.meta().containsKey("tag")) tags.add("(" + r.meta().get("tag").toLowerCase(Locale.ROOT) + ")");
        for (String a : abbreviations.getOrDefault(r.label(), List.of())) tags.add("(" + a.toLowerCase(Locale.ROOT) + ")");
        return tags;
    }

    @Test
    void noLabelTagLeftInAnyText() throws Exception {
        Map<String, List<String>> abbreviations = abbreviationsByField();
        long checked = 0;
        for (String d : List.of("wordnet", "foldoc", "gcide")) {
            for (Record r : store.records(d)) {
                String text = r.text().toLowerCase(Locale.ROOT);
                for (String tag : tagsOf(r, abbreviations)) {
                    assertFalse(text.contains(tag), r.id() + " (" + r.label() + ") still contains " + tag + ": " + r.text());
                }
                checked++;
            }
        }
        assertTrue(checked > 50_000, "checked every record: " + checked);
    }

    @Test
    void gcideMarkupAndWordNetSensesAreGone() {
        for (Record r : store.records("gcide")) {
            assertFalse(r.text().contains("WordNet 1."), r.id() + ": " + r.text());
            for (String s : List.of("{", "}", "[", "]", "\\", "<i>", "</i>")) {
                assertFalse(r.text().contains(s), r.id() + " contains markup " + s + ": " + r.text());
            }
            assertFalse(r.text().matches(".*\\[[a-z=^'\".~-]{1,4}\\].*"), r.id() + " has an entity bracket: " + r.text());
        }
        for (Record r : store.records("foldoc")) {
            assertFalse(r.text().matches(".*\\{[^{}\\s][^{}]{0,40}\\}.*") && r.text().contains("{" + r.meta().get("headword") + "}"),
                    r.id() + " has an unwrapped link: " + r.text());
        }
    }

    @Test
    void classCountsMeetTheBenchmark() {
        assertTrue(classesWith20(store.records("wordnet")) >= 60, "wordnet topic domains with >= 20 glosses");
        assertTrue(classesWith20(store.records("gcide")) >= 90, "gcide fields with >= 20 senses");
        assertTrue(classesWith20(store.records("foldoc")) >= 45, "foldoc categories with >= 20 entries");
    }

    @Test
    void idsAndTextsAreUniqueAndRecordsWellFormed() {
        for (String d : List.of("wordnet", "foldoc", "gcide")) {
            Set<String> ids = new HashSet<>();
            Set<String> texts = new HashSet<>();
            for (Record r : store.records(d)) {
                assertEquals(d, r.domain());
                assertTrue(r.id().startsWith(d + ":"), r.id());
                assertTrue(ids.add(r.id()), "duplicate id " + r.id());
                assertTrue(texts.add(r.text()), "duplicate text in " + d + ": " + r.text());
                assertFalse(r.text().isBlank(), r.id());
                assertFalse(r.label().isBlank(), r.id());
                assertTrue(r.meta().containsKey("headword"), r.id());
            }
        }
    }

    @Test
    void manifestsDescribeTheFiles() throws Exception {
        for (String d : List.of("wordnet", "foldoc", "gcide")) {
            DomainManifest m = store.manifest(d).orElseThrow();
            Path f = store.fileOf(d);
            assertEquals(RecordFileWriter.sha256(f), m.sha256());
            assertEquals(store.records(d).size(), m.records());
            try (var lines = Files.lines(f)) {
                assertEquals(m.records(), lines.count());
            }
            assertFalse(m.licence().isBlank());
            assertFalse(m.version().isBlank());
        }
        assertEquals("topic", store.manifest("wordnet").orElseThrow().labelSet());
    }

    @Test
    void realEpisodesAreReproducibleAndClassSplitsDisjoint() {
        DomainClasses gcide = store.classes("gcide", cfg);
        Set<String> seen = new HashSet<>();
        for (ClassSplit s : ClassSplit.values()) {
            for (String label : gcide.splits().classes(s)) assertTrue(seen.add(label), label + " is in two splits");
        }
        assertEquals(gcide.byLabel().keySet(), seen);
        var sampler = gcide.sampler(ClassSplit.META_TEST, 5, 5, 15);
        Episode<Record> a = sampler.sample(new SeedSequence(1).child("eval"));
        Episode<Record> b = sampler.sample(new SeedSequence(1).child("eval"));
        assertEquals(a, b);
        for (var l : a.support()) assertTrue(gcide.splits().classes(ClassSplit.META_TEST).contains(l.example().label()));
        var mixed = store.sourceSampler(cfg, ClassSplit.META_TRAIN, 5, 1, 15).metaBatch(new SeedSequence(2).child("train"), 40);
        Set<String> domains = new HashSet<>();
        for (Episode<Record> e : mixed) domains.add(e.domain().split("/")[0]);
        assertEquals(Set.of("wordnet", "foldoc"), domains, "source meta-batches mix the source domains, never the target");
    }

    @Test
    void supersenseLabelsCoverEverySynset() {
        DatasetConfig ss = cfg.withWordnetLabels(DatasetConfig.SUPERSENSE);
        WordNetImporter wn = new WordNetImporter();
        assertEquals("supersense", wn.labelSet(ss));
        List<Record> rs = wn.read(ss, ImportProgress.NONE);
        assertTrue(rs.size() > 100_000, "every synset has a supersense: " + rs.size());
        Set<String> labels = new HashSet<>();
        for (Record r : rs) {
            labels.add(r.label());
            assertEquals(r.label(), r.meta().get("supersense"));
        }
        assertTrue(labels.size() >= 44 && labels.contains("noun.food"), labels.toString());
        assertTrue(store.manifest("wordnet").orElseThrow().labelSet().equals("topic"), "the topic import is untouched");
    }

    @Test
    void importIfMissingReimportsOnlyADomainWithAnotherLabelSet() throws Exception {
        Path copy = dir.resolve("copy");
        Files.createDirectories(copy);
        for (String d : List.of("wordnet", "foldoc", "gcide")) {
            Files.copy(store.fileOf(d), copy.resolve(d + ".jsonl"));
            Files.copy(DomainManifest.path(dir, d), DomainManifest.path(copy, d));
        }
        Path wm = DomainManifest.path(copy, "wordnet");
        Files.writeString(wm, Files.readString(wm).replace("\"label_set\" : \"topic\"", "\"label_set\" : \"supersense\""));
        DomainStore c = DomainStore.open(copy);
        assertEquals("supersense", c.manifest("wordnet").orElseThrow().labelSet());
        assertEquals(List.of("wordnet"), c.importIfMissing(cfg), "only the stale domain is imported again");
        assertEquals("topic", c.manifest("wordnet").orElseThrow().labelSet());
    }

    private static long classesWith20(List<Record> records) {
        Map<String, Integer> c = new HashMap<>();
        for (Record r : records) c.merge(r.label(), 1, Integer::sum);
        return c.values().stream().filter(n -> n >= 20).count();
    }
}
