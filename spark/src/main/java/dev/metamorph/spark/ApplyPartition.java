package dev.metamorph.spark;

import dev.metamorph.maml.DescribedWork;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * What an executor runs on a partition of described work: borrows a worker of the recipe (kept in
 * the executor between calls), applies it to each description at the broadcast parameters, and
 * sends the results back with their index.
 */
final class ApplyPartition<D extends Serializable, R extends Serializable> implements FlatMapFunction<Iterator<DescribedTask<D>>, ApplyPartition.Indexed<R>> {
    private final Broadcast<DescribedWork<D, R>> recipe;
    private final Broadcast<double[]> parameters;

    ApplyPartition(Broadcast<DescribedWork<D, R>> recipe, Broadcast<double[]> parameters) {
        this.recipe = recipe;
        this.parameters = parameters;
    }

    /** A result and the index of its description. */
    record Indexed<R>(int index, R value) implements Serializable {}

    @Override
    public Iterator<Indexed<R>> call(Iterator<DescribedTask<D>> tasks) {
        DescribedWork<D, R> work = recipe.value();
        double[] p = parameters.value();
        List<Indexed<R>> out = new ArrayList<>();
        DescribedWork.Worker<D, R> worker = WorkerPool.borrow(work.key(), work::newWorker);
        try {
            while (tasks.hasNext()) {
                DescribedTask<D> t = tasks.next();
                out.add(new Indexed<>(t.index(), worker.apply(t.description(), p)));
            }
        } finally {
            WorkerPool.release(work.key(), worker);
        }
        return out.iterator();
    }
}
