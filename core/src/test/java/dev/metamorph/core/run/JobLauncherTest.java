package dev.metamorph.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.config.ConfigError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobLauncherTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-07T14:03:12Z"), ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JobLauncher launcher(Path root) throws Exception {
        Path fixture = Paths.get(JobLauncherTest.class.getResource("/config-fixtures/basic").toURI());
        Config reference = ConfigFactory.parseFile(fixture.resolve("defaults.conf").toFile()).withFallback(ConfigFactory.parseResources("reference.conf"));
        return new JobLauncher(new ConfigComposer(root, fixture.resolve("configs"), reference), CLOCK);
    }

    @Test
    void multirunOverTwoValuesMakesTwoJobFoldersEachWithItsResolvedConfig(@TempDir Path root) throws Exception {
        List<Double> seen = new ArrayList<>();
        JobLauncher.Outcome out = launcher(root).launch(List.of("maml.inner-lr=0.1,0.2", "model.depth=3"), true, run -> {
            seen.add(run.config().getDouble("maml.inner-lr"));
            run.metrics().append(0, Map.of("lr", run.config().getDouble("maml.inner-lr")));
            return 0;
        });
        Path sweep = root.resolve("multirun/2026-05-07/14-03-12");
        assertEquals(sweep, out.sweepDir());
        assertEquals(List.of(0.1, 0.2), seen);
        for (int k = 0; k < 2; k++) {
            Path job = sweep.resolve(Integer.toString(k));
            Config resolved = ConfigFactory.parseFile(job.resolve("config.resolved.conf").toFile());
            assertEquals(k == 0 ? 0.1 : 0.2, resolved.getDouble("maml.inner-lr"));
            assertEquals(3, resolved.getInt("model.depth"));
            assertEquals("maml.inner-lr=" + (k == 0 ? "0.1" : "0.2") + "\nmodel.depth=3\n", Files.readString(job.resolve("overrides.txt")));
            assertTrue(Files.exists(job.resolve("provenance.json")));
            assertEquals(1, Files.readAllLines(job.resolve("metrics.jsonl")).size());
        }
        JsonNode summary = JSON.readTree(sweep.resolve("sweep.json").toFile());
        assertEquals(2, summary.get("jobs").size());
        assertEquals("ok", summary.get("jobs").get(1).get("status").asText());
        assertEquals("1", summary.get("jobs").get(1).get("dir").asText());
        assertEquals("maml.inner-lr=0.2", summary.get("jobs").get(1).get("overrides").get(0).asText());
        assertFalse(summary.get("ended").isNull());
        assertEquals(0, out.exitCode());
    }

    @Test
    void cartesianSweepAndFailuresAreRecorded(@TempDir Path root) throws Exception {
        JobLauncher.Outcome out = launcher(root).sweep(List.of("maml=default,fomaml", "model.width=range(1,3)"), run -> {
            if (run.config().getInt("model.width") == 2 && run.config().getBoolean("maml.first-order")) throw new IllegalStateException("boom");
            return 0;
        });
        assertEquals(4, out.jobs().size());
        assertEquals(List.of("ok", "ok", "ok", "failed"), out.jobs().stream().map(JobLauncher.JobResult::status).toList());
        assertEquals("boom", out.jobs().get(3).error());
        assertEquals(1, out.exitCode());
        JsonNode summary = JSON.readTree(out.sweepDir().resolve("sweep.json").toFile());
        assertEquals("failed", summary.get("jobs").get(3).get("status").asText());
        assertEquals(List.of("maml=fomaml", "model.width=2"), out.jobs().get(3).overrides());
    }

    @Test
    void aTypoInAnyJobFailsBeforeAnythingRuns(@TempDir Path root) throws Exception {
        List<Integer> ran = new ArrayList<>();
        assertThrows(ConfigError.class, () -> launcher(root).sweep(List.of("model.width=1,2", "maml.inner-rl=3"), run -> {
            ran.add(1);
            return 0;
        }));
        assertTrue(ran.isEmpty());
        assertFalse(Files.exists(root.resolve("multirun")));
    }

    @Test
    void singleRunUsesRunDirAndRecordsTheStatus(@TempDir Path root) throws Exception {
        JobLauncher.Outcome out = launcher(root).launch(List.of("run.name=one"), false, run -> 3);
        assertNull(out.sweepDir());
        Path dir = root.resolve("outputs/2026-05-07/14-03-12_one");
        assertEquals(dir, out.jobs().get(0).dir());
        assertEquals(3, out.exitCode());
        JsonNode p = JSON.readTree(dir.resolve("provenance.json").toFile());
        assertEquals("failed", p.get("status").asText());
        assertEquals(11, p.get("seed").asInt(), "run.seed from the fixture's config.conf");
    }
}
