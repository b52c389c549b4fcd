package dev.metamorph.maml;

import java.util.Locale;

/** The meta-learning algorithms, by their config key ({@code maml.algorithm}). */
public enum MetaAlgorithm {
    /** Exact second-order MAML (Finn et al., 2017). */
    MAML("maml"),
    /** First-order MAML: the query gradient at the adapted parameters, no second-order term. */
    FOMAML("fomaml"),
    /** Reptile (Nichol et al., 2018): the meta-gradient is theta - theta_K after SGD on all task data. */
    REPTILE("reptile"),
    /** Almost No Inner Loop (Raghu et al., 2020): exact second order, inner loop on the head group only. */
    ANIL("anil"),
    /** Meta-SGD (Li et al., 2017): learned per-parameter inner learning rates, exact second order. */
    META_SGD("meta-sgd"),
    /** Baseline: joint training on all tasks' data (no inner loop), fine-tuned at test time. */
    PRETRAIN("pretrain");

    private final String key;

    MetaAlgorithm(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** True when the meta-gradient differentiates through the inner steps. */
    public boolean secondOrder() {
        return this == MAML || this == ANIL || this == META_SGD;
    }

    /** Parses a config value such as {@code meta-sgd}; the error lists the valid values. */
    public static MetaAlgorithm fromKey(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        for (MetaAlgorithm a : values()) if (a.key.equals(k)) return a;
        throw new IllegalArgumentException("Unknown meta-learning algorithm '" + key + "'; use one of maml, fomaml, reptile, anil, meta-sgd, pretrain");
    }
}
