package dev.metamorph.spark;

import dev.metamorph.maml.TaskWorker;
import dev.metamorph.maml.TaskWorkers;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * What an executor runs on a partition of a meta-batch: borrows a worker of the recipe (kept in
 * the executor between iterations), computes each described task's meta-gradient at the broadcast
 * theta and alpha, and sends the results back with their task index.
 */
final class ComputePartition<D extends Serializable> implements FlatMapFunction<Iterator<DescribedTask<D>>, TaskResult> {
    private final Broadcast<TaskWorkers<D>> recipe;
    private final Broadcast<double[][]> params;
    private final boolean withAlpha;
    private final int failFirstAttemptOf;

    /**
     * @param params theta, then alpha
     * @param failFirstAttemptOf test hook: the task index whose Spark task fails on its first attempt, -1 = none
     */
    ComputePartition(Broadcast<TaskWorkers<D>> recipe, Broadcast<double[][]> params, boolean withAlpha, int failFirstAttemptOf) {
        this.recipe = recipe;
        this.params = params;
        this.withAlpha = withAlpha;
        this.failFirstAttemptOf = failFirstAttemptOf;
    }

    @Override
    public Iterator<TaskResult> call(Iterator<DescribedTask<D>> tasks) {
        List<DescribedTask<D>> mine = new ArrayList<>();
        tasks.forEachRemaining(mine::add);
        TaskContext ctx = TaskContext.get();
        for (DescribedTask<D> t : mine) {
            if (t.index() == failFirstAttemptOf && ctx != null && ctx.attemptNumber() == 0) {
                throw new InjectedFailure("spark.fail-first-attempt-of-task = " + failFirstAttemptOf + ": failing attempt 0 of Spark task " + ctx.partitionId() + " on purpose");
            }
        }
        TaskWorkers<D> r = recipe.value();
        double[] theta = params.value()[0];
        double[] alpha = params.value()[1];
        List<TaskResult> out = new ArrayList<>(mine.size());
        TaskWorker<D> worker = WorkerPool.borrow(r.key(), r::newWorker);
        try {
            for (DescribedTask<D> t : mine) {
                double[] g = new double[worker.size()];
                double[] ga = withAlpha ? new double[worker.size()] : null;
                double loss = worker.compute(t.description(), theta, alpha, g, ga);
                out.add(new TaskResult(t.index(), loss, g, ga));
            }
        } finally {
            WorkerPool.release(r.key(), worker);
        }
        return out.iterator();
    }

    /** The failure {@code spark.fail-first-attempt-of-task} injects. */
    static final class InjectedFailure extends RuntimeException implements Serializable {
        InjectedFailure(String message) {
            super(message);
        }
    }
}
