package dev.metamorph.spark;

import dev.metamorph.maml.TaskWorker;
import dev.metamorph.maml.TaskWorkers;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The workers of this JVM (an executor, or the driver in local mode), kept between meta-iterations
 * and runs by their recipe's key, so that learners, graphs and data access are built once per
 * executor thread, not per task. A worker serves one Spark task at a time: borrow, compute, give back.
 */
final class WorkerPool {
    private static final Map<String, ConcurrentLinkedDeque<TaskWorker<?>>> IDLE = new ConcurrentHashMap<>();
    private static final Map<String, Integer> BUILT = new ConcurrentHashMap<>();

    private WorkerPool() {}

    /** An idle worker of this recipe, or a new one. */
    @SuppressWarnings("unchecked")
    static <D> TaskWorker<D> borrow(TaskWorkers<D> recipe) {
        TaskWorker<?> w = IDLE.computeIfAbsent(recipe.key(), k -> new ConcurrentLinkedDeque<>()).pollFirst();
        if (w != null) return (TaskWorker<D>) w;
        BUILT.merge(recipe.key(), 1, Integer::sum);
        return recipe.newWorker();
    }

    /** Returns a worker for the next task of its recipe. */
    static void release(TaskWorkers<?> recipe, TaskWorker<?> worker) {
        IDLE.computeIfAbsent(recipe.key(), k -> new ConcurrentLinkedDeque<>()).addFirst(worker);
    }

    /** Workers built in this JVM for a recipe so far. */
    static int built(String key) {
        return BUILT.getOrDefault(key, 0);
    }
}
