package dev.metamorph.spark;

import dev.metamorph.maml.DescribedWork;
import dev.metamorph.maml.DescribedWorkRunner;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Described work (evaluation episodes) on Spark: each call broadcasts the parameters, sends the
 * descriptions to the executors in {@code spark.partitions} partitions and puts the results back in
 * the descriptions' order. A recipe is broadcast once per runner; executors keep its workers
 * ({@link WorkerPool}). Failed Spark tasks are retried ({@code spark.max-failures}) with the same
 * result. Owns its Spark context (stopped by {@link #close()}).
 */
public final class SparkWorkRunner implements DescribedWorkRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SparkWorkRunner.class);
    private final JavaSparkContext sc;
    private final int partitions;
    private final Map<String, Broadcast<?>> recipes = new HashMap<>();
    private long calls;
    private long descriptionsDone;
    private long nanos;

    public SparkWorkRunner(SparkConfig config) {
        this.sc = SparkContexts.open(config);
        this.partitions = config.partitions() > 0 ? config.partitions() : sc.defaultParallelism();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <D extends Serializable, R extends Serializable> List<R> map(DescribedWork<D, R> work, double[] parameters, List<D> descriptions) {
        if (descriptions.isEmpty()) return List.of();
        long t0 = System.nanoTime();
        Broadcast<DescribedWork<D, R>> recipe = (Broadcast<DescribedWork<D, R>>) recipes.computeIfAbsent(work.key(), k -> sc.broadcast(work));
        List<DescribedTask<D>> described = new ArrayList<>(descriptions.size());
        for (int i = 0; i < descriptions.size(); i++) described.add(new DescribedTask<>(i, descriptions.get(i)));
        Broadcast<double[]> p = sc.broadcast(parameters.clone());
        List<ApplyPartition.Indexed<R>> results;
        try {
            results = sc.parallelize(described, Math.min(partitions, described.size())).mapPartitions(new ApplyPartition<>(recipe, p)).collect();
        } finally {
            p.destroy();
        }
        Object[] ordered = new Object[descriptions.size()];
        for (ApplyPartition.Indexed<R> r : results) ordered[r.index()] = r.value();
        List<R> out = new ArrayList<>(ordered.length);
        for (int i = 0; i < ordered.length; i++) {
            if (ordered[i] == null) throw new IllegalStateException("Spark returned no result for description " + i + " of " + ordered.length);
            out.add((R) ordered[i]);
        }
        calls++;
        descriptionsDone += ordered.length;
        nanos += System.nanoTime() - t0;
        return out;
    }

    /** Workers built in this JVM so far, for any recipe (the executors' own in local mode). */
    public static int workersBuiltHere() {
        return WorkerPool.builtAll();
    }

    @Override
    public void close() {
        LOG.info("{} descriptions in {} Spark jobs on {} in {} s", descriptionsDone, calls, sc.master(), String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9));
        for (Broadcast<?> b : recipes.values()) b.destroy();
        sc.stop();
    }
}
