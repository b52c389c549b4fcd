package dev.metamorph.prompts;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any text as a domain's templates.conf, with any text as its template: reading the catalog never
 * throws (every problem is listed), and a template that reads either renders or fails with a
 * {@link PromptRenderException}. Regression mode replays {@code TemplatesConfFuzzTestInputs/};
 * {@code -Pfuzz} fuzzes.
 */
class TemplatesConfFuzzTest {
    private static final Path ROOT = root();
    private static final dev.metamorph.core.data.Record RECORD = new dev.metamorph.core.data.Record("fz:1", "fz", "law",
            "A text.", "fuzz", java.util.Map.of("headword", "Text"));

    private static Path root() {
        try {
            Path r = Files.createTempDirectory("fuzz-templates");
            Files.createDirectories(r.resolve("fz"));
            r.toFile().deleteOnExit();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void templatesConfIsReadOrListedAsProblems(FuzzedDataProvider data) throws IOException {
        String conf = data.consumeString(2000);
        String template = data.consumeRemainingAsString();
        Files.writeString(ROOT.resolve("fz/templates.conf"), conf);
        Files.writeString(ROOT.resolve("fz/t.ftl"), template);
        TemplateCatalog catalog = TemplateCatalog.scan(ROOT);
        catalog.problems().forEach(CatalogProblem::toString);
        PromptsConfig cfg = PromptsConfig.defaults().withTemplatesRoot(ROOT).withLimits(2000, 200);
        try (TemplateRegistry registry = TemplateRegistry.openLenient(cfg)) {
            for (TemplateSpec spec : registry.templates()) {
                try {
                    registry.renderer(spec.id()).render(RECORD);
                } catch (PromptRenderException expected) {
                    // refused or failed with template:line:col
                }
            }
        }
    }
}
