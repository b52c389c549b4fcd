package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.model.mlp.MlpLearner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NaN or infinite loss or meta-gradient stops meta-training at its step; nothing non-finite is applied or saved. */
class NonFiniteTest {
    /** Returns loss 1 and gradient 0.1 everywhere, except on call {@code badCall} where entry 3 is {@code bad}. */
    private static MetaGradient<RegressionBatch> failingAt(int badCall, double bad, boolean inLoss) {
        return new MetaGradient<>() {
            int calls;

            @Override
            public double compute(double[] theta, double[] alpha, List<TaskData<RegressionBatch>> tasks, double[] gradTheta, double[] gradAlpha) {
                calls++;
                Arrays.fill(gradTheta, 0.1);
                if (gradAlpha != null) Arrays.fill(gradAlpha, 0.0);
                if (calls == badCall && !inLoss) gradTheta[3] = bad;
                return calls == badCall && inLoss ? bad : 1.0;
            }

            @Override
            public long workingBytes() {
                return 0;
            }
        };
    }

    @Test
    void clippingRefusesANonFiniteGradientInsteadOfPassingItOn() {
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> GlobalNormClip.apply(new double[] {1.0, Double.NaN, 2.0}, 1.0));
        assertTrue(e.getMessage().contains("entry 1 of 3 is NaN"), e.getMessage());
        assertThrows(ArithmeticException.class, () -> GlobalNormClip.apply(new double[] {Double.POSITIVE_INFINITY}, 0.0));
    }

    @Test
    void aNaNMetaGradientStopsTheLoopAtItsStepAndNoNaNThetaIsAppliedOrCheckpointed(@TempDir Path dir) throws Exception {
        NonFiniteException e = runUntilFailure(dir, failingAt(3, Double.NaN, false));
        assertEquals(3, e.step());
        assertEquals("meta-train", e.stage());
        assertTrue(e.getMessage().contains("meta-train step 3: meta-gradient entry 3 of ") && e.getMessage().contains("is NaN"), e.getMessage());
    }

    @Test
    void anInfiniteLossStopsTheLoopAtItsStep(@TempDir Path dir) throws Exception {
        NonFiniteException e = runUntilFailure(dir, failingAt(2, Double.POSITIVE_INFINITY, true));
        assertEquals(2, e.step());
        assertTrue(e.getMessage().contains("meta-train step 2: the query loss is Infinity"), e.getMessage());
    }

    private static NonFiniteException runUntilFailure(Path dir, MetaGradient<RegressionBatch> engine) throws Exception {
        MamlConfig c = MamlConfig.defaults().withAlgorithm(MetaAlgorithm.FOMAML).withIterations(5).withSchedule(0, 1).withMetaBatch(2).withThreads(1);
        MlpLearner mlp = new MlpLearner(List.of(1, 4, 1));
        SeedSequence seeds = new SeedSequence(1);
        MetaLearner<RegressionBatch> learner = new MetaLearner<>(c, mlp.layout(), mlp.initialParameterArray(seeds.child("init")), engine);
        double[] before = learner.theta();
        CheckpointStore store = new CheckpointStore(dir);
        MetaTrainingLoop<RegressionBatch> loop = new MetaTrainingLoop<>(c, learner, new SinusoidTaskSampler(5, 5), seeds.child("sampler"), List.of(), store, m -> { }, false);
        NonFiniteException e = assertThrows(NonFiniteException.class, loop::run);
        assertEquals(-1, NonFiniteException.firstNonFinite(learner.theta()), "theta stays finite");
        assertTrue(Arrays.stream(learner.theta()).allMatch(Double::isFinite));
        assertEquals(e.step() - 1, loop.step(), "the failing step is not counted");
        if (e.step() > 1) assertTrue(!Arrays.equals(before, learner.theta()), "the good steps were applied");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(e.step() - 1, names.size(), "one checkpoint per good step, none after: " + names);
        }
        return e;
    }
}
