package dev.metamorph.pipeline.sinusoid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.maml.AdaptationEvaluator;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A short run of the sinusoid benchmark for every algorithm. */
class SinusoidBenchmarkTest {
    @Test
    void aShortMamlRunLowersTheTestLossForEveryAlgorithm() {
        List<TaskData<RegressionBatch>> test = SinusoidBenchmark.testTasks(50, 10);
        MlpLearner mlp = MlpLearner.sinusoid();
        for (MetaAlgorithm a : MetaAlgorithm.values()) {
            MamlConfig c = MamlConfig.defaults().withAlgorithm(a).withIterations(150).withSchedule(0, 0).withThreads(1);
            double[] alpha = MetaLearner.initialAlpha(c, mlp.layout());
            double before = mean(new AdaptationEvaluator<>(mlp.newKernel()).queryLosses(mlp.initialParameterArray(new SeedSequence(3).child("init")), alpha, test, 1));
            SinusoidBenchmark.Result r = SinusoidBenchmark.run(c, new SeedSequence(3), 50, m -> {}, false);
            assertTrue(r.mse1().mean() < before, a + ": 1-step test MSE " + r.mse1().mean() + " not below the initial " + before);
        }
        assertEquals(10, new SinusoidTaskSampler(10, 10).sample(new dev.metamorph.core.SeededRandom(1)).query().rows());
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }
}
