package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class ModelConfigTest {

    @Test
    void referenceDefaultsAreTheBriefsDefaultModel() {
        ModelConfig c = ModelConfig.defaults();
        assertEquals(5000, c.vocabSize());
        assertEquals(64, c.dModel());
        assertEquals(4, c.heads());
        assertEquals(2, c.blocks());
        assertEquals(ModelConfig.HeadType.ZERO, c.head());
        assertEquals(DataType.FLOAT, c.dtype());
        assertEquals(false, c.memoryRead());
        assertEquals(ModelConfig.Base.NONE, c.base());
        assertEquals(384, c.baseDim());
    }

    @Test
    void baseKeysParseAndRoundTrip() {
        for (String key : new String[] {"none", "minilm-l6", "onnx"}) {
            Config cfg = ConfigFactory.parseString("model { base = " + key + ", base-dim = 96 }").withFallback(ConfigFactory.defaultReference());
            ModelConfig c = ModelConfig.from(cfg);
            assertEquals(key, c.base().key());
            assertEquals(96, c.baseDim());
            assertEquals(c, ModelConfig.from(ConfigFactory.parseString(c.toHocon()).withFallback(ConfigFactory.defaultReference())));
        }
        Config bad = ConfigFactory.parseString("model.base = bert").withFallback(ConfigFactory.defaultReference());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.from(bad));
        assertTrue(e.getMessage().contains("model.base") && e.getMessage().contains("minilm-l6"), e.getMessage());
    }

    @Test
    void roundTripsThroughHocon() {
        ModelConfig c = ModelConfig.defaults().withHead(ModelConfig.HeadType.PROTOTYPE).withDtype(DataType.DOUBLE).withActivation(ModelConfig.Activation.GELU);
        assertEquals(c, ModelConfig.from(ConfigFactory.parseString(c.toHocon()).withFallback(ConfigFactory.defaultReference())));
    }

    @Test
    void misspeltKeysAndBadValuesNameTheKey() {
        Config typo = ConfigFactory.parseString("model.d-modle = 32").withFallback(ConfigFactory.defaultReference());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.from(typo));
        assertTrue(e.getMessage().contains("d-modle"), e.getMessage());
        Config badHead = ConfigFactory.parseString("model.head = linear").withFallback(ConfigFactory.defaultReference());
        ConfigException h = assertThrows(ConfigException.class, () -> ModelConfig.from(badHead));
        assertTrue(h.getMessage().contains("model.head"), h.getMessage());
        Config heads = ConfigFactory.parseString("model.heads = 5").withFallback(ConfigFactory.defaultReference());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> ModelConfig.from(heads));
        assertTrue(d.getMessage().contains("model.heads"), d.getMessage());
    }

    @Test
    void everyModelOptionFileLoadsUnderTheModelNamespace() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).getParent().resolve("configs/model");
        assertTrue(Files.isDirectory(dir), "configs/model not found at " + dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".conf")).toList()) {
                Config option = ConfigFactory.parseFile(f.toFile()).atPath("model");
                ModelConfig c = ModelConfig.from(option.withFallback(ConfigFactory.defaultReference()));
                assertTrue(c.dModel() > 0, f.toString());
            }
        }
    }
}
