package dev.metamorph.memory;

/**
 * Content-addressed read of a key-value memory (Neural Turing Machines, key-value memory networks):
 * cosine similarity c_j of a query q to every slot key K_j, sharpened by a strength beta > 0, softmax
 * weights w = softmax(beta c) and the read vector r = sum_j w_j V_j. With {@code topK > 0} only the
 * k slots of largest similarity take part (Kaiser et al. 2017): the softmax runs over them, the other
 * slots get weight 0, and the read is differentiable over the selected k (the selection itself is a
 * constant of the step). The backward pass is explicit ({@link #backward}), so the model's eager path
 * can chain it into its own; {@link MemoryReadOps} states the same read and its backward as SameDiff ops.
 *
 * <p>Arrays are row-major: keys [slots * keySize], values [slots * valueSize]. Only the first
 * {@code used} slots are addressed; {@code skip} (or -1) is a slot left out of this read (a support
 * row never reads itself). Stateless; thread-safe.
 */
public final class ContentRead {
    /** Added to squared norms under the square root, so that a zero key has cosine 0 instead of NaN. */
    public static final double NORM_EPS = 1e-12;

    private final int keySize;
    private final int valueSize;
    private final int topK;

    /** A read of keys {@code keySize} wide and values {@code valueSize} wide; {@code topK = 0} reads densely. */
    public ContentRead(int keySize, int valueSize, int topK) {
        if (keySize < 1 || valueSize < 1) throw new IllegalArgumentException("key and value sizes must be >= 1, got " + keySize + " and " + valueSize);
        if (topK < 0) throw new IllegalArgumentException("memory.top-k must be >= 0 (0 = dense read), got " + topK);
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.topK = topK;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int topK() {
        return topK;
    }

    /**
     * What one read computed, kept for its backward pass: the addressed slots ({@code slots[m]}, in
     * ascending slot order), their cosines and weights, the norms, the strength and the read vector.
     * The arrays belong to this result; callers must not change them.
     */
    public record Result(int[] slots, double[] cosines, double[] weights, double queryNorm, double[] keyNorms,
                         double strength, double[] read) {
        /** The weight of slot {@code slot} (0 when it was not addressed). */
        public double weightOf(int slot) {
            for (int m = 0; m < slots.length; m++) if (slots[m] == slot) return weights[m];
            return 0.0;
        }
    }

    /** Gradients of one read with respect to the query [keySize] and the strength (keys and values go into the caller's arrays). */
    public record Gradient(double[] query, double strength) {}

    /**
     * Reads with query {@code q} [keySize] at strength {@code beta} over the first {@code used} slots,
     * leaving out slot {@code skip} (-1: none). With no addressable slot the read vector is zero.
     */
    public Result forward(double[] q, int qOff, double[] keys, double[] values, int used, int skip, double beta) {
        int candidates = used - (skip >= 0 && skip < used ? 1 : 0);
        double qq = 0;
        for (int x = 0; x < keySize; x++) qq += q[qOff + x] * q[qOff + x];
        double qn = Math.sqrt(qq + NORM_EPS);
        double[] allCos = new double[used];
        double[] allNorm = new double[used];
        for (int j = 0; j < used; j++) {
            if (j == skip) continue;
            int o = j * keySize;
            double dot = 0, kk = 0;
            for (int x = 0; x < keySize; x++) {
                double k = keys[o + x];
                dot += q[qOff + x] * k;
                kk += k * k;
            }
            double kn = Math.sqrt(kk + NORM_EPS);
            allNorm[j] = kn;
            allCos[j] = dot / (qn * kn);
        }
        int[] slots = topK > 0 && topK < candidates ? largest(allCos, used, skip, topK) : all(used, skip, candidates);
        int m = slots.length;
        double[] cos = new double[m], norms = new double[m], w = new double[m];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < m; s++) {
            cos[s] = allCos[slots[s]];
            norms[s] = allNorm[slots[s]];
            max = Math.max(max, beta * cos[s]);
        }
        double sum = 0;
        for (int s = 0; s < m; s++) {
            w[s] = Math.exp(beta * cos[s] - max);
            sum += w[s];
        }
        double[] r = new double[valueSize];
        for (int s = 0; s < m; s++) {
            w[s] /= sum;
            int o = slots[s] * valueSize;
            for (int x = 0; x < valueSize; x++) r[x] += w[s] * values[o + x];
        }
        return new Result(slots, cos, w, qn, norms, beta, r);
    }

    /**
     * Backward pass of {@code res} for the read's upstream gradient {@code dr} [valueSize]: adds the
     * gradients of the addressed slots' keys into {@code dKeys} and of their values into
     * {@code dValues} (either may be null when not wanted; [slots * size], same layout as the
     * memory) and returns the gradients of the query and of the strength.
     */
    public Gradient backward(Result res, double[] q, int qOff, double[] keys, double[] values, double[] dr,
                             double[] dKeys, double[] dValues) {
        int m = res.slots.length;
        double[] dq = new double[keySize];
        if (m == 0) return new Gradient(dq, 0.0);
        double[] dw = new double[m];
        double mean = 0;
        for (int s = 0; s < m; s++) {
            int o = res.slots[s] * valueSize;
            double acc = 0;
            for (int x = 0; x < valueSize; x++) {
                acc += dr[x] * values[o + x];
                if (dValues != null) dValues[o + x] += res.weights[s] * dr[x];
            }
            dw[s] = acc;
            mean += res.weights[s] * acc;
        }
        double dBeta = 0;
        double qn = res.queryNorm;
        for (int s = 0; s < m; s++) {
            double da = res.weights[s] * (dw[s] - mean);
            dBeta += da * res.cosines[s];
            double dc = res.strength * da;
            if (dc == 0) continue;
            double kn = res.keyNorms[s];
            double inv = dc / (qn * kn), cq = dc * res.cosines[s] / (qn * qn), ck = dc * res.cosines[s] / (kn * kn);
            int o = res.slots[s] * keySize;
            for (int x = 0; x < keySize; x++) {
                double k = keys[o + x], qx = q[qOff + x];
                dq[x] += inv * k - cq * qx;
                if (dKeys != null) dKeys[o + x] += inv * qx - ck * k;
            }
        }
        return new Gradient(dq, dBeta);
    }

    private static int[] all(int used, int skip, int candidates) {
        int[] s = new int[candidates];
        int m = 0;
        for (int j = 0; j < used; j++) if (j != skip) s[m++] = j;
        return s;
    }

    /** The k slots of largest cosine (ties: the lower slot), in ascending slot order; a k-element min-heap scan. */
    static int[] largest(double[] cos, int used, int skip, int k) {
        int[] heap = new int[k];
        int size = 0;
        for (int j = 0; j < used; j++) {
            if (j == skip) continue;
            if (size < k) {
                heap[size] = j;
                siftUp(heap, size++, cos);
            } else if (better(j, heap[0], cos)) {
                heap[0] = j;
                siftDown(heap, k, cos);
            }
        }
        int[] out = java.util.Arrays.copyOf(heap, size);
        java.util.Arrays.sort(out);
        return out;
    }

    /** Whether slot a ranks above slot b: larger cosine, ties to the lower slot. */
    private static boolean better(int a, int b, double[] cos) {
        return cos[a] > cos[b] || cos[a] == cos[b] && a < b;
    }

    private static void siftUp(int[] h, int i, double[] cos) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!better(h[p], h[i], cos)) break;
            int t = h[p]; h[p] = h[i]; h[i] = t;
            i = p;
        }
    }

    private static void siftDown(int[] h, int n, double[] cos) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, worst = i;
            if (l < n && better(h[worst], h[l], cos)) worst = l;
            if (r < n && better(h[worst], h[r], cos)) worst = r;
            if (worst == i) return;
            int t = h[worst]; h[worst] = h[i]; h[i] = t;
            i = worst;
        }
    }
}
