package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import java.io.Serializable;

/**
 * A {@link MetaBatchExecutor} that computes a meta-batch as a distributed executor does, but in this
 * process on one worker: describe each task, resolve and compute it alone, sum in task order
 * ({@link TaskGradientSum}). The reference the distributed executors are tested against, and a check
 * that a task family's descriptions reproduce its in-process tasks.
 *
 * @param <D> the task description
 */
public final class DescribedMetaBatches<D extends Serializable> implements MetaBatchExecutor {
    private final DistributedTasks<D> tasks;
    private final TaskWorker<D> worker;

    public DescribedMetaBatches(DistributedTasks<D> tasks) {
        this.tasks = tasks;
        this.worker = tasks.workers().newWorker();
    }

    @Override
    public double compute(SeededRandom rng, int size, double[] theta, double[] alpha, double[] gradTheta, double[] gradAlpha) {
        java.util.List<D> described = new java.util.ArrayList<>(size);
        for (int i = 0; i < size; i++) described.add(tasks.describe(rng));
        TaskGradientSum sum = new TaskGradientSum(size, gradAlpha != null);
        for (int i = 0; i < size; i++) {
            double[] g = new double[gradTheta.length];
            double[] ga = gradAlpha == null ? null : new double[gradAlpha.length];
            double loss = worker.compute(described.get(i), theta, alpha, g, ga);
            sum.put(i, loss, g, ga);
        }
        return sum.mean(gradTheta, gradAlpha);
    }

    @Override
    public void close() {
        worker.close();
    }
}
