package dev.metamorph.model.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseEncoderTest {
    static final String SHORT = "A small domesticated carnivorous mammal.";
    static final String LONG = "A large body of salt water that covers most of the surface of the earth and is divided into several named parts, "
            + "such as the Atlantic and the Pacific, each with its own currents, tides and climate.";

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static double cosine(float[] a, float[] b) {
        double d = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return d / Math.sqrt(na * nb);
    }

    @Test
    void theFloatMiniLmGives384WideStatesPerWordPieceAndUnitPooledVectorsThatRankMeaning() {
        try (BaseEncoder base = BaseEncoder.open(BaseConfig.minilm(BaseConfig.Precision.FLOAT, 1))) {
            assertEquals(384, base.hiddenSize());
            assertTrue(base.sha256().matches("[0-9a-f]{64}"), base.sha256());
            List<String> texts = List.of("A dog is a loyal animal kept as a pet.", "Dogs are domesticated animals.", "The stock market fell sharply on Monday.");
            BaseFeatures f = base.encode(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(base.tokenize(texts.get(i)).length, f.length(i));
                assertEquals(f.length(i) * 384, f.states(i).length);
                assertEquals(1.0, cosine(f.pooled(i), f.pooled(i)) , 1e-6);
                double norm = 0;
                for (float v : f.pooled(i)) norm += v * v;
                assertEquals(1.0, norm, 1e-5);
            }
            assertTrue(cosine(f.pooled(0), f.pooled(1)) > cosine(f.pooled(0), f.pooled(2)) + 0.2,
                    "dog sentences should be nearer each other than to the market: " + cosine(f.pooled(0), f.pooled(1)) + " vs " + cosine(f.pooled(0), f.pooled(2)));
        }
    }

    @Test
    void aTextGivesTheSameStatesAloneAndPaddedInABatchWithALongerText() {
        try (BaseEncoder base = BaseEncoder.open(BaseConfig.minilm(BaseConfig.Precision.FLOAT, 1))) {
            float[] alone = base.encode(List.of(SHORT)).states(0);
            float[] padded = base.encode(List.of(SHORT, LONG)).states(0);
            double d = maxAbsDiff(alone, padded);
            assertTrue(d <= 1e-5, "states differ by " + d + " between batches of different padding");
        }
    }

    @Test
    void theDynamicallyQuantisedInt8ModelAlsoGivesATextTheSameStatesWhateverItsBatchCompanions() {
        // Batched, int8 activation scales come from the whole call: 0.25 apart (measured) without one text per call.
        try (BaseEncoder base = BaseEncoder.open(BaseConfig.minilm(BaseConfig.Precision.INT8, 1))) {
            assertEquals(1, base.textsPerCall());
            double d = maxAbsDiff(base.encode(List.of(SHORT)).states(0), base.encode(List.of(SHORT, LONG)).states(0));
            assertTrue(d <= 1e-5, "int8 states differ by " + d + " between batches");
        }
    }

    @Test
    void aMissingUserModelFileNamesTheKeyAndWhatToDo(@TempDir Path dir) {
        BaseConfig d = BaseConfig.defaults();
        BaseConfig c = new BaseConfig(BaseConfig.Kind.ONNX, dir.resolve("nope.onnx").toString(), dir.resolve("tok.json").toString(),
                d.precision(), 1, d.maxLength(), d.batchSize(), dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BaseEncoder.open(c));
        assertTrue(e.getMessage().contains("model.base-path") && e.getMessage().contains("nope.onnx") && e.getMessage().contains("no such file"), e.getMessage());
    }
}
