package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The eager ND4J pass ({@code lossAndGradient}, {@code predict}) against the SameDiff graph with the
 * backward written as ops ({@code graphLossAndGradient}): equal to 1e-10 in double for every head,
 * activation, the memory input and padded batches of different lengths, and to float rounding in float;
 * the predicted logits give the same loss (cross-entropy worked out from the logits).
 */
class EagerEncoderTest {
    @Test
    void zeroHeadReluMatchesGraph() {
        compare(TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.RELU), false, 1e-10);
    }

    @Test
    void zeroHeadGeluMatchesGraph() {
        compare(TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU), false, 1e-10);
    }

    @Test
    void prototypeHeadEpisodeMatchesGraph() {
        compare(TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU), false, 1e-10);
    }

    @Test
    void memoryReadMatchesGraph() {
        compare(TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU).withMemoryRead(true), true, 1e-10);
    }

    @Test
    void floatMatchesGraphToFloatRounding() {
        compare(TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.RELU).withDtype(DataType.FLOAT), false, 2e-4);
    }

    @Test
    void reusedBuffersDoNotLeakBetweenShapesOrCalls() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(5);
        TokenBatch a = TinyModels.batch(rng, 5, 6, cfg.vocabSize(), cfg.ways());
        TokenBatch b = TinyModels.batch(rng, 3, 3, cfg.vocabSize(), cfg.ways());
        INDArray theta = TinyModels.randomTheta(learner, 3);
        LossAndGradient first = learner.lossAndGradient(theta, a);
        INDArray firstGrad = first.gradient().dup();
        learner.lossAndGradient(theta.mul(0.5), b);
        learner.lossAndGradient(theta.mul(2.0), a);
        LossAndGradient again = learner.lossAndGradient(theta, a);
        assertEquals(first.loss(), again.loss(), 0.0);
        assertEquals(0.0, firstGrad.sub(again.gradient()).amaxNumber().doubleValue(), 0.0);
        assertEquals(0.0, first.gradient().sub(firstGrad).amaxNumber().doubleValue(), 0.0, "a returned gradient was overwritten by a later call");
    }

    private static void compare(ModelConfig cfg, boolean memory, double tol) {
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(21);
        List<TokenBatch> batches = new ArrayList<>();
        List<INDArray> rows = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            TokenBatch tb;
            if (cfg.head() == ModelConfig.HeadType.PROTOTYPE) {
                TokenBatch s = TinyModels.batch(rng, 6, 7 - 2 * k, cfg.vocabSize(), cfg.ways());
                TokenBatch q = TinyModels.batch(rng, 4, 7 - 2 * k, cfg.vocabSize(), cfg.ways());
                tb = TokenBatch.episode(s.ids(), s.labels(), q.ids(), q.labels());
            } else {
                tb = TinyModels.batch(rng, 7, 7 - 2 * k, cfg.vocabSize(), cfg.ways());
            }
            if (memory) {
                double[][] mem = new double[tb.size()][cfg.dModel()];
                for (double[] r : mem) for (int e = 0; e < r.length; e++) r[e] = rng.nextGaussian();
                tb = tb.withMemory(mem);
            }
            batches.add(tb);
            rows.add(TinyModels.randomTheta(learner, 40 + k).castTo(cfg.dtype()).reshape(1, learner.layout().size()));
        }
        INDArray thetas = Nd4j.vstack(rows);
        List<LossAndGradient> eager = learner.lossAndGradient(thetas, batches);
        List<LossAndGradient> graph = learner.graphLossAndGradient(thetas, batches);
        List<INDArray> logits = learner.predict(thetas, batches);
        for (int k = 0; k < batches.size(); k++) {
            LossAndGradient e = eager.get(k), g = graph.get(k);
            assertEquals(g.loss(), e.loss(), tol * Math.max(1, Math.abs(g.loss())), "task " + k + " loss");
            INDArray ge = e.gradient().castTo(DataType.DOUBLE).reshape(-1), gg = g.gradient().castTo(DataType.DOUBLE).reshape(-1);
            double scale = Math.max(1e-12, gg.amaxNumber().doubleValue());
            double diff = ge.sub(gg).amaxNumber().doubleValue() / scale;
            StringBuilder where = new StringBuilder();
            for (var pg : learner.layout().groups()) {
                double dg = learner.layout().view(ge, pg.name()).sub(learner.layout().view(gg, pg.name())).amaxNumber().doubleValue() / scale;
                if (dg > tol) where.append(' ').append(pg.name()).append(String.format("=%.2e", dg));
            }
            assertTrue(diff <= tol, cfg.head() + "/" + cfg.activation() + " task " + k + ": eager gradient differs from the graph's by " + diff + " (relative to its largest entry) in" + where);
            assertTrue(gg.amaxNumber().doubleValue() > 1e-6, "degenerate comparison: zero gradient");
            // logits: the cross-entropy of the predicted logits over the loss rows equals the eager and the graph loss
            INDArray lg = logits.get(k);
            assertEquals(batches.get(k).size(), lg.rows());
            assertEquals(cfg.ways(), lg.columns());
            double fromLogits = crossEntropy(lg, batches.get(k));
            assertEquals(e.loss(), fromLogits, tol * Math.max(1, Math.abs(fromLogits)), "task " + k + ": the predicted logits do not give the eager loss");
            assertEquals(g.loss(), fromLogits, tol * Math.max(1, Math.abs(fromLogits)), "task " + k + ": the predicted logits do not give the graph loss");
        }
        double[] losses = learner.losses(thetas, batches);
        for (int k = 0; k < batches.size(); k++) assertEquals(eager.get(k).loss(), losses[k], 1e-12 + tol * Math.abs(losses[k]));
    }

    /** Mean cross-entropy over the loss rows of a batch, from logits [B, ways], worked out here from the definition. */
    static double crossEntropy(INDArray logits, TokenBatch batch) {
        double sum = 0;
        int rows = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (!batch.isLossRow(i)) continue;
            double[] l = logits.getRow(i).toDoubleVector();
            double max = Double.NEGATIVE_INFINITY;
            for (double v : l) max = Math.max(max, v);
            double z = 0;
            for (double v : l) z += Math.exp(v - max);
            sum += -(l[batch.label(i)] - max - Math.log(z));
            rows++;
        }
        return sum / rows;
    }
}
