package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.model.mlp.MlpLearner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** maml.select: the loop keeps the theta with the best meta-validation score, records the step, and resumes it. */
class SelectionTest {
    private static final double[] SCORES = {0.2, 0.3, 0.7, 0.5, 0.6, 0.4};   // validations at steps 0 (the initial theta), 2, 4, 6, 8, 10

    /** A deterministic engine: the gradient pulls theta towards 1, the loss is the squared distance. */
    private static MetaGradient<RegressionBatch> towardsOne() {
        return new MetaGradient<>() {
            @Override
            public double compute(double[] theta, double[] alpha, List<TaskData<RegressionBatch>> tasks, double[] gradTheta, double[] gradAlpha) {
                double loss = 0;
                for (int i = 0; i < theta.length; i++) {
                    gradTheta[i] = theta[i] - 1;
                    loss += 0.5 * gradTheta[i] * gradTheta[i];
                }
                return loss;
            }

            @Override
            public long workingBytes() {
                return 0;
            }
        };
    }

    private record Run(MetaTrainingLoop<RegressionBatch> loop, MetaLearner<RegressionBatch> learner, List<Map<String, Object>> events, Map<Long, double[]> thetaAt) {}

    private static Run loop(MamlConfig c, Path checkpoints) {
        return loop(c, checkpoints, SCORES);
    }

    private static Run loop(MamlConfig c, Path checkpoints, double[] scores) {
        MlpLearner mlp = new MlpLearner(List.of(1, 3, 1));
        SeedSequence seeds = new SeedSequence(3);
        MetaLearner<RegressionBatch> learner = new MetaLearner<>(c, mlp.layout(), mlp.initialParameterArray(seeds.child("init")), towardsOne());
        SinusoidTaskSampler sampler = new SinusoidTaskSampler(2, 2);
        List<TaskData<RegressionBatch>> val = List.of(sampler.sample(seeds.child("val")));
        List<Map<String, Object>> events = new ArrayList<>();
        Map<Long, double[]> thetaAt = new HashMap<>();
        MetaTrainingLoop<RegressionBatch> loop = new MetaTrainingLoop<>(c, learner, sampler, seeds.child("sampler"), val,
                checkpoints == null ? null : new CheckpointStore(checkpoints), events::add, false);
        loop.selectBy("val_accuracy", (theta, alpha) -> {
            long step = loop.step();
            thetaAt.put(step, theta.clone());
            return scores[(int) (step / 2)];
        });
        return new Run(loop, learner, events, thetaAt);
    }

    private static MamlConfig config(MamlConfig.Selection select) {
        return MamlConfig.defaults().withAlgorithm(MetaAlgorithm.FOMAML).withIterations(10).withSchedule(2, 3).withMetaBatch(1).withThreads(1).withSelect(select);
    }

    @Test
    void bestValKeepsTheThetaOfTheBestValidationAndRecordsItsStep() {
        Run r = loop(config(MamlConfig.Selection.BEST_VAL), null);
        MetaTrainingLoop.Result res = r.loop().run();
        assertEquals(4, res.selectedStep());
        assertEquals("val_accuracy", res.selectedMetric());
        assertEquals(0.7, res.selectedValue(), 0.0);
        assertArrayEquals(r.thetaAt().get(4L), r.loop().selectedTheta(), 0.0);
        assertFalse(Arrays.equals(r.learner().theta(), r.loop().selectedTheta()), "the last theta is not the one kept");
        Map<String, Object> select = r.events().stream().filter(e -> "select".equals(e.get("event"))).findFirst().orElseThrow();
        assertEquals(4L, select.get("selected_step"));
        assertEquals("best-val", select.get("rule"));
        assertEquals(6, r.events().stream().filter(e -> "val".equals(e.get("event"))).count(), "validated at 0, 2, 4, 6, 8 and 10");
    }

    @Test
    void bestValKeepsTheInitialThetaWhenMetaTrainingNeverBeatsIt() {
        Run r = loop(config(MamlConfig.Selection.BEST_VAL), null, new double[] {0.9, 0.3, 0.7, 0.5, 0.6, 0.4});
        double[] initial = r.learner().theta();
        MetaTrainingLoop.Result res = r.loop().run();
        assertEquals(0, res.selectedStep());
        assertEquals(0.9, res.selectedValue(), 0.0);
        assertArrayEquals(initial, r.loop().selectedTheta(), 0.0);
    }

    @Test
    void lastKeepsTheLastTheta() {
        Run r = loop(config(MamlConfig.Selection.LAST), null);
        MetaTrainingLoop.Result res = r.loop().run();
        assertEquals(10, res.selectedStep());
        assertArrayEquals(r.learner().theta(), r.loop().selectedTheta(), 0.0);
    }

    @Test
    void aResumedRunKeepsTheBestThetaFoundBeforeTheStop(@TempDir Path dir) {
        MamlConfig c = config(MamlConfig.Selection.BEST_VAL);
        Run whole = loop(c, dir.resolve("whole"));
        whole.loop().run();
        Run first = loop(c, dir.resolve("stopped"));
        first.loop().runUntil(5);                       // validated at 2 and 4 (the best), checkpoint at 5
        Run second = loop(c, dir.resolve("stopped"));
        assertEquals(5L, second.loop().resume().orElseThrow());
        assertEquals(4, second.loop().best().orElseThrow().step());
        MetaTrainingLoop.Result res = second.loop().run();
        assertEquals(4, res.selectedStep());
        assertArrayEquals(whole.loop().selectedTheta(), second.loop().selectedTheta(), 0.0);
    }
}
