package dev.metamorph.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The classification head and the cross-entropy loss of the eager pass, as Java loops over the
 * embeddings z [B * width] ({@link ModelConfig#embeddingWidth}): the zero head (linear, {@code head.w},
 * {@code head.b}) or the prototype head, which scores each row against per-row prototypes p_ik =
 * sum_j proto[i, k, j] z_j (see {@link TaskFeed}: leave-one-out for prototype rows). Without a base
 * the prototype logit is the negative squared distance -|z_i - p_ik|^2; with a base it is
 * exp(head.scale) * cos(z_i, p_ik) + head.lexical * lexical[i, k]. Same arithmetic as the head of
 * {@link GatedAttentionGraph}.
 */
final class EagerHead {
    /** Added to squared norms under the square root of the cosine, so that an empty prototype gives cosine 0. */
    static final double NORM_EPS = 1e-12;

    private final ModelConfig c;
    private final ThetaGroups groups;
    private final int e, n;
    private final EagerMemory memory;

    EagerHead(ModelConfig c, ThetaGroups groups) {
        this.c = c;
        this.groups = groups;
        this.memory = c.hasMemory() ? new EagerMemory(c, groups) : null;
        this.e = c.embeddingWidth();
        this.n = c.ways();
    }

    /** Loss, logits [B * ways], and with a backward pass dLoss/dz [B * width] and the head's group gradients. */
    record Result(double loss, double[] logits, double[] dz, Map<String, double[]> gradients) {}

    /** The rows the head scores: z, or with a store view z plus the store read ({@link EagerMemory#refine}). */
    double[] refined(INDArray theta, TaskFeed f, double[] z) {
        return memory != null && memory.readsStore(f) ? memory.refine(theta, f, z).refined() : z;
    }

    Result run(INDArray theta, TaskFeed f, double[] zIn, boolean backward) {
        EagerMemory.StorePass store = memory != null && memory.readsStore(f) ? memory.refine(theta, f, zIn) : null;
        double[] z = store == null ? zIn : store.refined();
        Result r = score(theta, f, z, backward);
        if (store == null || !backward) return r;
        double[] dz = memory.refineBackward(store, f, zIn, r.dz(), r.gradients());
        return new Result(r.loss(), r.logits(), dz, r.gradients());
    }

    private Result score(INDArray theta, TaskFeed f, double[] z, boolean backward) {
        int b = f.size();
        double[] logits = new double[b * n];
        boolean cosine = c.hasBase();
        double[] w = null, protos = null, dots = null, pNorm = null, zNorm = null, cos = null;
        double scale = 0, lexW = 0;
        RidgeFit ridge = null;
        if (c.hasRidge()) {
            scale = Math.exp(groups.values(theta, EncoderLayout.HEAD_SCALE)[0]);
            ridge = RidgeFit.forward(c.ridge(), f, z, e, n, scale, logits);
        } else if (c.head() == ModelConfig.HeadType.ZERO) {
            w = groups.values(theta, "head.w"); // [e, n]
            double[] bias = groups.values(theta, "head.b");
            for (int i = 0; i < b; i++) {
                for (int k = 0; k < n; k++) {
                    double acc = bias[k];
                    for (int x = 0; x < e; x++) acc += z[i * e + x] * w[x * n + k];
                    logits[i * n + k] = acc;
                }
            }
        } else {
            protos = new double[b * n * e];
            dots = new double[b * n];
            pNorm = new double[b * n];
            for (int i = 0; i < b; i++) {
                for (int k = 0; k < n; k++) {
                    int ik = i * n + k, po = ik * e;
                    for (int j = 0; j < b; j++) {
                        double pw = f.proto()[ik * b + j];
                        if (pw != 0) for (int x = 0; x < e; x++) protos[po + x] += pw * z[j * e + x];
                    }
                    double dot = 0, pp = 0;
                    for (int x = 0; x < e; x++) {
                        dot += z[i * e + x] * protos[po + x];
                        pp += protos[po + x] * protos[po + x];
                    }
                    dots[ik] = dot;
                    pNorm[ik] = pp;
                }
            }
            zNorm = new double[b];
            for (int i = 0; i < b; i++) {
                double zz = 0;
                for (int x = 0; x < e; x++) zz += z[i * e + x] * z[i * e + x];
                zNorm[i] = zz;
            }
            if (cosine) {
                scale = Math.exp(groups.values(theta, EncoderLayout.HEAD_SCALE)[0]);
                lexW = groups.values(theta, EncoderLayout.HEAD_LEXICAL)[0];
                cos = new double[b * n];
                for (int i = 0; i < b; i++) {
                    zNorm[i] = Math.sqrt(zNorm[i] + NORM_EPS);
                    for (int k = 0; k < n; k++) {
                        int ik = i * n + k;
                        pNorm[ik] = Math.sqrt(pNorm[ik] + NORM_EPS);
                        cos[ik] = dots[ik] / (zNorm[i] * pNorm[ik]);
                        logits[ik] = scale * cos[ik] + lexW * f.lexical()[ik];
                    }
                }
            } else {
                for (int i = 0; i < b; i++) for (int k = 0; k < n; k++) logits[i * n + k] = 2 * dots[i * n + k] - zNorm[i] - pNorm[i * n + k];
            }
        }
        EagerMemory.Pass mem = memory == null ? null : memory.forward(theta, f, z, logits);
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
        if (!backward) return new Result(loss, logits, null, null);
        double[] dz = new double[b * e];
        Map<String, double[]> g = new HashMap<>();
        if (ridge != null) {
            double gScale = 0;
            for (int i = 0; i < b * n; i++) gScale += dLogits[i] * logits[i];
            ridge.backward(dLogits, dz);
            g.put(EncoderLayout.HEAD_SCALE, new double[] {gScale});
            g.put(EncoderLayout.HEAD_LEXICAL, new double[] {0.0});
            return new Result(loss, logits, dz, g);
        }
        if (c.head() == ModelConfig.HeadType.ZERO) {
            double[] gw = new double[e * n], gb = new double[n];
            for (int i = 0; i < b; i++) {
                for (int k = 0; k < n; k++) {
                    double dl = dLogits[i * n + k];
                    if (dl == 0) continue;
                    gb[k] += dl;
                    for (int x = 0; x < e; x++) {
                        gw[x * n + k] += z[i * e + x] * dl;
                        dz[i * e + x] += dl * w[x * n + k];
                    }
                }
            }
            g.put("head.w", gw);
            g.put("head.b", gb);
            return new Result(loss, logits, dz, g);
        }
        double[] dProto = new double[b * n * e];
        double gScale = 0, gLex = 0;
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < n; k++) {
                int ik = i * n + k, po = ik * e;
                double dl = dLogits[ik];
                if (dl == 0) continue;
                if (cosine) {
                    // cos = a / (|z| |p|): d/dz = p / (|z||p|) - a z / (|z|^3 |p|), d/dp = z / (|z||p|) - a p / (|z| |p|^3)
                    gScale += dl * scale * cos[ik];
                    gLex += dl * f.lexical()[ik];
                    double coef = dl * scale / (zNorm[i] * pNorm[ik]);
                    double cz = coef * dots[ik] / (zNorm[i] * zNorm[i]);
                    double cp = coef * dots[ik] / (pNorm[ik] * pNorm[ik]);
                    for (int x = 0; x < e; x++) {
                        dz[i * e + x] += coef * protos[po + x] - cz * z[i * e + x];
                        dProto[po + x] = coef * z[i * e + x] - cp * protos[po + x];
                    }
                } else {
                    // logit = 2 z.p - |z|^2 - |p|^2
                    for (int x = 0; x < e; x++) {
                        dz[i * e + x] += 2 * dl * (protos[po + x] - z[i * e + x]);
                        dProto[po + x] = 2 * dl * (z[i * e + x] - protos[po + x]);
                    }
                }
                for (int j = 0; j < b; j++) {
                    double pw = f.proto()[ik * b + j];
                    if (pw != 0) for (int x = 0; x < e; x++) dz[j * e + x] += pw * dProto[po + x];
                }
            }
        }
        if (cosine) {
            g.put(EncoderLayout.HEAD_SCALE, new double[] {gScale});
            g.put(EncoderLayout.HEAD_LEXICAL, new double[] {gLex});
        }
        if (mem != null) memory.backward(mem, f, z, dLogits, dz, g);
        return new Result(loss, logits, dz, g);
    }
}
