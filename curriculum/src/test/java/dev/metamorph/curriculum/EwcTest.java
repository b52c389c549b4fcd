package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class EwcTest {

    @Test
    void penaltyGradientPassesAFiniteDifferenceCheckInDouble() {
        SeededRandom rng = new SeededRandom(21);
        int n = 40;
        double[] theta0 = new double[n];
        double[] fisher = new double[n];
        double[] theta = new double[n];
        for (int i = 0; i < n; i++) {
            theta0[i] = rng.nextGaussian();
            fisher[i] = rng.nextDouble() * 3;
            theta[i] = theta0[i] + rng.nextGaussian();
        }
        EwcPenalty p = new EwcPenalty(2.5, theta0, fisher);
        double[] grad = new double[n];
        p.addGradient(theta, grad);
        double h = 1e-6;
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double[] a = theta.clone();
            double[] b = theta.clone();
            a[i] += h;
            b[i] -= h;
            double fd = (p.penalty(a) - p.penalty(b)) / (2 * h);
            worst = Math.max(worst, Math.abs(fd - grad[i]) / Math.max(1, Math.abs(fd)));
        }
        assertTrue(worst < 1e-8, "relative error " + worst);
        assertEquals(0.0, p.penalty(theta0));
        // adds to an existing gradient
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1.0);
        p.addGradient(theta, ones);
        for (int i = 0; i < n; i++) assertEquals(1.0 + grad[i], ones[i], 1e-15);
    }

    @Test
    void fisherIsTheMeanSquaredBatchGradientAtThetaZero() {
        MlpLearner learner = SineDomains.learner();
        double[] theta0 = SineDomains.pretrained().toDoubleVector();
        double[] f = EwcPenalty.estimate(learner, theta0, SineDomains.base(), 3, new SeededRandom(4));
        SeededRandom rng = new SeededRandom(4);
        double[] expected = new double[theta0.length];
        for (int b = 0; b < 3; b++) {
            double[] g = learner.lossAndGradient(Nd4j.createFromArray(theta0), SineDomains.BASE.sample(rng, SineDomains.POINTS)).gradient().toDoubleVector();
            for (int i = 0; i < g.length; i++) expected[i] += g[i] * g[i] / 3;
        }
        for (int i = 0; i < f.length; i++) assertEquals(expected[i], f[i], 1e-15 * Math.max(1, expected[i]));
    }

    static CurriculumResult adaptTargetOnly(double lambda, CurriculumConfig.OptimizerKind kind, double lr) {
        CurriculumConfig config = SineDomains.quick(1, 150).withOptimizer(kind, 0.9)
                .withMix(new CurriculumConfig.Mix(List.of(1.0), 0, 0)).withUnfreeze(new CurriculumConfig.Unfreeze(List.of(), 2, 1))
                .withLr(lr, 1.0).withEwc(lambda, 32);
        List<Map<String, Object>> events = new ArrayList<>();
        return new CurriculumEngine<>(SineDomains.learner(), config).adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(13), events::add);
    }

    /**
     * Same seed, same batches (the Fisher draws from its own split generator): adapting target-only
     * with EWC keeps the base-domain loss clearly lower than without, and still improves the target.
     */
    @Test
    void ewcReducesForgettingOfTheBaseDomainAndTheTargetStillImproves() {
        CurriculumResult without = adaptTargetOnly(0.0, CurriculumConfig.OptimizerKind.ADAM, 0.01);
        CurriculumResult with = adaptTargetOnly(3e5, CurriculumConfig.OptimizerKind.ADAM, 0.01);
        assertEquals(without.baseLossBefore(), with.baseLossBefore());
        assertTrue(without.forgetting() > 0.3, "target-only training forgets the base domain: " + without.forgetting());
        assertTrue(with.baseLossAfter() < 0.8 * without.baseLossAfter(),
                "EWC base loss after " + with.baseLossAfter() + " vs without " + without.baseLossAfter());
        assertTrue(with.targetLossAfter() < 0.5 * with.targetLossBefore(),
                "target loss with EWC " + with.targetLossBefore() + " -> " + with.targetLossAfter());
    }
}
