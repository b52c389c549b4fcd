package dev.metamorph.maml;

import java.util.Locale;

/**
 * {@code maml.learner-path}: for first-order algorithms on a learner without a Java kernel (the
 * gated-attention model), which path of the learner's own gradients computes them: {@code auto}
 * measures the eager pass and the graph path on the first meta-batch and keeps the faster for the
 * process ({@link MeasuredMetaGradient}); {@code eager} and {@code graph} fix it. The two agree to
 * ~1e-10, not bitwise, so runs that must match bitwise across processes (a distributed run and its
 * in-process twin) fix the path.
 */
public enum LearnerPath {
    AUTO("auto"),
    EAGER("eager"),
    GRAPH("graph");

    private final String key;

    LearnerPath(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static LearnerPath fromKey(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        for (LearnerPath p : values()) if (p.key.equals(k)) return p;
        throw new IllegalArgumentException("Unknown maml.learner-path '" + key + "'; use auto, eager or graph");
    }
}
