package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The prototype head's support loss (every row both a prototype row and a loss row): a row is scored
 * against its class's prototype without itself (leave-one-out), exactly as if it were a query row of
 * an episode whose support is the other rows; a row of a class with no other row has loss weight 0,
 * so a 1-shot support loss is zero with a zero gradient. Without and with a base.
 */
class PrototypeSupportLossTest {
    private static final int[] LABELS = {0, 1, 2, 0, 1, 2};

    @Test
    void supportRowIsScoredLikeAQueryAgainstTheOtherRowsWithoutBase() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU).withWays(3);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(6);
        int[][] ids = TinyModels.batch(rng, 6, 6, cfg.vocabSize(), 3).ids();
        INDArray theta = TinyModels.randomTheta(learner, 2);
        INDArray all = learner.predict(theta, TokenBatch.of(ids, LABELS));
        for (int i = 0; i < ids.length; i++) {
            int[][] rest = new int[ids.length - 1][];
            int[] restLabels = new int[ids.length - 1];
            for (int j = 0, r = 0; j < ids.length; j++) {
                if (j == i) continue;
                rest[r] = ids[j];
                restLabels[r++] = LABELS[j];
            }
            TokenBatch episode = TokenBatch.episode(rest, restLabels, new int[][] {ids[i]}, new int[] {LABELS[i]});
            INDArray q = learner.predict(theta, episode);
            assertArrayEquals(q.getRow(ids.length - 1).toDoubleVector(), all.getRow(i).toDoubleVector(), 1e-10, "support row " + i + " was scored against a prototype holding itself");
        }
    }

    @Test
    void supportRowIsScoredLikeAQueryAgainstTheOtherRowsWithBase() {
        ModelConfig cfg = BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(7);
        float[][][] r = BaseAdapterTest.rows(rng, 6, 6);
        INDArray theta = TinyModels.randomTheta(learner, 3);
        INDArray all = learner.predict(theta, TokenBatch.ofBase(r[0], r[1], BaseAdapterTest.BASE_DIM, cfg.maxLength(), LABELS));
        for (int i = 0; i < 6; i++) {
            float[][] rs = new float[5][], rp = new float[5][];
            int[] rl = new int[5];
            for (int j = 0, k = 0; j < 6; j++) {
                if (j == i) continue;
                rs[k] = r[0][j];
                rp[k] = r[1][j];
                rl[k++] = LABELS[j];
            }
            TokenBatch support = TokenBatch.ofBase(rs, rp, BaseAdapterTest.BASE_DIM, cfg.maxLength(), rl);
            TokenBatch query = TokenBatch.ofBase(new float[][] {r[0][i]}, new float[][] {r[1][i]}, BaseAdapterTest.BASE_DIM, cfg.maxLength(), new int[] {LABELS[i]});
            INDArray q = learner.predict(theta, TokenBatch.episode(support, query));
            assertArrayEquals(q.getRow(5).toDoubleVector(), all.getRow(i).toDoubleVector(), 1e-10, "support row " + i + " was scored against a prototype holding itself");
        }
    }

    @Test
    void oneShotSupportLossIsZeroAndRowsOfOneShotClassesDoNotCount() {
        for (boolean base : new boolean[] {false, true}) {
            ModelConfig cfg = base ? BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE)
                    : TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU).withWays(3);
            GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
            SeededRandom rng = new SeededRandom(9);
            INDArray theta = TinyModels.randomTheta(learner, 4);
            int[] oneShot = {0, 1, 2};
            int[] mixed = {0, 0, 1, 1, 2};
            TokenBatch one, mix;
            if (base) {
                float[][][] r = BaseAdapterTest.rows(rng, 5, 6);
                one = TokenBatch.ofBase(Arrays.copyOf(r[0], 3), Arrays.copyOf(r[1], 3), BaseAdapterTest.BASE_DIM, cfg.maxLength(), oneShot);
                mix = TokenBatch.ofBase(r[0], r[1], BaseAdapterTest.BASE_DIM, cfg.maxLength(), mixed);
            } else {
                int[][] ids = TinyModels.batch(rng, 5, 6, cfg.vocabSize(), 3).ids();
                one = TokenBatch.of(Arrays.copyOf(ids, 3), oneShot);
                mix = TokenBatch.of(ids, mixed);
            }
            LossAndGradient lg = learner.lossAndGradient(theta, one);
            assertEquals(0.0, lg.loss(), 0.0, "base=" + base + ": 1-shot support loss");
            assertEquals(0.0, lg.gradient().amaxNumber().doubleValue(), 0.0, "base=" + base + ": 1-shot support gradient");
            // the lone class-2 row has weight 0: the loss is the mean cross-entropy of rows 0-3
            LossAndGradient lm = learner.lossAndGradient(theta, mix);
            INDArray logits = learner.predict(theta, mix);
            double expected = 0;
            for (int i = 0; i < 4; i++) {
                double[] l = logits.getRow(i).toDoubleVector();
                double max = Arrays.stream(l).max().orElseThrow(), z = 0;
                for (double v : l) z += Math.exp(v - max);
                expected += -(l[mixed[i]] - max - Math.log(z)) / 4;
            }
            assertEquals(expected, lm.loss(), 1e-10, "base=" + base + ": mixed support loss");
            assertTrue(lm.gradient().amaxNumber().doubleValue() > 1e-6, "base=" + base + ": mixed support gradient is zero");
        }
    }
}
