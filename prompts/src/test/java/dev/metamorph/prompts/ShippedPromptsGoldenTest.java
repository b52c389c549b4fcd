package dev.metamorph.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The shipped templates' output on their samples (the domain folder's samples.jsonl, else the
 * built-in ones), compared with golden files. A template
 * whose output changes must get a new {@code version} in its templates.conf; then run
 * {@link #regenerate()} (e.g. from an IDE, or {@code main}) and review the diff.
 */
class ShippedPromptsGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/dev/metamorph/prompts/golden");

    static String renderAll(TemplateRegistry reg, TemplateSpec spec) {
        StringBuilder sb = new StringBuilder("# template ").append(spec.id()).append(" version ").append(spec.version()).append('\n');
        for (Record r : SampleRecords.forDomain(TemplateRegistryTest.shipped().templatesRoot(), spec.domain())) {
            sb.append("--- ").append(r.id()).append('\n').append(reg.renderer(spec.id()).render(r)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void shippedTemplatesMatchTheirGoldenFiles() throws IOException {
        try (TemplateRegistry reg = TemplateRegistry.open(TemplateRegistryTest.shipped())) {
            for (TemplateSpec spec : reg.templates()) {
                Path golden = GOLDEN.resolve(spec.id() + ".txt");
                assertTrue(Files.isRegularFile(golden), "no golden file " + golden + "; run ShippedPromptsGoldenTest.regenerate()");
                String expected = Files.readString(golden, StandardCharsets.UTF_8);
                String header = expected.lines().findFirst().orElse("");
                String actual = renderAll(reg, spec);
                if (header.equals(actual.lines().findFirst().orElse(""))) {
                    assertEquals(expected, actual, "template " + spec.id() + " changed its output without a new version: raise `version` in "
                            + spec.origin() + " and run ShippedPromptsGoldenTest.regenerate()");
                } else {
                    throw new AssertionError("template " + spec.id() + " has version " + spec.version() + " but " + golden
                            + " holds '" + header + "'; run ShippedPromptsGoldenTest.regenerate() and review the diff");
                }
            }
        }
    }

    /** Rewrites the golden files from the current templates (not a test). */
    static void regenerate() throws IOException {
        Files.createDirectories(GOLDEN);
        try (TemplateRegistry reg = TemplateRegistry.open(TemplateRegistryTest.shipped())) {
            for (TemplateSpec spec : reg.templates()) {
                Files.writeString(GOLDEN.resolve(spec.id() + ".txt"), renderAll(reg, spec), StandardCharsets.UTF_8);
            }
        }
    }

    public static void main(String[] args) throws IOException {
        regenerate();
    }
}
