package dev.metamorph.model.mlp;

import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.RegressionBatch;

/**
 * The exact plain-Java kernel of a small dense ReLU MLP with MSE loss: forward, backward and the
 * Hessian-vector product by the R-operator (Pearlmutter 1994, forward-over-reverse), derived by
 * hand for this network. ReLU's second derivative is zero wherever it exists, so the Hessian
 * comes only from products of weights and activations; the R-pass below carries exactly those
 * terms and gives {@code H v} exactly (no finite differences).
 *
 * <p>Parameter layout per layer l: weight [out_l, in_l] row-major, then bias [out_l]
 * (as {@link MlpLearner#layout()}). Buffers are allocated for the largest batch seen and reused:
 * no allocation per call once warm. Not thread-safe.
 *
 * <p>Per layer the forward product uses a transposed copy of the weight so that every inner loop
 * is a contiguous multiply-add over the output units (which the JIT vectorises).
 */
public final class MlpKernel implements LearnerKernel<RegressionBatch> {
    private final int[] sizes;
    private final int layers;
    private final int size;
    private final int[] wOff;
    private final int[] bOff;
    private final double[][] wt;   // transposed weight per layer [in, out]
    private final double[][] vt;   // transposed direction weight per layer [in, out]
    private int capacity;
    private double[][] a;          // activations per level [n * sizes[l]]
    private double[][] ra;         // R{activations}
    private double[][] dz;         // dLoss/dz per level
    private double[][] rdz;        // R{dLoss/dz}
    private double[] lastTheta;    // theta and batch of the last lossAndGradient (for hessianVectorAfterGradient)
    private RegressionBatch lastBatch;

    MlpKernel(int[] sizes) {
        this.sizes = sizes.clone();
        this.layers = sizes.length - 1;
        this.wOff = new int[layers];
        this.bOff = new int[layers];
        int off = 0;
        for (int l = 0; l < layers; l++) {
            wOff[l] = off;
            off += sizes[l] * sizes[l + 1];
            bOff[l] = off;
            off += sizes[l + 1];
        }
        this.size = off;
        this.wt = new double[layers][];
        this.vt = new double[layers][];
        for (int l = 0; l < layers; l++) {
            wt[l] = new double[sizes[l] * sizes[l + 1]];
            vt[l] = new double[sizes[l] * sizes[l + 1]];
        }
        ensureCapacity(16);
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) return;
        capacity = Math.max(n, capacity * 2);
        a = new double[layers + 1][];
        ra = new double[layers + 1][];
        dz = new double[layers + 1][];
        rdz = new double[layers + 1][];
        for (int l = 0; l <= layers; l++) {
            a[l] = new double[capacity * sizes[l]];
            ra[l] = new double[capacity * sizes[l]];
            dz[l] = new double[capacity * sizes[l]];
            rdz[l] = new double[capacity * sizes[l]];
        }
    }

    @Override
    public int size() {
        return size;
    }

    /** Bytes held in buffers (for memory reports). */
    public long bufferBytes() {
        long n = 0;
        for (int l = 0; l < layers; l++) n += 2L * wt[l].length;
        for (int l = 0; l <= layers; l++) n += 4L * capacity * sizes[l];
        return 8 * n;
    }

    private void check(double[] theta, RegressionBatch batch) {
        if (theta.length != size) throw new IllegalArgumentException("theta has " + theta.length + " values, the MLP " + java.util.Arrays.toString(sizes) + " has " + size);
        if (batch.inputs() != sizes[0] || batch.outputs() != sizes[layers]) throw new IllegalArgumentException("batch is " + batch.inputs() + "->" + batch.outputs() + " but the MLP is " + java.util.Arrays.toString(sizes));
        ensureCapacity(batch.rows());
    }

    private static void transpose(double[] src, int off, int rows, int cols, double[] dst) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[base + c];
        }
    }

    /** Forward pass into a[]; with {@code v != null} also the R-forward pass into ra[]. */
    private void forward(double[] theta, double[] v, RegressionBatch batch, int n) {
        batch.copyX(a[0], 0);
        if (v != null) java.util.Arrays.fill(ra[0], 0, n * sizes[0], 0.0);
        for (int l = 0; l < layers; l++) {
            int in = sizes[l], out = sizes[l + 1];
            transpose(theta, wOff[l], out, in, wt[l]);
            if (v != null) transpose(v, wOff[l], out, in, vt[l]);
            double[] w = wt[l], al = a[l], zn = a[l + 1];
            boolean hidden = l + 1 < layers;
            int bo = bOff[l];
            for (int i = 0; i < n; i++) {
                int zi = i * out;
                System.arraycopy(theta, bo, zn, zi, out);
                for (int j = 0; j < in; j++) {
                    double s = al[i * in + j];
                    int wj = j * out;
                    for (int o = 0; o < out; o++) zn[zi + o] += s * w[wj + o];
                }
            }
            if (v != null) {
                double[] vv = vt[l], ral = ra[l], rzn = ra[l + 1];
                for (int i = 0; i < n; i++) {
                    int zi = i * out;
                    System.arraycopy(v, bo, rzn, zi, out);
                    for (int j = 0; j < in; j++) {
                        double s = al[i * in + j];
                        double rs = ral[i * in + j];
                        int wj = j * out;
                        for (int o = 0; o < out; o++) rzn[zi + o] += s * vv[wj + o] + rs * w[wj + o];
                    }
                }
            }
            if (hidden) {
                int m = n * out;
                if (v != null) {
                    double[] rzn = ra[l + 1];
                    for (int k = 0; k < m; k++) {
                        if (zn[k] <= 0) {
                            zn[k] = 0;
                            rzn[k] = 0;
                        }
                    }
                } else {
                    for (int k = 0; k < m; k++) if (zn[k] <= 0) zn[k] = 0;
                }
            }
        }
    }

    private double outputLoss(RegressionBatch batch, int n, boolean withR) {
        int out = sizes[layers];
        double[] y = a[layers], d = dz[layers], rd = rdz[layers], ry = ra[layers];
        double scale = 2.0 / ((double) n * out);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                int k = i * out + o;
                double e = y[k] - batch.y(i, o);
                sum += e * e;
                d[k] = scale * e;
                if (withR) rd[k] = scale * ry[k];
            }
        }
        return sum / ((double) n * out);
    }

    /**
     * Backward pass: gradient into grad (unless null) and, with {@code v != null}, H v into hv.
     * With {@code reuse} the plain errors dz[] of a previous pass at the same theta are kept and
     * only the R-terms are computed.
     */
    private void backward(double[] theta, double[] v, int n, double[] grad, double[] hv, boolean reuse) {
        for (int l = layers - 1; l >= 0; l--) {
            int in = sizes[l], out = sizes[l + 1];
            double[] d = dz[l + 1], al = a[l];
            int wo = wOff[l], bo = bOff[l];
            if (grad != null) {
                java.util.Arrays.fill(grad, wo, bo + out, 0.0);
                for (int i = 0; i < n; i++) {
                    int di = i * out, ai = i * in;
                    for (int o = 0; o < out; o++) {
                        double s = d[di + o];
                        grad[bo + o] += s;
                        int go = wo + o * in;
                        for (int j = 0; j < in; j++) grad[go + j] += s * al[ai + j];
                    }
                }
            }
            if (v != null) {
                double[] rd = rdz[l + 1], ral = ra[l];
                java.util.Arrays.fill(hv, wo, bo + out, 0.0);
                for (int i = 0; i < n; i++) {
                    int di = i * out, ai = i * in;
                    for (int o = 0; o < out; o++) {
                        double s = d[di + o], rs = rd[di + o];
                        hv[bo + o] += rs;
                        int go = wo + o * in;
                        for (int j = 0; j < in; j++) hv[go + j] += rs * al[ai + j] + s * ral[ai + j];
                    }
                }
            }
            if (l == 0) break;
            // dA_l = dZ_{l+1} W_l ; R{dA_l} = R{dZ_{l+1}} W_l + dZ_{l+1} V_l ; then the ReLU mask of level l
            double[] dn = dz[l], an = a[l];
            for (int i = 0; i < n && !reuse; i++) {
                int di = i * out, ai = i * in;
                java.util.Arrays.fill(dn, ai, ai + in, 0.0);
                for (int o = 0; o < out; o++) {
                    double s = d[di + o];
                    int wrow = wo + o * in;
                    for (int j = 0; j < in; j++) dn[ai + j] += s * theta[wrow + j];
                }
                for (int j = 0; j < in; j++) if (an[ai + j] <= 0) dn[ai + j] = 0;
            }
            if (v != null) {
                double[] rd = rdz[l + 1], rdn = rdz[l];
                for (int i = 0; i < n; i++) {
                    int di = i * out, ai = i * in;
                    java.util.Arrays.fill(rdn, ai, ai + in, 0.0);
                    for (int o = 0; o < out; o++) {
                        double s = d[di + o], rs = rd[di + o];
                        int wrow = wo + o * in;
                        for (int j = 0; j < in; j++) rdn[ai + j] += rs * theta[wrow + j] + s * v[wrow + j];
                    }
                    for (int j = 0; j < in; j++) if (an[ai + j] <= 0) rdn[ai + j] = 0;
                }
            }
        }
    }

    @Override
    public double lossAndGradient(double[] theta, RegressionBatch batch, double[] grad) {
        check(theta, batch);
        int n = batch.rows();
        forward(theta, null, batch, n);
        double loss = outputLoss(batch, n, false);
        backward(theta, null, n, grad, null, false);
        lastTheta = theta;
        lastBatch = batch;
        return loss;
    }

    @Override
    public double gradientAndHessianVector(double[] theta, RegressionBatch batch, double[] v, double[] grad, double[] hv) {
        check(theta, batch);
        if (v.length != size) throw new IllegalArgumentException("direction v has " + v.length + " values, expected " + size);
        int n = batch.rows();
        lastTheta = null;
        forward(theta, v, batch, n);
        double loss = outputLoss(batch, n, true);
        backward(theta, v, n, grad, hv, false);
        return loss;
    }

    @Override
    public void hessianVectorAfterGradient(double[] theta, RegressionBatch batch, double[] v, double[] hv) {
        if (theta != lastTheta || batch != lastBatch) {
            gradientAndHessianVector(theta, batch, v, null, hv);
            return;
        }
        if (v.length != size) throw new IllegalArgumentException("direction v has " + v.length + " values, expected " + size);
        int n = batch.rows();
        rForward(theta, v, n);
        int out = sizes[layers];
        double scale = 2.0 / ((double) n * out);
        for (int k = 0; k < n * out; k++) rdz[layers][k] = scale * ra[layers][k];
        backward(theta, v, n, null, hv, true);
    }

    /** The R-forward pass alone, from the activations (and transposed weights) of the last forward pass at theta. */
    private void rForward(double[] theta, double[] v, int n) {
        java.util.Arrays.fill(ra[0], 0, n * sizes[0], 0.0);
        for (int l = 0; l < layers; l++) {
            int in = sizes[l], out = sizes[l + 1];
            transpose(v, wOff[l], out, in, vt[l]);
            double[] w = wt[l], vv = vt[l], al = a[l], ral = ra[l], rzn = ra[l + 1], an = a[l + 1];
            int bo = bOff[l];
            for (int i = 0; i < n; i++) {
                int zi = i * out;
                System.arraycopy(v, bo, rzn, zi, out);
                for (int j = 0; j < in; j++) {
                    double s = al[i * in + j];
                    double rs = ral[i * in + j];
                    int wj = j * out;
                    for (int o = 0; o < out; o++) rzn[zi + o] += s * vv[wj + o] + rs * w[wj + o];
                }
            }
            if (l + 1 < layers) for (int k = 0; k < n * out; k++) if (an[k] <= 0) rzn[k] = 0;
        }
    }

    @Override
    public double loss(double[] theta, RegressionBatch batch) {
        check(theta, batch);
        lastTheta = null;
        int n = batch.rows();
        forward(theta, null, batch, n);
        int out = sizes[layers];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double e = a[layers][i * out + o] - batch.y(i, o);
                sum += e * e;
            }
        }
        return sum / ((double) n * out);
    }

    @Override
    public void predict(double[] theta, RegressionBatch batch, double[] out) {
        check(theta, batch);
        lastTheta = null;
        int n = batch.rows();
        forward(theta, null, batch, n);
        System.arraycopy(a[layers], 0, out, 0, n * sizes[layers]);
    }
}
