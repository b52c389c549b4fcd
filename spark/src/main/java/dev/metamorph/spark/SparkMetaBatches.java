package dev.metamorph.spark;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.maml.DistributedTasks;
import dev.metamorph.maml.MetaBatchExecutor;
import dev.metamorph.maml.TaskGradientSum;
import dev.metamorph.maml.TaskWorkers;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code maml.executor = spark}: each meta-iteration describes its tasks on the driver (advancing the
 * sampler's generator exactly as in process), broadcasts theta and alpha, sends the descriptions to
 * the executors in {@code spark.partitions} partitions, and sums the per-task meta-gradients they
 * return in task order ({@link TaskGradientSum}), so the mean is bitwise the same for any number of
 * executors, partitions or retries. The workers' recipe is broadcast once; executors keep their
 * workers between iterations ({@link WorkerPool}). A failed Spark task is retried up to
 * {@code spark.max-failures} times; since a task is a pure function of its description and theta,
 * the retry gives the same result. Owns its Spark context (stopped by {@link #close()}).
 *
 * @param <D> the task description
 */
public final class SparkMetaBatches<D extends Serializable> implements MetaBatchExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(SparkMetaBatches.class);
    private final SparkConfig config;
    private final DistributedTasks<D> tasks;
    private final JavaSparkContext sc;
    private final Broadcast<TaskWorkers<D>> recipe;
    private final int partitions;
    private long iterations;
    private long nanos;
    private long broadcastBytes;

    public SparkMetaBatches(SparkConfig config, DistributedTasks<D> tasks) {
        this.config = config;
        this.tasks = tasks;
        this.sc = SparkContexts.open(config);
        this.partitions = config.partitions() > 0 ? config.partitions() : sc.defaultParallelism();
        this.recipe = sc.broadcast(tasks.workers());
        LOG.info("{} partitions per meta-batch, workers {}", partitions, tasks.workers().key().substring(0, 12));
    }

    @Override
    public double compute(SeededRandom rng, int size, double[] theta, double[] alpha, double[] gradTheta, double[] gradAlpha) {
        long t0 = System.nanoTime();
        List<DescribedTask<D>> described = new ArrayList<>(size);
        for (int i = 0; i < size; i++) described.add(new DescribedTask<>(i, tasks.describe(rng)));
        boolean withAlpha = gradAlpha != null;
        Broadcast<double[][]> params = sc.broadcast(new double[][] {theta.clone(), alpha.clone()});
        List<TaskResult> results;
        try {
            results = sc.parallelize(described, Math.min(partitions, size))
                    .mapPartitions(new ComputePartition<>(recipe, params, withAlpha, config.failFirstAttemptOfTask()))
                    .collect();
        } finally {
            params.destroy();
        }
        TaskGradientSum sum = new TaskGradientSum(size, withAlpha);
        for (TaskResult r : results) sum.put(r.index, r.loss, r.gradTheta, r.gradAlpha);
        double loss = sum.mean(gradTheta, gradAlpha);
        iterations++;
        nanos += System.nanoTime() - t0;
        broadcastBytes = 8L * (theta.length + alpha.length);
        return loss;
    }

    /** Meta-iterations computed so far. */
    public long iterations() {
        return iterations;
    }

    /** Wall-clock seconds spent in {@link #compute} so far. */
    public double seconds() {
        return nanos / 1e9;
    }

    /** Bytes of theta and alpha broadcast per iteration (as doubles, before Spark's compression). */
    public long broadcastBytes() {
        return broadcastBytes;
    }

    /** Partitions per meta-batch. */
    public int partitions() {
        return partitions;
    }

    /** Workers built in this JVM for this run's recipe (the executors' own in local mode). */
    public int workersBuiltHere() {
        return WorkerPool.built(tasks.workers().key());
    }

    @Override
    public void close() {
        recipe.destroy();
        sc.stop();
    }
}
