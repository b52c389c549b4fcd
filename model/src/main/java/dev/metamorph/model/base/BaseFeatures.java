package dev.metamorph.model.base;

import java.util.List;

/**
 * What the base gives for each of a list of texts, in the order of that list: the token states
 * {@code [length, hidden]} (row-major, [CLS] first and [SEP] last, no padding) and the pooled
 * sentence embedding {@code [hidden]}: the L2-normalised mean of the token states over the
 * attention mask (sentence-transformers' recipe for all-MiniLM-L6-v2). The arrays are owned by
 * this object and shared with callers, who must not change them.
 */
public final class BaseFeatures {
    private final int hidden;
    private final List<float[]> states;
    private final List<float[]> pooled;
    private final int[] lengths;

    /**
     * @param states per text {@code length * hidden} floats, or {@code null} when only pooled vectors were asked for
     * @param lengths per text its number of word pieces with [CLS] and [SEP]
     */
    public BaseFeatures(int hidden, List<float[]> states, List<float[]> pooled, int[] lengths) {
        if (pooled.size() != lengths.length || (states != null && states.size() != lengths.length)) {
            throw new IllegalArgumentException("pooled (" + pooled.size() + "), states (" + (states == null ? "none" : states.size())
                    + ") and lengths (" + lengths.length + ") must cover the same texts");
        }
        this.hidden = hidden;
        this.states = states == null ? null : List.copyOf(states);
        this.pooled = List.copyOf(pooled);
        this.lengths = lengths.clone();
    }

    /** Number of texts. */
    public int size() {
        return lengths.length;
    }

    /** Width of one token state and of the pooled vector. */
    public int hiddenSize() {
        return hidden;
    }

    /** Whether token states are held (false when only pooled vectors were asked for). */
    public boolean hasStates() {
        return states != null;
    }

    /** Word pieces of text {@code i}, [CLS] and [SEP] included. */
    public int length(int i) {
        return lengths[i];
    }

    /** Token states of text {@code i}, {@code length(i) * hiddenSize()} floats row-major; do not change. */
    public float[] states(int i) {
        if (states == null) throw new IllegalStateException("These features hold pooled vectors only; ask the cache for states (withStates = true)");
        return states.get(i);
    }

    /** Pooled, L2-normalised embedding of text {@code i}; do not change. */
    public float[] pooled(int i) {
        return pooled.get(i);
    }

    /** The L2-normalised mean of the {@code length} rows of {@code states} (computed in double). */
    public static float[] meanPool(float[] states, int length, int hidden) {
        double[] sum = new double[hidden];
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < hidden; h++) sum[h] += states[t * hidden + h];
        }
        double norm = 0;
        for (int h = 0; h < hidden; h++) {
            sum[h] /= length;
            norm += sum[h] * sum[h];
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        float[] out = new float[hidden];
        for (int h = 0; h < hidden; h++) out[h] = (float) (sum[h] / norm);
        return out;
    }
}
