package dev.metamorph.model;

import dev.metamorph.core.learn.ParamLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The gated-attention encoder's forward and backward pass run eagerly: the matrix products
 * (projections, batched attention products, their gradients) and the attention softmax as ND4J
 * operations on buffers allocated once per batch shape ({@link EagerBuffers}), and everything between
 * them as fused loops over Java arrays, one pass each. Same arithmetic as {@link GatedAttentionGraph}
 * (equal to it within rounding, checked in the tests), without a graph session's per-op planning or
 * one native call per elementwise op. This class runs the input (embedding rows, or with a base the
 * base token states times {@code input.w} plus {@code input.b}; plus positions), pooling, the
 * output projection onto the base pooled embedding (with a base) and the embedding scatter-add; the blocks are {@link EagerBlocks}, the head and loss
 * {@link EagerHead}.
 *
 * <p>This is the first-order path ({@code lossAndGradient}, {@code predict}); exact second-order
 * meta-gradients use the graph, whose backward pass can be differentiated again. Java loops compute
 * in double; float models round when results go back to ND4J, flushing subnormals to zero (in the
 * Java writes, the attention probabilities and the returned gradient). One instance per thread;
 * buffers are overwritten by every call.
 */
final class EagerEncoder {
    private static final int MAX_SHAPES = 6;

    private final ModelConfig c;
    private final DataType dt;
    private final int d;
    private final ThetaGroups groups;
    private final EagerBlocks blocks;
    private final EagerHead head;
    private final String positions;
    private final Map<Long, EagerBuffers> buffers = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, EagerBuffers> e) {
            return size() > MAX_SHAPES;
        }
    };

    EagerEncoder(ModelConfig c, ParamLayout layout) {
        this.c = c;
        this.dt = c.dtype();
        this.d = c.dModel();
        this.groups = new ThetaGroups(layout);
        this.blocks = new EagerBlocks(c, groups);
        this.head = new EagerHead(c, groups);
        this.positions = EncoderLayout.positions(c);
    }

    /** Result of one task: loss, logits [size * ways] (row-major) and, with a backward pass, dLoss/dmemory [size * d]. */
    record Output(double loss, double[] logits, double[] memoryGradient) {}

    /**
     * Forward pass of one task at {@code theta} [P] (dtype of the model); with {@code grad} [P]
     * (zero on entry, an own contiguous array) also the backward pass, writing the gradient of the
     * task's loss.
     */
    Output run(INDArray theta, TaskFeed f, INDArray grad) {
        Forward fw = forward(theta, f);
        EagerBuffers s = fw.s;
        INDArray u = fw.u;
        double[] emb = fw.emb;
        int td = s.t * d;
        EagerHead.Result hr = head.run(theta, f, emb, grad != null);
        if (grad == null) return new Output(hr.loss(), hr.logits(), null);
        for (Map.Entry<String, double[]> e : hr.gradients().entrySet()) groups.put(grad, e.getKey(), e.getValue());
        double[] dz = hr.dz();
        if (c.hasBase()) {
            INDArray dEmb = Nd4j.createFromArray(dz).castTo(dt).reshape(s.b, c.baseDim());
            HostArrays.flushSubnormals(dEmb); // feeds two gemms
            INDArray wOut = groups.view(theta, EncoderLayout.OUTPUT_W);
            Nd4j.gemm(u, dEmb, groups.view(grad, EncoderLayout.OUTPUT_W), true, false, 1.0, 0.0);
            if (c.pooledLinear()) {
                INDArray p = Nd4j.createFromArray(f.basePooled()).castTo(dt).reshape(s.b, c.baseDim());
                Nd4j.gemm(p, dEmb, groups.view(grad, EncoderLayout.OUTPUT_POOLED), true, false, 1.0, 0.0);
            }
            dz = dEmb.mmul(wOut.transpose()).reshape(-1).toDoubleVector();
        }
        // pooling backward: dX[b, t, :] = pool[b, t] * dz[b, :]
        double[] dx = s.dOutJ;
        for (int i = 0; i < s.b; i++) {
            for (int j = 0; j < s.t; j++) {
                double w = f.pool()[i * s.t + j];
                int to = (i * s.t + j) * d;
                for (int e = 0; e < d; e++) dx[to + e] = w * dz[i * d + e];
            }
        }
        for (int l = c.blocks() - 1; l >= 0; l--) {
            EagerBuffers.Block k = s.blocks[l];
            INDArray in = l == 0 ? s.x0 : s.blocks[l - 1].out;
            blocks.backward(theta, grad, s, k, in, dx);
            dx = s.dInJ;
        }
        // positions: sum over the batch; then tokens (scatter-add of the input rows' gradients) or the input projection
        double[] dPos = new double[td];
        for (int i = 0; i < s.b; i++) for (int j = 0; j < td; j++) dPos[j] += dx[i * td + j];
        groups.put(grad, positions, dPos);
        if (c.hasBase()) {
            s.host.write(dx, s.dA);
            Nd4j.gemm(s.xBase, s.dA, groups.view(grad, EncoderLayout.INPUT_W), true, false, 1.0, 0.0);
            groups.put(grad, EncoderLayout.INPUT_B, EagerBlocks.columnSums(dx, s.b * s.t, d));
        } else {
            scatterTokens(f.ids(), dx, grad);
        }
        HostArrays.flushSubnormals(grad); // weight gradients come straight from gemms
        return new Output(hr.loss(), hr.logits(), dz);
    }

    /** The buffers of a forward pass, the adapter's pooled state u [B, d] (with a base, else null) and the rows the head scores, emb [B * width]. */
    private record Forward(EagerBuffers s, INDArray u, double[] emb) {}

    /**
     * The rows the head scores, [B * width] row-major, at {@code theta}: forward pass only, no head
     * (with a base: the base pooled embedding plus the adapter's pooled state through {@code output.w});
     * with {@code memory.store} and a store view in the batch, plus the store read ({@link EagerHead#refined}).
     */
    double[] embeddings(INDArray theta, TaskFeed f) {
        return head.refined(theta, f, forward(theta, f).emb);
    }

    private Forward forward(INDArray theta, TaskFeed f) {
        EagerBuffers s = buffers(f.size(), f.length());
        s.keyBias.assign(Nd4j.createFromArray(f.keyBias()).castTo(dt).reshape(s.b, 1, s.t));
        int td = s.t * d;
        if (c.hasBase()) {
            // base token states times input.w, plus input.b
            writeBaseStates(f, s);
            Nd4j.gemm(s.xBase, groups.view(theta, EncoderLayout.INPUT_W), s.x0, false, false, 1.0, 0.0);
            s.host.read(s.x0, s.x0J);
            double[] bias = groups.values(theta, EncoderLayout.INPUT_B);
            for (int r = 0; r < s.b * s.t; r++) for (int e = 0; e < d; e++) s.x0J[r * d + e] += bias[e];
        } else {
            // embedding rows
            Nd4j.pullRows(groups.view(theta, EncoderLayout.TOKENS), s.x0, 1, f.ids());
            s.host.read(s.x0, s.x0J);
        }
        double[] pos = groups.values(theta, positions, (long) s.t * d);
        for (int i = 0; i < s.b; i++) for (int j = 0; j < td; j++) s.x0J[i * td + j] += pos[j];
        s.host.write(s.x0J, s.x0);
        INDArray x = s.x0;
        double[] xJ = s.x0J;
        for (EagerBuffers.Block k : s.blocks) {
            blocks.forward(theta, s, k, x, xJ);
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
        // with a base the head sees the base pooled embedding plus the adapter pooled state u through output.w
        INDArray u = null;
        double[] emb = z;
        if (c.hasBase()) {
            u = Nd4j.createFromArray(z).castTo(dt).reshape(s.b, d);
            HostArrays.flushSubnormals(u);
            emb = u.mmul(groups.view(theta, EncoderLayout.OUTPUT_W)).reshape(-1).toDoubleVector();
            for (int i = 0; i < emb.length; i++) emb[i] += f.basePooled()[i];
            if (c.pooledLinear()) {
                INDArray p = Nd4j.createFromArray(f.basePooled()).castTo(dt).reshape(s.b, c.baseDim());
                double[] mapped = p.mmul(groups.view(theta, EncoderLayout.OUTPUT_POOLED)).reshape(-1).toDoubleVector();
                for (int i = 0; i < emb.length; i++) emb[i] += mapped[i];
            }
        }
        return new Forward(s, u, emb);
    }

    /** The feed's base token states into {@code s.xBase} [B*T, base-dim], zero at padding positions. */
    private void writeBaseStates(TaskFeed f, EagerBuffers s) {
        int e = c.baseDim();
        s.xBase.assign(0.0);
        for (int i = 0; i < s.b; i++) {
            float[] row = f.baseStates()[i];
            int at = i * s.t * e;
            if (dt == DataType.FLOAT) {
                s.xBase.data().asNioFloat().put(at, row, 0, row.length);
            } else {
                java.nio.DoubleBuffer buf = s.xBase.data().asNioDouble();
                for (int k = 0; k < row.length; k++) buf.put(at + k, row[k]);
            }
        }
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
        long base = groups.group(EncoderLayout.TOKENS).offset();
        long[] offsets = new long[u];
        for (int k = 0; k < u; k++) offsets[k] = base + (long) distinct[k] * d;
        HostArrays.writeRows(grad, offsets, u, acc, d);
    }

    private EagerBuffers buffers(int b, int t) {
        return buffers.computeIfAbsent((long) b << 32 | t, k -> new EagerBuffers(c, b, t));
    }
}
