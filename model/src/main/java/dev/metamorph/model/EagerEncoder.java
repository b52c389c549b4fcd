package dev.metamorph.model;

import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The gated-attention encoder's forward and backward pass run directly as ND4J operations on
 * buffers allocated once per batch shape: the same arithmetic as {@link GatedAttentionGraph}
 * (equal to it within rounding, checked in the tests), without a graph session's per-op planning.
 * This is the first-order path ({@code lossAndGradient}, {@code predict}); exact second-order
 * meta-gradients use the graph, whose backward pass can be differentiated again.
 *
 * <p>The small head and loss (a batch of pooled vectors times {@code ways}) run in plain Java
 * double arithmetic. One instance per thread; buffers are overwritten by every call.
 */
final class EagerEncoder {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;
    private static final int MAX_SHAPES = 8;

    private final ModelConfig c;
    private final ParamLayout layout;
    private final DataType dt;
    private final int d, h, dk, ff, n;
    private final double scale;
    private final Map<Long, Buffers> buffers = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Buffers> e) {
            return size() > MAX_SHAPES;
        }
    };
    private final Map<String, ParamGroup> groups = new HashMap<>();

    EagerEncoder(ModelConfig c, ParamLayout layout) {
        this.c = c;
        this.layout = layout;
        this.dt = c.dtype();
        this.d = c.dModel();
        this.h = c.heads();
        this.dk = c.headSize();
        this.ff = c.ffSize();
        this.n = c.ways();
        this.scale = 1.0 / Math.sqrt(dk);
        for (ParamGroup g : layout.groups()) groups.put(g.name(), g);
    }

    /** Result of one task: loss, logits [size * ways] (row-major) and, with a backward pass, dLoss/dmemory [size * d]. */
    record Output(double loss, double[] logits, double[] memoryGradient) {}

    /**
     * Forward pass of one task at {@code theta} [P] (dtype of the model); with {@code grad} [P]
     * (zero on entry) also the backward pass, writing the gradient of the task's loss.
     */
    Output run(INDArray theta, TaskFeed f, INDArray grad) {
        Buffers s = buffers(f.size(), f.length());
        s.load(f);
        // embedding rows and positions
        Nd4j.pullRows(view(theta, EncoderLayout.TOKENS), s.x0, 1, f.ids());
        s.x0.reshape(s.b, (long) s.t * d).addiRowVector(span(theta, EncoderLayout.POSITIONS, (long) s.t * d));
        INDArray x = s.x0;
        for (int l = 0; l < c.blocks(); l++) {
            blockForward(theta, s, s.blocks[l], x);
            x = s.blocks[l].out;
        }
        Nd4j.matmul(s.pool, x.reshape(s.b, s.t, d), s.pooled, false, false, false);
        double[] z = s.pooled.reshape((long) s.b * d).toDoubleVector();
        if (f.memory() != null) for (int i = 0; i < z.length; i++) z[i] += f.memory()[i];
        Head head = head(theta, f, z, grad != null);
        if (grad == null) return new Output(head.loss, head.logits, null);
        writeVector(grad, head.gradients);
        // pooling backward: dX[b, t, :] = pool[b, t] * dz[b, :]
        s.dz.assign(Nd4j.createFromArray(head.dz).castTo(dt).reshape(s.b, 1, d));
        INDArray dx = s.dOut;
        Nd4j.matmul(s.pool, s.dz, dx.reshape(s.b, s.t, d), true, false, false);
        for (int l = c.blocks() - 1; l >= 0; l--) {
            INDArray in = l == 0 ? s.x0 : s.blocks[l - 1].out;
            INDArray dIn = dx == s.dIn ? s.dOut : s.dIn;
            blockBackward(l, theta, grad, s, s.blocks[l], in, dx, dIn);
            dx = dIn;
        }
        // positions: sum over the batch; tokens: scatter-add of the input rows' gradients
        Nd4j.gemm(s.onesB, dx.reshape(s.b, (long) s.t * d), span(grad, EncoderLayout.POSITIONS, (long) s.t * d).reshape(1, (long) s.t * d), false, false, 1.0, 0.0);
        scatterTokens(f.ids(), dx, grad);
        return new Output(head.loss, head.logits, head.dz);
    }

    /**
     * embed.tokens gradient: row id receives the sum of the input-row gradients at the positions
     * holding id. Accumulated in Java over the distinct ids, then written row by row in one
     * scatter of whole rows (repeated ids are summed here, never by a native scatter).
     */
    private void scatterTokens(int[] ids, INDArray dx, INDArray grad) {
        double[] src = dx.reshape(dx.length()).toDoubleVector();
        int[] slot = new int[c.vocabSize()];
        java.util.Arrays.fill(slot, -1);
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
            for (int e = 0; e < d; e++) acc[to + e] += src[from + e];
        }
        INDArray rows = Nd4j.createFromArray(java.util.Arrays.copyOf(acc, u * d)).castTo(grad.dataType()).reshape(u, d);
        INDArray table = view(grad, EncoderLayout.TOKENS);
        Nd4j.scatterUpdate(org.nd4j.linalg.api.ops.impl.scatter.ScatterUpdate.UpdateOp.ASSIGN, table, Nd4j.createFromArray(java.util.Arrays.copyOf(distinct, u)), rows, 1);
    }

    // ------------------------------------------------------------------ blocks

    private void blockForward(INDArray theta, Buffers s, Block k, INDArray x) {
        String p = k.prefix;
        linear(x, theta, p + "attn.wq", p + "attn.bq", k.q);
        linear(x, theta, p + "attn.wk", p + "attn.bk", k.k);
        linear(x, theta, p + "attn.wv", p + "attn.bv", k.v);
        toHeads(s, k.q, k.qh).muli(scale);
        toHeads(s, k.k, k.kh);
        toHeads(s, k.v, k.vh);
        Nd4j.matmul(k.qh, k.kh, k.probs, false, true, false);
        k.probs.reshape(s.b, (long) h * s.t, s.t).addi(s.keyBias);
        Nd4j.exec(new SoftMax(k.probs, k.probs, 2));
        // the gate scales the probabilities; applied to V: (sigmoid(g) * P) V = P (sigmoid(g) * V)
        k.gate = gate(theta, p);
        k.vg.reshape(s.b, h, (long) s.t * dk).assign(k.vh.reshape(s.b, h, (long) s.t * dk)).muli(k.gate);
        Nd4j.matmul(k.probs, k.vg, k.oh, false, false, false);
        fromHeads(s, k.oh, k.o);
        linear(k.o, theta, p + "attn.wo", p + "attn.bo", k.r1);
        k.r1.addi(x);
        layerNorm(k.r1, k.xhat1, k.inv1);
        k.x1.assign(k.xhat1).muliRowVector(span(theta, p + "ln1.gamma")).addiRowVector(span(theta, p + "ln1.beta"));
        linear(k.x1, theta, p + "ff.w1", p + "ff.b1", k.hpre);
        activation(k.hpre, k.hact);
        linear(k.hact, theta, p + "ff.w2", p + "ff.b2", k.r2);
        k.r2.addi(k.x1);
        layerNorm(k.r2, k.xhat2, k.inv2);
        k.out.assign(k.xhat2).muliRowVector(span(theta, p + "ln2.gamma")).addiRowVector(span(theta, p + "ln2.beta"));
    }

    /** Backward through block l: dOut [N, d] in, the gradient of its input written to dIn. */
    private void blockBackward(int l, INDArray theta, INDArray grad, Buffers s, Block k, INDArray x, INDArray dOut, INDArray dIn) {
        String p = k.prefix;
        INDArray dR2 = layerNormBackward(s, k.xhat2, k.inv2, span(theta, p + "ln2.gamma"), dOut, grad, p + "ln2", s.dR2);
        // feed-forward
        weightGradient(k.hact, dR2, grad, p + "ff.w2", p + "ff.b2", s);
        Nd4j.gemm(dR2, matrix(theta, p + "ff.w2"), s.dH, false, true, 1.0, 0.0);
        s.dH.muli(activationDerivative(k.hpre));
        weightGradient(k.x1, s.dH, grad, p + "ff.w1", p + "ff.b1", s);
        s.dX1.assign(dR2);
        Nd4j.gemm(s.dH, matrix(theta, p + "ff.w1"), s.dX1, false, true, 1.0, 1.0);
        INDArray dR1 = layerNormBackward(s, k.xhat1, k.inv1, span(theta, p + "ln1.gamma"), s.dX1, grad, p + "ln1", s.dR1);
        // output projection
        weightGradient(k.o, dR1, grad, p + "attn.wo", p + "attn.bo", s);
        Nd4j.gemm(dR1, matrix(theta, p + "attn.wo"), s.dO, false, true, 1.0, 0.0);
        toHeads(s, s.dO, s.dOh);
        Nd4j.matmul(s.dOh, k.vg, s.dP, false, true, false);
        // softmax backward: rowsum(dP * P) = dO . O
        INDArray rowDot = s.dOh.mul(k.oh).sum(2).reshape((long) s.b * h * s.t, 1);
        s.dP.reshape((long) s.b * h * s.t, s.t).subiColumnVector(rowDot);
        s.dP.muli(k.probs); // now dS
        Nd4j.matmul(k.probs, s.dOh, s.dVg, true, false, false);
        // gate: d sigmoid(g) = sum over batch and positions of dVg * vh
        double[] dGate = s.dVg.mul(k.vh).reshape(s.b, h, (long) s.t * dk).sum(2).sum(0).toDoubleVector();
        double[] gv = k.gate.reshape(h).toDoubleVector();
        INDArray gateGrad = view(grad, p + "attn.gate");
        double[] gg = new double[h];
        for (int i = 0; i < h; i++) gg[i] = dGate[i] * gv[i] * (1 - gv[i]);
        gateGrad.assign(Nd4j.createFromArray(gg).castTo(grad.dataType()));
        s.dVh.reshape(s.b, h, (long) s.t * dk).assign(s.dVg.reshape(s.b, h, (long) s.t * dk)).muli(k.gate);
        Nd4j.matmul(s.dP, k.kh, s.dQh, false, false, false);
        fromHeads(s, s.dQh, s.dQ).muli(scale);
        Nd4j.matmul(s.dP, k.qh, s.dKh, true, false, false);
        fromHeads(s, s.dKh, s.dK);
        fromHeads(s, s.dVh, s.dV);
        dIn.assign(dR1);
        String[] names = {"q", "k", "v"};
        INDArray[] grads = {s.dQ, s.dK, s.dV};
        for (int i = 0; i < 3; i++) {
            weightGradient(x, grads[i], grad, p + "attn.w" + names[i], p + "attn.b" + names[i], s);
            Nd4j.gemm(grads[i], matrix(theta, p + "attn.w" + names[i]), dIn, false, true, 1.0, 1.0);
        }
    }

    /** dW = x^T dy and db = column sums of dy, written into the gradient vector. */
    private void weightGradient(INDArray x, INDArray dy, INDArray grad, String w, String bias, Buffers s) {
        Nd4j.gemm(x, dy, matrix(grad, w), true, false, 1.0, 0.0);
        sumRows(s, dy, span(grad, bias));
    }

    private void sumRows(Buffers s, INDArray a, INDArray target) {
        Nd4j.gemm(s.onesN, a, target.reshape(1, target.length()), false, false, 1.0, 0.0);
    }

    private void linear(INDArray x, INDArray theta, String w, String bias, INDArray out) {
        Nd4j.gemm(x, matrix(theta, w), out, false, false, 1.0, 0.0);
        out.addiRowVector(span(theta, bias));
    }

    private void layerNorm(INDArray r, INDArray xhat, INDArray inv) {
        INDArray mean = r.mean(1).reshape(r.rows(), 1);
        xhat.assign(r).subiColumnVector(mean);
        INDArray var = xhat.mul(xhat).mean(1).reshape(r.rows(), 1);
        inv.assign(Transforms.pow(var.addi(c.layerNormEps()), -0.5, false));
        xhat.muliColumnVector(inv);
    }

    private INDArray layerNormBackward(Buffers s, INDArray xhat, INDArray inv, INDArray gamma, INDArray dOut, INDArray grad, String name, INDArray out) {
        sumRows(s, dOut.mul(xhat), span(grad, name + ".gamma"));
        sumRows(s, dOut, span(grad, name + ".beta"));
        out.assign(dOut).muliRowVector(gamma); // dxhat
        INDArray m1 = out.mean(1).reshape(out.rows(), 1);
        INDArray m2 = out.mul(xhat).mean(1).reshape(out.rows(), 1);
        out.subiColumnVector(m1).subi(xhat.mulColumnVector(m2)).muliColumnVector(inv);
        return out;
    }

    private void activation(INDArray x, INDArray out) {
        if (c.activation() == ModelConfig.Activation.RELU) {
            Transforms.relu(out.assign(x), false);
            return;
        }
        INDArray th = Transforms.tanh(x.mul(x).muli(x).muli(GELU_A).addi(x).muli(GELU_C), false);
        out.assign(th.addi(1.0)).muli(x).muli(0.5);
    }

    private INDArray activationDerivative(INDArray x) {
        if (c.activation() == ModelConfig.Activation.RELU) return Transforms.step(x, true);
        INDArray x2 = x.mul(x);
        INDArray th = Transforms.tanh(x2.mul(x).muli(GELU_A).addi(x).muli(GELU_C), false);
        INDArray sech2 = th.mul(th).rsubi(1.0);
        INDArray inner = x2.muli(3 * GELU_A).addi(1.0).muli(sech2).muli(x).muli(0.5 * GELU_C);
        return th.addi(1.0).muli(0.5).addi(inner);
    }

    /** [N, d] -> [B*h, T, dk] (copied into {@code out}). */
    private INDArray toHeads(Buffers s, INDArray v, INDArray out) {
        out.reshape(s.b, h, s.t, dk).assign(v.reshape(s.b, s.t, h, dk).permute(0, 2, 1, 3));
        return out;
    }

    /** [B*h, T, dk] -> [N, d] (copied into {@code out}). */
    private INDArray fromHeads(Buffers s, INDArray v, INDArray out) {
        out.reshape(s.b, s.t, h, dk).assign(v.reshape(s.b, h, s.t, dk).permute(0, 2, 1, 3));
        return out;
    }

    private INDArray gate(INDArray theta, String prefix) {
        return Transforms.sigmoid(span(theta, prefix + "attn.gate"), true).reshape(1, h, 1);
    }

    // ------------------------------------------------------------------ head and loss (plain Java)

    private record Head(double loss, double[] logits, double[] dz, Map<String, double[]> gradients) {}

    private Head head(INDArray theta, TaskFeed f, double[] z, boolean backward) {
        int b = f.size();
        double[] logits = new double[b * n];
        double[] protos = null;
        double[] w = null;
        if (c.head() == ModelConfig.HeadType.ZERO) {
            w = span(theta, "head.w").toDoubleVector(); // [d, n]
            double[] bias = span(theta, "head.b").toDoubleVector();
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

    private void writeVector(INDArray grad, Map<String, double[]> values) {
        for (Map.Entry<String, double[]> e : values.entrySet()) {
            span(grad, e.getKey()).assign(Nd4j.createFromArray(e.getValue()).castTo(grad.dataType()));
        }
    }

    // ------------------------------------------------------------------ parameter views

    /** Group {@code name} of a flat [P] vector, shaped as the group. */
    private INDArray view(INDArray flat, String name) {
        ParamGroup g = groups.get(name);
        return flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(g.offset(), g.end())).reshape('c', g.shapeArray());
    }

    /** Group {@code name} as a rank-2 matrix. */
    private INDArray matrix(INDArray flat, String name) {
        return view(flat, name);
    }

    /** Group {@code name} as a flat vector. */
    private INDArray span(INDArray flat, String name) {
        ParamGroup g = groups.get(name);
        return span(flat, name, g.length());
    }

    /** The first {@code length} entries of group {@code name}. */
    private INDArray span(INDArray flat, String name, long length) {
        ParamGroup g = groups.get(name);
        return flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(g.offset(), g.offset() + length));
    }

    // ------------------------------------------------------------------ buffers

    private Buffers buffers(int b, int t) {
        return buffers.computeIfAbsent((long) b << 32 | t, k -> new Buffers(b, t));
    }

    /** Activations kept for the backward pass of one block. */
    private final class Block {
        final String prefix;
        final INDArray q, k, v, qh, kh, vh, vg, probs, oh, o, r1, xhat1, inv1, x1, hpre, hact, r2, xhat2, inv2, out;
        INDArray gate;

        Block(int l, int b, int t) {
            prefix = "block" + l + ".";
            long nt = (long) b * t, bh = (long) b * h;
            q = Nd4j.create(dt, nt, d);
            k = Nd4j.create(dt, nt, d);
            v = Nd4j.create(dt, nt, d);
            qh = Nd4j.create(dt, bh, t, dk);
            kh = Nd4j.create(dt, bh, t, dk);
            vh = Nd4j.create(dt, bh, t, dk);
            vg = Nd4j.create(dt, bh, t, dk);
            probs = Nd4j.create(dt, bh, t, t);
            oh = Nd4j.create(dt, bh, t, dk);
            o = Nd4j.create(dt, nt, d);
            r1 = Nd4j.create(dt, nt, d);
            xhat1 = Nd4j.create(dt, nt, d);
            inv1 = Nd4j.create(dt, nt, 1);
            x1 = Nd4j.create(dt, nt, d);
            hpre = Nd4j.create(dt, nt, ff);
            hact = Nd4j.create(dt, nt, ff);
            r2 = Nd4j.create(dt, nt, d);
            xhat2 = Nd4j.create(dt, nt, d);
            inv2 = Nd4j.create(dt, nt, 1);
            out = Nd4j.create(dt, nt, d);
        }
    }

    /** Everything one batch shape needs; inputs are loaded per call. */
    private final class Buffers {
        final int b, t;
        final Block[] blocks;
        final INDArray x0, keyBias, pool, ids, pooled, dz, onesN, onesB;
        final INDArray dOut, dIn, dR2, dH, dX1, dR1, dO, dOh, dP, dVg, dVh, dQh, dKh, dQ, dK, dV;

        Buffers(int b, int t) {
            this.b = b;
            this.t = t;
            long nt = (long) b * t, bh = (long) b * h;
            blocks = new Block[c.blocks()];
            for (int l = 0; l < blocks.length; l++) blocks[l] = new Block(l, b, t);
            x0 = Nd4j.create(dt, nt, d);
            keyBias = Nd4j.create(dt, b, 1, t);
            pool = Nd4j.create(dt, b, 1, t);
            ids = Nd4j.create(DataType.INT, nt);
            pooled = Nd4j.create(dt, b, 1, d);
            dz = Nd4j.create(dt, b, 1, d);
            onesN = Nd4j.ones(dt, 1, nt);
            onesB = Nd4j.ones(dt, 1, b);
            dOut = Nd4j.create(dt, nt, d);
            dIn = Nd4j.create(dt, nt, d);
            dR2 = Nd4j.create(dt, nt, d);
            dH = Nd4j.create(dt, nt, ff);
            dX1 = Nd4j.create(dt, nt, d);
            dR1 = Nd4j.create(dt, nt, d);
            dO = Nd4j.create(dt, nt, d);
            dOh = Nd4j.create(dt, bh, t, dk);
            dP = Nd4j.create(dt, bh, t, t);
            dVg = Nd4j.create(dt, bh, t, dk);
            dVh = Nd4j.create(dt, bh, t, dk);
            dQh = Nd4j.create(dt, bh, t, dk);
            dKh = Nd4j.create(dt, bh, t, dk);
            dQ = Nd4j.create(dt, nt, d);
            dK = Nd4j.create(dt, nt, d);
            dV = Nd4j.create(dt, nt, d);
        }

        void load(TaskFeed f) {
            keyBias.assign(Nd4j.createFromArray(f.keyBias()).castTo(dt).reshape(b, 1, t));
            pool.assign(Nd4j.createFromArray(f.pool()).castTo(dt).reshape(b, 1, t));
            ids.assign(Nd4j.createFromArray(f.ids()));
        }
    }
}
