package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central finite differences (eps 1e-6; an entry fails when its relative error exceeds 1e-5 and its
 * absolute error exceeds 1e-8, as in DL4J's gradient checks) in DOUBLE over every parameter of a tiny gated-attention model
 * (gates, positions, token embeddings and head included), single-task and task-batched.
 */
class GradientCheckTest {
    private static final double EPS = 1e-6;
    private static final double MAX_REL = 1e-5;
    /** Entries whose analytic and numeric values differ by less than this pass (FD round-off is ~1e-10 here). */
    private static final double MIN_ABS = 1e-8;

    @Test
    void zeroHeadGeluEveryParameter() {
        check(TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU), false);
    }

    @Test
    void zeroHeadReluEveryParameter() {
        check(TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.RELU), false);
    }

    @Test
    void prototypeHeadEpisodeEveryParameter() {
        check(TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU), true);
    }

    @Test
    void memoryReadInputEveryParameter() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU).withMemoryRead(true);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(13);
        TokenBatch plain = TinyModels.batch(rng, 5, 6, cfg.vocabSize(), cfg.ways());
        double[][] mem = new double[5][cfg.dModel()];
        for (double[] row : mem) for (int k = 0; k < row.length; k++) row[k] = rng.nextGaussian();
        TokenBatch batch = plain.withMemory(mem);
        INDArray theta = TinyModels.randomTheta(learner, 19).reshape(1, learner.layout().size());
        LossAndGradient lg = learner.lossAndGradient(theta, batch);
        assertMaxRelative(lg.gradient(), finiteDifferences(learner, theta, List.of(batch), 0), learner, "memory-read");
        // the memory vector really enters the logits
        double[][] other = new double[5][cfg.dModel()];
        INDArray a = learner.predict(theta, batch), b = learner.predict(theta, plain.withMemory(other));
        assertTrue(a.sub(b).amaxNumber().doubleValue() > 1e-6, "memory read vectors do not change the logits");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> learner.lossAndGradient(theta, plain));
    }

    @Test
    void taskBatchedEqualsSingleTaskAndFiniteDifferences() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(7);
        List<TokenBatch> batches = new ArrayList<>();
        List<INDArray> rows = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            batches.add(TinyModels.batch(rng, 5, 4 + k, cfg.vocabSize(), cfg.ways()));
            rows.add(TinyModels.randomTheta(learner, 100 + k).reshape(1, learner.layout().size()));
        }
        INDArray thetas = Nd4j.vstack(rows);
        List<LossAndGradient> batched = learner.lossAndGradient(thetas, batches);
        for (int k = 0; k < 3; k++) {
            LossAndGradient single = learner.lossAndGradient(thetas.getRow(k), batches.get(k));
            assertEquals(single.loss(), batched.get(k).loss(), 1e-12, "task " + k + " loss");
            double diff = single.gradient().sub(batched.get(k).gradient().reshape(single.gradient().shape())).amaxNumber().doubleValue();
            assertTrue(diff < 1e-12, "task " + k + " gradient differs from the single-task call by " + diff);
            // finite differences through the task-batched path: perturb task k's row only
            INDArray fd = finiteDifferences(learner, thetas, batches, k);
            assertMaxRelative(batched.get(k).gradient(), fd, learner, "task-batched task " + k);
        }
    }

    private static void check(ModelConfig cfg, boolean episode) {
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(3);
        TokenBatch batch;
        if (episode) {
            TokenBatch s = TinyModels.batch(rng, 6, 6, cfg.vocabSize(), cfg.ways());
            TokenBatch q = TinyModels.batch(rng, 4, 6, cfg.vocabSize(), cfg.ways());
            batch = TokenBatch.episode(s.ids(), s.labels(), q.ids(), q.labels());
        } else {
            batch = TinyModels.batch(rng, 5, 6, cfg.vocabSize(), cfg.ways());
        }
        INDArray theta = TinyModels.randomTheta(learner, 11).reshape(1, learner.layout().size());
        LossAndGradient lg = learner.lossAndGradient(theta, batch);
        INDArray fd = finiteDifferences(learner, theta, List.of(batch), 0);
        assertMaxRelative(lg.gradient(), fd, learner, cfg.head() + "/" + cfg.activation());
    }

    /** Central differences of task k's loss over every parameter, evaluated 2*chunk perturbations per graph call. */
    static INDArray finiteDifferences(GatedAttentionLearner learner, INDArray thetas, List<TokenBatch> batches, int k) {
        int p = (int) learner.layout().size();
        int chunk = 64;
        double[] fd = new double[p];
        INDArray base = thetas.getRow(k).dup().reshape(1, p);
        List<TokenBatch> reps = Collections.nCopies(2 * chunk, batches.get(k));
        for (int start = 0; start < p; start += chunk) {
            INDArray pert = base.repeat(0, 2 * chunk);
            int m = Math.min(chunk, p - start);
            for (int i = 0; i < m; i++) {
                pert.putScalar(2 * i, start + i, base.getDouble(0, start + i) + EPS);
                pert.putScalar(2 * i + 1, start + i, base.getDouble(0, start + i) - EPS);
            }
            double[] losses = learner.losses(pert, reps);
            for (int i = 0; i < m; i++) fd[start + i] = (losses[2 * i] - losses[2 * i + 1]) / (2 * EPS);
        }
        return Nd4j.createFromArray(fd);
    }

    static void assertMaxRelative(INDArray analytic, INDArray fd, GatedAttentionLearner learner, String what) {
        double[] a = analytic.reshape(analytic.length()).toDoubleVector();
        double[] f = fd.toDoubleVector();
        double worst = 0;
        int at = -1;
        int nonZero = 0;
        for (int i = 0; i < a.length; i++) {
            double denom = Math.max(Math.abs(a[i]) + Math.abs(f[i]), 1e-7);
            double rel = Math.abs(a[i] - f[i]) / denom;
            if (Math.abs(a[i]) > 1e-9) nonZero++;
            if (Math.abs(a[i] - f[i]) < MIN_ABS) continue;
            if (rel > worst) {
                worst = rel;
                at = i;
            }
        }
        String where = at < 0 ? "-" : groupOf(learner, at) + " index " + at + " analytic " + a[at] + " fd " + f[at];
        assertTrue(worst <= MAX_REL, what + ": max relative error " + worst + " at " + where);
        assertTrue(nonZero > a.length / 4, what + ": only " + nonZero + " of " + a.length + " gradient entries are non-zero");
        for (String g : learner.layout().names()) {
            if (g.endsWith(".gate")) {
                INDArray gv = learner.layout().view(analytic, g);
                assertTrue(gv.amaxNumber().doubleValue() > 1e-8, what + ": gate group " + g + " received no gradient");
            }
        }
    }

    private static String groupOf(GatedAttentionLearner learner, int index) {
        return learner.layout().groups().stream().filter(g -> index >= g.offset() && index < g.end()).findFirst().map(g -> g.name()).orElse("?");
    }
}
