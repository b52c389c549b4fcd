package dev.metamorph.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run folder is locked while its run is open: a second process or context is refused; resume reopens it and records ended. */
class RunFolderLockTest {
    private static Config config() {
        return ConfigFactory.parseMap(Map.of("run.seed", 5)).withFallback(ConfigFactory.defaultReference());
    }

    /** Child process: opens a run in args[0], prints "locked", waits until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            RunContext run = RunContext.createIn(Path.of(args[0]), Path.of("."), config(), List.of(), Clock.systemUTC());
            System.out.println("locked " + run.dir());
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    @Test
    void aSecondContextOnTheSameFolderIsRefusedUntilTheFirstCloses(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        RunContext first = RunContext.createIn(dir, tmp, config(), List.of(), Clock.systemUTC());
        RunFolderInUseException e = assertThrows(RunFolderInUseException.class, () -> RunContext.resume(dir, tmp, Clock.systemUTC()));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("in use") && e.getMessage().contains("pid "), e.getMessage());
        first.close();
        RunContext.resume(dir, tmp, Clock.systemUTC()).close();
    }

    @Test
    void aSecondProcessIsRefusedAndAKilledHolderLeavesNoLock(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), Holder.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("locked")) { /* skip log lines */ }
            assertNotNull(line, "the child did not lock the folder");
            RunFolderInUseException e = assertThrows(RunFolderInUseException.class, () -> RunContext.resume(dir, tmp, Clock.systemUTC()));
            assertTrue(e.getMessage().contains("pid " + child.pid()), e.getMessage());
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        RunContext.resume(dir, tmp, Clock.systemUTC()).close();
    }

    @Test
    void resumeRecordsWhenItResumedAndEnded(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunContext.createIn(dir, tmp, config(), List.of("run.seed=5"), Clock.systemUTC()).close();
        RunContext again = RunContext.resume(dir, tmp, Clock.systemUTC());
        JsonNode during = new ObjectMapper().readTree(dir.resolve("provenance.json").toFile());
        assertTrue(during.get("ended").isNull(), "a resumed run is running again");
        assertEquals(1, during.get("resumed").size());
        assertEquals(5, again.runConfig().seed());
        again.close();
        JsonNode after = new ObjectMapper().readTree(dir.resolve("provenance.json").toFile());
        assertTrue(after.get("ended").isTextual(), "close records ended: " + after);
        assertEquals("run.seed=5", after.get("overrides").get(0).asText());
    }

    @Test
    void rewindDropsWhatWasLoggedAfterTheCheckpointAndACutShortLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, "{\"step\":0,\"event\":\"val\"}\n{\"event\":\"start\"}\n{\"step\":100,\"event\":\"train\"}\n{\"step\":100,\"event\":\"val\"}\n"
                + "{\"step\":150,\"event\":\"val\"}\n{\"step\":200,\"event\":\"train\"}\n{\"step\":2");
        assertEquals(3, MetricsLog.rewind(f, 100));
        List<String> lines = Files.readAllLines(f);
        assertEquals(4, lines.size());
        assertTrue(lines.get(3).contains("\"step\":100"));
        assertEquals(0, MetricsLog.rewind(f, 100));
        Path cut = tmp.resolve("cut.jsonl");
        Files.writeString(cut, "{\"step\":1}\n{\"step\":2,\"ev");
        assertEquals(1, MetricsLog.rewind(cut, 5));
        assertEquals(List.of("{\"step\":1}"), Files.readAllLines(cut));
    }
}
