package dev.metamorph.datasets.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.BadRecordException;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainManifest;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.ImportCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A domain of one's own through {@code dataset.importers.<domain>}: a command writes its JSONL records. */
class CommandImporterTest {
    @TempDir
    Path dir;

    /** A config whose domains include {@code pets}, imported by a POSIX shell command running {@code script}. */
    static DatasetConfig withCommand(String script) {
        Config c = ConfigFactory.parseMap(Map.of(
                "dataset.domains", List.of("wordnet", "pets"),
                "dataset.source-domains", List.of("wordnet"),
                "dataset.target-domains", List.of("pets"),
                "dataset.importers.pets.command", List.of("sh", "-c", script, "sh", "{out}"),
                "dataset.importers.pets.licence", "CC0-1.0",
                "dataset.importers.pets.label-set", "species"), "test").withFallback(ConfigFactory.defaultReference()).resolve();
        return DatasetConfig.from(c);
    }

    static final String TWO_PETS_AND_A_REPEAT = "printf '%s\\n' "
            + "'{\"id\":\"pets:cat#1\",\"domain\":\"pets\",\"label\":\"cat\",\"text\":\"Purrs on the keyboard.\",\"source\":\"pets 1.0\",\"meta\":{}}' "
            + "'{\"id\":\"pets:dog#1\",\"domain\":\"pets\",\"label\":\"dog\",\"text\":\"Fetches the paper.\",\"source\":\"pets 1.0\",\"meta\":{}}' "
            + "'{\"id\":\"pets:dog#2\",\"domain\":\"pets\",\"label\":\"dog\",\"text\":\"Fetches the paper.\",\"source\":\"pets 1.0\",\"meta\":{}}' > \"$1\"";

    @Test
    void configuredCommandImportsTheDomainWithAManifest() {
        DatasetConfig cfg = withCommand(TWO_PETS_AND_A_REPEAT);
        assertEquals(List.of("foldoc", "gcide", "wordnet", "pets"), DomainImporter.importable(cfg));
        DomainStore store = DomainStore.open(dir);
        DomainImporter.Report r = store.importDomain("pets", cfg, ImportProgress.NONE);

        assertEquals(1, r.duplicates(), "identical texts are removed as for the built-in importers");
        List<Record> records = store.records("pets");
        assertEquals(List.of("pets:cat#1", "pets:dog#1"), records.stream().map(Record::id).toList());
        DomainManifest m = store.manifest("pets").orElseThrow();
        assertEquals("pets 1.0", m.source(), "the records' source field names the source");
        assertEquals("CC0-1.0", m.licence());
        assertEquals("species", m.labelSet());
        assertEquals(2, m.records());
        assertEquals(2, m.classes());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("pets.jsonl", "pets.manifest.json"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the scratch file and the command's log are removed after a good import");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void importIfMissingRunsTheCommandOnceAndAgainWhenTheLabelSetChanges() throws Exception {
        Path counter = dir.resolve("runs.txt");
        DatasetConfig cfg = withCommand("echo run >> '" + counter + "'; " + TWO_PETS_AND_A_REPEAT);
        DomainStore store = DomainStore.open(dir.resolve("cache"));
        // wordnet is built in; pretend it is imported so that only the command domain is in question
        Files.createDirectories(store.cacheDir());
        Files.writeString(store.fileOf("wordnet"), "");
        Files.writeString(DomainManifest.path(store.cacheDir(), "wordnet"),
                new DomainManifest("wordnet", "w", "", "l", "topic", 0, 0, "", "wordnet.jsonl", "").toJson());

        assertEquals(List.of("pets"), store.importIfMissing(cfg));
        assertEquals(List.of(), store.importIfMissing(cfg), "present with the same label set: not imported again");
        ImportCommand c = cfg.importers().get("pets");
        DatasetConfig relabelled = cfg.withImporters(Map.of("pets", new ImportCommand("pets", c.command(), c.licence(), "breed", c.origin())));
        assertEquals(List.of("pets"), store.importIfMissing(relabelled));
        assertEquals(2, Files.readAllLines(counter).size());
    }

    @Test
    void failingCommandNamesTheCommandItsKeyAndItsOutput() {
        DatasetConfig cfg = withCommand("echo 'pets source missing: install pet-data' >&2; exit 3");
        var e = assertThrows(SourceMissingException.class, () -> DomainStore.open(dir).importDomain("pets", cfg, ImportProgress.NONE));
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("dataset.importers.pets.command"), e.getMessage());
        assertTrue(e.getMessage().contains("install pet-data"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("pets.jsonl")));
    }

    @Test
    void commandThatWritesNothingOrAnotherDomainOrBadJsonFails() {
        var none = assertThrows(SourceMissingException.class,
                () -> DomainStore.open(dir).importDomain("pets", withCommand("echo done"), ImportProgress.NONE));
        assertTrue(none.getMessage().contains("wrote no file") && none.getMessage().contains("{out}"), none.getMessage());

        String other = "printf '%s\\n' '{\"id\":\"x#1\",\"domain\":\"gcide\",\"label\":\"law\",\"text\":\"A text.\"}' > \"$1\"";
        var wrong = assertThrows(IllegalStateException.class,
                () -> DomainStore.open(dir).importDomain("pets", withCommand(other), ImportProgress.NONE));
        assertTrue(wrong.getMessage().contains("has domain 'gcide'") && wrong.getMessage().contains("x#1"), wrong.getMessage());

        var bad = assertThrows(BadRecordException.class,
                () -> DomainStore.open(dir).importDomain("pets", withCommand("printf 'not json\\n' > \"$1\""), ImportProgress.NONE));
        Path scratch = dir.resolve(".pets.import-" + ProcessHandle.current().pid() + ".jsonl");
        assertTrue(bad.getMessage().contains(scratch + ":1"), "names the scratch file and line: " + bad.getMessage());
        assertTrue(Files.exists(scratch), "kept for inspection after a failed read");
        assertFalse(Files.exists(dir.resolve("pets.jsonl")));
    }

    @Test
    void importerEntriesAreCheckedWhenTheConfigIsRead() {
        Config typo = ConfigFactory.parseString("dataset.importers.pets { command = [x, \"{out}\"], licence = a, label-set = b, licenc = c }")
                .withFallback(ConfigFactory.defaultReference());
        var e = assertThrows(ConfigException.BadPath.class, () -> DatasetConfig.from(typo));
        assertTrue(e.getMessage().contains("dataset.importers.pets.licenc") && e.getMessage().contains("did you mean 'licence'?"), e.getMessage());

        Config noOut = ConfigFactory.parseString("dataset.importers.pets { command = [x, out.jsonl], licence = a, label-set = b }")
                .withFallback(ConfigFactory.defaultReference());
        var e2 = assertThrows(IllegalArgumentException.class, () -> DatasetConfig.from(noOut));
        assertTrue(e2.getMessage().contains("dataset.importers.pets.command") && e2.getMessage().contains("{out}"), e2.getMessage());

        Config builtIn = ConfigFactory.parseString("dataset.importers.gcide { command = [x, \"{out}\"], licence = a, label-set = b }")
                .withFallback(ConfigFactory.defaultReference());
        DatasetConfig cfg = DatasetConfig.from(builtIn);
        var e3 = assertThrows(IllegalArgumentException.class, () -> DomainImporter.importerFor("gcide", cfg, dir));
        assertTrue(e3.getMessage().contains("built-in importer"), e3.getMessage());
    }

    @Test
    void aDomainWithoutImporterOrFileSaysHowToGetIt() {
        DatasetConfig cfg = DatasetConfig.defaults();
        var e = assertThrows(IllegalStateException.class, () -> DomainStore.open(dir).records("pets"));
        assertTrue(e.getMessage().contains("pets.jsonl does not exist") && e.getMessage().contains("dataset.importers.pets"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> DomainImporter.importerFor("pets", cfg, dir));
        assertTrue(e2.getMessage().contains("dataset.importers.pets"), e2.getMessage());
    }
}
