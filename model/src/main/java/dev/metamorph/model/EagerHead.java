package dev.metamorph.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The classification head and the cross-entropy loss of the eager pass, as Java loops over the
 * pooled embeddings z [B * d]: the zero head (linear, {@code head.w}, {@code head.b}) or the
 * prototype head (negative squared distance to class means of the prototype rows). Same arithmetic
 * as the head of {@link GatedAttentionGraph}.
 */
final class EagerHead {
    private final ModelConfig c;
    private final ThetaGroups groups;
    private final int d, n;

    EagerHead(ModelConfig c, ThetaGroups groups) {
        this.c = c;
        this.groups = groups;
        this.d = c.dModel();
        this.n = c.ways();
    }

    /** Loss, logits [B * ways], and with a backward pass dLoss/dz [B * d] and the head's group gradients. */
    record Result(double loss, double[] logits, double[] dz, Map<String, double[]> gradients) {}

    Result run(INDArray theta, TaskFeed f, double[] z, boolean backward) {
        int b = f.size();
        double[] logits = new double[b * n];
        double[] protos = null;
        double[] w = null;
        if (c.head() == ModelConfig.HeadType.ZERO) {
            w = groups.values(theta, "head.w"); // [d, n]
            double[] bias = groups.values(theta, "head.b");
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
        if (!backward) return new Result(loss, logits, null, null);
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
        return new Result(loss, logits, dz, g);
    }
}
