package dev.metamorph.eval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The floor of BENCHMARKS.md section 2: TF-IDF vectors (IDF over the domain's texts) and cosine
 * similarity to the mean of each class's support vectors. It learns nothing across tasks; a
 * learned model that does not beat it has learned nothing worth shipping.
 */
public final class TfidfPrototypeClassifier {
    private final Map<String, Double> idf;
    private final double unseenIdf;

    /** Builds IDF weights (smooth: log((1 + n) / (1 + df)) + 1) over a corpus of texts. */
    public TfidfPrototypeClassifier(Collection<String> corpus) {
        Map<String, Integer> df = new HashMap<>();
        for (String text : corpus) {
            for (String t : new java.util.HashSet<>(tokens(text))) df.merge(t, 1, Integer::sum);
        }
        int n = corpus.size();
        Map<String, Double> w = new HashMap<>(df.size() * 2);
        df.forEach((t, d) -> w.put(t, Math.log((1.0 + n) / (1.0 + d)) + 1.0));
        this.idf = w;
        this.unseenIdf = Math.log(1.0 + n) + 1.0;
    }

    private TfidfPrototypeClassifier(Map<String, Double> idf, double unseenIdf) {
        this.idf = idf;
        this.unseenIdf = unseenIdf;
    }

    /** The classifier with IDF weights saved from another ({@link #idfWeights}, {@link #unseenIdf}): an exported adapter's lexical channel. */
    public static TfidfPrototypeClassifier fromWeights(Map<String, Double> idf, double unseenIdf) {
        if (!(unseenIdf > 0) || !Double.isFinite(unseenIdf)) throw new IllegalArgumentException("unseen IDF must be a positive number, got " + unseenIdf);
        for (Map.Entry<String, Double> e : idf.entrySet()) {
            if (e.getValue() == null || !Double.isFinite(e.getValue())) throw new IllegalArgumentException("IDF of '" + e.getKey() + "' is " + e.getValue() + "; it must be finite");
        }
        return new TfidfPrototypeClassifier(new HashMap<>(idf), unseenIdf);
    }

    /** The IDF weight of every word of the corpus (a copy). */
    public Map<String, Double> idfWeights() {
        return new java.util.TreeMap<>(idf);
    }

    /** The IDF weight of a word the corpus never had. */
    public double unseenIdf() {
        return unseenIdf;
    }

    /** Number of words with an IDF weight. */
    public int vocabularySize() {
        return idf.size();
    }

    /** Lower-cased alphanumeric word tokens. */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        for (String t : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) if (!t.isEmpty()) out.add(t);
        return out;
    }

    /** L2-normalised TF-IDF vector of a text, as a sparse map. */
    public Map<String, Double> vector(String text) {
        Map<String, Double> v = new HashMap<>();
        for (String t : tokens(text)) v.merge(t, 1.0, Double::sum);
        double norm = 0;
        for (Map.Entry<String, Double> e : v.entrySet()) {
            double x = e.getValue() * idf.getOrDefault(e.getKey(), unseenIdf);
            e.setValue(x);
            norm += x * x;
        }
        if (norm > 0) {
            double inv = 1 / Math.sqrt(norm);
            v.replaceAll((k, x) -> x * inv);
        }
        return v;
    }

    /**
     * Predicts a class for each query text from labelled support texts (labels 0..ways-1).
     * Ties go to the lowest class index.
     */
    public int[] predict(List<String> supportTexts, int[] supportLabels, int ways, List<String> queryTexts) {
        List<Map<String, Double>> protos = new ArrayList<>();
        int[] counts = new int[ways];
        for (int c = 0; c < ways; c++) protos.add(new HashMap<>());
        for (int i = 0; i < supportTexts.size(); i++) {
            int c = supportLabels[i];
            counts[c]++;
            vector(supportTexts.get(i)).forEach((t, x) -> protos.get(c).merge(t, x, Double::sum));
        }
        for (int c = 0; c < ways; c++) {
            if (counts[c] == 0) throw new IllegalArgumentException("Class " + c + " has no support example");
            Map<String, Double> p = protos.get(c);
            double norm = Math.sqrt(p.values().stream().mapToDouble(x -> x * x).sum());
            if (norm > 0) p.replaceAll((k, x) -> x / norm);
        }
        int[] out = new int[queryTexts.size()];
        for (int q = 0; q < out.length; q++) {
            Map<String, Double> v = vector(queryTexts.get(q));
            int best = 0;
            double bestSim = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < ways; c++) {
                double sim = 0;
                Map<String, Double> p = protos.get(c);
                for (Map.Entry<String, Double> e : v.entrySet()) sim += e.getValue() * p.getOrDefault(e.getKey(), 0.0);
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
