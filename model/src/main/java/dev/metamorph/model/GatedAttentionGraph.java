package dev.metamorph.model;

import dev.metamorph.core.learn.GraphInputs;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One pass of the gated-attention encoder over a task-batched parameter matrix thetas [tasks, P],
 * written into a SameDiff graph: the forward ops (loss, logits) and, on request, the backward
 * pass written as ordinary forward ops (matmul, mul, sum, step...), so that the gradient can be
 * differentiated again for exact second-order meta-gradients.
 *
 * <p>Inputs (placeholders, see {@link GatedAttentionLearner#declareInputs}): {@code x} [tasks, B, T, d]
 * looked-up token embeddings (with a base: [tasks, B, T, base-dim] the base's token states, projected
 * by {@code input.w} in the graph, and {@code basePooled} [tasks, B, base-dim] the base's pooled
 * embeddings, to which the adapter's pooled state adds through {@code output.w}), {@code keyBias} [tasks*B, 1, 1, T] (0 for tokens, -1e9 for padding),
 * {@code pool} [tasks, B, T, 1] (mask / token count), {@code y} one-hot [tasks, B, N],
 * {@code lossW} [tasks, B] (loss weight per row, summing to 1 per task), and optionally {@code proto}
 * [tasks, B*N, B] (prototype head: row i*N + k weighs the rows of the prototype of class k that row i
 * is scored against, see {@link TaskFeed}), {@code lexical} [tasks, B, N] (prototype head over a base) and {@code memory}
 * [tasks, B, d] (memory read vector added to the pooled embedding); with {@code model.memory} the
 * episode channel's {@code memoryMask} [tasks, B, B], and with {@code memory.store} each task's store
 * view {@code store} [tasks, S, e] padded to the largest view and {@code storeMask} [tasks, 1, S]
 * (0 for a slot, -1e9 for padding): z becomes z + g read before the head (see {@link EagerMemory#refine}).
 */
final class GatedAttentionGraph {
    private final SameDiff sd;
    private final ModelConfig c;
    private final ParamLayout layout;
    private final GraphInputs in;
    private final long tau, b, t, d, h, dk, n, e;
    private final Map<String, SDVariable> p = new HashMap<>();
    private final List<BlockState> blocks = new ArrayList<>();
    private SDVariable x2; // encoder output [tau, B*T, d]
    private SDVariable u; // pooled adapter state (+ memory) [tau, B, d]
    private SDVariable z; // what the head sees [tau, B, e]: u, or with a base basePooled + u W_out
    private SDVariable zNorm, pNorm, dots, cos, scale; // prototype head: [tau, B, 1], [tau, B, N], [tau, B, N], [tau, B, N], [tau, 1, 1]
    private SDVariable logits; // [tau, B, N]
    private SDVariable logProbs;
    private SDVariable protos; // per-row prototypes [tau, B, N, e]
    private SDVariable loss; // [tau]
    private SDVariable gradient; // [tau, P]
    private SDVariable inputGradient; // [tau, B, T, d]
    private SDVariable memoryGradient; // [tau, B, d]
    private Map<String, SDVariable> groupGradients;
    private final Map<Long, SDVariable> onesCache = new HashMap<>();

    private GatedAttentionGraph(SameDiff sd, ModelConfig c, ParamLayout layout, Map<String, SDVariable> params, GraphInputs in, long batch, long length) {
        this.sd = sd;
        this.c = c;
        this.layout = layout;
        this.in = in;
        this.tau = in.tasks();
        this.b = batch;
        this.t = length;
        this.d = c.dModel();
        this.h = c.heads();
        this.dk = c.headSize();
        this.n = c.ways();
        this.e = c.embeddingWidth();
        p.putAll(params);
    }

    /** Shape of a group inside the graph: [tasks, 1, len] for vectors, [tasks, rows, cols] for matrices. */
    static long[] graphShape(ParamGroup g, long tasks) {
        long[] s = g.shapeArray();
        return s.length == 1 ? new long[] {tasks, 1, s[0]} : new long[] {tasks, s[0], s[1]};
    }

    /** Builds the forward ops for thetas [tasks, P] (groups sliced out in the graph) and the inputs of one split. */
    static GatedAttentionGraph forward(SameDiff sd, ModelConfig c, ParamLayout layout, SDVariable thetas, GraphInputs in, long batch, long length) {
        Map<String, SDVariable> params = new HashMap<>();
        long tau = in.tasks();
        for (ParamGroup g : layout.groups()) {
            if (g.name().equals(EncoderLayout.TOKENS)) continue;
            SDVariable flat = sd.slice(thetas, new int[] {0, (int) g.offset()}, (int) tau, (int) g.length());
            params.put(g.name(), flat.reshape(graphShape(g, tau)));
        }
        return forward(sd, c, layout, params, in, batch, length);
    }

    /** Builds the forward ops with every parameter group (except embed.tokens) given as its own variable, shaped by {@link #graphShape}. */
    static GatedAttentionGraph forward(SameDiff sd, ModelConfig c, ParamLayout layout, Map<String, SDVariable> params, GraphInputs in, long batch, long length) {
        if (c.hasMemory() && c.memory().topK() > 0) {
            throw new UnsupportedOperationException("memory.top-k = " + c.memory().topK() + ": top-k memory reads run on the eager path only; the graph path "
                    + "(maml.backend = samediff, second-order maml) reads densely: set memory.top-k = 0, or use a first-order algorithm (fomaml, reptile, anil, pretrain)");
        }
        GatedAttentionGraph g = new GatedAttentionGraph(sd, c, layout, params, in, batch, length);
        g.buildForward();
        return g;
    }

    /** Per-group gradients (shapes as {@link #graphShape} without the middle 1 for vectors: [tasks, len]), embed.tokens excluded. */
    Map<String, SDVariable> groupGradients() {
        if (gradient == null) buildBackward();
        return java.util.Collections.unmodifiableMap(groupGradients);
    }

    SDVariable loss() {
        return loss;
    }

    SDVariable logits() {
        return logits;
    }

    /** Per-task gradient [tasks, P] in layout order; the {@code embed.tokens} block is zero (see {@link #inputGradient()}). */
    SDVariable gradient() {
        if (gradient == null) buildBackward();
        return gradient;
    }

    /** Gradient of the per-task loss with respect to the input rows {@code x}, [tasks, B, T, d] (none with a base: the base is frozen). */
    SDVariable inputGradient() {
        if (c.hasBase()) throw new IllegalStateException("model.base = " + c.base().key() + ": the base token states are frozen inputs; there is no input gradient to build");
        if (gradient == null) buildBackward();
        return inputGradient;
    }

    /** Gradient of the per-task loss with respect to the memory read vector (= the pooled state u) [tasks, B, d] (only with memory-read). */
    SDVariable memoryGradient() {
        if (gradient == null) buildBackward();
        return memoryGradient;
    }

    // ---------------------------------------------------------------- forward

    private record BlockState(SDVariable x, SDVariable qh, SDVariable kh, SDVariable vh, SDVariable vg, SDVariable probs, SDVariable gate,
                              SDVariable oh, SDVariable o, LayerNorm ln1, SDVariable x1, SDVariable hPre, SDVariable hAct, LayerNorm ln2) {}

    private record LayerNorm(SDVariable xHat, SDVariable inv, SDVariable gamma) {}

    private void buildForward() {
        SDVariable pos = sd.slice(p.get(EncoderLayout.positions(c)), new int[] {0, 0, 0}, (int) tau, (int) t, (int) d);
        SDVariable x0 = c.hasBase()
                ? mm(in.get("x").reshape(tau, b * t, c.baseDim()), p.get(EncoderLayout.INPUT_W), false, false).add(p.get(EncoderLayout.INPUT_B)).reshape(tau, b, t, d)
                : in.get("x");
        SDVariable x = x0.add(pos.reshape(tau, 1, t, d)).reshape(tau, b * t, d);
        for (int l = 0; l < c.blocks(); l++) x = block(l, x);
        x2 = x;
        SDVariable pooled = x2.reshape(tau, b, t, d).mul(in.get("pool")).sum(2); // [tau, B, d]
        u = c.memoryRead() ? pooled.add(in.get("memory")) : pooled;
        z = c.hasBase() ? in.get("basePooled").add(mm(u, p.get(EncoderLayout.OUTPUT_W), false, false)) : u;
        if (readsStore()) z = storeForward(z);
        if (c.head() == ModelConfig.HeadType.ZERO) {
            logits = mm(z, p.get("head.w"), false, false).add(p.get("head.b"));
        } else {
            protos = mm(in.get("proto"), z, false, false).reshape(tau, b, n, e);
            SDVariable zz = z.mul(z).sum(true, 2); // [tau, B, 1]
            SDVariable pp = protos.mul(protos).sum(3); // [tau, B, N]
            dots = z.reshape(tau, b, 1, e).mul(protos).sum(3); // [tau, B, N]
            if (c.hasBase()) {
                zNorm = sd.math.sqrt(zz.add(EagerHead.NORM_EPS));
                pNorm = sd.math.sqrt(pp.add(EagerHead.NORM_EPS));
                cos = dots.div(zNorm.mul(pNorm));
                scale = sd.math.exp(p.get(EncoderLayout.HEAD_SCALE)); // [tau, 1, 1]
                logits = cos.mul(scale).add(in.get("lexical").mul(p.get(EncoderLayout.HEAD_LEXICAL)));
            } else {
                logits = dots.mul(2.0).sub(zz).sub(pp);
            }
            if (c.hasMemory()) logits = logits.add(memoryForward());
        }
        SDVariable max = logits.max(true, 2);
        SDVariable shifted = logits.sub(max);
        logProbs = shifted.sub(sd.math.log(sd.math.exp(shifted).sum(true, 2)));
        SDVariable ce = in.get("y").mul(logProbs).sum(2).neg(); // [tau, B]
        loss = ce.mul(in.get("lossW")).sum(1); // [tau]
    }

    private SDVariable block(int l, SDVariable x) {
        String pre = "block" + l + ".";
        SDVariable q = linear(x, pre + "attn.wq", pre + "attn.bq");
        SDVariable k = linear(x, pre + "attn.wk", pre + "attn.bk");
        SDVariable v = linear(x, pre + "attn.wv", pre + "attn.bv");
        SDVariable qh = toHeads(q).mul(1.0 / Math.sqrt(dk)), kh = toHeads(k), vh = toHeads(v);
        SDVariable s = mm(qh, kh, false, true).reshape(tau * b, h, t, t).add(in.get("keyBias"));
        SDVariable probs = sd.nn.softmax(s, 3).reshape(tau * b * h, t, t);
        // gate folded into V: (sigmoid(g) * P) V = P (sigmoid(g) * V), on the smaller tensor
        SDVariable gate = sd.nn.sigmoid(p.get(pre + "attn.gate")).reshape(tau, 1, h, 1); // [tau, 1, h, 1]
        SDVariable vg = vh.reshape(tau, b, h, t * dk).mul(gate).reshape(tau * b * h, t, dk);
        SDVariable oh = mm(probs, vg, false, false); // [tau*B*h, T, dk]
        SDVariable o = fromHeads(oh);
        SDVariable y = linear(o, pre + "attn.wo", pre + "attn.bo");
        LayerNorm ln1 = layerNorm(x.add(y), pre + "ln1.gamma");
        SDVariable x1 = ln1.xHat.mul(ln1.gamma).add(p.get(pre + "ln1.beta"));
        SDVariable hPre = linear(x1, pre + "ff.w1", pre + "ff.b1");
        SDVariable hAct = activation(hPre);
        SDVariable f = linear(hAct, pre + "ff.w2", pre + "ff.b2");
        LayerNorm ln2 = layerNorm(x1.add(f), pre + "ln2.gamma");
        SDVariable out = ln2.xHat.mul(ln2.gamma).add(p.get(pre + "ln2.beta"));
        blocks.add(new BlockState(x, qh, kh, vh, vg, probs, gate, oh, o, ln1, x1, hPre, hAct, ln2));
        return out;
    }

    private SDVariable linear(SDVariable x, String w, String bias) {
        return mm(x, p.get(w), false, false).add(p.get(bias));
    }

    private LayerNorm layerNorm(SDVariable r, String gamma) {
        SDVariable centred = r.sub(r.mean(true, 2));
        SDVariable var = centred.mul(centred).mean(true, 2);
        SDVariable inv = sd.math.rsqrt(var.add(c.layerNormEps()));
        return new LayerNorm(centred.mul(inv), inv, p.get(gamma));
    }

    private SDVariable activation(SDVariable x) {
        if (c.activation() == ModelConfig.Activation.RELU) return sd.nn.relu(x, 0.0);
        SDVariable th = sd.math.tanh(x.add(x.mul(x).mul(x).mul(GELU_A)).mul(GELU_C));
        return x.mul(th.add(1.0)).mul(0.5);
    }

    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;

    private SDVariable activationDerivative(SDVariable x) {
        if (c.activation() == ModelConfig.Activation.RELU) return sd.math.step(x, 0.0);
        SDVariable x2v = x.mul(x);
        SDVariable th = sd.math.tanh(x.add(x2v.mul(x).mul(GELU_A)).mul(GELU_C));
        SDVariable sech2 = th.mul(th).rsub(1.0);
        return th.add(1.0).mul(0.5).add(x.mul(0.5).mul(sech2).mul(x2v.mul(3 * GELU_A).add(1.0)).mul(GELU_C));
    }

    /** [tau, B*T, d] -> [tau*B*h, T, dk]. */
    private SDVariable toHeads(SDVariable v) {
        return sd.permute(v.reshape(tau, b, t, h, dk), 0, 1, 3, 2, 4).reshape(tau * b * h, t, dk);
    }

    /** [tau*B*h, T, dk] -> [tau, B*T, d]. */
    private SDVariable fromHeads(SDVariable v) {
        return sd.permute(v.reshape(tau, b, h, t, dk), 0, 1, 3, 2, 4).reshape(tau, b * t, d);
    }

    private SDVariable mm(SDVariable a, SDVariable bm, boolean ta, boolean tb) {
        return sd.mmul(a, bm, ta, tb, false);
    }

    // ---------------------------------------------------------------- external memory channel (see EagerMemory)

    private dev.metamorph.memory.MemoryReadOps memRead;
    private SDVariable memQ, memRL, memBeta;

    /** Memory logits [tau, B, N]: slots are the support rows (mask), keys and queries z P, values y L, logit += gain * r . L_k. */
    private SDVariable memoryForward() {
        memQ = mm(z, p.get(EagerMemory.QUERY_W), false, false); // [tau, B, kd]
        SDVariable values = mm(in.get("y"), p.get(EagerMemory.LABEL), false, false); // [tau, B, vd]
        memBeta = sd.math.exp(p.get(EagerMemory.STRENGTH)); // [tau, 1, 1]
        memRead = dev.metamorph.memory.MemoryReadOps.forward(sd, memQ, memQ, values, in.get("memoryMask"), memBeta);
        memRL = mm(memRead.read(), p.get(EagerMemory.LABEL), false, true); // [tau, B, N]
        return memRL.mul(p.get(EagerMemory.GAIN));
    }

    /** The memory channel's backward as ops: puts its groups' gradients and returns its part of dz [tau, B, e]. */
    private SDVariable memoryBackward(SDVariable dLogits, Map<String, SDVariable> g) {
        SDVariable label = p.get(EagerMemory.LABEL), gain = p.get(EagerMemory.GAIN);
        g.put(EagerMemory.GAIN, dLogits.mul(memRL).sum(1, 2).reshape(tau, 1));
        SDVariable dRL = dLogits.mul(gain);
        SDVariable dR = mm(dRL, label, false, false); // [tau, B, vd]
        dev.metamorph.memory.MemoryReadOps.Backward bw = memRead.backward(dR);
        g.put(EagerMemory.LABEL, mm(dRL, memRead.read(), true, false).add(mm(in.get("y"), bw.values(), true, false))); // [tau, N, vd]
        g.put(EagerMemory.STRENGTH, bw.strength().mul(memBeta).reshape(tau, 1));
        SDVariable dQ = bw.query().add(bw.keys()); // queries and keys are the same projections
        g.put(EagerMemory.QUERY_W, mm(z, dQ, true, false));
        return mm(dQ, p.get(EagerMemory.QUERY_W), false, true);
    }

    // ---------------------------------------------------------------- the per-domain store read (see EagerMemory#refine)

    /** Keeps a slot whose cosine is at least the k-th largest (cosine differences of distinct slots are far above this). */
    private static final double RANK_TOLERANCE = 1e-30;

    private dev.metamorph.memory.MemoryReadOps storeRead;
    private SDVariable storeBeta;

    private boolean readsStore() {
        return c.hasMemory() && c.memory().store();
    }

    /**
     * z + g m, m the read of each row's z over the task's store view ({@code store} [tau, S, e], keys
     * = values, padded to the batch's largest view with {@code storeMask} [tau, 1, S]: 0 for a slot,
     * -1e9 for padding), restricted to the {@code memory.store-top-k} slots of largest cosine. The
     * k-th largest cosine of each row is found by k rounds of max-and-remove; the selection is made
     * of comparisons (step), which carry no gradient, as the eager read differentiates only through
     * the slots it selected.
     */
    private SDVariable storeForward(SDVariable zIn) {
        SDVariable view = in.get("store"), pad = in.get("storeMask");
        double eps = dev.metamorph.memory.ContentRead.NORM_EPS;
        SDVariable qHat = zIn.div(sd.math.sqrt(zIn.mul(zIn).sum(true, 2).add(eps)));
        SDVariable kHat = view.div(sd.math.sqrt(view.mul(view).sum(true, 2).add(eps)));
        SDVariable ranked = mm(qHat, kHat, false, true).add(pad); // [tau, B, S]: cosines, padding far below
        SDVariable candidates = ranked;
        SDVariable kth = null;
        int k = c.memory().storeTopK();
        for (int r = 0; r < k; r++) {
            kth = candidates.max(true, 2); // [tau, B, 1]: the (r+1)-th largest
            if (r + 1 < k) candidates = candidates.sub(sd.math.step(candidates.sub(kth), -RANK_TOLERANCE).mul(2e9));
        }
        // the k largest keep 0; with fewer than k slots kth is below every slot and all are kept
        SDVariable keep = sd.math.step(ranked.sub(kth), -RANK_TOLERANCE);
        SDVariable mask = keep.rsub(1.0).mul(TaskFeed.MASKED).add(pad);
        storeBeta = sd.math.exp(p.get(EagerMemory.STORE_STRENGTH)); // [tau, 1, 1]
        storeRead = dev.metamorph.memory.MemoryReadOps.forward(sd, zIn, view, view, mask, storeBeta);
        return zIn.add(storeRead.read().mul(p.get(EagerMemory.STORE_GAIN)));
    }

    /** Backward of {@link #storeForward} for dLoss/dz' {@code dRefined}: puts the gain's and strength's gradients and returns dLoss/dz. */
    private SDVariable storeBackward(SDVariable dRefined, Map<String, SDVariable> g) {
        g.put(EagerMemory.STORE_GAIN, dRefined.mul(storeRead.read()).sum(1, 2).reshape(tau, 1));
        dev.metamorph.memory.MemoryReadOps.Backward bw = storeRead.backward(dRefined.mul(p.get(EagerMemory.STORE_GAIN)));
        g.put(EagerMemory.STORE_STRENGTH, bw.strength().mul(storeBeta).reshape(tau, 1));
        return dRefined.add(bw.query());
    }

    // ---------------------------------------------------------------- backward as forward ops

    private void buildBackward() {
        Map<String, SDVariable> g = new HashMap<>();
        // loss: d loss / d logits = lossW * (softmax - y)
        SDVariable dLogits = sd.math.exp(logProbs).sub(in.get("y")).mul(in.get("lossW").reshape(tau, b, 1));
        SDVariable dz;
        if (c.head() == ModelConfig.HeadType.ZERO) {
            g.put("head.w", mm(z, dLogits, true, false));
            g.put("head.b", dLogits.sum(1));
            dz = mm(dLogits, p.get("head.w"), false, true);
        } else {
            SDVariable dl4 = dLogits.reshape(tau, b, n, 1);
            SDVariable zi = z.reshape(tau, b, 1, e);
            SDVariable dProto; // [tau, B, N, e]
            if (c.hasBase()) {
                // cos = a / (|z| |p|): d/dz = p / (|z||p|) - a z / (|z|^3 |p|), d/dp = z / (|z||p|) - a p / (|z| |p|^3)
                g.put(EncoderLayout.HEAD_SCALE, dLogits.mul(cos).sum(1, 2).reshape(tau, 1).mul(scale.reshape(tau, 1)));
                g.put(EncoderLayout.HEAD_LEXICAL, dLogits.mul(in.get("lexical")).sum(1, 2).reshape(tau, 1));
                SDVariable coef = dLogits.mul(scale).div(zNorm.mul(pNorm)); // [tau, B, N]
                SDVariable ca = coef.mul(dots);
                dz = coef.reshape(tau, b, n, 1).mul(protos).sum(2).sub(z.mul(ca.sum(true, 2).div(zNorm.mul(zNorm))));
                dProto = coef.reshape(tau, b, n, 1).mul(zi).sub(ca.div(pNorm.mul(pNorm)).reshape(tau, b, n, 1).mul(protos));
            } else {
                // logits = 2 z.p - |z|^2 - |p|^2
                SDVariable rowSum = dLogits.sum(true, 2); // [tau, B, 1]
                dz = dl4.mul(protos).sum(2).mul(2.0).sub(z.mul(rowSum).mul(2.0));
                dProto = dl4.mul(zi).sub(dl4.mul(protos)).mul(2.0);
            }
            dz = dz.add(mm(in.get("proto"), dProto.reshape(tau, b * n, e), true, false));
            if (c.hasMemory()) dz = dz.add(memoryBackward(dLogits, g));
        }
        if (readsStore()) dz = storeBackward(dz, g);
        if (c.hasBase()) {
            g.put(EncoderLayout.OUTPUT_W, mm(u, dz, true, false));
            dz = mm(dz, p.get(EncoderLayout.OUTPUT_W), false, true); // [tau, B, d]
        }
        memoryGradient = dz;
        // pooling
        SDVariable dx = dz.reshape(tau, b, 1, d).mul(in.get("pool")).reshape(tau, b * t, d);
        for (int l = c.blocks() - 1; l >= 0; l--) dx = blockBackward(l, blocks.get(l), dx, g);
        SDVariable dx4 = dx.reshape(tau, b, t, d);
        if (c.hasBase()) {
            g.put(EncoderLayout.INPUT_W, mm(in.get("x").reshape(tau, b * t, c.baseDim()), dx, true, false));
            g.put(EncoderLayout.INPUT_B, sumTokens(dx));
        } else {
            inputGradient = dx4;
        }
        SDVariable dPos = mm(ones(b), dx4.reshape(tau, b, t * d), false, false).reshape(tau, t, d); // sum over the batch
        if (t < c.maxLength()) {
            SDVariable zeros = sd.constant(Nd4j.zeros(c.dtype(), tau, c.maxLength() - t, d));
            dPos = sd.concat(1, dPos, zeros);
        }
        g.put(EncoderLayout.positions(c), dPos);
        groupGradients = g;
        gradient = assemble(c.hasBase() ? null : sd.constant(Nd4j.zeros(c.dtype(), tau, layout.group(EncoderLayout.TOKENS).length())));
    }

    /**
     * The full gradient [tasks, P] including {@code embed.tokens}, whose block is a scatter-add of
     * the input-row gradients at {@code tokenIndex} [tasks*B*T] (int64; entry (k, i, j) holds
     * k * vocab + id). A forward scatter-add is exact; it is not meant to be differentiated again.
     */
    SDVariable gradientWithTokens(SDVariable tokenIndex) {
        return assemble(tokenGradient(tokenIndex).reshape(tau, (long) c.vocabSize() * d));
    }

    /** The {@code embed.tokens} gradient [tasks*vocab, d]: a scatter-add of the input-row gradients at {@code tokenIndex}. */
    SDVariable tokenGradient(SDVariable tokenIndex) {
        if (c.hasBase()) throw new IllegalStateException("model.base = " + c.base().key() + " has no embed.tokens group to scatter into");
        if (gradient == null) buildBackward();
        long v = c.vocabSize();
        SDVariable zeros = sd.constant(Nd4j.zeros(c.dtype(), tau * v, d));
        return sd.scatterAdd(zeros, tokenIndex, inputGradient.reshape(tau * b * t, d));
    }

    private SDVariable assemble(SDVariable tokensBlock) {
        List<SDVariable> parts = new ArrayList<>();
        for (ParamGroup pg : layout.groups()) {
            if (pg.name().equals(EncoderLayout.TOKENS)) {
                parts.add(tokensBlock);
                continue;
            }
            SDVariable gv = groupGradients.get(pg.name());
            if (gv == null) throw new IllegalStateException("No gradient was built for parameter group '" + pg.name() + "'");
            parts.add(gv.reshape(tau, pg.length()));
        }
        return sd.concat(1, parts.toArray(new SDVariable[0]));
    }

    private SDVariable blockBackward(int l, BlockState s, SDVariable dOut, Map<String, SDVariable> g) {
        String pre = "block" + l + ".";
        SDVariable dr2 = layerNormBackward(s.ln2, dOut, pre + "ln2", g);
        SDVariable dx1 = dr2;
        // feed-forward
        g.put(pre + "ff.w2", mm(s.hAct, dr2, true, false));
        g.put(pre + "ff.b2", sumTokens(dr2));
        SDVariable dH = mm(dr2, p.get(pre + "ff.w2"), false, true).mul(activationDerivative(s.hPre));
        g.put(pre + "ff.w1", mm(s.x1, dH, true, false));
        g.put(pre + "ff.b1", sumTokens(dH));
        dx1 = dx1.add(mm(dH, p.get(pre + "ff.w1"), false, true));
        SDVariable dr1 = layerNormBackward(s.ln1, dx1, pre + "ln1", g);
        // output projection
        g.put(pre + "attn.wo", mm(s.o, dr1, true, false));
        g.put(pre + "attn.bo", sumTokens(dr1));
        SDVariable dOh = toHeads(mm(dr1, p.get(pre + "attn.wo"), false, true)); // [tau*B*h, T, dk]
        SDVariable dProbs = mm(dOh, s.vg, false, true); // [tau*B*h, T, T]
        // softmax backward: rowsum(dP * P) = dO . O (a dk-long dot instead of a T-long sum)
        SDVariable rowDot = dOh.mul(s.oh).sum(true, 2); // [tau*B*h, T, 1]
        SDVariable dS = s.probs.mul(dProbs.sub(rowDot));
        SDVariable dVg = mm(s.probs, dOh, true, false); // [tau*B*h, T, dk]
        SDVariable dVg4 = dVg.reshape(tau, b, h, t * dk);
        SDVariable dVh = dVg4.mul(s.gate).reshape(tau * b * h, t, dk);
        // sum over batch and positions in two contiguous reductions (a strided (1,3) reduction was slow)
        SDVariable dGate = dVg.mul(s.vh).reshape(tau * b, h, t * dk).sum(2).reshape(tau, b, h).sum(1); // [tau, h]
        SDVariable gate = s.gate.reshape(tau, h);
        g.put(pre + "attn.gate", dGate.mul(gate).mul(gate.rsub(1.0)));
        SDVariable dQ = fromHeads(mm(dS, s.kh, false, false)).mul(1.0 / Math.sqrt(dk));
        SDVariable dK = fromHeads(mm(dS, s.qh, true, false));
        SDVariable dV = fromHeads(dVh);
        SDVariable dx = dr1;
        String[] names = {"q", "k", "v"};
        SDVariable[] grads = {dQ, dK, dV};
        for (int i = 0; i < 3; i++) {
            g.put(pre + "attn.w" + names[i], mm(s.x, grads[i], true, false));
            g.put(pre + "attn.b" + names[i], sumTokens(grads[i]));
            dx = dx.add(mm(grads[i], p.get(pre + "attn.w" + names[i]), false, true));
        }
        return dx;
    }

    /** Sum over the token axis of [tasks, B*T, k] as a matmul with a row of ones ([tasks, 1, k]); a strided reduction was slower. */
    private SDVariable sumTokens(SDVariable x) {
        return mm(ones(b * t), x, false, false);
    }

    private SDVariable ones(long count) {
        return onesCache.computeIfAbsent(count, k -> sd.constant(Nd4j.ones(c.dtype(), tau, 1, k)));
    }

    private SDVariable layerNormBackward(LayerNorm ln, SDVariable dOut, String name, Map<String, SDVariable> g) {
        g.put(name + ".gamma", sumTokens(dOut.mul(ln.xHat)));
        g.put(name + ".beta", sumTokens(dOut));
        SDVariable dxHat = dOut.mul(ln.gamma);
        SDVariable m1 = dxHat.mean(true, 2);
        SDVariable m2 = dxHat.mul(ln.xHat).mean(true, 2);
        return dxHat.sub(m1).sub(ln.xHat.mul(m2)).mul(ln.inv);
    }
}
