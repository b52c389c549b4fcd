package dev.metamorph.model;

import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The gated-attention encoder's forward and backward pass run eagerly: the matrix products
 * (projections, batched attention products, their gradients) and the attention softmax as ND4J
 * operations on buffers allocated once per batch shape, and everything between them (bias,
 * residual, layer norm, activation, head permutes, softmax and layer-norm backward, gate and bias
 * gradients, pooling, head, loss, embedding scatter-add) as fused loops over Java arrays, one pass
 * each. Same arithmetic as {@link GatedAttentionGraph} (equal to it within rounding, checked in the
 * tests), without a graph session's per-op planning or one native call per elementwise op.
 *
 * <p>This is the first-order path ({@code lossAndGradient}, {@code predict}); exact second-order
 * meta-gradients use the graph, whose backward pass can be differentiated again. Java loops compute
 * in double; float models round when results go back to ND4J. One instance per thread; buffers are
 * overwritten by every call.
 */
final class EagerEncoder {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;
    private static final int MAX_SHAPES = 6;

    private final ModelConfig c;
    private final DataType dt;
    private final int d, h, dk, ff, n;
    private final double scale;
    private final boolean relu;
    private final Map<Long, Buffers> buffers = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Buffers> e) {
            return size() > MAX_SHAPES;
        }
    };
    private final Map<String, ParamGroup> groups = new HashMap<>();

    EagerEncoder(ModelConfig c, ParamLayout layout) {
        this.c = c;
        this.dt = c.dtype();
        this.d = c.dModel();
        this.h = c.heads();
        this.dk = c.headSize();
        this.ff = c.ffSize();
        this.n = c.ways();
        this.scale = 1.0 / Math.sqrt(dk);
        this.relu = c.activation() == ModelConfig.Activation.RELU;
        for (ParamGroup g : layout.groups()) groups.put(g.name(), g);
    }

    /** Result of one task: loss, logits [size * ways] (row-major) and, with a backward pass, dLoss/dmemory [size * d]. */
    record Output(double loss, double[] logits, double[] memoryGradient) {}

    /**
     * Forward pass of one task at {@code theta} [P] (dtype of the model); with {@code grad} [P]
     * (zero on entry, an own contiguous array) also the backward pass, writing the gradient of the
     * task's loss.
     */
    Output run(INDArray theta, TaskFeed f, INDArray grad) {
        Buffers s = buffers(f.size(), f.length());
        s.keyBias.assign(Nd4j.createFromArray(f.keyBias()).castTo(dt).reshape(s.b, 1, s.t));
        // embedding rows plus positions
        Nd4j.pullRows(view(theta, EncoderLayout.TOKENS), s.x0, 1, f.ids());
        s.host.read(s.x0, s.x0J);
        double[] pos = values(theta, EncoderLayout.POSITIONS, (long) s.t * d);
        int td = s.t * d;
        for (int i = 0; i < s.b; i++) for (int j = 0; j < td; j++) s.x0J[i * td + j] += pos[j];
        s.host.write(s.x0J, s.x0);
        INDArray x = s.x0;
        double[] xJ = s.x0J;
        for (Block k : s.blocks) {
            blockForward(theta, s, k, x, xJ);
            x = k.out;
            xJ = k.outJ;
        }
        // masked mean pooling (+ memory read vector)
        double[] z = new double[s.b * d];
        for (int i = 0; i < s.b; i++) {
            for (int j = 0; j < s.t; j++) {
                double w = f.pool()[i * s.t + j];
                if (w == 0) continue;
                int from = (i * s.t + j) * d;
                for (int e = 0; e < d; e++) z[i * d + e] += w * xJ[from + e];
            }
        }
        if (f.memory() != null) for (int i = 0; i < z.length; i++) z[i] += f.memory()[i];
        Head head = head(theta, f, z, grad != null);
        if (grad == null) return new Output(head.loss, head.logits, null);
        for (Map.Entry<String, double[]> e : head.gradients.entrySet()) put(grad, e.getKey(), e.getValue());
        // pooling backward: dX[b, t, :] = pool[b, t] * dz[b, :]
        double[] dx = s.dOutJ;
        for (int i = 0; i < s.b; i++) {
            for (int j = 0; j < s.t; j++) {
                double w = f.pool()[i * s.t + j];
                int to = (i * s.t + j) * d;
                for (int e = 0; e < d; e++) dx[to + e] = w * head.dz[i * d + e];
            }
        }
        for (int l = c.blocks() - 1; l >= 0; l--) {
            Block k = s.blocks[l];
            INDArray in = l == 0 ? s.x0 : s.blocks[l - 1].out;
            blockBackward(theta, grad, s, k, in, dx);
            dx = s.dInJ;
        }
        // positions: sum over the batch; tokens: scatter-add of the input rows' gradients
        double[] dPos = new double[td];
        for (int i = 0; i < s.b; i++) for (int j = 0; j < td; j++) dPos[j] += dx[i * td + j];
        HostArrays.writeAt(grad, groups.get(EncoderLayout.POSITIONS).offset(), dPos);
        scatterTokens(f.ids(), dx, grad);
        return new Output(head.loss, head.logits, head.dz);
    }

    // ------------------------------------------------------------------ blocks

    private void blockForward(INDArray theta, Buffers s, Block k, INDArray x, double[] xJ) {
        String p = k.prefix;
        int nt = s.b * s.t;
        Nd4j.gemm(x, view(theta, p + "attn.wq"), s.q, false, false, 1.0, 0.0);
        Nd4j.gemm(x, view(theta, p + "attn.wk"), s.k, false, false, 1.0, 0.0);
        Nd4j.gemm(x, view(theta, p + "attn.wv"), s.v, false, false, 1.0, 0.0);
        k.gate = sigmoid(values(theta, p + "attn.gate"));
        // bias, split into heads, scale Q; V times the head's gate (sigmoid(g) * P) V = P (sigmoid(g) * V)
        s.host.read(s.q, s.nd1);
        toHeads(s, s.nd1, values(theta, p + "attn.bq"), scale, s.nd2);
        s.host.write(s.nd2, k.qh);
        s.host.read(s.k, s.nd1);
        toHeads(s, s.nd1, values(theta, p + "attn.bk"), 1.0, s.nd2);
        s.host.write(s.nd2, k.kh);
        s.host.read(s.v, s.nd1);
        toHeads(s, s.nd1, values(theta, p + "attn.bv"), 1.0, k.vhJ);
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
        Nd4j.matmul(k.probs, k.vg, s.oh, false, false, false);
        s.host.read(s.oh, k.ohJ);
        fromHeads(s, k.ohJ, 1.0, s.nd1);
        s.host.write(s.nd1, k.o);
        Nd4j.gemm(k.o, view(theta, p + "attn.wo"), s.y, false, false, 1.0, 0.0);
        s.host.read(s.y, s.nd1);
        addBiasAndResidual(s.nd1, values(theta, p + "attn.bo"), xJ, nt);
        layerNorm(s.nd1, k.xhat1J, k.inv1J, values(theta, p + "ln1.gamma"), values(theta, p + "ln1.beta"), k.x1J, nt);
        s.host.write(k.x1J, k.x1);
        Nd4j.gemm(k.x1, view(theta, p + "ff.w1"), s.hidden, false, false, 1.0, 0.0);
        s.host.read(s.hidden, k.hpreJ);
        double[] b1 = values(theta, p + "ff.b1");
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
        Nd4j.gemm(k.hact, view(theta, p + "ff.w2"), s.y, false, false, 1.0, 0.0);
        s.host.read(s.y, s.nd1);
        addBiasAndResidual(s.nd1, values(theta, p + "ff.b2"), k.x1J, nt);
        layerNorm(s.nd1, k.xhat2J, k.inv2J, values(theta, p + "ln2.gamma"), values(theta, p + "ln2.beta"), k.outJ, nt);
        s.host.write(k.outJ, k.out);
    }

    /** Backward through one block: {@code dOut} (Java, [N * d]) in, the gradient of its input left in {@code s.dInJ}. */
    private void blockBackward(INDArray theta, INDArray grad, Buffers s, Block k, INDArray x, double[] dOut) {
        String p = k.prefix;
        int nt = s.b * s.t;
        // second layer norm and the feed-forward
        double[] dR2 = s.nd3;
        layerNormBackward(grad, p + "ln2", dOut, k.xhat2J, k.inv2J, values(theta, p + "ln2.gamma"), dR2, nt);
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
        layerNormBackward(grad, p + "ln1", s.nd1, k.xhat1J, k.inv1J, values(theta, p + "ln1.gamma"), dR1, nt);
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
        put(grad, p + "attn.gate", dGate);
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
    private void projectionBackward(INDArray theta, INDArray grad, Buffers s, INDArray x, String w, String bias, double[] headGrad, double factor) {
        fromHeads(s, headGrad, factor, s.nd2);
        linearBackward(theta, grad, s, x, w, bias, s.nd2, s.dA, s.dIn, w.endsWith(".wv") ? 0.0 : 1.0);
    }

    /**
     * Backward of y = x W + b for dy (Java values, staged through {@code dyArray}): dW = x^T dy and
     * db = column sums of dy into the gradient, and dx = dy W^T (plus {@code beta} times what
     * {@code dx} held) into {@code dx}.
     */
    private void linearBackward(INDArray theta, INDArray grad, Buffers s, INDArray x, String w, String bias, double[] dy, INDArray dyArray, INDArray dx, double beta) {
        s.host.write(dy, dyArray);
        Nd4j.gemm(x, dyArray, view(grad, w), true, false, 1.0, 0.0);
        put(grad, bias, columnSums(dy, s.b * s.t, (int) dyArray.columns()));
        Nd4j.gemm(dyArray, view(theta, w), dx, false, true, 1.0, beta);
    }

    // ------------------------------------------------------------------ fused loops

    /** [N, d] (+ bias) -> [B*h, T, dk] times {@code factor}. */
    private void toHeads(Buffers s, double[] src, double[] bias, double factor, double[] dst) {
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
    private void fromHeads(Buffers s, double[] src, double factor, double[] dst) {
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
        put(grad, name + ".gamma", gGamma);
        put(grad, name + ".beta", gBeta);
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

    private static double[] columnSums(double[] a, int rows, int cols) {
        double[] out = new double[cols];
        for (int r = 0; r < rows; r++) for (int e = 0; e < cols; e++) out[e] += a[r * cols + e];
        return out;
    }

    private static double[] sigmoid(double[] g) {
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) out[i] = 1.0 / (1.0 + Math.exp(-g[i]));
        return out;
    }

    /** embed.tokens gradient: row id receives the sum of the input-row gradients at the positions holding id. */
    private void scatterTokens(int[] ids, double[] dx, INDArray grad) {
        int[] slot = new int[c.vocabSize()];
        Arrays.fill(slot, -1);
        int[] distinct = new int[ids.length];
        int u = 0;
        double[] acc = new double[ids.length * d];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (slot[id] < 0) {
                slot[id] = u;
                distinct[u++] = id;
            }
            int to = slot[id] * d, from = i * d;
            for (int e = 0; e < d; e++) acc[to + e] += dx[from + e];
        }
        long base = groups.get(EncoderLayout.TOKENS).offset();
        long[] offsets = new long[u];
        for (int k = 0; k < u; k++) offsets[k] = base + (long) distinct[k] * d;
        HostArrays.writeRows(grad, offsets, u, acc, d);
    }

    // ------------------------------------------------------------------ head and loss

    private record Head(double loss, double[] logits, double[] dz, Map<String, double[]> gradients) {}

    private Head head(INDArray theta, TaskFeed f, double[] z, boolean backward) {
        int b = f.size();
        double[] logits = new double[b * n];
        double[] protos = null;
        double[] w = null;
        if (c.head() == ModelConfig.HeadType.ZERO) {
            w = values(theta, "head.w"); // [d, n]
            double[] bias = values(theta, "head.b");
            for (int i = 0; i < b; i++) {
                for (int k = 0; k < n; k++) {
                    double acc = bias[k];
                    for (int e = 0; e < d; e++) acc += z[i * d + e] * w[e * n + k];
                    logits[i * n + k] = acc;
                }
            }
        } else {
            protos = new double[n * d];
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < b; i++) {
                    double pw = f.proto()[k * b + i];
                    if (pw != 0) for (int e = 0; e < d; e++) protos[k * d + e] += pw * z[i * d + e];
                }
            }
            double[] cc = new double[n];
            for (int k = 0; k < n; k++) for (int e = 0; e < d; e++) cc[k] += protos[k * d + e] * protos[k * d + e];
            for (int i = 0; i < b; i++) {
                double zz = 0;
                for (int e = 0; e < d; e++) zz += z[i * d + e] * z[i * d + e];
                for (int k = 0; k < n; k++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += z[i * d + e] * protos[k * d + e];
                    logits[i * n + k] = 2 * dot - zz - cc[k];
                }
            }
        }
        double loss = 0;
        double[] dLogits = new double[b * n];
        for (int i = 0; i < b; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < n; k++) max = Math.max(max, logits[i * n + k]);
            double sum = 0;
            for (int k = 0; k < n; k++) sum += Math.exp(logits[i * n + k] - max);
            double logSum = Math.log(sum);
            double lw = f.lossW()[i];
            loss -= lw * (logits[i * n + f.labels()[i]] - max - logSum);
            for (int k = 0; k < n; k++) {
                double prob = Math.exp(logits[i * n + k] - max - logSum);
                dLogits[i * n + k] = lw * (prob - (k == f.labels()[i] ? 1 : 0));
            }
        }
        if (!backward) return new Head(loss, logits, null, null);
        double[] dz = new double[b * d];
        Map<String, double[]> g = new HashMap<>();
        if (c.head() == ModelConfig.HeadType.ZERO) {
            double[] gw = new double[d * n], gb = new double[n];
            for (int i = 0; i < b; i++) {
                for (int k = 0; k < n; k++) {
                    double dl = dLogits[i * n + k];
                    if (dl == 0) continue;
                    gb[k] += dl;
                    for (int e = 0; e < d; e++) {
                        gw[e * n + k] += z[i * d + e] * dl;
                        dz[i * d + e] += dl * w[e * n + k];
                    }
                }
            }
            g.put("head.w", gw);
            g.put("head.b", gb);
        } else {
            // logits = 2 z p^T - |z|^2 - |p|^2
            double[] dProto = new double[n * d];
            for (int i = 0; i < b; i++) {
                double rowSum = 0;
                for (int k = 0; k < n; k++) {
                    double dl = dLogits[i * n + k];
                    rowSum += dl;
                    for (int e = 0; e < d; e++) {
                        dz[i * d + e] += 2 * dl * protos[k * d + e];
                        dProto[k * d + e] += 2 * dl * z[i * d + e];
                    }
                }
                for (int e = 0; e < d; e++) dz[i * d + e] -= 2 * rowSum * z[i * d + e];
            }
            for (int k = 0; k < n; k++) {
                double colSum = 0;
                for (int i = 0; i < b; i++) colSum += dLogits[i * n + k];
                for (int e = 0; e < d; e++) dProto[k * d + e] -= 2 * colSum * protos[k * d + e];
            }
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < b; i++) {
                    double pw = f.proto()[k * b + i];
                    if (pw != 0) for (int e = 0; e < d; e++) dz[i * d + e] += pw * dProto[k * d + e];
                }
            }
        }
        return new Head(loss, logits, dz, g);
    }

    // ------------------------------------------------------------------ parameter access

    /** Group {@code name} of a flat [P] vector, shaped as the group (a view). */
    private INDArray view(INDArray flat, String name) {
        ParamGroup g = groups.get(name);
        return flat.get(NDArrayIndex.interval(g.offset(), g.end())).reshape('c', g.shapeArray());
    }

    /** Group {@code name} of theta as Java values. */
    private double[] values(INDArray theta, String name) {
        return values(theta, name, groups.get(name).length());
    }

    /** The first {@code length} values of group {@code name}. */
    private double[] values(INDArray theta, String name, long length) {
        ParamGroup g = groups.get(name);
        return theta.get(NDArrayIndex.interval(g.offset(), g.offset() + length)).toDoubleVector();
    }

    /** Writes a whole group of the gradient. */
    private void put(INDArray grad, String name, double[] values) {
        HostArrays.writeAt(grad, groups.get(name).offset(), values);
    }

    // ------------------------------------------------------------------ buffers

    private Buffers buffers(int b, int t) {
        return buffers.computeIfAbsent((long) b << 32 | t, k -> new Buffers(b, t));
    }

    /** What one block keeps from its forward pass for the backward pass. */
    private final class Block {
        final String prefix;
        final INDArray qh, kh, vg, probs, o, x1, hact, out;
        final double[] vhJ, ohJ, xhat1J, inv1J, x1J, hpreJ, xhat2J, inv2J, outJ;
        double[] gate;

        Block(int l, int b, int t) {
            prefix = "block" + l + ".";
            int nt = b * t, bh = b * h;
            qh = Nd4j.create(dt, bh, t, dk);
            kh = Nd4j.create(dt, bh, t, dk);
            vg = Nd4j.create(dt, bh, t, dk);
            probs = Nd4j.create(dt, bh, t, t);
            o = Nd4j.create(dt, nt, d);
            x1 = Nd4j.create(dt, nt, d);
            hact = Nd4j.create(dt, nt, ff);
            out = Nd4j.create(dt, nt, d);
            vhJ = new double[nt * d];
            ohJ = new double[nt * d];
            xhat1J = new double[nt * d];
            inv1J = new double[nt];
            x1J = new double[nt * d];
            hpreJ = new double[nt * ff];
            xhat2J = new double[nt * d];
            inv2J = new double[nt];
            outJ = new double[nt * d];
        }
    }

    /** Everything one batch shape needs. */
    private final class Buffers {
        final int b, t;
        final Block[] blocks;
        final HostArrays host;
        final INDArray x0, keyBias, q, k, v, oh, y, hidden, dA, dHidden, dOh, dP, dIn;
        final double[] x0J, nd1, nd2, nd3, nf1, tt1, tt2, dOutJ, dInJ;

        Buffers(int b, int t) {
            this.b = b;
            this.t = t;
            int nt = b * t, bh = b * h;
            blocks = new Block[c.blocks()];
            for (int l = 0; l < blocks.length; l++) blocks[l] = new Block(l, b, t);
            host = new HostArrays(Math.max((long) nt * Math.max(d, ff), (long) bh * t * t));
            x0 = Nd4j.create(dt, nt, d);
            keyBias = Nd4j.create(dt, b, 1, t);
            q = Nd4j.create(dt, nt, d);
            k = Nd4j.create(dt, nt, d);
            v = Nd4j.create(dt, nt, d);
            oh = Nd4j.create(dt, bh, t, dk);
            y = Nd4j.create(dt, nt, d);
            hidden = Nd4j.create(dt, nt, ff);
            dA = Nd4j.create(dt, nt, d);
            dHidden = Nd4j.create(dt, nt, ff);
            dOh = Nd4j.create(dt, bh, t, dk);
            dP = Nd4j.create(dt, bh, t, t);
            dIn = Nd4j.create(dt, nt, d);
            x0J = new double[nt * d];
            nd1 = new double[nt * d];
            nd2 = new double[nt * d];
            nd3 = new double[nt * d];
            nf1 = new double[nt * ff];
            tt1 = new double[bh * t * t];
            tt2 = new double[bh * t * t];
            dOutJ = new double[nt * d];
            dInJ = new double[nt * d];
        }
    }
}
