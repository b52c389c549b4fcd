package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.eval.LinearProbeClassifier;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fitted head equals the logistic-regression probe over explicit feature vectors: the
 * support-span features reproduce the support rows' Gram matrix and every row's projection onto
 * their span; over the untrained adapter (which is the identity on the pooled embedding) the head
 * predicts exactly as {@link LinearProbeClassifier} on [sqrt(w) tfidf ; sqrt(1 - w) pooled]; with fewer
 * support rows per class than {@code min-shots} it gives the model's own logits.
 */
class FittedHeadTest {
    private static final int DIM = 6, WAYS = 3, SHOTS = 2, QUERIES = 4, LEX = 9;
    private static final double GAIN = 100.0;
    private static final LinearProbeClassifier.Options PROBE = new LinearProbeClassifier.Options(1.0, 100, 1e-10);

    @Test
    void supportSpanFeaturesReproduceInnerProductsAndProjections() {
        RandomGenerator rng = new SeededRandom(3);
        int n = 10, dim = 7;
        double[][] x = gaussian(rng, n, dim);
        int[] support = {0, 2, 3, 7};
        double[][] f = FittedHead.features(gram(x), support);
        for (int a = 0; a < support.length; a++) {
            for (int b = 0; b < support.length; b++) assertEquals(dot(x[support[a]], x[support[b]]), dot(f[support[a]], f[support[b]]), 1e-10);
        }
        // a row's features are its coordinates in an orthonormal basis of the support span: inner products with support rows are kept
        for (int r = 0; r < n; r++) for (int s : support) assertEquals(dot(x[r], x[s]), dot(f[r], f[s]), 1e-10, "row " + r + " vs support row " + s);
    }

    @Test
    void untrainedAdapterPredictsAsTheProbeOnJoinedFeatures() {
        RandomGenerator rng = new SeededRandom(11);
        ModelConfig config = ModelConfig.defaults().withShape(20, 8, 2, 1, 12, 8).withDtype(DataType.DOUBLE)
                .withHead(ModelConfig.HeadType.PROTOTYPE).withBase(ModelConfig.Base.MINILM_L6, DIM).withWays(WAYS);
        GatedAttentionLearner learner = new GatedAttentionLearner(config);
        INDArray theta = learner.initialParameters(new SeededRandom(5));
        int ns = WAYS * SHOTS, nq = WAYS * QUERIES, n = ns + nq;
        float[][] pooled = new float[n][DIM];
        float[][] states = new float[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i < ns ? i % WAYS : (i - ns) % WAYS;
            states[i] = new float[2 * DIM];
            for (int k = 0; k < states[i].length; k++) states[i][k] = (float) rng.nextGaussian();
            for (int k = 0; k < DIM; k++) pooled[i][k] = (float) (rng.nextGaussian() + 0.8 * labels[i] * (k == labels[i] ? 1 : 0));
        }
        double[][] tfidf = gaussian(rng, n, LEX);
        for (double[] t : tfidf) normalise(t);
        double[][] lexical = gram(tfidf);
        for (double[] row : lexical) for (int j = 0; j < n; j++) row[j] *= GAIN;
        TokenBatch support = TokenBatch.ofBase(java.util.Arrays.copyOfRange(states, 0, ns), java.util.Arrays.copyOfRange(pooled, 0, ns), DIM, 8,
                java.util.Arrays.copyOfRange(labels, 0, ns));
        TokenBatch queries = TokenBatch.ofBase(java.util.Arrays.copyOfRange(states, ns, n), java.util.Arrays.copyOfRange(pooled, ns, n), DIM, 8,
                java.util.Arrays.copyOfRange(labels, ns, n));
        TokenBatch episode = TokenBatch.episode(support, queries).withLexical(lexical);
        for (double w : new double[] {0.0, 0.5}) {
            INDArray logits = new FittedHead(w, GAIN, PROBE, 2).logits(learner, theta, episode);
            assertArrayEquals(new long[] {n, WAYS}, logits.shape());
            double[][] joined = new double[n][];
            for (int i = 0; i < n; i++) {
                double[] z = new double[DIM];
                for (int k = 0; k < DIM; k++) z[k] = pooled[i][k];
                normalise(z);
                joined[i] = new double[LEX + DIM];
                for (int k = 0; k < LEX; k++) joined[i][k] = Math.sqrt(w) * tfidf[i][k];
                for (int k = 0; k < DIM; k++) joined[i][LEX + k] = Math.sqrt(1 - w) * z[k];
            }
            int[] expected = new LinearProbeClassifier(PROBE).predict(java.util.Arrays.copyOfRange(joined, 0, ns), java.util.Arrays.copyOfRange(labels, 0, ns), WAYS,
                    java.util.Arrays.copyOfRange(joined, ns, n));
            int[] got = new int[nq];
            for (int q = 0; q < nq; q++) got[q] = argmax(logits, ns + q);
            assertArrayEquals(expected, got, "lexical weight " + w);
        }
        INDArray own = learner.predict(theta, episode);
        assertEquals(own, new FittedHead(0.5, GAIN, PROBE, SHOTS + 1).logits(learner, theta, episode), "fewer shots than min-shots: the model's own head");
    }

    @Test
    void rejectsALexicalWeightOutsideZeroToOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FittedHead(1.5, GAIN, PROBE, 2));
        assertEquals("eval.fitted-head.lexical-weight must be in [0, 1], got 1.5", e.getMessage());
    }

    private static int argmax(INDArray logits, int row) {
        int best = 0;
        for (int c = 1; c < logits.columns(); c++) if (logits.getDouble(row, c) > logits.getDouble(row, best)) best = c;
        return best;
    }

    private static double[][] gaussian(RandomGenerator rng, int n, int dim) {
        double[][] x = new double[n][dim];
        for (double[] row : x) for (int k = 0; k < dim; k++) row[k] = rng.nextGaussian();
        return x;
    }

    private static double[][] gram(double[][] x) {
        double[][] g = new double[x.length][x.length];
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x.length; j++) g[i][j] = dot(x[i], x[j]);
        return g;
    }

    private static void normalise(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        for (int k = 0; k < v.length; k++) v[k] /= norm;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) s += a[k] * b[k];
        return s;
    }
}
