package dev.metamorph.eval;

import com.typesafe.config.Config;
import dev.metamorph.core.Checks;
import java.util.List;

/**
 * The {@code eval} namespace, with the task shape from {@code task}: few-shot episodes on the target domain (defaults in this module's
 * reference.conf).
 *
 * @param episodes episodes per setting
 * @param ways classes per episode ({@code task.ways})
 * @param shots support examples per class, one setting per entry
 * @param queries query examples per class ({@code task.queries})
 * @param split class split the episodes come from ({@code meta-train}, {@code meta-val}, {@code meta-test})
 * @param episodeSeed fixed seed of the test episodes, independent of {@code run.seed}
 * @param adaptSteps SGD steps on the support set before predicting
 * @param adaptLr their learning rate
 */
public record EvalConfig(int episodes, int ways, List<Integer> shots, int queries, String split, long episodeSeed, int adaptSteps, double adaptLr, int threads) {
    public EvalConfig {
        Checks.positive("eval.episodes", episodes);
        Checks.positive("task.ways", ways);
        shots = List.copyOf(shots);
        if (shots.isEmpty()) throw new IllegalArgumentException("eval.shots must list at least one value, e.g. [1, 5]");
        for (int s : shots) Checks.positive("eval.shots", s);
        Checks.positive("task.queries", queries);
        if (!List.of("meta-train", "meta-val", "meta-test").contains(split)) {
            throw new IllegalArgumentException("eval.split must be meta-train, meta-val or meta-test, got '" + split + "'");
        }
        Checks.nonNegative("eval.adapt-steps", adaptSteps);
        Checks.nonNegative("eval.adapt-lr", adaptLr);
        Checks.nonNegative("eval.threads", threads);
    }

    /** Worker threads for evaluation: eval.threads, or one per available core when it is 0. */
    public int workerThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public static EvalConfig from(Config c) {
        Config e = c.getConfig("eval");
        return new EvalConfig(e.getInt("episodes"), c.getInt("task.ways"), e.getIntList("shots"), c.getInt("task.queries"), e.getString("split"),
                e.getLong("episode-seed"), e.getInt("adapt-steps"), e.getDouble("adapt-lr"), e.getInt("threads"));
    }

    public EvalConfig withEpisodes(int n) {
        return new EvalConfig(n, ways, shots, queries, split, episodeSeed, adaptSteps, adaptLr, threads);
    }
}
