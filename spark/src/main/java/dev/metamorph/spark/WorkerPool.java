package dev.metamorph.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

/**
 * The workers of this JVM (an executor, or the driver in local mode), kept between meta-iterations,
 * evaluation calls and runs by their recipe's key, so that learners, graphs and data access are built
 * once per executor thread, not per task. A worker serves one Spark task at a time: borrow, compute,
 * give back.
 */
final class WorkerPool {
    private static final Map<String, ConcurrentLinkedDeque<Object>> IDLE = new ConcurrentHashMap<>();
    private static final Map<String, Integer> BUILT = new ConcurrentHashMap<>();

    private WorkerPool() {}

    /** An idle worker of the recipe {@code key}, or a new one from {@code make}. */
    @SuppressWarnings("unchecked")
    static <W> W borrow(String key, Supplier<W> make) {
        Object w = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
        if (w != null) return (W) w;
        BUILT.merge(key, 1, Integer::sum);
        return make.get();
    }

    /** Returns a worker for the next task of its recipe. */
    static void release(String key, Object worker) {
        IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).addFirst(worker);
    }

    /** Workers built in this JVM so far, all recipes. */
    static int builtAll() {
        return BUILT.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Workers built in this JVM for a recipe so far. */
    static int built(String key) {
        return BUILT.getOrDefault(key, 0);
    }
}
