package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ElasticRateTest {
    private static final CurriculumConfig.Elastic ELASTIC = new CurriculumConfig.Elastic(5, 1.25, 0.5, 0.0, 0.01, 3.0, 3);

    private static List<Map<String, Object>> of(List<Map<String, Object>> events, String name) {
        return events.stream().filter(e -> name.equals(e.get("event"))).toList();
    }

    @Test
    void improvingChecksGrowTheMultiplierUpToTheCeiling() {
        CurriculumConfig config = SineDomains.quick(1, 60).withElastic(ELASTIC).withOptimizer(CurriculumConfig.OptimizerKind.ADAM, 0.9)
                .withMix(new CurriculumConfig.Mix(List.of(1.0), 0, 0)).withUnfreeze(new CurriculumConfig.Unfreeze(List.of(), 2, 1)).withLr(0.003, 1.0);
        List<Map<String, Object>> events = new ArrayList<>();
        CurriculumResult r = new CurriculumEngine<>(SineDomains.learner(), config).adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(5), events::add);
        List<Map<String, Object>> checks = of(events, "check");
        List<Map<String, Object>> grows = of(events, "grow");
        assertTrue(checks.size() >= 12, "a check every 5 steps: " + checks.size());
        assertTrue(grows.size() >= 5, "the target loss falls, so most checks grow: " + grows.size() + " of " + checks.size());
        double expected = 1.0;
        for (Map<String, Object> c : checks) {
            String d = (String) c.get("decision");
            if (d.equals("grow")) expected = Math.min(expected * 1.25, 3.0);
            else if (!d.equals("hold")) expected = Math.max(expected * 0.5, 0.01);
            assertEquals(expected, (double) c.get("multiplier"), 1e-15, "multiplier after " + c);
        }
        assertEquals(expected, r.stages().get(0).multiplierEnd(), 1e-15);
        assertTrue(r.targetLossAfter() < r.targetLossBefore());
    }

    @Test
    void anAbsurdRateRollsBackToTheLastGoodStateBacksOffAndEndsTheStage() {
        CurriculumConfig config = SineDomains.quick(1, 10).withElastic(new CurriculumConfig.Elastic(2, 1.25, 0.5, 0.0, 0.01, 3.0, 3))
                .withOptimizer(CurriculumConfig.OptimizerKind.SGD, 0.9).withUnfreeze(new CurriculumConfig.Unfreeze(List.of(), 2, 1)).withLr(5e3, 1.0);
        List<Map<String, Object>> events = new ArrayList<>();
        INDArray start = SineDomains.pretrained();
        CurriculumResult r = new CurriculumEngine<>(SineDomains.learner(), config).adapt(SineDomains.data(), start, new SeededRandom(5), events::add);
        List<Map<String, Object>> rollbacks = of(events, "rollback");
        assertEquals(3, rollbacks.size(), "three rollbacks, then the limit ends the stage");
        for (Map<String, Object> e : rollbacks) {
            assertEquals(2, e.get("from-step"));
            assertEquals(0, e.get("to-step"));
        }
        List<Double> backOffs = of(events, "back-off").stream().map(e -> (Double) e.get("multiplier")).toList();
        assertEquals(List.of(0.5, 0.25, 0.125), backOffs);
        assertEquals(1, of(events, "stage-stopped").size());
        assertTrue(((String) of(events, "stage-stopped").get(0).get("reason")).contains("max-rollbacks-in-a-row"));
        StageResult s = r.stages().get(0);
        assertTrue(s.stoppedEarly());
        assertEquals(3, s.rollbacks());
        assertEquals(3, r.rollbacks());
        assertEquals(6, s.stepsRun());
        // the last good state is theta_start itself: the result is bitwise theta_start
        assertTrue(java.util.Arrays.equals(start.toDoubleVector(), r.theta().toDoubleVector()), "bitwise theta_start");
        assertEquals(r.targetLossBefore(), r.targetLossAfter());
    }

    /** Over a longer run with rollbacks, each rollback returns to the step of the stage's last improving check (or its start). */
    @Test
    void rollbacksReturnToTheLastImprovingCheck() {
        CurriculumConfig config = SineDomains.quick(2, 30).withOptimizer(CurriculumConfig.OptimizerKind.ADAM, 0.9)
                .withElastic(new CurriculumConfig.Elastic(3, 1.5, 0.5, 0.0, 0.01, 8.0, 4)).withUnfreeze(new CurriculumConfig.Unfreeze(List.of(), 2, 1))
                .withLr(0.05, 1.0);
        List<Map<String, Object>> events = new ArrayList<>();
        CurriculumResult r = new CurriculumEngine<>(SineDomains.learner(), config).adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(19), events::add);
        int lastGood = 0;
        int rollbacks = 0;
        for (Map<String, Object> e : events) {
            switch ((String) e.get("event")) {
                case "stage-start" -> lastGood = 0;
                case "grow" -> lastGood = (int) e.get("step");
                case "rollback" -> {
                    rollbacks++;
                    assertEquals(lastGood, e.get("to-step"), "rollback " + e);
                    assertTrue((int) e.get("from-step") > lastGood);
                }
                default -> { }
            }
        }
        assertTrue(rollbacks > 0 && rollbacks == r.rollbacks(), "rollbacks " + rollbacks + " / " + r.rollbacks());
        assertTrue(events.stream().anyMatch(e -> "grow".equals(e.get("event")) && (int) e.get("step") > 0));
    }

    /** Drives ElasticRate directly on a real learner and Adam state: a rollback restores theta, optimiser state and step bitwise. */
    @Test
    void rollbackRestoresThetaAndOptimizerStateBitwise() {
        MlpLearner learner = SineDomains.learner();
        CurriculumConfig config = SineDomains.quick(1, 10).withOptimizer(CurriculumConfig.OptimizerKind.ADAM, 0.9)
                .withUnfreeze(new CurriculumConfig.Unfreeze(List.of(), 2, 1)).withLr(0.01, 0.8);
        UnfreezingPlan plan = UnfreezingPlan.resolve(config, learner.layout());
        double[] rates = plan.rates(0);
        SeededRandom rng = new SeededRandom(9);
        RegressionBatch val = SineDomains.TARGET.grid(32);
        TrainingState s = new TrainingState(SineDomains.pretrained().toDoubleVector(), new FlatOptimizer(config, (int) learner.layout().size(), 3), 0);
        ElasticRate elastic = new ElasticRate(ELASTIC);
        elastic.startStage(s, loss(learner, s, val));
        for (int i = 0; i < 4; i++) step(learner, s, plan, rates, elastic.multiplier(), SineDomains.TARGET.sample(rng, 16));
        assertEquals(ElasticRate.Decision.GROW, elastic.check(s, loss(learner, s, val)));
        TrainingState good = s.copy();
        assertEquals(1.25, elastic.multiplier());
        for (int i = 0; i < 3; i++) step(learner, s, plan, rates, 1e4, SineDomains.TARGET.sample(rng, 16));
        assertFalse(s.sameAs(good), "the absurd steps changed the state");
        double bad = loss(learner, s, val);
        assertTrue(bad > elastic.bestLoss(), "absurd steps make the loss worse: " + bad);
        assertEquals(ElasticRate.Decision.ROLLBACK, elastic.check(s, bad));
        assertTrue(s.sameAs(good), "theta, Adam moments, unit step counts and step are back bitwise");
        assertTrue(s.sameAs(elastic.lastGood()));
        assertEquals(0.625, elastic.multiplier());
        // a worse check within the tolerance holds
        ElasticRate tolerant = new ElasticRate(new CurriculumConfig.Elastic(5, 1.25, 0.5, 0.5, 0.01, 3.0, 3));
        tolerant.startStage(s, 1.0);
        assertEquals(ElasticRate.Decision.HOLD, tolerant.check(s, 1.4));
        assertEquals(ElasticRate.Decision.ROLLBACK, tolerant.check(s, Double.NaN));
    }

    private static double loss(MlpLearner learner, TrainingState s, RegressionBatch b) {
        return learner.loss(Nd4j.createFromArray(s.theta), b);
    }

    private static void step(MlpLearner learner, TrainingState s, UnfreezingPlan plan, double[] rates, double multiplier, RegressionBatch b) {
        double[] g = learner.lossAndGradient(Nd4j.createFromArray(s.theta), b).gradient().toDoubleVector();
        s.optimizer.step(s.theta, g, plan, rates, multiplier);
        s.step++;
    }
}
