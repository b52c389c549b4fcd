package dev.metamorph.model;

import dev.metamorph.memory.ContentRead;
import dev.metamorph.memory.MemoryConfig;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The external memory channel of the eager pass ({@code model.memory}). The episode's support rows
 * (the feed's prototype rows) are written as the memory's slots: key k_j = z_j P (z the head's input
 * embedding, P = {@code memory.query.w} [width, key-size]), value v_j = L[label_j] (L =
 * {@code memory.label} [ways, value-size], the label embedding). Every row i queries with q_i = z_i P
 * through {@link ContentRead} (cosine, strength exp({@code memory.strength}), softmax, top-k when
 * {@code memory.top-k > 0}; a support row never reads its own slot) and its read vector r_i joins the
 * head as logit_ik += {@code memory.gain} * r_i . L_k. The backward pass chains {@link ContentRead}'s
 * explicit one: gradients reach the query, the keys written in the episode (both through z into the
 * adapter), the projection, the label embedding, the strength and the gain. The graph path states the
 * same channel (dense reads only) with {@link dev.metamorph.memory.MemoryReadOps} in {@link GatedAttentionGraph}.
 *
 * <p>With {@code memory.store} every row also reads the batch's view of the per-domain store
 * ({@link #refine}: z + g m, the read by z's own cosine over the stored embeddings) before the head
 * scores it; {@link GatedAttentionGraph} states the same read as graph ops.
 */
final class EagerMemory {
    static final String QUERY_W = "memory.query.w";
    static final String LABEL = "memory.label";
    static final String STRENGTH = "memory.strength";
    static final String GAIN = "memory.gain";
    static final String STORE_GAIN = "memory.store.gain";
    static final String STORE_STRENGTH = "memory.store.strength";

    private final ThetaGroups groups;
    private final int e, n, kd, vd;
    private final ContentRead read;
    private final ContentRead storeRead;

    EagerMemory(ModelConfig c, ThetaGroups groups) {
        MemoryConfig m = c.memory();
        this.groups = groups;
        this.e = c.embeddingWidth();
        this.n = c.ways();
        this.kd = m.keySize();
        this.vd = m.valueSize();
        this.read = new ContentRead(kd, vd, m.topK());
        this.storeRead = m.store() ? new ContentRead(e, e, m.storeTopK()) : null;
    }

    /** Whether this pass reads the feed's store view. */
    boolean readsStore(TaskFeed f) {
        return storeRead != null && f.store() != null;
    }

    /** What the store read keeps for its backward pass; {@code refined} is z + g m [B * width]. */
    record StorePass(double[] refined, ContentRead.Result[] reads, double gain, double beta) {}

    /**
     * The per-domain store read ({@code memory.store}): every row's embedding z_i queries the store
     * view (keys = values = the stored embeddings s_j, in the same space as z; cosine, strength
     * exp({@code memory.store.strength}), the {@code memory.store-top-k} most similar slots) and
     * becomes z_i + g m_i (g = {@code memory.store.gain}, m_i the read): it moves towards the
     * domain's stored texts that resemble it. An empty view reads zero. {@code z} [B * width] is not
     * changed.
     */
    StorePass refine(INDArray theta, TaskFeed f, double[] z) {
        int b = f.size(), s = f.storeSize();
        double beta = Math.exp(groups.values(theta, STORE_STRENGTH)[0]);
        double gain = groups.values(theta, STORE_GAIN)[0];
        double[] store = f.store();
        double[] out = z.clone();
        ContentRead.Result[] reads = new ContentRead.Result[b];
        for (int i = 0; i < b; i++) {
            reads[i] = storeRead.forward(z, i * e, store, store, s, -1, beta);
            double[] m = reads[i].read();
            for (int x = 0; x < e; x++) out[i * e + x] += gain * m[x];
        }
        return new StorePass(out, reads, gain, beta);
    }

    /**
     * Backward of {@link #refine} for dLoss/d(refined) {@code dRefined} [B * width]: returns dLoss/dz
     * (through the identity and the read's query) and puts the gradients of
     * {@code memory.store.gain} and {@code memory.store.strength} into {@code grads}. The stored
     * embeddings are data, not parameters.
     */
    double[] refineBackward(StorePass p, TaskFeed f, double[] z, double[] dRefined, Map<String, double[]> grads) {
        int b = f.size(), s = f.storeSize();
        double[] dz = dRefined.clone();
        double gGain = 0, gBeta = 0;
        double[] store = f.store();
        for (int i = 0; i < b; i++) {
            double[] m = p.reads[i].read();
            double[] dm = new double[e];
            boolean any = false;
            for (int x = 0; x < e; x++) {
                double d = dRefined[i * e + x];
                gGain += d * m[x];
                dm[x] = p.gain * d;
                any |= dm[x] != 0;
            }
            if (!any || p.reads[i].slots().length == 0) continue;
            ContentRead.Gradient g = storeRead.backward(p.reads[i], z, i * e, store, store, dm, null, null);
            gBeta += g.strength();
            double[] dq = g.query();
            for (int x = 0; x < e; x++) dz[i * e + x] += dq[x];
        }
        grads.put(STORE_STRENGTH, new double[] {gBeta * p.beta});
        grads.put(STORE_GAIN, new double[] {gGain});
        return dz;
    }

    private static double[] sum(double[] a, double[] b) {
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) out[i] += b[i];
        return out;
    }

    /** What the forward pass keeps for the backward pass. */
    record Pass(double[] keys, int[] slotRow, double[] slotKeys, double[] slotValues, ContentRead.Result[] reads, double[] label, double gain, double[] proj) {}

    /** Adds the memory logits of every row to {@code logits} [B * ways]; z [B * width]. */
    Pass forward(INDArray theta, TaskFeed f, double[] z, double[] logits) {
        int b = f.size();
        double[] proj = groups.values(theta, QUERY_W); // [e, kd]
        double[] label = groups.values(theta, LABEL); // [n, vd]
        double beta = Math.exp(groups.values(theta, STRENGTH)[0]);
        double gain = groups.values(theta, GAIN)[0];
        double[] keys = new double[b * kd];
        for (int i = 0; i < b; i++) {
            for (int x = 0; x < e; x++) {
                double zx = z[i * e + x];
                if (zx == 0) continue;
                for (int y = 0; y < kd; y++) keys[i * kd + y] += zx * proj[x * kd + y];
            }
        }
        boolean[] isSlot = slotRows(f, n);
        int slots = 0;
        for (int i = 0; i < b; i++) if (isSlot[i]) slots++;
        int[] slotRow = new int[slots];
        int[] slotOf = new int[b];
        double[] slotKeys = new double[slots * kd], slotValues = new double[slots * vd];
        for (int i = 0, s = 0; i < b; i++) {
            slotOf[i] = -1;
            if (!isSlot[i]) continue;
            slotRow[s] = i;
            slotOf[i] = s;
            System.arraycopy(keys, i * kd, slotKeys, s * kd, kd);
            System.arraycopy(label, f.labels()[i] * vd, slotValues, s * vd, vd);
            s++;
        }
        ContentRead.Result[] reads = new ContentRead.Result[b];
        for (int i = 0; i < b; i++) {
            reads[i] = read.forward(keys, i * kd, slotKeys, slotValues, slots, slotOf[i], beta);
            double[] r = reads[i].read();
            for (int k = 0; k < n; k++) {
                double acc = 0;
                for (int x = 0; x < vd; x++) acc += r[x] * label[k * vd + x];
                logits[i * n + k] += gain * acc;
            }
        }
        return new Pass(keys, slotRow, slotKeys, slotValues, reads, label, gain, proj);
    }

    /** The episode's support rows (rows some other row's prototype is made of) are the memory's slots. */
    static boolean[] slotRows(TaskFeed f, int n) {
        int b = f.size();
        boolean[] slot = new boolean[b];
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < n; k++) {
                int o = (i * n + k) * b;
                for (int j = 0; j < b; j++) if (f.proto()[o + j] != 0) slot[j] = true;
            }
        }
        return slot;
    }

    /**
     * The graph path's additive read mask of one task [B * B] (row i, slot j): 0 where j is a support
     * row other than i, {@link TaskFeed#MASKED} elsewhere.
     */
    static double[] readMask(TaskFeed f, int n) {
        int b = f.size();
        boolean[] slot = slotRows(f, n);
        double[] mask = new double[b * b];
        for (int i = 0; i < b; i++) for (int j = 0; j < b; j++) mask[i * b + j] = slot[j] && j != i ? 0.0 : TaskFeed.MASKED;
        return mask;
    }

    /** Backward pass for dLogits [B * ways]: adds dLoss/dz into {@code dz} [B * width] and puts the memory groups' gradients. */
    void backward(Pass p, TaskFeed f, double[] z, double[] dLogits, double[] dz, Map<String, double[]> grads) {
        int b = f.size(), slots = p.slotRow.length;
        double[] gLabel = new double[n * vd], gProj = new double[e * kd], dKeys = new double[b * kd], dSlotKeys = new double[slots * kd], dSlotValues = new double[slots * vd];
        double gGain = 0, gBeta = 0;
        for (int i = 0; i < b; i++) {
            double[] r = p.reads[i].read();
            double[] dr = new double[vd];
            boolean any = false;
            for (int k = 0; k < n; k++) {
                double dl = dLogits[i * n + k];
                if (dl == 0) continue;
                any = true;
                double acc = 0;
                for (int x = 0; x < vd; x++) {
                    acc += r[x] * p.label[k * vd + x];
                    dr[x] += p.gain * dl * p.label[k * vd + x];
                    gLabel[k * vd + x] += p.gain * dl * r[x];
                }
                gGain += dl * acc;
            }
            if (!any) continue;
            ContentRead.Gradient g = read.backward(p.reads[i], p.keys, i * kd, p.slotKeys, p.slotValues, dr, dSlotKeys, dSlotValues);
            gBeta += g.strength();
            for (int y = 0; y < kd; y++) dKeys[i * kd + y] += g.query()[y];
        }
        for (int s = 0; s < slots; s++) {
            int row = p.slotRow[s];
            for (int y = 0; y < kd; y++) dKeys[row * kd + y] += dSlotKeys[s * kd + y];
            int lab = f.labels()[row];
            for (int x = 0; x < vd; x++) gLabel[lab * vd + x] += dSlotValues[s * vd + x];
        }
        for (int i = 0; i < b; i++) {
            for (int x = 0; x < e; x++) {
                double zx = z[i * e + x], acc = 0;
                for (int y = 0; y < kd; y++) {
                    double dk = dKeys[i * kd + y];
                    gProj[x * kd + y] += zx * dk;
                    acc += p.proj[x * kd + y] * dk;
                }
                dz[i * e + x] += acc;
            }
        }
        grads.merge(QUERY_W, gProj, EagerMemory::sum);
        grads.put(LABEL, gLabel);
        // strength = exp(s): d/ds = d/dbeta * beta
        grads.merge(STRENGTH, new double[] {gBeta * p.reads[0].strength()}, EagerMemory::sum);
        grads.put(GAIN, new double[] {gGain});
    }
}
