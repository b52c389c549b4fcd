package dev.metamorph.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptsConfigTest {
    @TempDir
    Path dir;

    private static Config with(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void referenceDefaults() {
        PromptsConfig c = PromptsConfig.defaults();
        assertEquals(65536, c.maxOutputChars());
        assertEquals(2000, c.renderTimeLimitMs());
        assertEquals(Escaping.PLAIN, c.escaping());
        assertEquals("gcide-definition", c.defaultTemplates().get("gcide"));
        assertTrue(c.templatesRoot().isAbsolute() && c.templatesRoot().endsWith("templates"));
    }

    @Test
    void overridesAreRead() {
        PromptsConfig c = PromptsConfig.from(with("prompts { escaping = HTML, max-output-chars = 10, default-template.legal = legal-case }"));
        assertEquals(Escaping.HTML, c.escaping());
        assertEquals(10, c.maxOutputChars());
        assertEquals("legal-case", c.defaultTemplates().get("legal"));
    }

    @Test
    void badValuesNameTheKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PromptsConfig.from(with("prompts.max-output-chars = 0")))
                .getMessage().contains("prompts.max-output-chars"));
        assertTrue(assertThrows(ConfigException.class, () -> PromptsConfig.from(with("prompts.escaping = markdown")))
                .getMessage().contains("prompts.escaping"));
        assertTrue(assertThrows(ConfigException.class, () -> PromptsConfig.from(with("prompts.render-time-limit = 5")))
                .getMessage().contains("prompts.render-time-limit"));
        assertTrue(assertThrows(ConfigException.class, () -> PromptsConfig.from(with("prompts.max-output-chars = lots")))
                .getMessage().contains("max-output-chars"));
    }

    @Test
    void everyPromptsOptionFileLoads() throws IOException {
        try (var files = Files.list(Path.of("..", "configs", "prompts"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".conf")).toList()) {
                Config c = ConfigFactory.parseFile(f.toFile()).atPath("prompts").withFallback(ConfigFactory.defaultReference()).resolve();
                PromptsConfig p = PromptsConfig.from(c);
                try (TemplateRegistry reg = TemplateRegistry.open(p.withTemplatesRoot(Path.of("..", "templates")))) {
                    for (String d : reg.domains()) reg.forDomain(d);
                }
            }
        }
    }

    @Test
    void domainFolderLinkedFromOutsideIsRefused() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside/evil"));
        TemplateRegistryTest.writeDomain(dir.resolve("outside"), "evil", "evil", "${text}");
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createSymbolicLink(root.resolve("evil"), outside);
        TemplateCatalog c = TemplateCatalog.scan(root);
        assertTrue(c.problems().toString().contains("outside the templates root"), c.problems().toString());
        assertTrue(c.templates().isEmpty());
    }
}
