package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code metamorph config show|groups} on the project's real configs/ and every module's reference.conf. */
class ConfigCommandTest extends CliTestBase {

    @Test
    void showPrintsTheComposedConfigWithTheOverride() {
        Result r = run("config", "show", "maml.inner-lr=0.05");
        assertEquals(0, r.code(), r.err());
        Config c = ConfigFactory.parseString(r.out());
        assertEquals(0.05, c.getDouble("maml.inner-lr"));
        assertTrue(c.hasPath("run.seed") && c.hasPath("model") && c.hasPath("dataset"), r.out());
        assertFalse(c.hasPath("java") || c.hasPath("user") || c.hasPath("os"), "no JVM system properties");
    }

    @Test
    void typoExitsTwoNamingTheKeyAndSuggestingTheClosestWithoutStackTrace() {
        Result r = run("config", "show", "maml.inner-rl=0.05");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'maml.inner-rl'"), r.err());
        assertTrue(r.err().contains("did you mean maml.inner-lr?"), r.err());
        assertTrue(r.err().contains("override #1 'maml.inner-rl=0.05'"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
        Result verbose = run("config", "show", "--verbose", "maml.inner-rl=0.05");
        assertEquals(2, verbose.code());
        assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose");
    }

    @Test
    void badOverridePointsAtTheCharacter() {
        Result r = run("config", "show", "maml.inner-lr=[0.1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("    maml.inner-lr=[0.1\n" + "                  ^"), r.err());
    }

    @Test
    void wrongTypeAndUnknownOptionExitTwo() {
        Result r = run("config", "show", "maml.inner-steps=abc");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expected an integer") && r.err().contains("\"abc\""), r.err());
        r = run("config", "show", "maml=fomalm");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("available: ") && r.err().contains("did you mean fomaml?"), r.err());
    }

    @Test
    void resolveAndJson() throws Exception {
        Result raw = run("config", "show", "+run.tag=lr_${maml.inner-lr}");
        assertTrue(raw.out().contains("${maml.inner-lr}"), raw.out());
        Result resolved = run("config", "show", "--resolve", "maml.inner-lr=0.25", "+run.tag=lr_${maml.inner-lr}");
        assertEquals("lr_0.25", ConfigFactory.parseString(resolved.out()).getString("run.tag"));
        Result json = run("config", "show", "--json", "maml.inner-steps=3");
        JsonNode node = new ObjectMapper().readTree(json.out());
        assertEquals(3, node.get("maml").get("inner-steps").asInt());
    }

    @Test
    void originsNameFilesAndOverrides() {
        Result r = run("config", "show", "--origins", "maml.inner-lr=0.05");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("maml.inner-lr = 0.05  # override #1 'maml.inner-lr=0.05'"), r.out());
        assertTrue(r.out().contains("# configs/maml/default.conf:"), r.out());
    }

    @Test
    void groupsListsEveryGroupWithTheChosenOption() {
        Result r = run("config", "groups");
        assertEquals(0, r.code(), r.err());
        for (String g : List.of("model", "maml", "curriculum", "dataset", "memory", "prompts", "serving", "experiment")) {
            assertTrue(r.out().contains("  " + g + ": "), g + " in " + r.out());
        }
        assertTrue(r.out().contains("default*"), r.out());
    }

    @Test
    void multirunOverTwoValuesMakesTwoJobFoldersEachWithItsResolvedConfig(@TempDir Path tmp) throws Exception {
        Result r = run("config", "show", "-m", "maml.inner-lr=0.1,0.2", "run.multirun-dir=" + tmp.resolve("sweep"));
        assertEquals(0, r.code(), r.err());
        Path sweep = tmp.resolve("sweep");
        for (int k = 0; k < 2; k++) {
            Config job = ConfigFactory.parseFile(sweep.resolve(k + "/config.resolved.conf").toFile());
            assertEquals(k == 0 ? 0.1 : 0.2, job.getDouble("maml.inner-lr"));
            assertTrue(r.out().contains("job " + k + ": maml.inner-lr=" + (k == 0 ? "0.1" : "0.2")), r.out());
        }
        assertTrue(Files.exists(sweep.resolve("sweep.json")));
        try (Stream<Path> jobs = Files.list(sweep)) {
            assertEquals(2, jobs.filter(Files::isDirectory).count());
        }
    }
}
