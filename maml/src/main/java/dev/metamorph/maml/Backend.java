package dev.metamorph.maml;

import java.util.Locale;

/**
 * Where meta-gradients are computed ({@code maml.backend}): SameDiff graphs built from the
 * learner's {@code gradientOps}, or the learner's exact plain-Java kernel; {@code auto} takes the
 * kernel when the learner offers one, and otherwise runs the first-order algorithms on the
 * learner's own gradients (see {@link MetaGradients#create}).
 */
public enum Backend {
    AUTO("auto"),
    SAMEDIFF("samediff"),
    KERNEL("kernel");

    private final String key;

    Backend(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Backend fromKey(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        for (Backend b : values()) if (b.key.equals(k)) return b;
        throw new IllegalArgumentException("Unknown maml.backend '" + key + "'; use auto, samediff or kernel");
    }
}
