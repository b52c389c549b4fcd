package dev.metamorph.model.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BaseConfigTest {
    private static Config with(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference());
    }

    @Test
    void theDefaultsKeepTheBaseOffAndEveryKeyIsRead() {
        BaseConfig d = BaseConfig.defaults();
        assertEquals(BaseConfig.Kind.NONE, d.kind());
        BaseConfig c = BaseConfig.from(with("model { base = onnx, base-path = m.onnx, tokenizer-path = t.json, base-precision = float, "
                + "base-threads = 1, base-max-length = 128, base-batch = 8, base-cache-dir = /tmp/f }"));
        assertEquals(new BaseConfig(BaseConfig.Kind.ONNX, "m.onnx", "t.json", BaseConfig.Precision.FLOAT, 1, 128, 8, Path.of("/tmp/f")), c);
        assertEquals(Path.of("/root/m.onnx").toString(), c.resolve(Path.of("/root")).basePath());
        assertEquals(BaseConfig.Kind.MINILM_L6, BaseConfig.from(with("model.base = minilm-l6")).kind());
    }

    @Test
    void aMisspeltKeyABadValueOrAnOnnxBaseWithoutItsFilesFailsNamingTheKey() {
        ConfigException typo = assertThrows(ConfigException.class, () -> BaseConfig.from(with("model.base-thread = 2")));
        assertTrue(typo.getMessage().contains("base-thread"), typo.getMessage());
        ConfigException bad = assertThrows(ConfigException.class, () -> BaseConfig.from(with("model.base = bert")));
        assertTrue(bad.getMessage().contains("model.base") && bad.getMessage().contains("minilm-l6"), bad.getMessage());
        IllegalArgumentException noPath = assertThrows(IllegalArgumentException.class, () -> BaseConfig.from(with("model.base = onnx")));
        assertTrue(noPath.getMessage().contains("model.base-path"), noPath.getMessage());
    }

    @Test
    void theModelShaIsKnownWithoutASessionAndMatchesTheEncoders() {
        BaseConfig c = BaseConfig.minilm(BaseConfig.Precision.INT8, 1);
        try (BaseEncoder base = BaseEncoder.open(c)) {
            assertEquals(base.sha256(), BaseEncoder.sha256Of(c));
        }
        assertEquals("", BaseEncoder.sha256Of(BaseConfig.defaults()));
    }
}
