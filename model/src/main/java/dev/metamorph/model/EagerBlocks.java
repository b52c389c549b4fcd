package dev.metamorph.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The gated attention + feed-forward blocks of the eager pass: matrix products and the attention
 * softmax as ND4J operations on {@link EagerBuffers}, everything between them (bias, residual, layer
 * norm, activation, head permutes, softmax and layer-norm backward, gate and bias gradients) as fused
 * loops over Java arrays, computed in double. Same arithmetic as the blocks of {@link GatedAttentionGraph}.
 */
final class EagerBlocks {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;

    private final ModelConfig c;
    private final ThetaGroups groups;
    private final int d, h, dk, ff;
    private final double scale;
    private final boolean relu;

    EagerBlocks(ModelConfig c, ThetaGroups groups) {
        this.c = c;
        this.groups = groups;
        this.d = c.dModel();
        this.h = c.heads();
        this.dk = c.headSize();
        this.ff = c.ffSize();
        this.scale = 1.0 / Math.sqrt(dk);
        this.relu = c.activation() == ModelConfig.Activation.RELU;
    }

    /** Forward through one block: input {@code x} (ND4J) and {@code xJ} (its Java copy), output left in {@code k.out} and {@code k.outJ}. */
    void forward(INDArray theta, EagerBuffers s, EagerBuffers.Block k, INDArray x, double[] xJ) {
        String p = k.prefix;
        int nt = s.b * s.t;
        Nd4j.gemm(x, groups.view(theta, p + "attn.wq"), s.q, false, false, 1.0, 0.0);
        Nd4j.gemm(x, groups.view(theta, p + "attn.wk"), s.k, false, false, 1.0, 0.0);
        Nd4j.gemm(x, groups.view(theta, p + "attn.wv"), s.v, false, false, 1.0, 0.0);
        k.gate = sigmoid(groups.values(theta, p + "attn.gate"));
        // bias, split into heads, scale Q; V times the head's gate (sigmoid(g) * P) V = P (sigmoid(g) * V)
        s.host.read(s.q, s.nd1);
        toHeads(s, s.nd1, groups.values(theta, p + "attn.bq"), scale, s.nd2);
        s.host.write(s.nd2, k.qh);
        s.host.read(s.k, s.nd1);
        toHeads(s, s.nd1, groups.values(theta, p + "attn.bk"), 1.0, s.nd2);
        s.host.write(s.nd2, k.kh);
        s.host.read(s.v, s.nd1);
        toHeads(s, s.nd1, groups.values(theta, p + "attn.bv"), 1.0, k.vhJ);
        double[] vg = s.nd2;
        int per = s.t * dk;
        for (int bh = 0; bh < s.b * h; bh++) {
            double g = k.gate[bh % h];
            for (int j = 0; j < per; j++) vg[bh * per + j] = g * k.vhJ[bh * per + j];
        }
        s.host.write(vg, k.vg);
        Nd4j.matmul(k.qh, k.kh, k.probs, false, true, false);
        k.probs.reshape(s.b, (long) h * s.t, s.t).addi(s.keyBias);
        Nd4j.exec(new SoftMax(k.probs, k.probs, 2));
        HostArrays.flushSubnormals(k.probs); // exp of a large gap; the probabilities feed two gemms
        Nd4j.matmul(k.probs, k.vg, s.oh, false, false, false);
        s.host.read(s.oh, k.ohJ);
        fromHeads(s, k.ohJ, 1.0, s.nd1);
        s.host.write(s.nd1, k.o);
        Nd4j.gemm(k.o, groups.view(theta, p + "attn.wo"), s.y, false, false, 1.0, 0.0);
        s.host.read(s.y, s.nd1);
        addBiasAndResidual(s.nd1, groups.values(theta, p + "attn.bo"), xJ, nt);
        layerNorm(s.nd1, k.xhat1J, k.inv1J, groups.values(theta, p + "ln1.gamma"), groups.values(theta, p + "ln1.beta"), k.x1J, nt);
        s.host.write(k.x1J, k.x1);
        Nd4j.gemm(k.x1, groups.view(theta, p + "ff.w1"), s.hidden, false, false, 1.0, 0.0);
        s.host.read(s.hidden, k.hpreJ);
        double[] b1 = groups.values(theta, p + "ff.b1");
        double[] act = s.nf1;
        double[] hpre = k.hpreJ;
        for (int r = 0; r < nt; r++) {
            int o = r * ff;
            for (int u = 0; u < ff; u++) hpre[o + u] += b1[u];
        }
        if (relu) {
            for (int i = 0; i < nt * ff; i++) act[i] = Math.max(hpre[i], 0.0);
        } else {
            for (int i = 0; i < nt * ff; i++) act[i] = gelu(hpre[i]);
        }
        s.host.write(act, k.hact);
        Nd4j.gemm(k.hact, groups.view(theta, p + "ff.w2"), s.y, false, false, 1.0, 0.0);
        s.host.read(s.y, s.nd1);
        addBiasAndResidual(s.nd1, groups.values(theta, p + "ff.b2"), k.x1J, nt);
        layerNorm(s.nd1, k.xhat2J, k.inv2J, groups.values(theta, p + "ln2.gamma"), groups.values(theta, p + "ln2.beta"), k.outJ, nt);
        s.host.write(k.outJ, k.out);
    }

    /** Backward through one block: {@code dOut} (Java, [N * d]) in, the gradient of its input left in {@code s.dInJ}. */
    void backward(INDArray theta, INDArray grad, EagerBuffers s, EagerBuffers.Block k, INDArray x, double[] dOut) {
        String p = k.prefix;
        int nt = s.b * s.t;
        // second layer norm and the feed-forward
        double[] dR2 = s.nd3;
        layerNormBackward(grad, p + "ln2", dOut, k.xhat2J, k.inv2J, groups.values(theta, p + "ln2.gamma"), dR2, nt);
        linearBackward(theta, grad, s, k.hact, p + "ff.w2", p + "ff.b2", dR2, s.dA, s.hidden, 0.0);
        s.host.read(s.hidden, s.nf1);
        double[] dH = s.nf1;
        if (relu) {
            // dH * step(hpre) without a branch (random signs defeat branch prediction): keep dH where hpre > 0
            for (int i = 0; i < nt * ff; i++) {
                long bits = Double.doubleToRawLongBits(k.hpreJ[i]);
                dH[i] = Double.longBitsToDouble(Double.doubleToRawLongBits(dH[i]) & (((-bits) & ~bits) >> 63));
            }
        } else {
            for (int i = 0; i < nt * ff; i++) dH[i] *= geluDerivative(k.hpreJ[i]);
        }
        linearBackward(theta, grad, s, k.x1, p + "ff.w1", p + "ff.b1", dH, s.dHidden, s.y, 0.0);
        s.host.read(s.y, s.nd1);
        for (int i = 0; i < nt * d; i++) s.nd1[i] += dR2[i]; // dX1
        // first layer norm and the output projection
        double[] dR1 = s.nd3;
        layerNormBackward(grad, p + "ln1", s.nd1, k.xhat1J, k.inv1J, groups.values(theta, p + "ln1.gamma"), dR1, nt);
        linearBackward(theta, grad, s, k.o, p + "attn.wo", p + "attn.bo", dR1, s.dA, s.y, 0.0);
        s.host.read(s.y, s.nd1);
        double[] dOh = s.nd2;
        toHeads(s, s.nd1, null, 1.0, dOh);
        s.host.write(dOh, s.dOh);
        // softmax backward: dS = P * (dP - rowsum(dP * P)), with rowsum(dP * P) = dO . O per query row
        int rows = s.b * h * s.t;
        double[] rowDot = new double[rows];
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int e = 0; e < dk; e++) acc += dOh[r * dk + e] * k.ohJ[r * dk + e];
            rowDot[r] = acc;
        }
        Nd4j.matmul(s.dOh, k.vg, s.dP, false, true, false);
        s.host.read(s.dP, s.tt1);
        s.host.read(k.probs, s.tt2);
        for (int r = 0; r < rows; r++) {
            double rd = rowDot[r];
            for (int j = 0; j < s.t; j++) {
                int i = r * s.t + j;
                s.tt1[i] = s.tt2[i] * (s.tt1[i] - rd);
            }
        }
        s.host.write(s.tt1, s.dP); // now dS
        // V: dVg = P^T dO; the gate's gradient sums dVg * V over batch and positions
        Nd4j.matmul(k.probs, s.dOh, s.oh, true, false, false);
        s.host.read(s.oh, s.nd1);
        double[] dGate = new double[h];
        int per = s.t * dk;
        for (int bh = 0; bh < s.b * h; bh++) {
            int head = bh % h;
            double acc = 0, g = k.gate[head];
            for (int j = 0; j < per; j++) {
                int i = bh * per + j;
                acc += s.nd1[i] * k.vhJ[i];
                s.nd1[i] *= g;
            }
            dGate[head] += acc;
        }
        for (int i = 0; i < h; i++) dGate[i] *= k.gate[i] * (1 - k.gate[i]);
        groups.put(grad, p + "attn.gate", dGate);
        double[] dIn = s.dInJ;
        System.arraycopy(dR1, 0, dIn, 0, nt * d);
        projectionBackward(theta, grad, s, x, p + "attn.wv", p + "attn.bv", s.nd1, 1.0);
        Nd4j.matmul(s.dP, k.kh, s.oh, false, false, false);
        s.host.read(s.oh, s.nd1);
        projectionBackward(theta, grad, s, x, p + "attn.wq", p + "attn.bq", s.nd1, scale);
        Nd4j.matmul(s.dP, k.qh, s.oh, true, false, false);
        s.host.read(s.oh, s.nd1);
        projectionBackward(theta, grad, s, x, p + "attn.wk", p + "attn.bk", s.nd1, 1.0);
        // dIn = dR1 + dQ Wq^T + dK Wk^T + dV Wv^T, the products accumulated in s.dIn
        s.host.read(s.dIn, s.nd1);
        for (int i = 0; i < nt * d; i++) dIn[i] += s.nd1[i];
    }

    /**
     * One of Q/K/V: merges the heads of {@code headGrad} (times {@code factor}) into [N, d],
     * writes dW = x^T dY and db, and adds dY W^T into {@code s.dIn} (the first of the three sets it).
     */
    private void projectionBackward(INDArray theta, INDArray grad, EagerBuffers s, INDArray x, String w, String bias, double[] headGrad, double factor) {
        fromHeads(s, headGrad, factor, s.nd2);
        linearBackward(theta, grad, s, x, w, bias, s.nd2, s.dA, s.dIn, w.endsWith(".wv") ? 0.0 : 1.0);
    }

    /**
     * Backward of y = x W + b for dy (Java values, staged through {@code dyArray}): dW = x^T dy and
     * db = column sums of dy into the gradient, and dx = dy W^T (plus {@code beta} times what
     * {@code dx} held) into {@code dx}.
     */
    private void linearBackward(INDArray theta, INDArray grad, EagerBuffers s, INDArray x, String w, String bias, double[] dy, INDArray dyArray, INDArray dx, double beta) {
        s.host.write(dy, dyArray);
        Nd4j.gemm(x, dyArray, groups.view(grad, w), true, false, 1.0, 0.0);
        groups.put(grad, bias, columnSums(dy, s.b * s.t, (int) dyArray.columns()));
        Nd4j.gemm(dyArray, groups.view(theta, w), dx, false, true, 1.0, beta);
    }

    // ------------------------------------------------------------------ fused loops

    /** [N, d] (+ bias) -> [B*h, T, dk] times {@code factor}. */
    private void toHeads(EagerBuffers s, double[] src, double[] bias, double factor, double[] dst) {
        for (int b = 0; b < s.b; b++) {
            for (int t = 0; t < s.t; t++) {
                int from = (b * s.t + t) * d;
                for (int hh = 0; hh < h; hh++) {
                    int to = ((b * h + hh) * s.t + t) * dk;
                    for (int e = 0; e < dk; e++) {
                        double v = src[from + hh * dk + e];
                        if (bias != null) v += bias[hh * dk + e];
                        dst[to + e] = v * factor;
                    }
                }
            }
        }
    }

    /** [B*h, T, dk] -> [N, d] times {@code factor}. */
    private void fromHeads(EagerBuffers s, double[] src, double factor, double[] dst) {
        for (int b = 0; b < s.b; b++) {
            for (int t = 0; t < s.t; t++) {
                int to = (b * s.t + t) * d;
                for (int hh = 0; hh < h; hh++) {
                    int from = ((b * h + hh) * s.t + t) * dk;
                    for (int e = 0; e < dk; e++) dst[to + hh * dk + e] = src[from + e] * factor;
                }
            }
        }
    }

    private void addBiasAndResidual(double[] y, double[] bias, double[] residual, int rows) {
        for (int r = 0; r < rows; r++) for (int e = 0; e < d; e++) y[r * d + e] += bias[e] + residual[r * d + e];
    }

    /** out = (r - mean) / sqrt(var + eps) * gamma + beta per row; keeps xhat and 1/sqrt(var + eps). */
    private void layerNorm(double[] r, double[] xhat, double[] inv, double[] gamma, double[] beta, double[] out, int rows) {
        double eps = c.layerNormEps();
        for (int i = 0; i < rows; i++) {
            int o = i * d;
            double mean = 0;
            for (int e = 0; e < d; e++) mean += r[o + e];
            mean /= d;
            double var = 0;
            for (int e = 0; e < d; e++) {
                double centred = r[o + e] - mean;
                xhat[o + e] = centred;
                var += centred * centred;
            }
            double iv = 1.0 / Math.sqrt(var / d + eps);
            inv[i] = iv;
            for (int e = 0; e < d; e++) {
                double xh = xhat[o + e] * iv;
                xhat[o + e] = xh;
                out[o + e] = xh * gamma[e] + beta[e];
            }
        }
    }

    /** Layer-norm backward: gamma and beta gradients into {@code grad}, the input gradient into {@code dr}. */
    private void layerNormBackward(INDArray grad, String name, double[] dOut, double[] xhat, double[] inv, double[] gamma, double[] dr, int rows) {
        double[] gGamma = new double[d], gBeta = new double[d];
        for (int i = 0; i < rows; i++) {
            int o = i * d;
            double m1 = 0, m2 = 0;
            for (int e = 0; e < d; e++) {
                double g = dOut[o + e];
                gGamma[e] += g * xhat[o + e];
                gBeta[e] += g;
                double dxh = g * gamma[e];
                dr[o + e] = dxh;
                m1 += dxh;
                m2 += dxh * xhat[o + e];
            }
            m1 /= d;
            m2 /= d;
            double iv = inv[i];
            for (int e = 0; e < d; e++) dr[o + e] = (dr[o + e] - m1 - xhat[o + e] * m2) * iv;
        }
        groups.put(grad, name + ".gamma", gGamma);
        groups.put(grad, name + ".beta", gBeta);
    }

    private static double gelu(double x) {
        double th = Math.tanh((x + x * x * x * GELU_A) * GELU_C);
        return x * (th + 1.0) * 0.5;
    }

    private static double geluDerivative(double x) {
        double x2 = x * x;
        double th = Math.tanh((x + x2 * x * GELU_A) * GELU_C);
        double sech2 = 1.0 - th * th;
        return (th + 1.0) * 0.5 + x * 0.5 * sech2 * (1.0 + 3 * GELU_A * x2) * GELU_C;
    }

    static double[] columnSums(double[] a, int rows, int cols) {
        double[] out = new double[cols];
        for (int r = 0; r < rows; r++) for (int e = 0; e < cols; e++) out[e] += a[r * cols + e];
        return out;
    }

    private static double[] sigmoid(double[] g) {
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) out[i] = 1.0 / (1.0 + Math.exp(-g[i]));
        return out;
    }
}
