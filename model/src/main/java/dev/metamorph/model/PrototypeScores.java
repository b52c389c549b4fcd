package dev.metamorph.model;

import dev.metamorph.core.learn.ParamGroup;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The prototype head of {@link EagerHead} over any number of classes, for rows whose prototypes were
 * computed once: a served adapter keeps each class's prototype (the mean of its support rows'
 * {@link GatedAttentionLearner#embeddings}) and scores every query row against all of them. Same
 * arithmetic and order of operations as {@link EagerHead} for a scored row that is not a prototype
 * row: with a base exp(head.scale) * cos(z, p_k) + head.lexical * lexical_k, without a base
 * -|z - p_k|^2 (as 2 z.p - |z|^2 - |p|^2). Immutable; safe to share between threads.
 */
public final class PrototypeScores {
    private final boolean cosine;
    private final double scale;
    private final double lexicalWeight;
    private final double[][] prototypes;

    private PrototypeScores(boolean cosine, double scale, double lexicalWeight, double[][] prototypes) {
        this.cosine = cosine;
        this.scale = scale;
        this.lexicalWeight = lexicalWeight;
        this.prototypes = prototypes;
    }

    /**
     * Prototypes of {@code classes} classes from support rows: row j (embedding {@code support[j]})
     * belongs to class {@code labels[j]}; each class needs at least one row.
     *
     * @param theta the parameters the support rows were embedded at (for head.scale and head.lexical)
     */
    public static PrototypeScores of(ModelConfig config, INDArray theta, double[][] support, int[] labels, int classes) {
        if (config.head() != ModelConfig.HeadType.PROTOTYPE) throw new IllegalArgumentException("Prototype scores need model.head = prototype, got " + config.head());
        if (support.length != labels.length) throw new IllegalArgumentException(support.length + " support rows but " + labels.length + " labels");
        int e = config.embeddingWidth();
        int[] count = new int[classes];
        for (int l : labels) {
            if (l < 0 || l >= classes) throw new IllegalArgumentException("Support label " + l + " is outside 0.." + (classes - 1));
            count[l]++;
        }
        for (int k = 0; k < classes; k++) if (count[k] == 0) throw new IllegalArgumentException("Class " + k + " has no support row");
        double[][] protos = new double[classes][e];
        for (int j = 0; j < support.length; j++) {
            if (support[j].length != e) throw new IllegalArgumentException("Support row " + j + " is " + support[j].length + " wide; expected " + e);
            double pw = 1.0 / count[labels[j]];
            double[] p = protos[labels[j]];
            for (int x = 0; x < e; x++) p[x] += pw * support[j][x];
        }
        double scale = 0, lex = 0;
        if (config.hasBase()) {
            List<ParamGroup> groups = EncoderLayout.of(config).groups();
            for (ParamGroup g : groups) {
                if (g.name().equals(EncoderLayout.HEAD_SCALE)) scale = Math.exp(theta.getDouble(g.offset()));
                if (g.name().equals(EncoderLayout.HEAD_LEXICAL)) lex = theta.getDouble(g.offset());
            }
        }
        return new PrototypeScores(config.hasBase(), scale, lex, protos);
    }

    /** Number of classes. */
    public int classes() {
        return prototypes.length;
    }

    /**
     * Logits of one row over the classes.
     *
     * @param z the row's embedding
     * @param lexical the row's lexical channel per class (weighted mean over the class's support rows), or null for zeros
     */
    public double[] logits(double[] z, double[] lexical) {
        int n = prototypes.length;
        double[] out = new double[n];
        double zz = 0;
        for (double v : z) zz += v * v;
        for (int k = 0; k < n; k++) {
            double[] p = prototypes[k];
            double dot = 0, pp = 0;
            for (int x = 0; x < p.length; x++) {
                dot += z[x] * p[x];
                pp += p[x] * p[x];
            }
            if (cosine) {
                double cos = dot / (Math.sqrt(zz + EagerHead.NORM_EPS) * Math.sqrt(pp + EagerHead.NORM_EPS));
                out[k] = scale * cos + lexicalWeight * (lexical == null ? 0.0 : lexical[k]);
            } else {
                out[k] = 2 * dot - zz - pp;
            }
        }
        return out;
    }

    /** Softmax of logits (max-shifted, as the loss computes it). */
    public static double[] probabilities(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) max = Math.max(max, l);
        double sum = 0;
        for (double l : logits) sum += Math.exp(l - max);
        double logSum = Math.log(sum);
        double[] p = new double[logits.length];
        for (int k = 0; k < p.length; k++) p[k] = Math.exp(logits[k] - max - logSum);
        return p;
    }

    /** Resident size of the prototypes in bytes (8 per value). */
    public long bytes() {
        long n = 0;
        for (double[] p : prototypes) n += p.length;
        return n * 8;
    }
}
