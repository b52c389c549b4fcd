package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overrides, config files and data written to break the command line: each is exit 2 with a message, never a Java trace. */
class HostileCliInputTest extends CliTestBase {
    @TempDir
    Path dir;

    private static void noJava(Result r) {
        String all = r.out() + r.err();
        assertFalse(all.contains("Exception") || all.contains("\tat ") || all.contains("java.lang") || all.contains("com.typesafe"), all);
    }

    @Test
    void deeplyNestedOverridesAreAnErrorNotAStackOverflow() {
        for (String o : new String[] {"maml.inner-lr=" + "[".repeat(20_000), "maml.inner-lr=" + "{a:".repeat(5_000),
                "+x" + ".y".repeat(10_000) + "=1"}) {
            Result r = run("config", "show", o);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("more than 64"), r.err());
            assertTrue(r.err().length() < 2_000, "the message shows a window of the override, not all of it: " + r.err().length());
            noJava(r);
        }
    }

    @Test
    void deeplyNestedConfigFileIsAnErrorNamingFileAndLine() throws IOException {
        Files.writeString(dir.resolve("config.conf"), "defaults = []\nrun { seed = 1 }\nx = " + "[".repeat(100_000) + "\n");
        Result r = run("config", "show", "--config-dir", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("config.conf:3: nests 65 levels deep"), r.err());
        noJava(r);
    }

    @Test
    void aSubstitutionCycleIsAConfigurationError() {
        Result r = run("config", "show", "--resolve", "maml.inner-lr=${maml.inner-lr}");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("override #1 'maml.inner-lr=${maml.inner-lr}'") && r.err().contains("cycle"), r.err());
        noJava(r);
    }

    @Test
    void hugeSweepIsRefusedBeforeAnythingRuns() {
        Result r = run("run", "-m", "maml.inner-lr=range(0,1000)", "maml.inner-steps=range(0,1000)", "run.multirun-dir=" + dir.resolve("m"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("at least 1000000 jobs (maml.inner-lr (1000) x maml.inner-steps (1000)), more than the 1000"), r.err());
        assertFalse(Files.exists(dir.resolve("m")), "no sweep folder");
        noJava(r);
    }

    @Test
    void aNewlineInAnOverrideCannotForgeALineOfOverridesTxt() {
        Result r = run("run", "+run.tag=x\nmaml.inner-lr=99", "run.dir=" + dir.resolve("r"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("control character U+000A in the override"), r.err());
        assertTrue(r.err().contains("'+run.tag=x?maml.inner-lr=99'"), "shown without the raw line break: " + r.err());
        assertFalse(Files.exists(dir.resolve("r")), "no run folder, no overrides.txt");
        noJava(r);
    }

    @Test
    void aRecordsBadValueExitsTwoNamingTheOverrideAsTyped() {
        // read by the stages' config records (not by the composer), before any stage runs
        for (String[] c : new String[][] {{"maml.inner-steps=-1", "maml.inner-steps must be >= 1, got -1 (maml.inner-steps set at override #1 'maml.inner-steps=-1')"},
                {"maml.algorithm=foo", "Unknown meta-learning algorithm 'foo'; use one of maml, fomaml, reptile, anil, meta-sgd, pretrain (maml.algorithm set at override #1 'maml.algorithm=foo')"},
                {"dataset.domains=[1,2]", "dataset.domains set at override #1 'dataset.domains=[1,2]'"}}) {
            Result r = run("run", c[0], "run.dir=" + dir.resolve("run"), "dataset.cache-dir=" + dir.resolve("empty-cache"));
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(c[1]), r.err());
            assertFalse(r.err().contains("configs/maml/"), "the override, not the group file: " + r.err());
            noJava(r);
            assertFalse(Files.exists(dir.resolve("empty-cache")), "no stage ran");
            assertFalse(Files.exists(dir.resolve("run")), "no run folder is made before the config validates");
        }
        // in a sweep, every job is checked before the sweep folder exists; the message names the job
        Result r = run("run", "-m", "maml.inner-steps=1,-1", "run.multirun-dir=" + dir.resolve("sweep"), "dataset.cache-dir=" + dir.resolve("empty-cache"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("job 1 (maml.inner-steps=-1 ") && r.err().contains("maml.inner-steps must be >= 1"), r.err());
        assertFalse(Files.exists(dir.resolve("sweep")), "no sweep folder");
        noJava(r);
    }

    @Test
    void renderEscapesTerminalControlCharactersFromData() throws IOException {
        Path root = Files.createDirectories(dir.resolve("templates/gcide"));
        Files.writeString(root.resolve("d.ftl"), "Definition: ${text}");
        Files.writeString(root.resolve("templates.conf"), "templates = [{id = gcide-definition, file = d.ftl, domain = gcide, description = d, "
                + "fields = [text], version = 1, verbalizer {law = \"law\"}}]");
        Files.writeString(root.resolve("samples.jsonl"), "{\"id\":\"gcide:x\\u001b]0;pwned\\u0007#1\",\"domain\":\"gcide\",\"label\":\"law\","
                + "\"text\":\"calm \\u001b[2J\\u001b[31mred\\u202e txt.exe\",\"source\":\"s\",\"meta\":{}}\n");
        Result r = run("render", "--domain", "gcide", "--samples", "-n", "1", "prompts.templates-root=" + dir.resolve("templates"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Definition: calm \\x1b[2J\\x1b[31mred\\u202e txt.exe"), r.out());
        assertTrue(r.out().contains("--- gcide:x\\x1b]0;pwned\\x07#1"), r.out());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\u0007") || r.out().contains("\u202e"), r.out());
    }
}
