package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.config.Composition;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.run.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every file under configs/ composes and validates against all modules' reference.conf: config.conf
 * alone, then each group option and each experiment chosen in turn.
 */
class ConfigFilesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static ConfigComposer composer() {
        return ConfigComposer.forProject(ROOT);
    }

    @TestFactory
    Stream<DynamicTest> everyOptionOfEveryGroupComposes() {
        ConfigComposer composer = composer();
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(dynamicTest("configs/config.conf", () -> check(composer.compose(List.of()))));
        for (Map.Entry<String, List<String>> g : composer.groups().entrySet()) {
            for (String option : g.getValue()) {
                String override = g.getKey() + "=" + option;
                tests.add(dynamicTest("configs/" + g.getKey() + "/" + option + ".conf", () -> check(composer.compose(List.of(override)))));
            }
        }
        return tests.stream();
    }

    private static void check(Composition c) {
        RunConfig.from(c.config());
        assertFalse(c.config().hasPath("defaults"));
    }

    @Test
    void everyConfFileUnderConfigsIsAGroupOptionOrTheDefaultsFile() throws IOException {
        Map<String, List<String>> groups = composer().groups();
        try (Stream<Path> files = Files.walk(ROOT.resolve("configs"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path rel = ROOT.resolve("configs").relativize(f);
                ConfigFactory.parseFile(f.toFile());
                if (rel.toString().equals("config.conf")) continue;
                assertTrue(rel.getNameCount() == 2 && rel.toString().endsWith(".conf"), "unexpected file configs/" + rel);
                String option = rel.getFileName().toString().replaceFirst("\\.conf$", "");
                assertTrue(groups.get(rel.getName(0).toString()).contains(option), "configs/" + rel);
            }
        }
    }

    @Test
    void everyGroupIsInTheDefaultsList() {
        Composition c = composer().compose(List.of());
        for (String group : composer().groups().keySet()) {
            assertTrue(c.choices().containsKey(group), "group " + group + " is missing from configs/config.conf's defaults");
        }
    }
}
