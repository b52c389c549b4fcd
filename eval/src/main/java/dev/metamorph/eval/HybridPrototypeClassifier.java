package dev.metamorph.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tfidf+base-prototype} floor: each text becomes the concatenation of its L2-normalised
 * TF-IDF vector and its L2-normalised dense (base) vector, each half scaled by 1/sqrt(2) so both
 * weigh the same and the whole has norm 1; a query goes to the class whose mean of support vectors
 * is most cosine-similar. The best of lexical and dense evidence is the floor users compare with.
 * Ties go to the lowest class index.
 */
public final class HybridPrototypeClassifier {
    private static final double HALF = Math.sqrt(0.5);
    private final TfidfPrototypeClassifier tfidf;

    /** @param tfidf the TF-IDF weights (IDF over the target domain's texts, as for the {@code tfidf-prototype} row) */
    public HybridPrototypeClassifier(TfidfPrototypeClassifier tfidf) {
        this.tfidf = tfidf;
    }

    /** Predicts a class in 0..ways-1 for each query (text and dense vector) from labelled support texts and vectors. */
    public int[] predict(List<String> supportTexts, double[][] supportVectors, int[] supportLabels, int ways,
                         List<String> queryTexts, double[][] queryVectors) {
        if (supportTexts.size() != supportVectors.length || queryTexts.size() != queryVectors.length) {
            throw new IllegalArgumentException("Texts and vectors differ in number: support " + supportTexts.size() + " vs " + supportVectors.length
                    + ", queries " + queryTexts.size() + " vs " + queryVectors.length);
        }
        List<Map<String, Double>> lexical = new ArrayList<>();
        for (int c = 0; c < ways; c++) lexical.add(new HashMap<>());
        int[] counts = new int[ways];
        for (int i = 0; i < supportTexts.size(); i++) {
            int c = supportLabels[i];
            counts[c]++;
            tfidf.vector(supportTexts.get(i)).forEach((t, x) -> lexical.get(c).merge(t, HALF * x, Double::sum));
        }
        double[][] dense = DensePrototypeClassifier.classMeans(supportVectors, supportLabels, ways); // means of normalised vectors
        double[] norms = new double[ways];
        for (int c = 0; c < ways; c++) {
            int n = counts[c];
            Map<String, Double> p = lexical.get(c);
            p.replaceAll((t, x) -> x / n);
            double sq = 0;
            for (double x : p.values()) sq += x * x;
            for (int d = 0; d < dense[c].length; d++) {
                dense[c][d] *= HALF;
                sq += dense[c][d] * dense[c][d];
            }
            norms[c] = Math.sqrt(sq);
        }
        int[] out = new int[queryTexts.size()];
        for (int q = 0; q < out.length; q++) {
            Map<String, Double> t = tfidf.vector(queryTexts.get(q));
            double[] v = DensePrototypeClassifier.normalised(queryVectors[q]);
            int best = 0;
            double bestSim = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < ways; c++) {
                double sim = 0;
                Map<String, Double> p = lexical.get(c);
                for (Map.Entry<String, Double> e : t.entrySet()) sim += HALF * e.getValue() * p.getOrDefault(e.getKey(), 0.0);
                sim += HALF * DensePrototypeClassifier.dot(v, dense[c]);
                sim = norms[c] > 0 ? sim / norms[c] : 0;
                if (sim > bestSim) {
                    bestSim = sim;
                    best = c;
                }
            }
            out[q] = best;
        }
        return out;
    }
}
