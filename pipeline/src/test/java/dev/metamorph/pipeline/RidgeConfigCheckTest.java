package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/**
 * The main job's config check refuses the eager-only model settings (the ridge head fit, the pooled
 * linear map) with exact second order or the graph path, naming the key, before any stage runs.
 */
class RidgeConfigCheckTest {
    private static Config config(String overrides) {
        return ConfigFactory.parseString("model { base = minilm-l6, head = prototype }\n" + overrides)
                .withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void firstOrderOnTheEagerPathIsAccepted() {
        assertDoesNotThrow(() -> MainJob.checkConfig(config("model.head-fit = ridge\nmodel.pooled-linear = true\nmaml.algorithm = fomaml")));
    }

    @Test
    void exactSecondOrderOrTheGraphPathIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> MainJob.checkConfig(config("model.head-fit = ridge\nmaml.algorithm = maml")));
        assertTrue(e.getMessage().contains("model.head-fit") && e.getMessage().contains("fomaml"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> MainJob.checkConfig(config("model.pooled-linear = true\nmaml.algorithm = fomaml\nmaml.learner-path = graph")));
        assertTrue(e.getMessage().contains("model.pooled-linear") && e.getMessage().contains("learner-path"), e.getMessage());
    }
}
