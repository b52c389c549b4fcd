package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CurriculumConfigTest {

    private static Config with(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    private static String error(String hocon) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> CurriculumConfig.from(with(hocon)));
        assertTrue(e instanceof ConfigException, "a ConfigException, got " + e);
        return e.getMessage();
    }

    @Test
    void defaultsLoad() {
        CurriculumConfig c = CurriculumConfig.defaults();
        assertEquals(3, c.stages());
        assertEquals(200, c.stepsPerStage());
        assertEquals(0.25, c.targetFraction(0));
        assertEquals(1.0, c.targetFraction(2));
        assertEquals(List.of(), c.unfreeze().units());
        assertEquals(1, c.trainableUnits(0));
        assertEquals(3, c.trainableUnits(2));
        assertEquals(CurriculumConfig.OptimizerKind.ADAM, c.optimizer());
        assertEquals(0.0, c.ewcLambda());
        assertTrue(c.elastic().enabled());
    }

    @Test
    void theShippedOptionFileComposesOntoTheDefaults() {
        Config option = ConfigFactory.parseFile(Path.of("../configs/curriculum/default.conf").toFile());
        assertTrue(option.hasPath("stages"), "configs/curriculum/default.conf is readable from the module folder");
        Config composed = option.atPath("curriculum").withFallback(ConfigFactory.defaultReference()).resolve();
        CurriculumConfig c = CurriculumConfig.from(composed);
        CurriculumConfig d = CurriculumConfig.defaults();
        // the main job's option sets the length and rate of the stages; the rest are the defaults
        assertEquals(option.getInt("steps-per-stage"), c.stepsPerStage());
        assertEquals(option.getDouble("lr"), c.lr());
        assertEquals(d.stages(), c.stages());
        assertEquals(d.unfreeze(), c.unfreeze());
        assertEquals(d.elastic(), c.elastic());
        assertEquals(d.optimizer(), c.optimizer());
        assertEquals(d.gradClip(), c.gradClip());
    }

    @Test
    void overridesAreRead() {
        CurriculumConfig c = CurriculumConfig.from(with("curriculum { stages = 2, mix.target-fractions = [0.5, 1], unfreeze.units = [\"head.\", \"block1.\"], "
                + "optimizer = sgd, elastic.check-every = 0, ewc-lambda = 10 }"));
        assertEquals(0.5, c.targetFraction(0));
        assertEquals(List.of("head.", "block1."), c.unfreeze().units());
        assertEquals(CurriculumConfig.OptimizerKind.SGD, c.optimizer());
        assertTrue(!c.elastic().enabled());
        assertEquals(10.0, c.ewcLambda());
    }

    @Test
    void aTypoIsRejectedNamingTheKeyAndTheClosestOne() {
        String m = error("curriculum.elastic.grwo = 2");
        assertTrue(m.contains("curriculum.elastic.grwo") && m.contains("did you mean curriculum.elastic.grow?"), m);
        m = error("curriculum.stagse = 2");
        assertTrue(m.contains("curriculum.stagse") && m.contains("did you mean curriculum.stages?") && m.contains("String:"), m);
        m = error("curriculum.ewc-lamda = 2");
        assertTrue(m.contains("did you mean curriculum.ewc-lambda?"), m);
    }

    @Test
    void badValuesAreRejectedNamingTheKey() {
        assertTrue(error("curriculum.stages = 0").contains("curriculum.stages must be >= 1"));
        assertTrue(error("curriculum.elastic.back-off = 1.5").contains("curriculum.elastic.back-off must be in (0, 1]"));
        assertTrue(error("curriculum.elastic.grow = 0.5").contains("curriculum.elastic.grow"));
        assertTrue(error("curriculum.mix.start = 1.5").contains("curriculum.mix.start"));
        assertTrue(error("curriculum.optimizer = rmsprop").contains("curriculum.optimizer must be adam or sgd"));
        assertTrue(error("curriculum.layer-lr-decay = 0").contains("curriculum.layer-lr-decay"));
        String m = error("curriculum.mix.target-fractions = [0.5]");
        assertTrue(m.contains("curriculum.mix.target-fractions") && m.contains("curriculum.stages is 3"), m);
        m = error("curriculum.stages = three");
        assertTrue(m.contains("curriculum.stages has type STRING rather than NUMBER"), m);
        m = error("curriculum.elastic.min-multiplier = 2");
        assertTrue(m.contains("curriculum.elastic.min-multiplier"), m);
    }

    @Test
    void closestKeyIgnoresFarAwayNames() {
        assertTrue(dev.metamorph.core.config.KeySuggester.closest("zzzzzzzzzz", java.util.Set.of("stages", "lr")).isEmpty());
    }
}
