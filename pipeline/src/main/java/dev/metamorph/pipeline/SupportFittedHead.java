package dev.metamorph.pipeline;

import dev.metamorph.eval.LinearProbeClassifier;
import java.util.List;
import java.util.Map;

/**
 * {@link FittedHead} for a served adapter: the same logistic regression, over the same features, but
 * fitted once on the adapter's support records (all its labels) instead of once per episode. The
 * evaluation's head builds every row's features from the Gram matrix of the episode's rows,
 * G = w L / gain + (1 - w) Z Z^T (Z the L2-normalised adapter embeddings, L the fed lexical matrix,
 * gain times the TF-IDF cosines), as coordinates in an orthonormal basis of the support rows' span
 * (G_ss = V Lambda V^T, eigenvalues above 1e-10 of the largest kept, row r gets
 * G[r, support] V Lambda^(-1/2)); a query changes no support feature or fitted weight, so the basis and
 * the fit are computed here once and each record needs only its Gram row against the support rows.
 * The arithmetic is FittedHead's, in the same order (tested equal on the same episode).
 *
 * <p>Immutable after construction and thread-safe. Holds the support embeddings [m][width], the
 * basis [rank][m] and the weights [classes][rank].
 */
final class SupportFittedHead {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SupportFittedHead.class);
    /** Eigenvalues below this share of the largest are dropped, as in {@link FittedHead}. */

    private final double weight;
    private final double gain;
    private final double[][] support;
    private final List<Map<String, Double>> supportTfidf;
    private final SupportSpan span;
    private final LinearProbeClassifier.Fit fit;

    /**
     * @param embeddings   the support rows' adapter embeddings [m][width] (normalised here, not changed)
     * @param tfidf        the support rows' TF-IDF vectors (L2-normalised, as the lexical channel builds them), or null without the lexical channel
     * @param labels       each support row's class in 0..classes-1; every class needs {@code head.minShots()} rows
     * @param head         the fitted head's settings
     * @param lexicalGain  {@code model.lexical-gain}: the lexical matrix is fed times it, and the head divides it out again
     */
    SupportFittedHead(double[][] embeddings, List<Map<String, Double>> tfidf, int[] labels, int classes, QueryHeadConfig head, double lexicalGain) {
        int m = embeddings.length;
        this.weight = tfidf != null ? head.lexicalWeight() : 0.0; // a model without the lexical channel has the embedding only
        this.gain = lexicalGain;
        this.support = new double[m][];
        for (int i = 0; i < m; i++) support[i] = normalised(embeddings[i]);
        this.supportTfidf = tfidf == null ? null : List.copyOf(tfidf);
        double[][] gss = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double g = gram(support[i], j, i);
                gss[i][j] = g;
                gss[j][i] = g;
            }
        }
        this.span = SupportSpan.of(gss);
        double[][] sx = new double[m][];
        for (int s = 0; s < m; s++) sx[s] = span.coordinates(gss[s]);
        long t0 = System.nanoTime();
        this.fit = LinearProbeClassifier.fit(sx, labels, classes, head.options());
        LOG.info("fitted head: {} classes, {} support rows, {} features, {} solver steps, largest gradient entry {}, {} s",
                classes, m, span.dimension(), fit.iterations(), String.format(java.util.Locale.ROOT, "%.1e", fit.gradientMax()),
                String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    }

    /** Logits [classes] of a record with adapter embedding {@code z} and TF-IDF vector {@code tfidf} (null without the lexical channel). */
    double[] logits(double[] z, Map<String, Double> tfidf) {
        double[] zn = normalised(z);
        double[] g = new double[support.length];
        for (int a = 0; a < support.length; a++) {
            double v = (1 - weight) * dot(zn, support[a]);
            if (weight > 0) v += weight * (gain * BaseEpisodeEncoder.dot(tfidf, supportTfidf.get(a))) / gain;
            g[a] = v;
        }
        double[] f = span.coordinates(g);
        double[] out = new double[fit.bias().length];
        for (int c = 0; c < out.length; c++) out[c] = fit.bias()[c] + dot(fit.weights()[c], f);
        return out;
    }

    /** Resident bytes: support embeddings, basis, weights (8 per value). */
    long bytes() {
        long n = 0;
        for (double[] r : support) n += r.length;
        n += span.values();
        for (double[] r : fit.weights()) n += r.length;
        return 8 * n;
    }

    /** Gram entry of support rows i and j (j &lt;= i), as FittedHead computes it. */
    private double gram(double[] zi, int j, int i) {
        double g = (1 - weight) * dot(zi, support[j]);
        if (weight > 0) g += weight * (gain * BaseEpisodeEncoder.dot(supportTfidf.get(i), supportTfidf.get(j))) / gain;
        return g;
    }

    private static double[] normalised(double[] z) {
        double[] row = z.clone();
        double norm = Math.sqrt(dot(row, row));
        if (norm > 0) for (int k = 0; k < row.length; k++) row[k] /= norm;
        return row;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
