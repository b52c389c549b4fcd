package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.model.ModelConfig;
import org.junit.jupiter.api.Test;

/**
 * {@code memory.store}: {@code auto} reads the store where it can run (with a base, on every
 * meta-learner and path: second order and the graph path read it too) and not without a base;
 * {@code true} without a base is refused by the main job's config check naming the key; a value
 * other than true, false or auto is refused.
 */
class MemoryStoreConfigTest {
    private static Config config(String overrides) {
        return ConfigFactory.parseString("model { base = minilm-l6, head = prototype, memory = true }\n" + overrides)
                .withFallback(ConfigFactory.defaultReference()).resolve();
    }

    private static boolean store(String overrides) {
        return ModelConfig.from(config(overrides)).memory().store();
    }

    @Test
    void autoReadsTheStoreWithABaseOnEveryMetaLearnerAndPath() {
        assertTrue(store("memory.store = auto\nmaml.algorithm = fomaml"));
        assertTrue(store("memory.store = auto\nmaml.algorithm = reptile"));
        assertEquals(false, store("memory.store = auto\nmodel.base = none"));
        assertEquals(false, store("memory.store = auto\nmodel.base = none\nmaml.algorithm = maml"));
        assertTrue(store("memory.store = auto\nmaml.algorithm = maml"));
        assertTrue(store("memory.store = auto\nmaml.algorithm = meta-sgd"));
        assertTrue(store("memory.store = auto\nmaml.algorithm = fomaml\nmaml.learner-path = graph"));
        assertTrue(store("memory.store = auto\nmaml.algorithm = fomaml\nmaml.backend = samediff"));
        assertEquals(false, store("memory.store = false\nmaml.algorithm = fomaml"));
        // the saved model config carries the resolved value
        assertTrue(ModelConfig.from(config("memory.store = auto\nmaml.algorithm = fomaml")).toHocon().contains("store = true"));
    }

    @Test
    void trueWithoutABaseIsRefusedNamingTheKey() {
        assertDoesNotThrow(() -> MainJob.checkConfig(config("memory.store = true\nmaml.algorithm = fomaml")));
        assertDoesNotThrow(() -> MainJob.checkConfig(config("memory.store = auto\nmaml.algorithm = maml")));
        assertDoesNotThrow(() -> MainJob.checkConfig(config("memory.store = true\nmaml.algorithm = maml")));
        assertDoesNotThrow(() -> MainJob.checkConfig(config("memory.store = true\nmaml.algorithm = fomaml\nmaml.learner-path = graph")));
        ConfigException e;
        e = assertThrows(ConfigException.class, () -> MainJob.checkConfig(config("memory.store = true\nmaml.algorithm = fomaml\nmodel.base = none")));
        assertTrue(e.getMessage().contains("memory.store") && e.getMessage().contains("model.base = none"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ModelConfig.from(config("memory.store = sometimes")));
        assertTrue(e.getMessage().contains("true, false or auto"), e.getMessage());
    }
}
