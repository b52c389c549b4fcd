package dev.metamorph.testing;

import dev.metamorph.core.SeededRandom;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A stand-in for a frozen sentence encoder in fast tests: each word of a text gets a fixed vector
 * (seeded by the word), a text's token states are a [CLS] row followed by its words' rows (at most
 * {@code maxTokens}), and its pooled embedding is the L2-normalised mean of those rows, as
 * sentence-transformers pools. Every word vector shares one large common direction, as real sentence
 * embeddings do, so subtracting a domain's mean embedding changes what a cosine sees. Texts with
 * the same words get similar embeddings, so a few labelled texts per class are separable.
 * Deterministic and thread-safe.
 */
public final class HashedTextFeatures {
    private final int hidden;
    private final int maxTokens;
    private final float[] common;

    public HashedTextFeatures(int hidden, int maxTokens) {
        if (hidden < 2 || maxTokens < 2) throw new IllegalArgumentException("hidden and maxTokens must be >= 2");
        this.hidden = hidden;
        this.maxTokens = maxTokens;
        this.common = vector("\u0000common", 3.0f);
    }

    public int hidden() {
        return hidden;
    }

    /** Token states [tokens * hidden], position-major, [CLS] first. */
    public float[] states(String text) {
        List<float[]> rows = new ArrayList<>();
        rows.add(vector("[CLS]", 1.0f));
        for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (w.isEmpty() || rows.size() >= maxTokens) continue;
            rows.add(vector(w, 1.0f));
        }
        float[] out = new float[rows.size() * hidden];
        for (int t = 0; t < rows.size(); t++) System.arraycopy(rows.get(t), 0, out, t * hidden, hidden);
        return out;
    }

    /** The L2-normalised mean of the token states [hidden]. */
    public float[] pooled(String text) {
        float[] s = states(text);
        int n = s.length / hidden;
        double[] sum = new double[hidden];
        for (int t = 0; t < n; t++) for (int h = 0; h < hidden; h++) sum[h] += s[t * hidden + h];
        double norm = 0;
        for (int h = 0; h < hidden; h++) norm += (sum[h] / n) * (sum[h] / n);
        norm = Math.max(Math.sqrt(norm), 1e-12);
        float[] out = new float[hidden];
        for (int h = 0; h < hidden; h++) out[h] = (float) (sum[h] / n / norm);
        return out;
    }

    private float[] vector(String word, float scale) {
        long seed = 1125899906842597L;
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) seed = 31 * seed + b;
        SeededRandom rng = new SeededRandom(seed);
        float[] v = new float[hidden];
        for (int h = 0; h < hidden; h++) v[h] = (float) (scale * rng.nextGaussian()) + (common == null ? 0f : common[h]);
        return v;
    }
}
