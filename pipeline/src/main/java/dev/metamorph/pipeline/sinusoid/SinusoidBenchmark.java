package dev.metamorph.pipeline.sinusoid;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTask;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.maml.AdaptationEvaluator;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MeanCi;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.maml.MetaTrainingLoop;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the sinusoid protocol for one algorithm: meta-training for {@code maml.iterations} with
 * meta-batches of {@code maml.meta-batch} tasks (throughput over the whole run, pauses included),
 * then evaluation on test tasks drawn from a fixed seed: adapt on K support points with 1 and 10
 * SGD steps of {@code inner-lr} (Meta-SGD: its learned rates; ANIL: head only) and score the MSE on
 * 100 evenly spaced x in [-5, 5].
 */
public final class SinusoidBenchmark {
    /** Seed of the test tasks (fixed, independent of the training seed). */
    public static final long TEST_SEED = 12345;
    /** Points of the evaluation grid. */
    public static final int GRID = 100;

    private SinusoidBenchmark() {}

    /**
     * Figures for one algorithm. {@code cpuSeconds} is the process CPU time spent during training
     * (all threads), so {@code tasks / cpuSeconds} shows the cost independent of what else the
     * machine was running.
     */
    public record Result(MetaAlgorithm algorithm, long iterations, double seconds, double tasksPerSecond, double cpuSeconds,
                         MeanCi mse1, MeanCi mse10, double[] theta) {}

    private static double processCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    /**
     * One test task: the sinusoid and its support points (the query is the {@link #GRID}-point grid).
     * This is what a peer implementation needs to score exactly the same tasks.
     */
    public record TestTask(SinusoidTask task, RegressionBatch support) {
        /** The task as training and evaluation data: support points, query = the grid. */
        public TaskData<RegressionBatch> data() {
            return new TaskData<>(SinusoidTaskSampler.DOMAIN, support, task.grid(GRID));
        }
    }

    /** The test tasks drawn from {@link #TEST_SEED}: {@code support} random points each. */
    public static List<TestTask> testTaskList(int count, int support) {
        SeededRandom r = new SeededRandom(TEST_SEED);
        List<TestTask> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SinusoidTask t = SinusoidTaskSampler.sampleTask(r);
            out.add(new TestTask(t, t.sample(r, support)));
        }
        return out;
    }

    /** The test tasks: support of {@code support} random points, query = the 100-point grid. */
    public static List<TaskData<RegressionBatch>> testTasks(int count, int support) {
        return testTaskList(count, support).stream().map(TestTask::data).toList();
    }

    /** Meta-trains with {@code config} from {@code seeds} and evaluates on {@code testTasks} test tasks. */
    public static Result run(MamlConfig config, SeedSequence seeds, int testTasks, Consumer<Map<String, Object>> metrics, boolean progressBar) {
        MlpLearner mlp = new MlpLearner(config.sinusoid().sizes());
        SinusoidTaskSampler sampler = new SinusoidTaskSampler(config.sinusoid().support(), config.sinusoid().query());
        try (MetaLearner<RegressionBatch> learner = MetaLearner.create(config, mlp, seeds.child("init"), MetaGradients.create(mlp, config, RegressionBatch::concat))) {
            MetaTrainingLoop<RegressionBatch> loop = new MetaTrainingLoop<>(config, learner, sampler, seeds.child("sampler"), List.of(), null, metrics, progressBar);
            double cpu0 = processCpuSeconds();
            MetaTrainingLoop.Result r = loop.run();
            double cpu = processCpuSeconds() - cpu0;
            AdaptationEvaluator<RegressionBatch> eval = new AdaptationEvaluator<>(mlp.newKernel());
            List<TaskData<RegressionBatch>> test = testTasks(testTasks, config.sinusoid().support());
            double[] theta = learner.theta(), alpha = learner.alpha();
            MeanCi m1 = MeanCi.of(eval.queryLosses(theta, alpha, test, 1));
            MeanCi m10 = MeanCi.of(eval.queryLosses(theta, alpha, test, 10));
            return new Result(config.algorithm(), r.steps(), r.seconds(), r.tasksPerSecond(), cpu, m1, m10, theta);
        }
    }
}
