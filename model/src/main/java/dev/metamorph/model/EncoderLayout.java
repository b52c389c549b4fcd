package dev.metamorph.model;

import dev.metamorph.core.learn.ParamLayout;

/**
 * The flat parameter layout of the gated-attention encoder. Without a base ({@code model.base = none}):
 * {@code embed.tokens}, {@code embed.pos}, the blocks, the head. With a base, the adapter over it:
 * {@code input.w} [base-dim, d], {@code input.b} [d], {@code input.pos} [max-length, d], the blocks,
 * {@code output.w} [d, base-dim], the head. The blocks are, per block, {@code blockL.attn.{wq,bq,wk,bk,wv,bv,wo,bo,gate}},
 * {@code blockL.ln1.{gamma,beta}}, {@code blockL.ff.{w1,b1,w2,b2}}, {@code blockL.ln2.{gamma,beta}}.
 * The head: {@code head.w} [width, ways] and {@code head.b} for the zero head; nothing for the
 * prototype head without a base; {@code head.scale} (log of the cosine scale) and
 * {@code head.lexical} (weight of the lexical channel) for the prototype head with a base. Weight
 * matrices are [in, out] (y = x W + b). The first name components ({@code input.}, {@code block0.},
 * ..., {@code output.}, {@code head.}, {@code memory.}) are the curriculum's default unfreezing units, unfrozen from
 * the last group down. With {@code model.memory} the memory channel's groups follow the head:
 * {@code memory.query.w} [width, key-size], {@code memory.label} [ways, value-size],
 * {@code memory.strength} [1] (log of the read strength), {@code memory.gain} [1] and, with
 * {@code memory.store}, {@code memory.store.gain} [1] and {@code memory.store.strength} [1] (see {@link EagerMemory}).
 */
public final class EncoderLayout {
    /** Name of the token embedding group (kept outside the graph, see {@link GatedAttentionLearner}); only without a base. */
    public static final String TOKENS = "embed.tokens";
    /** Name of the position embedding group without a base. */
    public static final String POSITIONS = "embed.pos";
    /** Projection of the base's token states, [base-dim, d]. */
    public static final String INPUT_W = "input.w";
    /** Bias of the input projection, [d]. */
    public static final String INPUT_B = "input.b";
    /** Position embeddings added after the input projection, [max-length, d]. */
    public static final String INPUT_POS = "input.pos";
    /** Output projection of the adapter's pooled state onto the base's pooled embedding, [d, base-dim]; initialised to zero. */
    public static final String OUTPUT_W = "output.w";
    /** Linear residual map of the base's pooled embedding, [base-dim, base-dim]; initialised to zero ({@code model.pooled-linear}). */
    public static final String OUTPUT_POOLED = "output.pooled";
    /** Log of the scale of the cosine logits (prototype head with a base), [1]. */
    public static final String HEAD_SCALE = "head.scale";
    /** Weight of the lexical channel in the logits (prototype head with a base), [1]. */
    public static final String HEAD_LEXICAL = "head.lexical";

    private EncoderLayout() {}

    /** The name of the position embedding group of a config ({@link #POSITIONS} or {@link #INPUT_POS}). */
    public static String positions(ModelConfig c) {
        return c.hasBase() ? INPUT_POS : POSITIONS;
    }

    /** The layout for a config. */
    public static ParamLayout of(ModelConfig c) {
        int d = c.dModel();
        ParamLayout.Builder b = ParamLayout.builder();
        if (c.hasBase()) b.add(INPUT_W, c.baseDim(), d).add(INPUT_B, d).add(INPUT_POS, c.maxLength(), d);
        else b.add(TOKENS, c.vocabSize(), d).add(POSITIONS, c.maxLength(), d);
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
        if (c.hasBase()) b.add(OUTPUT_W, d, c.baseDim());
        if (c.pooledLinear()) b.add(OUTPUT_POOLED, c.baseDim(), c.baseDim());
        if (c.head() == ModelConfig.HeadType.ZERO) b.add("head.w", c.embeddingWidth(), c.ways()).add("head.b", c.ways());
        else if (c.hasBase()) b.add(HEAD_SCALE, 1).add(HEAD_LEXICAL, 1);
        if (c.hasMemory()) {
            b.add(EagerMemory.QUERY_W, c.embeddingWidth(), c.memory().keySize()).add(EagerMemory.LABEL, c.ways(), c.memory().valueSize());
            b.add(EagerMemory.STRENGTH, 1).add(EagerMemory.GAIN, 1);
            if (c.memory().store()) b.add(EagerMemory.STORE_GAIN, 1).add(EagerMemory.STORE_STRENGTH, 1);
        }
        return b.build();
    }
}
