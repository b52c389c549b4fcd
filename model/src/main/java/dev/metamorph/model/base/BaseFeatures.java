package dev.metamorph.model.base;

import java.util.List;

/**
 * What the base gives for each of a list of texts, in the order of that list: the token states
 * {@code [length, hidden]} (row-major, [CLS] first and [SEP] last, no padding) and the pooled
 * sentence embedding {@code [hidden]}: the L2-normalised mean of the token states over the
 * attention mask (sentence-transformers' recipe for all-MiniLM-L6-v2). Arrays returned are
 * shared with this object or fresh (cache reads); callers must not change them either way.
 */
public interface BaseFeatures {

    /** Number of texts. */
    int size();

    /** Width of one token state and of the pooled vector. */
    int hiddenSize();

    /** Whether token states are held (false when only pooled vectors were asked for). */
    boolean hasStates();

    /** Word pieces of text {@code i}, [CLS] and [SEP] included. */
    int length(int i);

    /** Token states of text {@code i}, {@code length(i) * hiddenSize()} floats row-major; do not change. */
    float[] states(int i);

    /** Pooled, L2-normalised embedding of text {@code i}; do not change. */
    float[] pooled(int i);

    /**
     * Features held in memory.
     *
     * @param states per text {@code length * hidden} floats, or {@code null} when only pooled vectors are held
     * @param lengths per text its number of word pieces with [CLS] and [SEP]
     */
    static BaseFeatures of(int hidden, List<float[]> states, List<float[]> pooled, int[] lengths) {
        if (pooled.size() != lengths.length || (states != null && states.size() != lengths.length)) {
            throw new IllegalArgumentException("pooled (" + pooled.size() + "), states (" + (states == null ? "none" : states.size())
                    + ") and lengths (" + lengths.length + ") must cover the same texts");
        }
        List<float[]> st = states == null ? null : List.copyOf(states);
        List<float[]> po = List.copyOf(pooled);
        int[] len = lengths.clone();
        return new BaseFeatures() {
            @Override public int size() { return len.length; }
            @Override public int hiddenSize() { return hidden; }
            @Override public boolean hasStates() { return st != null; }
            @Override public int length(int i) { return len[i]; }
            @Override public float[] pooled(int i) { return po.get(i); }
            @Override public float[] states(int i) {
                if (st == null) throw new IllegalStateException("These features hold pooled vectors only; ask the feature cache for states (withStates = true)");
                return st.get(i);
            }
        };
    }

    /** The L2-normalised mean of the {@code length} rows of {@code states} (computed in double). */
    static float[] meanPool(float[] states, int length, int hidden) {
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
