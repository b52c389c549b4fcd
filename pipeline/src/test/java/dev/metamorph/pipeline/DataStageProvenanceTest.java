package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.importer.ImportProgress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's provenance fingerprints the data file it reads, not the manifest written at import. */
class DataStageProvenanceTest {
    @TempDir
    Path dir;

    private Config config() {
        String script = "printf '%s\\n' "
                + "'{\"id\":\"pets:cat#1\",\"domain\":\"pets\",\"label\":\"cat\",\"text\":\"Purrs on the keyboard.\",\"source\":\"pets 1.0\",\"meta\":{}}' "
                + "'{\"id\":\"pets:dog#1\",\"domain\":\"pets\",\"label\":\"dog\",\"text\":\"Fetches the paper.\",\"source\":\"pets 1.0\",\"meta\":{}}' > \"$1\"";
        String zoo = script.replace("pets", "zoo");
        return ConfigFactory.parseMap(Map.ofEntries(
                Map.entry("dataset.domains", List.of("zoo", "pets")),
                Map.entry("dataset.source-domains", List.of("zoo")),
                Map.entry("dataset.target-domains", List.of("pets")),
                Map.entry("dataset.importers.zoo.command", List.of("sh", "-c", zoo, "sh", "{out}")),
                Map.entry("dataset.importers.zoo.licence", "CC0-1.0"),
                Map.entry("dataset.importers.zoo.label-set", "species"),
                Map.entry("dataset.cache-dir", dir.resolve("data").toString()),
                Map.entry("dataset.importers.pets.command", List.of("sh", "-c", script, "sh", "{out}")),
                Map.entry("dataset.importers.pets.licence", "CC0-1.0"),
                Map.entry("dataset.importers.pets.label-set", "species"),
                Map.entry("run.dir", dir.resolve("runs").toString())), "test").withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void provenanceRecordsTheFileAsReadAndTheManifestWhenTheyDiffer() throws Exception {
        Config cfg = config();
        DatasetConfig data = DatasetConfig.from(cfg);
        try (RunContext run = RunContext.createIn(dir.resolve("run1"), dir, cfg, List.of(), Clock.systemUTC())) {
            DomainStore store = DataStage.open(run, data, ImportProgress.NONE, JobListener.NONE);
            Path file = store.fileOf("pets");
            assertEquals(AtomicFiles.sha256(file), run.provenance().get("data.pets.sha256"));
            assertNull(run.provenance().get("data.pets.manifest-sha256"), "an untouched file matches its manifest");
        }
        // the file is edited after the import: the next run must fingerprint what it reads
        Path file = DomainStore.open(dir.resolve("data")).fileOf("pets");
        String manifestSha = DomainStore.open(dir.resolve("data")).manifest("pets").orElseThrow().sha256();
        Files.writeString(file, "{\"id\":\"pets:cat#2\",\"domain\":\"pets\",\"label\":\"cat\",\"text\":\"Sleeps in the sun.\",\"source\":\"pets 1.0\",\"meta\":{}}\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (RunContext run = RunContext.createIn(dir.resolve("run2"), dir, cfg, List.of(), Clock.systemUTC())) {
            DataStage.open(run, data, ImportProgress.NONE, JobListener.NONE);
            String recorded = (String) run.provenance().get("data.pets.sha256");
            assertEquals(AtomicFiles.sha256(file), recorded);
            assertNotEquals(manifestSha, recorded);
            assertEquals(manifestSha, run.provenance().get("data.pets.manifest-sha256"));
        }
    }
}
