package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Adam, clipping and the config record (the short sinusoid runs are in pipeline's SinusoidBenchmarkTest). */
class OuterLoopTest {
    @Test
    void adamMatchesAHandWorkedStepAndRoundTripsItsState() throws Exception {
        AdamOptimizer adam = new AdamOptimizer(2, 0.9, 0.999, 1e-8);
        double[] p = {1.0, -2.0};
        adam.step(p, new double[] {0.5, -4.0}, 0.1);
        // first step: mhat = g, vhat = g^2, so the update is lr * g / (|g| + eps)
        assertEquals(1.0 - 0.1 * 0.5 / (0.5 + 1e-8), p[0], 1e-15);
        assertEquals(-2.0 + 0.1 * 4.0 / (4.0 + 1e-8), p[1], 1e-15);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        adam.write(new DataOutputStream(b));
        AdamOptimizer copy = new AdamOptimizer(2, 0.9, 0.999, 1e-8);
        copy.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray())));
        double[] q = p.clone();
        adam.step(p, new double[] {0.1, 0.2}, 0.1);
        copy.step(q, new double[] {0.1, 0.2}, 0.1);
        assertArrayEquals(p, q, 0.0);
        assertEquals(2, copy.steps());
    }

    @Test
    void clippingBoundsTheGlobalNorm() {
        double[] g = {3, 4};
        assertEquals(5.0, GlobalNormClip.apply(g, 1.0), 1e-15);
        assertEquals(1.0, Math.hypot(g[0], g[1]), 1e-9);
        double[] h = {3, 4};
        GlobalNormClip.apply(h, 0);
        assertArrayEquals(new double[] {3, 4}, h, 0.0);
    }

    @Test
    void configReadsDefaultsAndRejectsTyposAndBadValues() {
        MamlConfig d = MamlConfig.defaults();
        assertEquals(0.01, d.innerLr());
        assertEquals(MetaAlgorithm.MAML, d.algorithm());
        assertEquals(SecondOrderMode.REVERSE_HVP, d.secondOrderMode());
        var typo = ConfigFactory.parseString("maml.inner-step = 3").withFallback(ConfigFactory.defaultReference());
        ConfigException e = assertThrows(ConfigException.class, () -> MamlConfig.from(typo));
        assertTrue(e.getMessage().contains("inner-step"), e.getMessage());
        var bad = ConfigFactory.parseString("maml.algorithm = mamll").withFallback(ConfigFactory.defaultReference());
        ConfigException e2 = assertThrows(ConfigException.class, () -> MamlConfig.from(bad));
        assertTrue(e2.getMessage().contains("mamll") && e2.getMessage().contains("meta-sgd"), e2.getMessage());
        // inner-lr 0 (no inner adaptation) is allowed; negative or huge rates are not
        assertEquals(0.0, MamlConfig.from(ConfigFactory.parseString("maml.inner-lr = 0").withFallback(ConfigFactory.defaultReference())).innerLr());
        for (String v : new String[] {"-0.1", "10"}) {
            var c = ConfigFactory.parseString("maml.inner-lr = " + v).withFallback(ConfigFactory.defaultReference());
            ConfigException e3 = assertThrows(ConfigException.class, () -> MamlConfig.from(c));
            assertTrue(e3.getMessage().contains("maml.inner-lr"), e3.getMessage());
        }
    }

    @Test
    void everyMamlOptionFileComposesIntoAValidConfig() throws Exception {
        Path dir = Path.of("..", "configs", "maml");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".conf")).toList()) {
                var c = ConfigFactory.parseFile(f.toFile()).atPath("maml").withFallback(ConfigFactory.defaultReference()).resolve();
                MamlConfig.from(c);
            }
        }
    }
}
