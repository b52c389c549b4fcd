package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.memory.MemoryConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The external memory channel ({@code model.memory}): finite differences in double over every
 * parameter (adapter and memory groups), dense and top-k, without and with a base; the groups it adds
 * to the layout; an exact copy of a support row is read from its slot; the graph path (backward as
 * ops) equals the eager pass for dense reads and refuses top-k.
 */
class MemoryChannelTest {
    private static MemoryConfig memory(int topK) {
        return MemoryConfig.defaults().withTopK(topK);
    }

    private static ModelConfig tiny(int topK) {
        return TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU).withMemory(new MemoryConfig(64, 5, 4, topK,
                dev.metamorph.memory.EvictionPolicy.LEAST_USED, 3.0, 0.95, 2.0));
    }

    private static TokenBatch episode(ModelConfig cfg, long seed) {
        SeededRandom rng = new SeededRandom(seed);
        TokenBatch s = TinyModels.batch(rng, 6, 6, cfg.vocabSize(), cfg.ways());
        TokenBatch q = TinyModels.batch(rng, 5, 6, cfg.vocabSize(), cfg.ways());
        return TokenBatch.episode(s.ids(), s.labels(), q.ids(), q.labels());
    }

    private static void check(ModelConfig cfg, TokenBatch batch, String what) {
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = TinyModels.randomTheta(learner, 23).reshape(1, learner.layout().size());
        LossAndGradient lg = learner.lossAndGradient(theta, batch);
        INDArray fd = GradientCheckTest.finiteDifferences(learner, theta, List.of(batch), 0);
        GradientCheckTest.assertMaxRelative(lg.gradient(), fd, learner, what);
        for (String g : List.of(EagerMemory.QUERY_W, EagerMemory.LABEL, EagerMemory.STRENGTH, EagerMemory.GAIN)) {
            assertTrue(learner.layout().view(lg.gradient(), g).amaxNumber().doubleValue() > 1e-8, what + ": " + g + " received no gradient");
        }
    }

    @Test
    void denseMemoryEveryParameterMatchesFiniteDifferences() {
        check(tiny(0), episode(tiny(0), 5), "memory dense");
    }

    @Test
    void topKMemoryEveryParameterMatchesFiniteDifferences() {
        check(tiny(2), episode(tiny(2), 6), "memory top-2");
    }

    @Test
    void memoryOverABaseEveryParameterMatchesFiniteDifferences() {
        ModelConfig cfg = BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE).withDtype(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .withMemory(new MemoryConfig(64, 4, 3, 0, dev.metamorph.memory.EvictionPolicy.OLDEST, 4.0, 0.95, 1.5));
        SeededRandom rng = new SeededRandom(8);
        TokenBatch s = BaseAdapterTest.batch(rng, 6, 5, cfg.maxLength()), q = BaseAdapterTest.batch(rng, 4, 5, cfg.maxLength());
        check(cfg, TokenBatch.episode(s, q).withLexical(BaseAdapterTest.lexical(rng, 10)), "memory over a base");
    }

    @Test
    void memoryGroupsFollowTheHeadOnlyWhenOn() {
        ModelConfig off = TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU);
        assertFalse(EncoderLayout.of(off).names().stream().anyMatch(n -> n.startsWith("memory.")));
        ModelConfig on = tiny(0);
        var layout = EncoderLayout.of(on);
        assertEquals(List.of(EagerMemory.QUERY_W, EagerMemory.LABEL, EagerMemory.STRENGTH, EagerMemory.GAIN),
                layout.names().subList(layout.names().size() - 4, layout.names().size()));
        assertEquals(List.of((long) on.embeddingWidth(), 5L), layout.group(EagerMemory.QUERY_W).shape());
        // the groups before the memory's are the same as without memory
        assertEquals(EncoderLayout.of(off).groups(), layout.groups().subList(0, layout.groups().size() - 4));
        assertThrows(IllegalArgumentException.class, () -> TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU).withMemory(memory(0)));
    }

    @Test
    void theModelConfigWithMemoryRoundTripsThroughItsHocon() {
        ModelConfig on = tiny(3);
        com.typesafe.config.Config parsed = com.typesafe.config.ConfigFactory.parseString(on.toHocon()).withFallback(com.typesafe.config.ConfigFactory.defaultReference());
        assertEquals(on, ModelConfig.from(parsed));
        ModelConfig off = TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU);
        assertEquals(off, ModelConfig.from(com.typesafe.config.ConfigFactory.parseString(off.toHocon()).withFallback(com.typesafe.config.ConfigFactory.defaultReference())));
    }

    @Test
    void aQueryCopyingASupportRowReadsItsSlotAndItsClass() {
        ModelConfig cfg = tiny(0);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(9);
        TokenBatch s = TinyModels.batch(rng, 5, 6, cfg.vocabSize(), cfg.ways()); // one row per class: 1-shot
        int[][] qIds = {s.ids()[3].clone()};
        TokenBatch batch = TokenBatch.episode(s.ids(), s.labels(), qIds, new int[] {s.labels()[3]});
        INDArray theta = learner.initialParameters(new SeededRandom(4)).reshape(1, learner.layout().size());
        // memory alone (gain large): the copied row's slot has cosine 1 and dominates
        learner.layout().view(theta, EagerMemory.GAIN).assign(50.0);
        learner.layout().view(theta, EagerMemory.STRENGTH).assign(Math.log(30.0));
        INDArray logits = learner.predict(theta, batch);
        assertEquals(s.labels()[3], logits.getRow(5).argMax().getInt(0));
        // and the memory is what moved it: with gain 0 the logits differ
        learner.layout().view(theta, EagerMemory.GAIN).assign(0.0);
        assertTrue(learner.predict(theta, batch).getRow(5).sub(logits.getRow(5)).amaxNumber().doubleValue() > 1.0);
    }

    @Test
    void theGraphPathWithBackwardAsOpsEqualsTheEagerPassAndRefusesTopK() {
        for (ModelConfig cfg : List.of(tiny(0), BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE).withDtype(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .withMemory(new MemoryConfig(64, 4, 3, 0, dev.metamorph.memory.EvictionPolicy.OLDEST, 4.0, 0.95, 1.5)))) {
            GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
            SeededRandom rng = new SeededRandom(12);
            List<TokenBatch> batches = new java.util.ArrayList<>();
            List<INDArray> rows = new java.util.ArrayList<>();
            for (int k = 0; k < 2; k++) {
                if (cfg.hasBase()) {
                    TokenBatch s = BaseAdapterTest.batch(rng, 6, 5, cfg.maxLength()), q = BaseAdapterTest.batch(rng, 4, 5, cfg.maxLength());
                    batches.add(TokenBatch.episode(s, q).withLexical(BaseAdapterTest.lexical(rng, 10)));
                } else {
                    TokenBatch s = TinyModels.batch(rng, 6, 6, cfg.vocabSize(), cfg.ways()), q = TinyModels.batch(rng, 4, 6, cfg.vocabSize(), cfg.ways());
                    batches.add(TokenBatch.episode(s.ids(), s.labels(), q.ids(), q.labels()));
                }
                rows.add(TinyModels.randomTheta(learner, 40 + k).reshape(1, learner.layout().size()));
            }
            INDArray thetas = org.nd4j.linalg.factory.Nd4j.vstack(rows);
            if (!cfg.hasBase()) learner.useEmbeddingsFrom(thetas);
            List<LossAndGradient> graph = learner.graphLossAndGradient(thetas, batches), eager = learner.lossAndGradient(thetas, batches);
            for (int k = 0; k < 2; k++) {
                assertEquals(eager.get(k).loss(), graph.get(k).loss(), 1e-10, "task " + k + " loss");
                double diff = eager.get(k).gradient().reshape(-1).sub(graph.get(k).gradient().reshape(-1)).amaxNumber().doubleValue();
                assertTrue(diff < 1e-10, "task " + k + ": graph and eager gradients differ by " + diff + (cfg.hasBase() ? " (base)" : ""));
            }
        }
        ModelConfig top = tiny(2);
        GatedAttentionLearner learner = new GatedAttentionLearner(top);
        INDArray theta = TinyModels.randomTheta(learner, 1).reshape(1, learner.layout().size());
        learner.useEmbeddingsFrom(theta);
        Exception e = assertThrows(UnsupportedOperationException.class, () -> learner.graphLossAndGradient(theta, List.of(episode(top, 2))));
        assertTrue(e.getMessage().contains("memory.top-k") && e.getMessage().contains("eager"), e.getMessage());
    }
}
