package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.model.tokenizer.BpeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ModelArchiveTest {
    private static final List<String> TEXTS = List.of("a small river flows to the sea", "the sea is wide and deep",
            "music for strings and winds", "a law of the land", "the river bank", "deep music");

    @Test
    void roundTripGivesIdenticalPredictions(@TempDir Path dir) throws IOException {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            BpeTokenizer tok = BpeTrainer.train(TEXTS, 40, 1, 8, BpeTokenizer.Truncation.HEAD);
            ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU).withVocabSize(tok.vocabSize()).withDtype(dt);
            GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
            INDArray theta = TinyModels.randomTheta(learner, 12);
            Path file = dir.resolve("model-" + dt + ".zip");
            ModelArchive.save(file, cfg, tok, theta);
            ModelArchive.Saved back = ModelArchive.load(file);
            assertEquals(cfg, back.config());
            assertEquals(tok, back.tokenizer());
            assertEquals(theta, back.theta());
            TokenBatch batch = tok.batch(TEXTS.subList(0, 4), new int[] {0, 1, 2, 0});
            INDArray before = learner.predict(theta, batch);
            INDArray after = new GatedAttentionLearner(back.config()).predict(back.theta(), back.tokenizer().batch(TEXTS.subList(0, 4), new int[] {0, 1, 2, 0}));
            assertArrayEquals(before.reshape(-1).toDoubleVector(), after.reshape(-1).toDoubleVector(), 0.0);
            try (var files = Files.list(dir)) {
                assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "a temporary file was left behind");
            }
        }
    }

    @Test
    void refusesToSaveANonFiniteTheta(@TempDir Path dir) {
        BpeTokenizer tok = BpeTrainer.train(TEXTS, 40, 1, 8, BpeTokenizer.Truncation.HEAD);
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU).withVocabSize(tok.vocabSize());
        INDArray theta = TinyModels.randomTheta(new GatedAttentionLearner(cfg), 12);
        theta.putScalar(7, Double.NaN);
        Path file = dir.resolve("model.zip");
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> ModelArchive.save(file, cfg, tok, theta));
        assertTrue(e.getMessage().contains("entry 7 of ") && e.getMessage().contains("is NaN"), e.getMessage());
        assertTrue(Files.notExists(file), "nothing was written");
    }

    @Test
    void rejectsDamagedArchives(@TempDir Path dir) throws IOException {
        Path bogus = dir.resolve("bogus.zip");
        Files.write(bogus, new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> ModelArchive.load(bogus));
        assertTrue(e.getMessage().contains("not a readable zip archive"), e.getMessage());
        BpeTokenizer tok = BpeTrainer.train(TEXTS, 40, 1, 8, BpeTokenizer.Truncation.HEAD);
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU).withVocabSize(tok.vocabSize());
        INDArray wrong = new GatedAttentionLearner(cfg).initialParameters(new SeededRandom(1)).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 10));
        assertThrows(IllegalArgumentException.class, () -> ModelArchive.save(dir.resolve("x.zip"), cfg, tok, wrong));
    }

    @Test
    void baseModelRecordsItsBaseAndRoundTrips(@TempDir Path dir) throws IOException {
        ModelConfig cfg = BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE).withDtype(DataType.FLOAT);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = TinyModels.randomTheta(learner, 5);
        Path file = dir.resolve("base-model.zip");
        assertThrows(IllegalArgumentException.class, () -> ModelArchive.save(file, cfg, BpeTrainer.train(TEXTS, 40, 1, 8, BpeTokenizer.Truncation.HEAD), theta));
        ModelArchive.save(file, cfg, null, theta);
        try (var zip = new java.util.zip.ZipFile(file.toFile())) {
            String header = new String(zip.getInputStream(zip.getEntry("model.json")).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(header.contains("\"base\" : \"minilm-l6\""), header);
            String conf = new String(zip.getInputStream(zip.getEntry("model.conf")).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(conf.contains("base = \"minilm-l6\""), conf);
        }
        ModelArchive.Saved back = ModelArchive.load(file);
        assertEquals(cfg, back.config());
        assertEquals(ModelConfig.Base.MINILM_L6, back.config().base());
        assertEquals(null, back.tokenizer());
        assertEquals(theta, back.theta());
        TokenBatch batch = BaseAdapterTest.batch(new SeededRandom(2), 6, 5, cfg.maxLength());
        assertArrayEquals(learner.predict(theta, batch).reshape(-1).toDoubleVector(),
                new GatedAttentionLearner(back.config()).predict(back.theta(), batch).reshape(-1).toDoubleVector(), 0.0);
    }
}
