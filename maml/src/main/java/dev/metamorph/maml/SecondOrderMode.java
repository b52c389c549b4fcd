package dev.metamorph.maml;

import java.util.Locale;

/**
 * How the exact second-order meta-gradient is computed ({@code maml.second-order-mode}).
 * {@link #UNROLLED}: all inner steps in one graph, one reverse pass (memory grows with the
 * steps, like an autograd tape). {@link #REVERSE_HVP}: keep only the K parameter vectors and
 * walk the steps backwards with one exact Hessian-vector product each (flat in the steps).
 */
public enum SecondOrderMode {
    UNROLLED("unrolled"),
    REVERSE_HVP("reverse-hvp");

    private final String key;

    SecondOrderMode(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static SecondOrderMode fromKey(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        for (SecondOrderMode m : values()) if (m.key.equals(k)) return m;
        throw new IllegalArgumentException("Unknown maml.second-order-mode '" + key + "'; use unrolled or reverse-hvp");
    }
}
