package dev.metamorph.model;

/**
 * The prototype head's ridge fit ({@code model.head-fit = ridge}, {@link ModelConfig.Ridge}) as Java
 * loops over the head's input rows z [B * width], forward and backward. Every scored row i is
 * predicted by a ridge regression onto the one-hot labels Y_S fitted on its episode's prototype rows S
 * (without row i when it is a prototype row itself, as the class means leave it out), in the Gram
 * (dual) form: raw_i = K_iS (K_SS + l2 I)^-1 Y_S, logits = exp(head.scale) raw. The kernel joins the
 * two kinds of evidence the fitted head of the evaluation joins: K = (1 - w) cos(z_i, z_j) +
 * w tfidf_i . tfidf_j (the batch's lexical matrix divided by its gain). Rows that leave out the same
 * row share one fit, so a query batch costs one fit plus one per prototype row.
 *
 * <p>Backward: with A = (K_SS + l2 I)^-1 Y_S and G = dLoss/draw, dK_iS = G_i A^T, dA = K_iS^T G and
 * dK_SS = -((K_SS + l2 I)^-1 dA) A^T; the kernel's gradient reaches the unit rows as
 * (1 - w) (dK + dK^T) zn and the rows through the normalisation. Checked against finite differences
 * in double ({@code RidgeHeadTest}).
 */
final class RidgeFit {
    private final int b, e, n;
    private final double scale, cosW;
    private final double[] zn, zNorm, kernel;
    private final int[] groupOf;
    private final int[][] sets;
    private final double[][] inverse, a;

    private RidgeFit(int b, int e, int n, double scale, double cosW, double[] zn, double[] zNorm, double[] kernel,
                     int[] groupOf, int[][] sets, double[][] inverse, double[][] a) {
        this.b = b;
        this.e = e;
        this.n = n;
        this.scale = scale;
        this.cosW = cosW;
        this.zn = zn;
        this.zNorm = zNorm;
        this.kernel = kernel;
        this.groupOf = groupOf;
        this.sets = sets;
        this.inverse = inverse;
        this.a = a;
    }

    /** Fits every row's ridge regression and writes exp(head.scale) times its predictions into {@code logits} [B * ways]. */
    static RidgeFit forward(ModelConfig.Ridge r, TaskFeed f, double[] z, int e, int n, double scale, double[] logits) {
        int b = f.size();
        double w = f.lexicalRows() == null ? 0.0 : r.lexicalWeight();
        double cosW = 1 - w;
        double[] zn = new double[b * e], zNorm = new double[b];
        for (int i = 0; i < b; i++) {
            double zz = 0;
            for (int x = 0; x < e; x++) zz += z[i * e + x] * z[i * e + x];
            zNorm[i] = Math.sqrt(zz + EagerHead.NORM_EPS);
            for (int x = 0; x < e; x++) zn[i * e + x] = z[i * e + x] / zNorm[i];
        }
        double[] kernel = new double[b * b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j <= i; j++) {
                double dot = 0;
                for (int x = 0; x < e; x++) dot += zn[i * e + x] * zn[j * e + x];
                double k = cosW * dot;
                if (w > 0) k += w * 0.5 * (f.lexicalRows()[i * b + j] + f.lexicalRows()[j * b + i]) / r.lexicalGain();
                kernel[i * b + j] = k;
                kernel[j * b + i] = k;
            }
        }
        boolean[] proto = f.prototypeRows();
        int protos = 0;
        for (boolean p : proto) if (p) protos++;
        // group 0: rows that are not prototype rows (all prototype rows); group 1 + s: the s-th prototype row (all others)
        int[] groupOf = new int[b];
        int[] protoIndex = new int[b];
        int[] protoRows = new int[protos];
        for (int i = 0, s = 0; i < b; i++) {
            if (proto[i]) {
                protoIndex[i] = s;
                protoRows[s++] = i;
                groupOf[i] = s; // 1 + index
            } else {
                groupOf[i] = 0;
            }
        }
        int[][] sets = new int[protos + 1][];
        double[][] inverse = new double[protos + 1][];
        double[][] a = new double[protos + 1][];
        boolean[] used = new boolean[protos + 1];
        for (int i = 0; i < b; i++) used[groupOf[i]] = true;
        for (int g = 0; g <= protos; g++) {
            if (!used[g]) continue;
            int left = g == 0 ? -1 : protoRows[g - 1];
            int m = protos - (left < 0 ? 0 : 1);
            int[] set = new int[m];
            for (int s = 0, k = 0; s < protos; s++) if (protoRows[s] != left) set[k++] = protoRows[s];
            sets[g] = set;
            double[] mat = new double[m * m];
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < m; q++) mat[p * m + q] = kernel[set[p] * b + set[q]];
                mat[p * m + p] += r.l2();
            }
            double[] inv = invertSpd(mat, m);
            inverse[g] = inv;
            double[] ag = new double[m * n];
            for (int p = 0; p < m; p++) for (int q = 0; q < m; q++) ag[p * n + f.labels()[set[q]]] += inv[p * m + q];
            a[g] = ag;
        }
        for (int i = 0; i < b; i++) {
            int g = groupOf[i];
            int[] set = sets[g];
            for (int k = 0; k < n; k++) {
                double acc = 0;
                for (int p = 0; p < set.length; p++) acc += kernel[i * b + set[p]] * a[g][p * n + k];
                logits[i * n + k] = scale * acc;
            }
        }
        return new RidgeFit(b, e, n, scale, cosW, zn, zNorm, kernel, groupOf, sets, inverse, a);
    }

    /** Adds dLoss/dz [B * width] for {@code dLogits} [B * ways] into {@code dz}. */
    void backward(double[] dLogits, double[] dz) {
        double[] dK = new double[b * b];
        int groups = sets.length;
        double[][] dA = new double[groups][];
        for (int i = 0; i < b; i++) {
            boolean any = false;
            for (int k = 0; k < n; k++) any |= dLogits[i * n + k] != 0;
            if (!any) continue;
            int g = groupOf[i];
            int[] set = sets[g];
            int m = set.length;
            if (dA[g] == null) dA[g] = new double[m * n];
            for (int p = 0; p < m; p++) {
                double kip = kernel[i * b + set[p]], acc = 0;
                for (int k = 0; k < n; k++) {
                    double gl = scale * dLogits[i * n + k];
                    dA[g][p * n + k] += kip * gl;
                    acc += gl * a[g][p * n + k];
                }
                dK[i * b + set[p]] += acc;
            }
        }
        for (int g = 0; g < groups; g++) {
            if (dA[g] == null) continue;
            int[] set = sets[g];
            int m = set.length;
            double[] inv = inverse[g];
            double[] bm = new double[m * n];
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < m; q++) {
                    double v = inv[p * m + q];
                    if (v == 0) continue;
                    for (int k = 0; k < n; k++) bm[p * n + k] += v * dA[g][q * n + k];
                }
            }
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < m; q++) {
                    double acc = 0;
                    for (int k = 0; k < n; k++) acc += bm[p * n + k] * a[g][q * n + k];
                    dK[set[p] * b + set[q]] -= acc;
                }
            }
        }
        double[] dzn = new double[e];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(dzn, 0.0);
            boolean any = false;
            for (int j = 0; j < b; j++) {
                double s = cosW * (dK[i * b + j] + dK[j * b + i]);
                if (s == 0) continue;
                any = true;
                for (int x = 0; x < e; x++) dzn[x] += s * zn[j * e + x];
            }
            if (!any) continue;
            double dot = 0;
            for (int x = 0; x < e; x++) dot += dzn[x] * zn[i * e + x];
            for (int x = 0; x < e; x++) dz[i * e + x] += (dzn[x] - dot * zn[i * e + x]) / zNorm[i];
        }
    }

    /** The inverse of a symmetric positive definite m x m matrix (row-major) through its Cholesky factor. */
    static double[] invertSpd(double[] mat, int m) {
        double[] l = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double s = mat[i * m + j];
                for (int k = 0; k < j; k++) s -= l[i * m + k] * l[j * m + k];
                if (i == j) {
                    if (!(s > 0)) throw new ArithmeticException("The ridge fit's matrix K + l2 I is not positive definite (pivot " + s + " at row " + i + "); the embeddings or the lexical matrix are not finite");
                    l[i * m + i] = Math.sqrt(s);
                } else {
                    l[i * m + j] = s / l[j * m + j];
                }
            }
        }
        double[] inv = new double[m * m];
        double[] col = new double[m];
        for (int c = 0; c < m; c++) {
            // solve L y = e_c, then L^T x = y
            for (int i = 0; i < m; i++) {
                double s = i == c ? 1.0 : 0.0;
                for (int k = 0; k < i; k++) s -= l[i * m + k] * col[k];
                col[i] = s / l[i * m + i];
            }
            for (int i = m - 1; i >= 0; i--) {
                double s = col[i];
                for (int k = i + 1; k < m; k++) s -= l[k * m + i] * col[k];
                col[i] = s / l[i * m + i];
            }
            for (int i = 0; i < m; i++) inv[i * m + c] = col[i];
        }
        return inv;
    }
}
