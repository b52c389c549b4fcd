package dev.metamorph.datasets.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fortunes domain's importer (scripts/import_fortunes.py, run through dataset.importers as in
 * configs/dataset/definitions-fortunes.conf) on a small fortune folder holding each case its rules name.
 * Needs python3 (CI installs it with the data packages).
 */
class FortunesImportScriptTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void scriptStripsAttributionsDropsAmbiguousShortLongAndGrabBagTextsWithStableIds() throws Exception {
        Path fixture = Path.of("src/test/resources/fortunes-fixture").toAbsolutePath();
        DatasetConfig cfg = DatasetConfig.from(ConfigFactory.parseMap(Map.of(
                "dataset.domains", List.of("fortunes"),
                "dataset.source-domains", List.of(),
                "dataset.target-domains", List.of("fortunes"),
                "dataset.importers.fortunes.command", List.of("python3", ROOT.resolve("scripts/import_fortunes.py").toString(), "{out}", fixture.toString()),
                "dataset.importers.fortunes.licence", "BSD-3-Clause",
                "dataset.importers.fortunes.label-set", "category"), "test").withFallback(ConfigFactory.defaultReference()).resolve());
        DomainStore store = DomainStore.open(dir);
        store.importDomain("fortunes", cfg, ImportProgress.NONE);

        List<String> lines = store.records("fortunes").stream().map(r -> r.id() + " " + r.label() + " | " + r.text()).toList();
        assertEquals(List.of(
                "fortunes:law#1 law | A countryman between two lawyers is like a fish between two cats.",
                "fortunes:law#3 law | The law, in its majestic equality, forbids the rich as well as the poor to sleep under bridges.",
                "fortunes:science#1 science | Underlined words are printed letters, not overstrikes, once cleaned.",
                "fortunes:startrek#1 startrek | A little suffering is good for the soul.",
                "fortunes:startrek#3 startrek | Software is like warp drive, it is better when it is free."), lines);
        Record first = store.records("fortunes").get(0);
        assertEquals("fortunes", first.domain());
        assertEquals(Map.of(), first.meta(), "no metadata that could carry the category");

        byte[] once = Files.readAllBytes(store.fileOf("fortunes"));
        store.importDomain("fortunes", cfg, ImportProgress.NONE);
        assertEquals(new String(once, java.nio.charset.StandardCharsets.UTF_8),
                Files.readString(store.fileOf("fortunes")), "the same files give the same records, byte for byte");
    }
}
