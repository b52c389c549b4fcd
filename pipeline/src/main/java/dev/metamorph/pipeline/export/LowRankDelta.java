package dev.metamorph.pipeline.export;

import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * An adapter's difference from theta_0 compressed group by group: a 2-D group [r, c] with
 * min(r, c) above the rank becomes the truncated SVD of its delta, A = U_k S_k [r, k] and
 * B = V_k^T [k, c] (tensors {@code <group>.delta_a} and {@code <group>.delta_b}); every other group
 * keeps its whole delta ({@code <group>.delta}). The parameters are theta_0 + A B. Computed in
 * double with Commons Math.
 */
public final class LowRankDelta {
    /** Tensor name suffixes. */
    public static final String A = ".delta_a", B = ".delta_b", FULL = ".delta";

    private LowRankDelta() {}

    /**
     * The encoding: tensors by name (row-major values and shapes), the reconstruction
     * theta_0 + A B, and its error relative to the true delta (Frobenius norms over all groups).
     */
    public record Encoded(Map<String, double[]> tensors, Map<String, long[]> shapes, Map<String, Integer> ranks, double[] reconstructed,
                          double relativeError, double maxAbsError) {}

    public static Encoded encode(ParamLayout layout, double[] theta, double[] theta0, int rank) {
        if (rank < 1) throw new IllegalArgumentException("export.rank must be >= 1, got " + rank);
        if (theta.length != layout.size() || theta0.length != layout.size()) {
            throw new IllegalArgumentException("theta has " + theta.length + " and theta_0 " + theta0.length + " values; the layout holds " + layout.size());
        }
        Map<String, double[]> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, Integer> ranks = new LinkedHashMap<>();
        double[] rec = theta0.clone();
        double errSq = 0, normSq = 0, maxAbs = 0;
        for (ParamGroup g : layout.groups()) {
            int off = (int) g.offset(), len = (int) g.length();
            double[] delta = new double[len];
            for (int i = 0; i < len; i++) {
                delta[i] = theta[off + i] - theta0[off + i];
                normSq += delta[i] * delta[i];
            }
            List<Long> shape = g.shape();
            if (shape.size() == 2 && Math.min(shape.get(0), shape.get(1)) > rank) {
                int r = (int) (long) shape.get(0), c = (int) (long) shape.get(1);
                double[][] m = new double[r][c];
                for (int i = 0; i < r; i++) System.arraycopy(delta, i * c, m[i], 0, c);
                SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(m, false));
                RealMatrix u = svd.getU(), vt = svd.getVT();
                double[] s = svd.getSingularValues();
                double[] a = new double[r * rank], b = new double[rank * c];
                for (int i = 0; i < r; i++) for (int k = 0; k < rank; k++) a[i * rank + k] = u.getEntry(i, k) * s[k];
                for (int k = 0; k < rank; k++) for (int j = 0; j < c; j++) b[k * c + j] = vt.getEntry(k, j);
                tensors.put(g.name() + A, a);
                shapes.put(g.name() + A, new long[] {r, rank});
                tensors.put(g.name() + B, b);
                shapes.put(g.name() + B, new long[] {rank, c});
                ranks.put(g.name(), rank);
                double[] ab = product(a, b, r, rank, c);
                for (int i = 0; i < len; i++) {
                    double e = ab[i] - delta[i];
                    errSq += e * e;
                    maxAbs = Math.max(maxAbs, Math.abs(e));
                    rec[off + i] = theta0[off + i] + ab[i];
                }
            } else {
                tensors.put(g.name() + FULL, delta);
                shapes.put(g.name() + FULL, g.shapeArray());
                for (int i = 0; i < len; i++) rec[off + i] = theta0[off + i] + delta[i];
            }
        }
        return new Encoded(tensors, shapes, ranks, rec, normSq == 0 ? 0 : Math.sqrt(errSq / normSq), maxAbs);
    }

    /**
     * theta_0 plus the stored deltas: {@code tensors} holds, per group, either {@code <group>.delta}
     * or {@code <group>.delta_a} and {@code <group>.delta_b} (row-major values).
     *
     * @param shapes the tensors' shapes
     * @throws BundleException naming the group whose tensors are missing or of the wrong shape
     */
    public static double[] decode(ParamLayout layout, double[] theta0, Map<String, double[]> tensors, Map<String, long[]> shapes, String where) {
        double[] out = theta0.clone();
        for (ParamGroup g : layout.groups()) {
            int off = (int) g.offset(), len = (int) g.length();
            double[] full = tensors.get(g.name() + FULL);
            if (full != null) {
                if (full.length != len) throw new BundleException(where + ": tensor " + g.name() + FULL + " holds " + full.length + " values; group " + g.name() + " has " + len);
                for (int i = 0; i < len; i++) out[off + i] += full[i];
                continue;
            }
            double[] a = tensors.get(g.name() + A), b = tensors.get(g.name() + B);
            if (a == null || b == null) throw new BundleException(where + ": group " + g.name() + " has neither " + g.name() + FULL + " nor " + g.name() + A + " and " + g.name() + B);
            long[] sa = shapes.get(g.name() + A), sb = shapes.get(g.name() + B);
            if (g.shape().size() != 2 || sa.length != 2 || sb.length != 2 || sa[0] != g.shape().get(0) || sb[1] != g.shape().get(1) || sa[1] != sb[0]) {
                throw new BundleException(where + ": low-rank factors of " + g.name() + " are " + java.util.Arrays.toString(sa) + " x " + java.util.Arrays.toString(sb)
                        + "; the group is " + g.shape());
            }
            double[] ab = product(a, b, (int) sa[0], (int) sa[1], (int) sb[1]);
            for (int i = 0; i < len; i++) out[off + i] += ab[i];
        }
        return out;
    }

    private static double[] product(double[] a, double[] b, int r, int k, int c) {
        double[] out = new double[r * c];
        for (int i = 0; i < r; i++) {
            for (int x = 0; x < k; x++) {
                double av = a[i * k + x];
                if (av == 0) continue;
                for (int j = 0; j < c; j++) out[i * c + j] += av * b[x * c + j];
            }
        }
        return out;
    }
}
