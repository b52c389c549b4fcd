package dev.metamorph.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.maml.InProcessMetaBatches;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaBatchExecutor;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.maml.ThetaDigest;
import dev.metamorph.model.mlp.MlpLearner;
import dev.metamorph.pipeline.sinusoid.SinusoidTasks;
import java.util.ArrayList;
import java.util.List;

/**
 * Meta-iterations per second of sinusoid meta-training in process and on Spark masters, from the
 * same seed: each executor first runs {@code warmup} iterations (Spark: context start excluded,
 * workers built), then {@code iterations} timed ones. Every row must end with the same theta
 * (reported as its SHA-256).
 */
public final class SparkBenchmark {
    private SparkBenchmark() {}

    /**
     * One executor's figures.
     *
     * @param executor {@code in-process (k threads)} or the Spark master
     * @param msPerIteration wall-clock milliseconds per timed meta-iteration
     * @param thetaSha256 theta after warm-up and timed iterations
     */
    public record Row(String executor, double iterationsPerSecond, double msPerIteration, String thetaSha256) {}

    /**
     * @param perTaskMs one task's meta-gradient on one thread in process (the in-process 1-thread row / meta-batch)
     * @param overheadMsPerIteration Spark's cost per iteration over that compute: local[1]'s time minus the in-process 1-thread time
     * @param broadcastBytes theta and alpha as float64, broadcast each iteration
     */
    public record Result(int parameters, int metaBatch, long iterations, double perTaskMs, double overheadMsPerIteration, long broadcastBytes, List<Row> rows) {
        public Result {
            rows = List.copyOf(rows);
        }
    }

    public static Result run(MamlConfig maml, Config composed, int warmup, int iterations, List<String> masters) {
        List<Row> rows = new ArrayList<>();
        Row one = inProcess(maml.withThreads(1), warmup, iterations);
        rows.add(one);
        rows.add(inProcess(maml.withThreads(2), warmup, iterations));
        double local1 = Double.NaN;
        long broadcast = 0;
        for (String master : masters) {
            Config c = composed.withValue("maml.executor", ConfigValueFactory.fromAnyRef("spark")).withValue("spark.master", ConfigValueFactory.fromAnyRef(master));
            try (SparkMetaBatches<?> spark = new SparkMetaBatches<>(SparkConfig.from(c), new SinusoidTasks(maml, c))) {
                Row r = timed(master, maml, spark, warmup, iterations);
                rows.add(r);
                broadcast = spark.broadcastBytes();
                if (master.equals("local[1]")) local1 = r.msPerIteration();
            }
        }
        MlpLearner mlp = new MlpLearner(maml.sinusoid().sizes());
        return new Result(Math.toIntExact(mlp.layout().size()), maml.metaBatch(), iterations, one.msPerIteration() / maml.metaBatch(),
                local1 - one.msPerIteration(), broadcast, rows);
    }

    private static Row inProcess(MamlConfig maml, int warmup, int iterations) {
        MlpLearner mlp = new MlpLearner(maml.sinusoid().sizes());
        SinusoidTaskSampler sampler = new SinusoidTaskSampler(maml.sinusoid().support(), maml.sinusoid().query());
        var engine = MetaGradients.create(mlp, maml, RegressionBatch::concat);
        try (MetaBatchExecutor ex = new InProcessMetaBatches<>(sampler, engine)) {
            return timed("in-process (" + maml.threads() + (maml.threads() == 1 ? " thread)" : " threads)"), maml, ex, warmup, iterations);
        } finally {
            engine.close();
        }
    }

    private static Row timed(String name, MamlConfig maml, MetaBatchExecutor executor, int warmup, int iterations) {
        MlpLearner mlp = new MlpLearner(maml.sinusoid().sizes());
        SeedSequence seeds = new SeedSequence(1);
        try (MetaLearner<RegressionBatch> learner = new MetaLearner<>(maml, mlp.layout(), mlp.initialParameterArray(seeds.child("init")),
                MetaGradients.create(mlp, maml.withThreads(1), RegressionBatch::concat))) {
            SeededRandom rng = seeds.child("sampler");
            for (int i = 0; i < warmup; i++) learner.metaStep((th, al, gt, ga) -> executor.compute(rng, maml.metaBatch(), th, al, gt, ga));
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) learner.metaStep((th, al, gt, ga) -> executor.compute(rng, maml.metaBatch(), th, al, gt, ga));
            double secs = (System.nanoTime() - t0) / 1e9;
            return new Row(name, iterations / secs, 1000 * secs / iterations, ThetaDigest.sha256(learner.theta()));
        }
    }
}
