package dev.metamorph.eval;

/**
 * The {@code base-prototype} floor: cosine similarity of each query vector to the mean of each
 * class's support vectors (vectors L2-normalised first, as the base's pooled sentence embeddings
 * are). Dense vectors in, episode-local classes out; how the vectors were computed is the caller's
 * business. Ties go to the lowest class index.
 */
public final class DensePrototypeClassifier {
    private DensePrototypeClassifier() {}

    /** Predicts a class in 0..ways-1 for each query vector from labelled support vectors. */
    public static int[] predict(double[][] support, int[] supportLabels, int ways, double[][] queries) {
        double[][] protos = classMeans(support, supportLabels, ways);
        for (double[] p : protos) normaliseInPlace(p);
        int[] out = new int[queries.length];
        for (int q = 0; q < queries.length; q++) {
            double[] v = normalised(queries[q]);
            int best = 0;
            double bestSim = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < ways; c++) {
                double sim = dot(v, protos[c]);
                if (sim > bestSim) {
                    bestSim = sim;
                    best = c;
                }
            }
            out[q] = best;
        }
        return out;
    }

    /** Means of the L2-normalised support vectors of each class; every class needs a support vector. */
    static double[][] classMeans(double[][] support, int[] labels, int ways) {
        if (support.length != labels.length) throw new IllegalArgumentException(support.length + " support vectors for " + labels.length + " labels");
        if (support.length == 0) throw new IllegalArgumentException("No support vectors");
        int dim = support[0].length;
        double[][] sums = new double[ways][dim];
        int[] counts = new int[ways];
        for (int i = 0; i < support.length; i++) {
            if (support[i].length != dim) throw new IllegalArgumentException("Support vector " + i + " has " + support[i].length + " entries, expected " + dim);
            double[] v = normalised(support[i]);
            for (int d = 0; d < dim; d++) sums[labels[i]][d] += v[d];
            counts[labels[i]]++;
        }
        for (int c = 0; c < ways; c++) {
            if (counts[c] == 0) throw new IllegalArgumentException("Class " + c + " has no support example");
            for (int d = 0; d < dim; d++) sums[c][d] /= counts[c];
        }
        return sums;
    }

    static double[] normalised(double[] v) {
        double[] out = v.clone();
        normaliseInPlace(out);
        return out;
    }

    static void normaliseInPlace(double[] v) {
        double n = Math.sqrt(dot(v, v));
        if (!Double.isFinite(n)) throw new IllegalArgumentException("A vector has a non-finite entry");
        if (n > 0) for (int d = 0; d < v.length; d++) v[d] /= n;
    }

    static double dot(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("Vectors of " + a.length + " and " + b.length + " entries");
        double s = 0;
        for (int d = 0; d < a.length; d++) s += a[d] * b[d];
        return s;
    }
}
