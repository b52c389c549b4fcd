package dev.metamorph.model;

import dev.metamorph.core.learn.ParamLayout;

/**
 * The flat parameter layout of the gated-attention encoder: {@code embed.tokens}, {@code embed.pos},
 * then per block {@code blockL.attn.{wq,bq,wk,bk,wv,bv,wo,bo,gate}}, {@code blockL.ln1.{gamma,beta}},
 * {@code blockL.ff.{w1,b1,w2,b2}}, {@code blockL.ln2.{gamma,beta}}, and for the zero head
 * {@code head.w}, {@code head.b}. Weight matrices are [in, out] (y = x W + b).
 */
public final class EncoderLayout {
    /** Name of the token embedding group (kept outside the graph, see {@link GatedAttentionLearner}). */
    public static final String TOKENS = "embed.tokens";
    /** Name of the position embedding group. */
    public static final String POSITIONS = "embed.pos";

    private EncoderLayout() {}

    /** The layout for a config. */
    public static ParamLayout of(ModelConfig c) {
        int d = c.dModel();
        ParamLayout.Builder b = ParamLayout.builder().add(TOKENS, c.vocabSize(), d).add(POSITIONS, c.maxLength(), d);
        for (int l = 0; l < c.blocks(); l++) {
            String p = "block" + l + ".";
            for (String w : new String[] {"q", "k", "v", "o"}) {
                b.add(p + "attn.w" + w, d, d).add(p + "attn.b" + w, d);
            }
            b.add(p + "attn.gate", c.heads());
            b.add(p + "ln1.gamma", d).add(p + "ln1.beta", d);
            b.add(p + "ff.w1", d, c.ffSize()).add(p + "ff.b1", c.ffSize()).add(p + "ff.w2", c.ffSize(), d).add(p + "ff.b2", d);
            b.add(p + "ln2.gamma", d).add(p + "ln2.beta", d);
        }
        if (c.head() == ModelConfig.HeadType.ZERO) b.add("head.w", d, c.ways()).add("head.b", c.ways());
        return b.build();
    }
}
