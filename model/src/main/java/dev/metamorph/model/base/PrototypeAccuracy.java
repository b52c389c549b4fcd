package dev.metamorph.model.base;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The no-training floor of a base: N-way K-shot episodes over labelled pooled vectors, each query
 * assigned to the class whose mean support vector has the highest cosine. A sanity check of the
 * whole base path (tokenizer, model, pooling, cache) against the figure measured with Python.
 */
public final class PrototypeAccuracy {
    private PrototypeAccuracy() {}

    /** Mean episode accuracy and the half-width of its normal 95% interval. */
    public record Result(int episodes, double accuracy, double ci95) { }

    /**
     * @param vectors one pooled vector per record
     * @param labels the record's class, same order; classes with fewer than {@code shots + queries} records are not drawn
     * @param rng the episode sampler's generator
     */
    public static Result evaluate(List<float[]> vectors, List<String> labels, int ways, int shots, int queries, int episodes,
            RandomGenerator rng) {
        Map<String, List<Integer>> byClass = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) byClass.computeIfAbsent(labels.get(i), k -> new ArrayList<>()).add(i);
        List<List<Integer>> classes = new ArrayList<>();
        for (List<Integer> members : byClass.values()) if (members.size() >= shots + queries) classes.add(members);
        if (classes.size() < ways) {
            throw new IllegalArgumentException("Only " + classes.size() + " classes have >= " + (shots + queries) + " records; a " + ways + "-way episode needs " + ways);
        }
        int hidden = vectors.get(0).length;
        double sum = 0, sumSq = 0;
        for (int e = 0; e < episodes; e++) {
            List<Integer> chosen = sample(classes.size(), ways, rng);
            double[][] protos = new double[ways][hidden];
            List<int[]> query = new ArrayList<>();
            for (int w = 0; w < ways; w++) {
                List<Integer> members = classes.get(chosen.get(w));
                List<Integer> pick = sample(members.size(), shots + queries, rng);
                for (int s = 0; s < shots; s++) {
                    float[] v = vectors.get(members.get(pick.get(s)));
                    for (int h = 0; h < hidden; h++) protos[w][h] += v[h] / shots;
                }
                for (int q = shots; q < shots + queries; q++) query.add(new int[] {members.get(pick.get(q)), w});
            }
            int correct = 0;
            for (int[] q : query) {
                float[] v = vectors.get(q[0]);
                int best = -1;
                double bestCos = Double.NEGATIVE_INFINITY;
                for (int w = 0; w < ways; w++) {
                    double dot = 0, n = 0;
                    for (int h = 0; h < hidden; h++) {
                        dot += protos[w][h] * v[h];
                        n += protos[w][h] * protos[w][h];
                    }
                    double cos = dot / Math.sqrt(n);
                    if (cos > bestCos) {
                        bestCos = cos;
                        best = w;
                    }
                }
                if (best == q[1]) correct++;
            }
            double acc = (double) correct / query.size();
            sum += acc;
            sumSq += acc * acc;
        }
        double mean = sum / episodes;
        double var = episodes > 1 ? (sumSq - episodes * mean * mean) / (episodes - 1) : 0;
        return new Result(episodes, mean, 1.96 * Math.sqrt(Math.max(var, 0) / episodes));
    }

    /** {@code k} distinct indices of {@code [0, n)} in random order (partial Fisher-Yates). */
    private static List<Integer> sample(int n, int k, RandomGenerator rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        List<Integer> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
            out.add(a[i]);
        }
        return out;
    }
}
