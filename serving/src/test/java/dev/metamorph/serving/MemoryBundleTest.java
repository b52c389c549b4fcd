package dev.metamorph.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Record;
import dev.metamorph.memory.EvictionPolicy;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.memory.MemoryState;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.BaseIdentity;
import dev.metamorph.pipeline.export.BundleLimits;
import dev.metamorph.pipeline.export.ServedAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-domain memory store in an adapter bundle ({@code memory.safetensors}): written unchanged
 * and described in the manifest, read back bitwise, and read by the served classifier (its top-k of
 * every stored text), which then answers exactly as the in-process classifier over the same store; a bundle without a store has {@code memory: null}.
 */
class MemoryBundleTest {
    /** The tiny bundle over the stand-in base, its model with the memory channel and the store read on (store gain 2, top-2 reads). */
    private static AdapterBundle.Contents contents() {
        AdapterBundle.Contents c = TinyBundles.contents("tiny", AdapterBundle.Encoding.FULL, 2, 11);
        ModelConfig cfg = c.config().withBase(ModelConfig.Base.MINILM_L6, TinyBundles.HIDDEN)
                .withMemory(new MemoryConfig(16, 4, 3, 0, EvictionPolicy.LEAST_USED, 5.0, 0.95, 0.0).withStore(true, 2.0).withStoreRead(2, 5.0));
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        var theta = learner.initialParameters(new SeededRandom(5));
        return new AdapterBundle.Contents(c.name(), c.domain(), cfg, theta, theta, c.thetaSource(), c.encoding(), c.rank(), TinyBundles.HASHED_BASE, null, c.labels(),
                c.support(), c.templates(), c.lexical(), c.lexicalGain(), c.metrics(), c.metamorphVersion(), null, null);
    }

    /** A store of 5 slots over the model's embeddings (random rows; the label names do not matter to a read). */
    private static MemoryState store(int width) {
        MemoryState m = new MemoryState(16, width, width, EvictionPolicy.LEAST_USED, 0.95);
        SeededRandom rng = new SeededRandom(3);
        String[] labels = {"law", "astronomy", "law", "botany", "astronomy"};
        for (String l : labels) {
            double[] v = new double[width];
            for (int x = 0; x < width; x++) v[x] = rng.nextGaussian();
            m.write(v, v, l);
        }
        return m;
    }

    @Test
    void theStoreTravelsBitwiseAndTheServedClassifierReadsIt(@TempDir Path tmp) throws Exception {
        AdapterBundle.Contents c = contents();
        MemoryState state = store(c.config().embeddingWidth());
        Path memFile = tmp.resolve("tiny-memory.safetensors");
        state.save(memFile);
        Path file = tmp.resolve("tiny" + AdapterBundle.SUFFIX);
        AdapterBundle.write(file, c, memFile);
        AdapterBundle.Loaded b = AdapterBundle.read(file, TinyBundles.HASHED_BASE, BundleLimits.DEFAULT, tmp.resolve("x"));
        assertEquals(3, b.manifest().path("format_version").asInt(), "a bundle with a store is version 3 (older readers read stores differently)");
        JsonNode mem = b.manifest().path("memory");
        assertEquals(AdapterBundle.MEMORY, mem.path("file").asText());
        assertEquals(5, mem.path("used").asInt());
        assertEquals(List.of("law", "astronomy", "botany"), List.of(mem.path("labels").get(0).asText(), mem.path("labels").get(1).asText(), mem.path("labels").get(2).asText()));
        assertArrayEquals(Files.readAllBytes(memFile), Files.readAllBytes(b.dir().resolve(AdapterBundle.MEMORY)));
        MemoryState loaded = AdapterBundle.memory(b);
        // the same bundle claiming version 2 (whose stores were read another way) is refused
        java.util.Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            for (var en : java.util.Collections.list(z.entries())) entries.put(en.getName(), z.getInputStream(en).readAllBytes());
        }
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var manifest = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(entries.get(AdapterBundle.MANIFEST));
        manifest.put("format_version", 2);
        entries.put(AdapterBundle.MANIFEST, json.writeValueAsBytes(manifest));
        Path old = tmp.resolve("old" + AdapterBundle.SUFFIX);
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(old))) {
            for (var en : entries.entrySet()) {
                out.putNextEntry(new java.util.zip.ZipEntry(en.getKey()));
                out.write(en.getValue());
                out.closeEntry();
            }
        }
        var refused = assertThrows(dev.metamorph.pipeline.export.BundleException.class, () -> AdapterBundle.read(old, TinyBundles.HASHED_BASE, BundleLimits.DEFAULT, tmp.resolve("y")));
        assertTrue(refused.getMessage().contains("export the run again"), refused.getMessage());
        assertArrayEquals(state.keys(), loaded.keys());
        assertArrayEquals(state.values(), loaded.values());

        List<Record> queries = new ArrayList<>();
        for (int k = 0; k < 3; k++) queries.addAll(TinyBundles.records(k, 3, 99));
        AdapterClassifier withStore = new AdapterClassifier(c.config(), c.theta(), c.labels(), r -> TinyBundles.prompt(r.text()),
                TinyBundles.hashedBase(), null, null, c.support(), state);
        AdapterClassifier without = new AdapterClassifier(c.config(), c.theta(), c.labels(), r -> TinyBundles.prompt(r.text()),
                TinyBundles.hashedBase(), null, null, c.support());
        try (ServedAdapter a = ServedAdapter.open(b, TinyBundles.hashedBase())) {
            assertEquals(5, a.classifier().storeSlotsRead(), "the served classifier reads every stored text");
            List<AdapterClassifier.Prediction> served = a.classifier().classify(queries), direct = withStore.classify(queries), plain = without.classify(queries);
            double moved = 0;
            for (int i = 0; i < queries.size(); i++) {
                assertArrayEquals(direct.get(i).probabilities(), served.get(i).probabilities(), 0.0, "the served adapter answers as the export measured");
                for (int k = 0; k < 3; k++) moved = Math.max(moved, Math.abs(served.get(i).probabilities()[k] - plain.get(i).probabilities()[k]));
            }
            assertTrue(moved > 1e-4, "the store read did not change any answer (" + moved + ")");
        }
    }

    @Test
    void aBundleWithoutAStoreSaysSoAndAStoreOfTheWrongWidthIsRefused(@TempDir Path tmp) {
        AdapterBundle.Contents c = contents();
        Path file = tmp.resolve("tiny" + AdapterBundle.SUFFIX);
        AdapterBundle.write(file, c);
        AdapterBundle.Loaded b = AdapterBundle.read(file, TinyBundles.HASHED_BASE, BundleLimits.DEFAULT, tmp.resolve("x"));
        assertTrue(b.manifest().path("memory").isNull());
        assertNull(AdapterBundle.memory(b));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdapterClassifier(c.config(), c.theta(), c.labels(), r -> TinyBundles.prompt(r.text()),
                TinyBundles.hashedBase(), null, null, c.support(), store(5)));
        assertTrue(e.getMessage().contains("5-wide"), e.getMessage());
        // a store for a model without a base (nothing to compare its texts with) is refused
        AdapterBundle.Contents plain = TinyBundles.contents("tiny", AdapterBundle.Encoding.FULL, 2, 11);
        ModelConfig noBase = plain.config().withMemory(new MemoryConfig(16, 4, 3, 0, EvictionPolicy.LEAST_USED, 5.0, 0.95, 0.0).withStore(true, 2.0));
        var t = new GatedAttentionLearner(noBase).initialParameters(new SeededRandom(5));
        e = assertThrows(IllegalArgumentException.class, () -> new AdapterClassifier(noBase, t, plain.labels(), r -> TinyBundles.prompt(r.text()),
                AdapterClassifier.Featurizer.bpe(plain.tokenizer()), null, null, plain.support(), store(noBase.embeddingWidth())));
        assertTrue(e.getMessage().contains("model.base"), e.getMessage());
    }
}
