package dev.metamorph.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunContextTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-07T14:03:12Z"), ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Config config(String extra) {
        return ConfigFactory.parseString(extra).withFallback(ConfigFactory.parseResources("reference.conf"));
    }

    @Test
    void createsTheFolderFromThePatternAndWritesConfigOverridesProvenance(@TempDir Path root) throws Exception {
        Config c = config("run.name = demo\nrun.seed = 7\nx = ${run.seed}");
        try (RunContext ctx = RunContext.create(root, c, List.of("run.seed=7", "+x=${run.seed}"), CLOCK)) {
            assertEquals(root.resolve("outputs/2026-05-07/14-03-12_demo"), ctx.dir());
            assertEquals(7, ctx.config().getInt("x"));
            assertEquals(7L, ctx.seeds().seed());
            Config written = ConfigFactory.parseFile(ctx.dir().resolve("config.resolved.conf").toFile());
            assertEquals(7, written.getInt("x"));
            assertEquals("demo", written.getString("run.name"));
            assertEquals("run.seed=7\n+x=${run.seed}\n", Files.readString(ctx.dir().resolve("overrides.txt")));
            JsonNode p = JSON.readTree(ctx.dir().resolve("provenance.json").toFile());
            assertEquals(7, p.get("seed").asLong());
            assertEquals("float", p.get("dtype").asText());
            assertEquals("2026-05-07T14:03:12Z", p.get("started").asText());
            assertTrue(p.get("ended").isNull());
            assertEquals(System.getProperty("java.version"), p.get("jvm").get("version").asText());
            ctx.addProvenance("backend", "CPU");
            ctx.metrics().append(1, Map.of("loss", 0.5));
            ctx.metrics().append(Map.of("step", 2, "loss", 0.25));
            assertTrue(Files.isDirectory(ctx.checkpointsDir()));
        }
        Path dir = root.resolve("outputs/2026-05-07/14-03-12_demo");
        JsonNode p = JSON.readTree(dir.resolve("provenance.json").toFile());
        assertEquals("CPU", p.get("backend").asText());
        assertEquals("2026-05-07T14:03:12Z", p.get("ended").asText());
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(2, lines.size());
        assertEquals(0.5, JSON.readTree(lines.get(0)).get("loss").asDouble());
        assertEquals(1, JSON.readTree(lines.get(0)).get("step").asInt());
        assertEquals(0.25, JSON.readTree(lines.get(1)).get("loss").asDouble());
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp files left");
        }
    }

    @Test
    void seedNd4jMakesTheGlobalGeneratorRepeatable(@TempDir Path root) {
        double first;
        try (RunContext ctx = RunContext.create(root, config("run.seed = 5"), List.of(), CLOCK)) {
            ctx.seedNd4j();
            first = org.nd4j.linalg.factory.Nd4j.getRandom().nextDouble();
            assertEquals(ctx.seeds().derive("nd4j"), ((Number) ctx.provenance().get("nd4j_seed")).longValue());
        }
        try (RunContext ctx = RunContext.create(root, config("run.seed = 5"), List.of(), CLOCK)) {
            ctx.seedNd4j();
            assertEquals(first, org.nd4j.linalg.factory.Nd4j.getRandom().nextDouble());
        }
    }

    @Test
    void neverReusesAnExistingFolder(@TempDir Path root) {
        Config c = config("");
        try (RunContext a = RunContext.create(root, c, List.of(), CLOCK);
             RunContext b = RunContext.create(root, c, List.of(), CLOCK)) {
            assertEquals(root.resolve("outputs/2026-05-07/14-03-12"), a.dir());
            assertEquals(root.resolve("outputs/2026-05-07/14-03-12-1"), b.dir());
        }
    }

    @Test
    void metricsLinesAreFlushedBeforeClose(@TempDir Path root) throws Exception {
        try (RunContext ctx = RunContext.create(root, config(""), List.of(), CLOCK)) {
            ctx.metrics().append(3, Map.of("acc", 1.0));
            assertEquals(1, Files.readAllLines(ctx.metrics().file()).size());
        }
    }

    @Test
    void seedsFollowRunSeed(@TempDir Path root) {
        try (RunContext a = RunContext.create(root, config("run.seed = 1"), List.of(), CLOCK);
             RunContext b = RunContext.create(root, config("run.seed = 1"), List.of(), CLOCK);
             RunContext c = RunContext.create(root, config("run.seed = 2"), List.of(), CLOCK)) {
            assertEquals(a.seeds().child("sampler").nextLong(), b.seeds().child("sampler").nextLong());
            assertNotEquals(a.seeds().child("sampler").nextLong(), c.seeds().child("sampler").nextLong());
        }
    }

    @Test
    void createInRefusesAFolderWithFiles(@TempDir Path root) throws Exception {
        Path job = root.resolve("sweep/0");
        try (RunContext ctx = RunContext.createIn(job, root, config(""), List.of("a=1"), CLOCK)) {
            assertNotNull(ctx.dir());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RunContext.createIn(job, root, config(""), List.of(), CLOCK));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    }

    @Test
    void badRunValuesNameTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunConfig.from(config("run.dtype = half")));
        assertTrue(e.getMessage().contains("run.dtype"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RunConfig.from(config("run.name = \"a/b\"")));
        assertTrue(e.getMessage().contains("run.name"), e.getMessage());
    }

    @Test
    void folderPatternExpandsNowTokensAndRejectsUnknownOnes() {
        var t = java.time.ZonedDateTime.ofInstant(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
        assertEquals("out/2026-01-02/03-04-05", FolderPattern.expand("out/${now:yyyy-MM-dd}/${now:HH-mm-ss}", t));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FolderPattern.expand("out/${user}", t));
        assertTrue(e.getMessage().contains("out/${user}"));
    }
}
