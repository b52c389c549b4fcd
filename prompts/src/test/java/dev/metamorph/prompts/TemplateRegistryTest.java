package dev.metamorph.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateRegistryTest {
    static final Path SHIPPED = Path.of("..", "templates");

    @TempDir
    Path dir;

    static PromptsConfig shipped() {
        return PromptsConfig.defaults().withTemplatesRoot(SHIPPED);
    }

    @Test
    void shippedTemplatesRenderTheDefinitionButNotTheLabelOrHeadword() {
        try (TemplateRegistry reg = TemplateRegistry.open(shipped())) {
            assertEquals(List.of("foldoc", "fortunes", "gcide", "wordnet"), reg.domains());
            assertEquals("gcide-definition", reg.defaultTemplateId("gcide"));
            for (String domain : reg.domains()) {
                List<Record> samples = SampleRecords.forDomain(shipped().templatesRoot(), domain);
                assertFalse(samples.isEmpty(), domain + " has samples");
                for (Record r : samples) {
                    for (TemplateSpec spec : reg.templates(domain)) {
                        String text = reg.renderer(spec.id()).render(r);
                        assertTrue(text.contains(r.text().substring(1, r.text().length() - 1)), spec.id() + ": " + text);
                        String hw = r.meta().get("headword");
                        if (hw != null) assertEquals(occurrences(r.text(), hw), occurrences(text, hw), spec.id() + " leaks the headword: " + text);
                        assertFalse(text.toLowerCase().contains("field: " + r.label()), spec.id() + " leaks the label: " + text);
                    }
                }
            }
        }
    }

    private static int occurrences(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }

    @Test
    void gcideDefinitionAndLegalStyle() {
        Record fee = new Record("gcide:fee#6", "gcide", "law", "An absolute fee; a fee without conditions or limits.", "GCIDE 0.48",
                Map.of("headword", "Fee simple"));
        try (TemplateRegistry reg = TemplateRegistry.open(shipped())) {
            assertEquals("Definition from an old dictionary: An absolute fee; a fee without conditions or limits.\nSubject field:",
                    reg.forDomain("gcide").render(fee));
            assertEquals("According to article 6, in this case an absolute fee; a fee without conditions or limits.\n"
                    + "Which field governs this case?", reg.renderer("gcide-law-article").render(fee));
            assertEquals("law", reg.forDomain("gcide").verbalize("law"));
            assertEquals("seafaring and navigation", reg.forDomain("gcide").verbalize("seafaring"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reg.forDomain("gcide").verbalize("nonsense"));
            assertTrue(e.getMessage().contains("templates/gcide/templates.conf:"), e.getMessage());
            assertSame(reg.forDomain("gcide"), reg.renderer("gcide-definition"), "compiled renderers are cached");
        }
    }

    @Test
    void staticForDomainUsesTheProjectTemplates() {
        String old = System.getProperty("metamorph.root");
        System.setProperty("metamorph.root", Path.of("..").toAbsolutePath().normalize().toString());
        try {
            Record r = SampleRecords.builtIn("foldoc").get(0);
            assertEquals("Computing dictionary entry: " + r.text() + "\nCategory:", PromptRenderer.forDomain("foldoc").render(r));
        } finally {
            if (old == null) System.clearProperty("metamorph.root");
            else System.setProperty("metamorph.root", old);
        }
    }

    static void writeDomain(Path root, String domain, String id, String ftl) throws IOException {
        Path d = Files.createDirectories(root.resolve(domain));
        Files.writeString(d.resolve(id + ".ftl"), ftl);
        Files.writeString(d.resolve("templates.conf"), "templates = [\n  {\n    id = \"" + id + "\"\n    file = \"" + id + ".ftl\"\n"
                + "    domain = " + domain + "\n    description = \"test\"\n    fields = [text]\n    version = 1\n"
                + "    verbalizer { law = \"law\" }\n  }\n]\n");
    }

    @Test
    void duplicateIdsAreRefusedNamingBothFiles() throws IOException {
        writeDomain(dir, "alpha", "same", "${text}");
        writeDomain(dir, "beta", "same", "${text}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TemplateRegistry.open(PromptsConfig.defaults().withTemplatesRoot(dir)));
        assertTrue(e.getMessage().contains("alpha/templates.conf:2") && e.getMessage().contains("beta/templates.conf:2")
                && e.getMessage().contains("duplicate template id 'same'"), e.getMessage());
    }

    @Test
    void aNewDomainNeedsOnlyAFolder() throws IOException {
        writeDomain(dir, "legal", "legal-case", "In this case ${text}");
        try (TemplateRegistry reg = TemplateRegistry.open(PromptsConfig.defaults().withTemplatesRoot(dir))) {
            Record r = new Record("legal:1", "legal", "law", "the accused fled", "", Map.of());
            assertEquals("In this case the accused fled", PromptRenderer.class.cast(reg.forDomain("legal")).render(r));
        }
    }

    @Test
    void malformedMetadataIsListed() throws IOException {
        Path d = Files.createDirectories(dir.resolve("gcide"));
        Files.writeString(d.resolve("a.ftl"), "${text}");
        Files.writeString(d.resolve("templates.conf"), """
                templates = [
                  { id = "a", file = "a.ftl", domain = gcide, fields = [text, definition], version = 1, verbalizer { law = "law" } }
                  { id = "b", file = "missing.ftl", domain = other, description = "x", fields = [text], version = 1, verbalizer {}, colour = red }
                ]
                """);
        TemplateCatalog c = TemplateCatalog.scan(dir);
        String all = c.problems().toString();
        assertTrue(all.contains("templates.conf:2 (template 'a'): missing 'description'"), all);
        assertTrue(all.contains("'definition' is not a record field"), all);
        assertTrue(all.contains("unknown key 'colour'"), all);
        assertTrue(all.contains("domain 'other' differs from its folder 'gcide'"), all);
        assertTrue(all.contains("file 'missing.ftl' does not exist"), all);
        assertTrue(all.contains("missing or empty object 'verbalizer'"), all);
        assertTrue(c.templates().isEmpty());
    }
}
