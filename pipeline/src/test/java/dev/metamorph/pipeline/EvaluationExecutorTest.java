package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.maml.MetaBatchExecutorProvider;
import org.junit.jupiter.api.Test;

/** {@code eval.executor}: empty follows {@code maml.executor}; bad or unknown values fail naming the key. */
class EvaluationExecutorTest {
    private static Config config(String s) {
        return ConfigFactory.parseString(s).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void emptyFollowsMamlExecutorAndLocalOverridesIt() {
        assertEquals("local", EvaluationStage.executor(config("")));
        assertEquals("spark", EvaluationStage.executor(config("maml.executor = spark")));
        assertEquals("local", EvaluationStage.executor(config("maml.executor = spark, eval.executor = local")));
        assertEquals("spark", EvaluationStage.executor(config("eval.executor = spark")));
        assertNull(MetaBatchExecutorProvider.openRunner("local", "eval.executor", config("")), "local runs in process");
    }

    @Test
    void badAndUnknownExecutorsNameTheKey() {
        ConfigException bad = assertThrows(ConfigException.class, () -> EvaluationStage.executor(config("eval.executor = \"Spark!\"")));
        assertTrue(bad.getMessage().contains("eval.executor"), bad.getMessage());
        // this module has no spark on its class path: the name is unknown here
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> MetaBatchExecutorProvider.openRunner("sprak", "eval.executor", config("")));
        assertTrue(unknown.getMessage().startsWith("eval.executor = sprak, but no module"), unknown.getMessage());
    }
}
