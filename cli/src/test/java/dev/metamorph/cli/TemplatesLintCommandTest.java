package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplatesLintCommandTest extends CliTestBase {
    @TempDir
    Path dir;

    @Test
    void shippedTemplatesPass() {
        Result r = run("templates", "lint", "--no-data");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("OK: 5 templates, 37 renders, no problems"), r.out());
    }

    @Test
    void brokenRootFailsWithTheListOfProblems() throws IOException {
        Path gcide = Files.createDirectories(dir.resolve("gcide"));
        Files.writeString(gcide.resolve("broken.ftl"), "Definition: ${text}\nHeadword: ${headword}\n");
        Files.writeString(gcide.resolve("templates.conf"), """
                templates = [
                  {
                    id = broken
                    file = broken.ftl
                    domain = gcide
                    description = "uses a field it did not declare"
                    fields = [text]
                    version = 1
                    verbalizer { law = law }
                  }
                  {
                    id = broken
                    file = broken.ftl
                    domain = gcide
                    fields = [text]
                    version = 1
                    verbalizer { law = law }
                  }
                ]
                """);
        Result r = run("templates", "lint", "--no-data", "--root", dir.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("FAILED: "), r.err());
        assertTrue(r.err().contains("gcide/broken.ftl:2:13: undefined variable `headword`"), r.err());
        assertTrue(r.err().contains("templates.conf:11 (template 'broken'): missing 'description'"), r.err());
        assertTrue(r.err().contains("prompts.default-template.gcide: names 'gcide-definition'"), r.err());
    }

    @Test
    void badOverrideIsAUsageError() {
        Result r = run("templates", "lint", "--no-data", "prompts.max-output-chars=0");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("prompts.max-output-chars"), r.err());
    }
}
