package dev.metamorph.maml;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.Checks;
import java.util.List;

/**
 * The validated {@code maml} namespace. Built once at the edge with {@link #from(Config)};
 * copies with one change via the {@code withX} methods.
 *
 * @param gradClip global-norm clip of the meta-gradient, 0 = off
 * @param valEvery validate every N iterations, 0 = never
 * @param checkpointEvery checkpoint every N iterations, 0 = only at the end
 * @param task what {@code meta-train} trains: {@code definitions} or {@code sinusoid}
 * @param threads worker threads of the kernel backend, 0 = one per available core
 * @param select which theta the run keeps: the best by meta-validation, or the last
 */
public record MamlConfig(MetaAlgorithm algorithm, double innerLr, int innerSteps, double metaLr, int metaBatch,
                         long iterations, double gradClip, long valEvery, int valTasks, long checkpointEvery,
                         SecondOrderMode secondOrderMode, Backend backend, int threads, int reptileSteps,
                         AdamSettings adam, SinusoidSettings sinusoid, String task, Selection select) {

    /** {@code maml.select}: the theta a run keeps. */
    public enum Selection {
        /** The best meta-validation score (accuracy for classification, loss for regression) over the validations of the run. */
        BEST_VAL("best-val"),
        /** The theta of the last iteration. */
        LAST("last");

        private final String key;

        Selection(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Selection fromKey(String key) {
            for (Selection s : values()) if (s.key.equals(key.trim())) return s;
            throw new IllegalArgumentException("Unknown maml.select '" + key + "'; use best-val or last");
        }
    }

    /** Outer Adam hyper-parameters ({@code maml.adam}). */
    public record AdamSettings(double beta1, double beta2, double epsilon) {
        public AdamSettings {
            Checks.inOpenRange("maml.adam.beta1", beta1, -1e-12, 1.0);
            Checks.inOpenRange("maml.adam.beta2", beta2, -1e-12, 1.0);
            Checks.positive("maml.adam.epsilon", epsilon);
        }
    }

    /** Sinusoid task sizes and MLP widths ({@code maml.sinusoid}). */
    public record SinusoidSettings(int support, int query, List<Integer> sizes) {
        public SinusoidSettings {
            Checks.positive("maml.sinusoid.support", support);
            Checks.positive("maml.sinusoid.query", query);
            sizes = List.copyOf(sizes);
            Checks.check(sizes.size() >= 2 && sizes.stream().allMatch(s -> s > 0), "maml.sinusoid.sizes must list >= 2 positive widths, got %s", sizes);
        }
    }

    public MamlConfig {
        Checks.notNull("maml.algorithm", algorithm);
        // 0 is allowed: no inner adaptation (with the prototype head, prototypical-network training)
        if (Checks.nonNegative("maml.inner-lr", innerLr) >= 10.0) throw new IllegalArgumentException("maml.inner-lr must be in [0, 10), got " + innerLr);
        Checks.positive("maml.inner-steps", innerSteps);
        Checks.positive("maml.meta-lr", metaLr);
        Checks.positive("maml.meta-batch", metaBatch);
        Checks.positive("maml.iterations", iterations);
        Checks.nonNegative("maml.grad-clip", gradClip);
        Checks.check(valEvery >= 0, "maml.val-every must be >= 0, got %s", valEvery);
        Checks.positive("maml.val-tasks", valTasks);
        Checks.check(checkpointEvery >= 0, "maml.checkpoint-every must be >= 0, got %s", checkpointEvery);
        Checks.notNull("maml.second-order-mode", secondOrderMode);
        Checks.notNull("maml.backend", backend);
        Checks.positive("maml.reptile-steps", reptileSteps);
        Checks.nonNegative("maml.threads", threads);
        Checks.notNull("maml.adam", adam);
        Checks.notNull("maml.sinusoid", sinusoid);
        Checks.check("definitions".equals(task) || "sinusoid".equals(task), "maml.task must be definitions or sinusoid, got '%s'", task);
        Checks.notNull("maml.select", select);
    }

    /** Reads and validates {@code maml} from a composed config; unknown keys (typos) fail naming the key. */
    public static MamlConfig from(Config c) {
        Config reference = ConfigFactory.defaultReference().getConfig("maml");
        c.checkValid(ConfigFactory.defaultReference(), "maml");
        Config m = c.getConfig("maml");
        for (var e : m.entrySet()) {
            if (!reference.hasPathOrNull(e.getKey())) {
                throw new ConfigException.BadPath(e.getValue().origin(), "maml." + e.getKey(), "unknown key (a typo?); the maml keys are " + new java.util.TreeSet<>(reference.root().keySet()));
            }
        }
        try {
            Config a = m.getConfig("adam");
            Config s = m.getConfig("sinusoid");
            return new MamlConfig(MetaAlgorithm.fromKey(m.getString("algorithm")), m.getDouble("inner-lr"), m.getInt("inner-steps"),
                    m.getDouble("meta-lr"), m.getInt("meta-batch"), m.getLong("iterations"), m.getDouble("grad-clip"),
                    m.getLong("val-every"), m.getInt("val-tasks"), m.getLong("checkpoint-every"),
                    SecondOrderMode.fromKey(m.getString("second-order-mode")), Backend.fromKey(m.getString("backend")), m.getInt("threads"),
                    m.getInt("reptile-steps"),
                    new AdamSettings(a.getDouble("beta1"), a.getDouble("beta2"), a.getDouble("epsilon")),
                    new SinusoidSettings(s.getInt("support"), s.getInt("query"), s.getIntList("sizes")), m.getString("task"),
                    Selection.fromKey(m.getString("select")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(m.origin(), "maml", e.getMessage(), e);
        }
    }

    /** The reference defaults. */
    public static MamlConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    public MamlConfig withAlgorithm(MetaAlgorithm a) {
        return new MamlConfig(a, innerLr, innerSteps, metaLr, metaBatch, iterations, gradClip, valEvery, valTasks, checkpointEvery, secondOrderMode, backend, threads, reptileSteps, adam, sinusoid, task, select);
    }

    public MamlConfig withInnerSteps(int k) {
        return new MamlConfig(algorithm, innerLr, k, metaLr, metaBatch, iterations, gradClip, valEvery, valTasks, checkpointEvery, secondOrderMode, backend, threads, reptileSteps, adam, sinusoid, task, select);
    }

    public MamlConfig withIterations(long n) {
        return new MamlConfig(algorithm, innerLr, innerSteps, metaLr, metaBatch, n, gradClip, valEvery, valTasks, checkpointEvery, secondOrderMode, backend, threads, reptileSteps, adam, sinusoid, task, select);
    }

    public MamlConfig withBackend(Backend b) {
        return new MamlConfig(algorithm, innerLr, innerSteps, metaLr, metaBatch, iterations, gradClip, valEvery, valTasks, checkpointEvery, secondOrderMode, b, threads, reptileSteps, adam, sinusoid, task, select);
    }

    public MamlConfig withSecondOrderMode(SecondOrderMode s) {
        return new MamlConfig(algorithm, innerLr, innerSteps, metaLr, metaBatch, iterations, gradClip, valEvery, valTasks, checkpointEvery, s, backend, threads, reptileSteps, adam, sinusoid, task, select);
    }

    public MamlConfig withSchedule(long valEveryN, long checkpointEveryN) {
        return new MamlConfig(algorithm, innerLr, innerSteps, metaLr, metaBatch, iterations, gradClip, valEveryN, valTasks, checkpointEveryN, secondOrderMode, backend, threads, reptileSteps, adam, sinusoid, task, select);
    }

    public MamlConfig withThreads(int n) {
        return new MamlConfig(algorithm, innerLr, innerSteps, metaLr, metaBatch, iterations, gradClip, valEvery, valTasks, checkpointEvery, secondOrderMode, backend, n, reptileSteps, adam, sinusoid, task, select);
    }

    public MamlConfig withSelect(Selection sel) {
        return new MamlConfig(algorithm, innerLr, innerSteps, metaLr, metaBatch, iterations, gradClip, valEvery, valTasks, checkpointEvery, secondOrderMode, backend, threads, reptileSteps, adam, sinusoid, task, sel);
    }

    public MamlConfig withMetaBatch(int n) {
        return new MamlConfig(algorithm, innerLr, innerSteps, metaLr, n, iterations, gradClip, valEvery, valTasks, checkpointEvery, secondOrderMode, backend, threads, reptileSteps, adam, sinusoid, task, select);
    }
}
