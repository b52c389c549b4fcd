package dev.metamorph.pipeline;

import dev.metamorph.core.learn.Learner;
import dev.metamorph.eval.LinearProbeClassifier;
import dev.metamorph.eval.QueryHead;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fitted head of the evaluation ({@code eval.head = fitted}): after the support-set adaptation,
 * a multinomial logistic regression (the {@code base-linear-probe}'s objective and solver,
 * {@link LinearProbeClassifier}) is fitted on the support rows and predicts the queries, over
 * features that join both kinds of evidence the model has: the adapter's embedding (what the
 * prototype head scores, L2-normalised) and the row's TF-IDF vector (the lexical channel), weighted
 * {@code 1 - lexical-weight} and {@code lexical-weight} in the inner product. A model without the
 * lexical channel ({@code model.lexical = false}, or no base) has the embedding only, which then
 * carries all the weight.
 *
 * <p>The TF-IDF vectors reach the model only as their row-to-row cosines (the batch's lexical
 * matrix, fed times {@code model.lexical-gain}), so the joint features are built from the Gram
 * matrix of the episode's rows, G = w L + (1 - w) Z Z^T: every row's coordinates in an orthonormal
 * basis of the support rows' span ({@link #features}). An L2-penalised linear classifier fitted on
 * the support rows has its weights in that span (as {@link LinearProbeClassifier} uses), so the fit
 * and its predictions are those over the explicit [sqrt(w) tfidf ; sqrt(1 - w) z] vectors; a query
 * changes no support feature or fitted weight. Episodes with fewer than {@code min-shots} support
 * rows of some class are predicted by the model's own head (with one row per class a fit has
 * nothing to weigh against each other; the meta-trained head was trained for exactly that).
 * Thread-safe (no state).
 */
public final class FittedHead implements QueryHead<TokenBatch> {
    /** Eigenvalues below this share of the largest are dropped (rank of the Gram matrix). */

    private final double lexicalWeight;
    private final double lexicalGain;
    private final LinearProbeClassifier.Options options;
    private final int minShots;

    /**
     * @param lexicalWeight weight w of the TF-IDF inner products in [0, 1] ({@code eval.fitted-head.lexical-weight})
     * @param lexicalGain   the gain the lexical matrix was fed with ({@code model.lexical-gain})
     * @param options       the logistic regression's penalty and solver settings ({@code eval.fitted-head.l2}, ...)
     * @param minShots      episodes with fewer support rows per class than this are predicted by the model's own head
     *                      ({@code eval.fitted-head.min-shots}, &gt;= 1)
     */
    public FittedHead(double lexicalWeight, double lexicalGain, LinearProbeClassifier.Options options, int minShots) {
        if (minShots < 1) throw new IllegalArgumentException("eval.fitted-head.min-shots must be >= 1, got " + minShots);
        if (!(lexicalWeight >= 0 && lexicalWeight <= 1)) throw new IllegalArgumentException("eval.fitted-head.lexical-weight must be in [0, 1], got " + lexicalWeight);
        if (!(lexicalGain > 0) || !Double.isFinite(lexicalGain)) throw new IllegalArgumentException("model.lexical-gain must be a positive number, got " + lexicalGain);
        this.lexicalWeight = lexicalWeight;
        this.lexicalGain = lexicalGain;
        this.options = options;
        this.minShots = minShots;
    }

    @Override
    public INDArray logits(Learner<TokenBatch> learner, INDArray theta, TokenBatch query) {
        if (!(learner instanceof GatedAttentionLearner model)) {
            throw new IllegalArgumentException("eval.head = fitted needs the gated-attention model's embeddings; this learner is a " + learner.getClass().getSimpleName());
        }
        int n = query.size(), ways = model.config().ways();
        int supports = 0;
        for (int i = 0; i < n; i++) if (query.isPrototypeRow(i)) supports++;
        if (supports == 0) throw new IllegalArgumentException("eval.head = fitted needs the support rows in the query batch (prototype rows); this batch has none");
        int[] support = new int[supports];
        int[] sy = new int[supports];
        int[] perClass = new int[ways];
        for (int i = 0, s = 0; i < n; i++) {
            if (!query.isPrototypeRow(i)) continue;
            support[s] = i;
            sy[s++] = query.label(i);
            perClass[query.label(i)]++;
        }
        for (int c = 0; c < ways; c++) if (perClass[c] < minShots) return learner.predict(theta, query);
        double w = query.hasLexical() ? lexicalWeight : 0.0; // a model without the lexical channel has the embedding only
        double[][] z = model.embeddings(theta, query);
        for (double[] row : z) {
            double norm = Math.sqrt(dot(row, row));
            if (norm > 0) for (int k = 0; k < row.length; k++) row[k] /= norm;
        }
        double[][] gram = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double g = (1 - w) * dot(z[i], z[j]);
                if (w > 0) g += w * query.lexical(i, j) / lexicalGain;
                gram[i][j] = g;
                gram[j][i] = g;
            }
        }
        double[][] features = features(gram, support);
        double[][] sx = new double[supports][];
        for (int s = 0; s < supports; s++) sx[s] = features[support[s]];
        LinearProbeClassifier.Fit fit = LinearProbeClassifier.fit(sx, sy, ways, options);
        double[] logits = new double[n * ways];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < ways; c++) logits[i * ways + c] = fit.bias()[c] + dot(fit.weights()[c], features[i]);
        }
        return Nd4j.createFromArray(logits).reshape(n, ways);
    }

    /** Features of every row in the support rows' span ({@link SupportSpan}), from the full Gram matrix. */
    static double[][] features(double[][] gram, int[] support) {
        int m = support.length;
        double[][] gss = new double[m][m];
        for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) gss[a][b] = gram[support[a]][support[b]];
        SupportSpan span = SupportSpan.of(gss);
        int n = gram.length;
        double[][] f = new double[n][];
        double[] row = new double[m];
        for (int r = 0; r < n; r++) {
            for (int a = 0; a < m; a++) row[a] = gram[r][support[a]];
            f[r] = span.coordinates(row);
        }
        return f;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
