package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.memory.EvictionPolicy;
import dev.metamorph.memory.MemoryConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-domain store read of the memory channel ({@code memory.store}, z + g read): finite
 * differences in double over every parameter, over every slot and top-k; a row whose copy is stored
 * reads it with the largest weight; an empty store view reads zero (the same loss as no
 * view); the embeddings the fitted head and the served classifier use include the read; a store
 * view fed to a model that does not read one is refused; the graph path equals the eager path.
 */
class MemoryStoreReadTest {
    /** The store read over the {@code storeTopK} most similar slots (>= the view's slots: every slot). */
    private static ModelConfig config(int storeTopK) {
        return BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE).withDtype(DataType.DOUBLE)
                .withMemory(new MemoryConfig(64, 4, 3, 0, EvictionPolicy.LEAST_USED, 4.0, 0.95, 1.5).withStore(true, 0.7).withStoreRead(storeTopK, 3.0));
    }

    private static float[][] store(SeededRandom rng, int slots, int width) {
        float[][] rows = new float[slots][width];
        for (float[] r : rows) for (int x = 0; x < width; x++) r[x] = (float) rng.nextGaussian();
        return rows;
    }

    private static TokenBatch episode(ModelConfig cfg, long seed, int slots) {
        SeededRandom rng = new SeededRandom(seed);
        TokenBatch s = BaseAdapterTest.batch(rng, 6, 5, cfg.maxLength()), q = BaseAdapterTest.batch(rng, 4, 5, cfg.maxLength());
        TokenBatch e = TokenBatch.episode(s, q).withLexical(BaseAdapterTest.lexical(rng, 10));
        return slots < 0 ? e : e.withStore(store(rng, slots, cfg.embeddingWidth()));
    }

    private static void check(ModelConfig cfg, TokenBatch batch, String what) {
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = TinyModels.randomTheta(learner, 31).reshape(1, learner.layout().size());
        LossAndGradient lg = learner.lossAndGradient(theta, batch);
        INDArray fd = GradientCheckTest.finiteDifferences(learner, theta, List.of(batch), 0);
        GradientCheckTest.assertMaxRelative(lg.gradient(), fd, learner, what);
        assertTrue(learner.layout().view(lg.gradient(), EagerMemory.STORE_GAIN).amaxNumber().doubleValue() > 1e-8, what + ": the store gain received no gradient");
        assertTrue(learner.layout().view(lg.gradient(), EagerMemory.STORE_STRENGTH).amaxNumber().doubleValue() > 1e-8, what + ": the store strength received no gradient");
    }

    @Test
    void denseStoreReadEveryParameterMatchesFiniteDifferences() {
        check(config(10), episode(config(10), 3, 7), "store, every slot");
    }

    @Test
    void topKStoreReadEveryParameterMatchesFiniteDifferences() {
        check(config(3), episode(config(3), 4, 7), "store top-3");
    }

    @Test
    void theStoreGainStartsWhereTheConfigSaysAndFollowsTheChannelsGroups() {
        ModelConfig cfg = config(10);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        var names = learner.layout().names();
        assertEquals(List.of(EagerMemory.STORE_GAIN, EagerMemory.STORE_STRENGTH), names.subList(names.size() - 2, names.size()));
        INDArray theta = learner.initialParameters(new SeededRandom(1));
        assertEquals(0.7, learner.layout().view(theta, EagerMemory.STORE_GAIN).getDouble(0), 0.0);
        assertEquals(Math.log(3.0), learner.layout().view(theta, EagerMemory.STORE_STRENGTH).getDouble(0), 1e-15);
        ModelConfig off = BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE).withDtype(DataType.DOUBLE)
                .withMemory(new MemoryConfig(64, 4, 3, 0, EvictionPolicy.LEAST_USED, 4.0, 0.95, 1.5));
        assertTrue(EncoderLayout.of(off).names().stream().noneMatch(EagerMemory.STORE_GAIN::equals));
        assertEquals(cfg, ModelConfig.from(com.typesafe.config.ConfigFactory.parseString(cfg.toHocon()).withFallback(com.typesafe.config.ConfigFactory.defaultReference())));
    }

    @Test
    void anEmptyStoreViewReadsZero() {
        ModelConfig cfg = config(10);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = TinyModels.randomTheta(learner, 5).reshape(1, learner.layout().size());
        LossAndGradient none = learner.lossAndGradient(theta, episode(cfg, 6, -1));
        LossAndGradient empty = learner.lossAndGradient(theta, episode(cfg, 6, 0));
        assertEquals(none.loss(), empty.loss(), 0.0);
        assertEquals(none.gradient(), empty.gradient());
        // a non-empty store moves the loss
        assertTrue(Math.abs(learner.lossAndGradient(theta, episode(cfg, 6, 5)).loss() - none.loss()) > 1e-6);
    }

    @Test
    void theEmbeddingsIncludeTheStoreRead() {
        ModelConfig cfg = config(10);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = TinyModels.randomTheta(learner, 7).reshape(1, learner.layout().size());
        TokenBatch plain = episode(cfg, 8, -1);
        float[][] rows = store(new SeededRandom(9), 4, cfg.embeddingWidth());
        double[][] without = learner.embeddings(theta, plain), with = learner.embeddings(theta, plain.withStore(rows));
        double diff = 0;
        for (int i = 0; i < without.length; i++) for (int x = 0; x < without[i].length; x++) diff = Math.max(diff, Math.abs(without[i][x] - with[i][x]));
        assertTrue(diff > 1e-3, "the store read did not change the embeddings (" + diff + ")");
        // gain 0: the read is shut and the embeddings are exactly those without a store
        learner.layout().view(theta, EagerMemory.STORE_GAIN).assign(0.0);
        assertEquals(java.util.Arrays.deepToString(learner.embeddings(theta, plain)), java.util.Arrays.deepToString(learner.embeddings(theta, plain.withStore(rows))));
    }

    @Test
    void aStoreViewForAModelThatDoesNotReadOneIsRefused() {
        ModelConfig off = BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE).withDtype(DataType.DOUBLE)
                .withMemory(new MemoryConfig(64, 4, 3, 0, EvictionPolicy.LEAST_USED, 4.0, 0.95, 1.5));
        GatedAttentionLearner learner = new GatedAttentionLearner(off);
        INDArray theta = TinyModels.randomTheta(learner, 2).reshape(1, learner.layout().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> learner.lossAndGradient(theta, episode(off, 3, 2)));
        assertTrue(e.getMessage().contains("memory.store = true"), e.getMessage());
    }

    /**
     * The graph path (one task-batched call, views padded to the largest) equals the eager path in
     * loss and every group's gradient, with two tasks whose views differ in size, at a store top-k
     * below both views, between them and above both (every slot); then with one task carrying no
     * view and the other an empty one (both read zero).
     */
    @Test
    void theGraphPathReadsTheStoreAsTheEagerPathDoes() {
        int[][] viewSizes = {{7, 3}, {7, 3}, {7, 3}, {-1, 0}};
        int[] topKs = {2, 5, 10, 2};
        for (int c = 0; c < topKs.length; c++) {
            ModelConfig cfg = config(topKs[c]);
            GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
            List<TokenBatch> batches = List.of(episode(cfg, 40 + c, viewSizes[c][0]), episode(cfg, 50 + c, viewSizes[c][1]));
            INDArray thetas = org.nd4j.linalg.factory.Nd4j.vstack(TinyModels.randomTheta(learner, 60 + c).reshape(1, -1), TinyModels.randomTheta(learner, 70 + c).reshape(1, -1));
            List<LossAndGradient> graph = learner.graphLossAndGradient(thetas, batches), eager = learner.lossAndGradient(thetas, batches);
            String what = "top-" + topKs[c] + ", views " + java.util.Arrays.toString(viewSizes[c]);
            for (int k = 0; k < 2; k++) {
                assertEquals(eager.get(k).loss(), graph.get(k).loss(), 1e-10, what + ": task " + k + " loss");
                for (var g : learner.layout().groups()) {
                    INDArray ge = learner.layout().view(eager.get(k).gradient(), g.name()), gg = learner.layout().view(graph.get(k).gradient(), g.name());
                    double diff = ge.sub(gg).amaxNumber().doubleValue();
                    assertTrue(diff < 1e-10, what + ": task " + k + " group " + g.name() + ": graph and eager gradients differ by " + diff);
                }
                double storeGain = learner.layout().view(graph.get(k).gradient(), EagerMemory.STORE_GAIN).getDouble(0);
                if (viewSizes[c][k] > 0) assertTrue(Math.abs(storeGain) > 1e-8, what + ": task " + k + ": the store gain received no gradient");
                else assertEquals(0.0, storeGain, 0.0, what + ": task " + k + " reads no slot");
            }
        }
    }

    @Test
    void aRowReadsItsStoredCopyWithTheLargestWeightAndMovesTowardsIt() {
        ModelConfig cfg = config(2);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = learner.initialParameters(new SeededRandom(12));
        TokenBatch plain = episode(cfg, 13, -1);
        double[][] z = learner.embeddings(theta, plain);
        float[][] rows = store(new SeededRandom(14), 6, cfg.embeddingWidth());
        for (int x = 0; x < rows[3].length; x++) rows[3][x] = (float) (2.0 * z[0][x]); // row 0's direction, another length
        double[][] with = learner.embeddings(theta, plain.withStore(rows));
        // z + g m with m mostly row 0's own direction: the cosine to z stays near 1 and the length grows
        double dot = 0, a = 0, b = 0;
        for (int x = 0; x < z[0].length; x++) {
            dot += z[0][x] * with[0][x];
            a += z[0][x] * z[0][x];
            b += with[0][x] * with[0][x];
        }
        assertTrue(dot / Math.sqrt(a * b) > 0.9, "cosine " + dot / Math.sqrt(a * b));
        assertTrue(b > a, "the read did not add the stored copy");
    }
}
