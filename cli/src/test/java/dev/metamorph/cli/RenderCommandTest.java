package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.data.Record;
import dev.metamorph.prompts.SampleRecords;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenderCommandTest extends CliTestBase {

    @Test
    void rendersSamplePromptsWithTheDefaultTemplate() {
        Result r = run("render", "--domain", "gcide", "-n", "3", "--samples", "--seed", "1");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(3, r.out().lines().filter(l -> l.startsWith("--- gcide:") && l.contains("template: gcide-definition v1.0")).count(), r.out());
        assertEquals(3, r.out().lines().filter(l -> l.startsWith("Definition from an old dictionary: ")).count(), r.out());
    }

    @Test
    void legalStyleTemplateById() {
        Result r = run("render", "--domain", "gcide", "--template", "gcide-law-article",
                "-n", "8", "--samples");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("According to article 6, in this case an absolute fee; a fee without conditions or limits.\n"
                + "Which field governs this case?"), r.out());
    }

    @Test
    void sameSeedSameDrawAndDifferentSeedDiffers() {
        List<Record> all = SampleRecords.builtIn("wordnet");
        assertEquals(RenderCommand.draw(all, 4, new SeedSequence(5).child("render")), RenderCommand.draw(all, 4, new SeedSequence(5).child("render")));
        assertNotEquals(RenderCommand.draw(all, 8, new SeedSequence(5).child("render")), RenderCommand.draw(all, 8, new SeedSequence(6).child("render")));
        assertEquals(8, RenderCommand.draw(all, 50, new SeedSequence(5).child("render")).stream().distinct().count(), "no repeats");
    }

    @Test
    void unknownTemplateAndMissingDataAreUsageErrors() {
        Result r = run("render", "--domain", "gcide", "--template", "nope", "--samples");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("No template with id 'nope'"), r.err());
        Result m = run("render", "--domain", "legal", "dataset.cache-dir=/nonexistent/cache");
        assertEquals(2, m.code());
        assertTrue(m.err().contains("run './metamorph data import legal'"), m.err());
    }
}
