package dev.metamorph.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DatasetConfigTest {
    static Config withOption(Path file) {
        return ConfigFactory.parseFile(file.toFile()).atPath("dataset").withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void referenceDefaultsAreTheDefinitionsBenchmark() {
        DatasetConfig c = DatasetConfig.defaults();
        assertEquals(List.of("wordnet", "foldoc", "gcide"), c.domains());
        assertEquals(List.of("gcide"), c.targetDomains());
        assertEquals(20, c.minExamplesPerClass());
        assertEquals(BadRecordPolicy.FAIL, c.onBadRecord());
        assertEquals(Path.of("/r/.cache/data"), c.resolvedCacheDir(Path.of("/r")));
    }

    @Test
    void everyDatasetOptionFileLoadsAndValidates() throws Exception {
        Path dir = Path.of("..", "configs", "dataset");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.size() >= 2, "configs/dataset holds definitions.conf and supersenses.conf");
        for (Path f : files) {
            DatasetConfig c = DatasetConfig.from(withOption(f));
            assertTrue(!c.domains().isEmpty(), f.toString());
        }
        assertEquals("supersense", DatasetConfig.from(withOption(dir.resolve("supersenses.conf"))).wordnetLabels());
    }

    @Test
    void misspeltKeyFailsNamingTheKey() {
        Config c = ConfigFactory.parseString("dataset.min-example-per-class = 5").withFallback(ConfigFactory.defaultReference());
        var e = assertThrows(ConfigException.BadPath.class, () -> DatasetConfig.from(c));
        assertTrue(e.getMessage().contains("dataset.min-example-per-class"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'min-examples-per-class'?"), e.getMessage());
        Config wrongType = ConfigFactory.parseString("dataset.min-examples-per-class = many").withFallback(ConfigFactory.defaultReference());
        var e2 = assertThrows(ConfigException.WrongType.class, () -> DatasetConfig.from(wrongType));
        assertTrue(e2.getMessage().contains("dataset.min-examples-per-class"), e2.getMessage());
    }

    @Test
    void conflictingValuesNameBothKeys() {
        Config overlap = ConfigFactory.parseString("dataset.source-domains = [wordnet, gcide]").withFallback(ConfigFactory.defaultReference());
        var e = assertThrows(IllegalArgumentException.class, () -> DatasetConfig.from(overlap));
        assertTrue(e.getMessage().contains("dataset.source-domains and dataset.target-domains"), e.getMessage());
        Config badPolicy = ConfigFactory.parseString("dataset.on-bad-record = ignore").withFallback(ConfigFactory.defaultReference());
        var e2 = assertThrows(IllegalArgumentException.class, () -> DatasetConfig.from(badPolicy));
        assertTrue(e2.getMessage().contains("dataset.on-bad-record must be 'fail' or 'skip', got 'ignore'"), e2.getMessage());
        Config labels = ConfigFactory.parseString("dataset.wordnet-labels = lexfile").withFallback(ConfigFactory.defaultReference());
        var e3 = assertThrows(IllegalArgumentException.class, () -> DatasetConfig.from(labels));
        assertTrue(e3.getMessage().contains("dataset.wordnet-labels"), e3.getMessage());
    }

    @Test
    void fixedClassesGoToTheirSplit() {
        Config c = ConfigFactory.parseString("dataset.class-splits { meta-train = 0.8, meta-val = 0.2, meta-test = 0 }\n"
                        + "dataset.fixed-classes.meta-test = [law, music]")
                .withFallback(ConfigFactory.defaultReference());
        DatasetConfig d = DatasetConfig.from(c);
        assertEquals(List.of("law", "music"), d.classSplits().lists().get(ClassSplit.META_TEST));
        assertEquals(0.8, d.classSplits().fractions().get(ClassSplit.META_TRAIN));
    }
}
