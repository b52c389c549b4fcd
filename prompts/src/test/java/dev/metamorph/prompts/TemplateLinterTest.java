package dev.metamorph.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateLinterTest {
    @TempDir
    Path dir;

    @Test
    void shippedTemplatesPassWithBuiltInSamples() {
        TemplateLinter.Report r = new TemplateLinter(TemplateRegistryTest.shipped(), d -> Optional.empty(), 20).lint();
        assertEquals(List.of(), r.problems());
        assertEquals(5, r.templates());
        assertEquals(37, r.renders());
    }

    @Test
    void verbalizerCoverageIsCheckedAgainstImportedLabels() {
        List<Record> gcide = new java.util.ArrayList<>();
        for (int i = 0; i < 25; i++) gcide.add(new Record("gcide:x#" + i, "gcide", "law", "text " + i, "", Map.of()));
        for (int i = 0; i < 25; i++) gcide.add(new Record("gcide:y#" + i, "gcide", "dentistry", "tooth " + i, "", Map.of()));
        for (int i = 0; i < 3; i++) gcide.add(new Record("gcide:z#" + i, "gcide", "rare", "rare " + i, "", Map.of()));
        TemplateLinter.Report r = new TemplateLinter(TemplateRegistryTest.shipped(),
                d -> d.equals("gcide") ? Optional.of(gcide) : Optional.empty(), 20).lint();
        assertEquals(2, r.problems().size(), r.problems().toString());
        for (CatalogProblem p : r.problems()) {
            assertTrue(p.where().startsWith("templates/gcide/templates.conf:") || p.where().contains("gcide/templates.conf:"), p.toString());
            assertTrue(p.what().contains("lacks 1 label(s) that have >= 20 imported records: [dentistry]"), p.toString());
        }
    }

    @Test
    void brokenRootFailsListingEveryProblem() throws IOException {
        TemplateRegistryTest.writeDomain(dir, "gcide", "unknown-var", "Definition: ${definition}");
        TemplateRegistryTest.writeDomain(dir, "wordnet", "new-builtin", "x\n${\"freemarker.template.utility.Execute\"?new()(\"id\")}");
        TemplateRegistryTest.writeDomain(dir, "foldoc", "empty", "<#if false>${text}</#if>");
        TemplateRegistryTest.writeDomain(dir, "music", "no-samples", "${text}");
        Path meta = Files.createDirectories(dir.resolve("metadom"));
        Files.writeString(meta.resolve("m.ftl"), "${text} ${meta.colour}");
        Files.writeString(meta.resolve("templates.conf"), "templates = [ { id = m, file = m.ftl, domain = metadom, description = d,"
                + " fields = [text, meta.colour], version = 1, verbalizer { law = law } } ]");
        Files.writeString(meta.resolve(SampleRecords.SAMPLES_FILE),
                "{\"id\":\"metadom:1\",\"domain\":\"metadom\",\"label\":\"law\",\"text\":\"a text\",\"meta\":{\"headword\":\"h\"}}\n");
        TemplateLinter.Report r = new TemplateLinter(PromptsConfig.defaults().withTemplatesRoot(dir), d -> Optional.empty(), 20).lint();
        assertFalse(r.passed());
        String all = r.problems().toString();
        assertTrue(all.contains("gcide/unknown-var.ftl:1:15: undefined variable `definition`"), all);
        assertTrue(all.contains("wordnet/new-builtin.ftl:2:40: the built-in ?new is not allowed"), all);
        assertTrue(all.contains("renders empty output"), all);
        assertTrue(all.contains("no sample records for domain 'music'"), all);
        assertTrue(all.contains("prompts.default-template.gcide: names 'gcide-definition'"), all);
        assertTrue(all.contains("fields lists 'meta.colour' but no sample record of domain 'metadom' has it"), all);
        assertTrue(all.contains("metadom/m.ftl:1:11: undefined variable `meta`"), all);
    }
}
