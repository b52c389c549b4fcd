package dev.metamorph.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.Checks;
import dev.metamorph.memory.MemoryConfig;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Settings of the gated-attention encoder (HOCON namespace {@code model}, defaults in the module's
 * {@code reference.conf}). Build it with {@link #from(Config)} or {@link #defaults()} and change
 * single values with the {@code withX} copies.
 */
public record ModelConfig(int vocabSize, int dModel, int heads, int blocks, int ffSize, int maxLength,
                          Truncation truncation, HeadType head, int ways, Activation activation,
                          DataType dtype, boolean memoryRead, double layerNormEps, double gateInit, Base base, int baseDim,
                          MemoryConfig memory, Ridge ridge, boolean pooledLinear) {

    /** The frozen pretrained base under the adapter ({@code none}: the model learns its own token embedding table). */
    public enum Base { NONE, MINILM_L6, ONNX;

        /** The HOCON spelling ({@code minilm-l6}). */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Which tokens survive when a text is longer than {@code max-length}. */
    public enum Truncation { HEAD, TAIL }

    /** Classification head type. */
    public enum HeadType { ZERO, PROTOTYPE }

    /**
     * The prototype head's closed-form ridge fit ({@code model.head-fit = ridge}; null: class means).
     * Each scored row is predicted by a ridge regression onto the one-hot labels fitted on the episode's
     * prototype rows (without the row itself, as for the class means) over the kernel
     * K = (1 - lexicalWeight) cos(z_i, z_j) + lexicalWeight tfidf_i . tfidf_j: the logits are
     * exp(head.scale) K_iS (K_SS + l2 I)^-1 Y_S (R2-D2, Bertinetto et al. 2019, in its Gram form).
     *
     * @param l2            the ridge penalty ({@code model.ridge-l2}, &gt; 0)
     * @param lexicalWeight the TF-IDF share of the kernel in [0, 1] ({@code model.ridge-lexical-weight})
     * @param lexicalGain   the gain the lexical matrix is fed with ({@code model.lexical-gain}); the kernel divides it out
     */
    public record Ridge(double l2, double lexicalWeight, double lexicalGain) {
        public Ridge {
            Checks.check(l2 > 0 && Double.isFinite(l2), "model.ridge-l2 must be a positive number, got %s", l2);
            Checks.check(lexicalWeight >= 0 && lexicalWeight <= 1, "model.ridge-lexical-weight must be in [0, 1], got %s", lexicalWeight);
            Checks.check(lexicalGain > 0 && Double.isFinite(lexicalGain), "model.lexical-gain must be a positive number, got %s", lexicalGain);
        }
    }

    /** Feed-forward activation. */
    public enum Activation { RELU, GELU }

    public ModelConfig {
        Checks.check(vocabSize >= 3, "model.vocab-size must be >= 3 ([PAD], [UNK] and one token), got %s", vocabSize);
        Checks.positive("model.d-model", dModel);
        Checks.positive("model.heads", heads);
        Checks.check(dModel % heads == 0, "model.d-model (%s) must be divisible by model.heads (%s)", dModel, heads);
        Checks.positive("model.blocks", blocks);
        Checks.positive("model.ff-size", ffSize);
        Checks.positive("model.max-length", maxLength);
        Checks.notNull("model.truncation", truncation);
        Checks.notNull("model.head", head);
        Checks.check(ways >= 2, "model.ways must be >= 2, got %s", ways);
        Checks.notNull("model.activation", activation);
        Checks.check(dtype == DataType.FLOAT || dtype == DataType.DOUBLE, "model.dtype must be float or double, got %s", dtype);
        Checks.positive("model.layer-norm-eps", layerNormEps);
        Checks.check(Double.isFinite(gateInit), "model.gate-init must be finite, got %s", gateInit);
        Checks.notNull("model.base", base);
        Checks.positive("model.base-dim", baseDim);
        Checks.check(memory == null || head == HeadType.PROTOTYPE, "model.memory = true needs model.head = prototype (the memory channel scores the episode's support rows), got %s", head);
        Checks.check(ridge == null || head == HeadType.PROTOTYPE, "model.head-fit = ridge needs model.head = prototype (the ridge fit replaces the class means), got %s", head);
        Checks.check(ridge == null || memory == null, "model.head-fit = ridge does not combine with model.memory = true yet; set one of them off");
        Checks.check(!pooledLinear || base != Base.NONE, "model.pooled-linear = true needs a base (model.base != none): it maps the base's pooled embedding");
        Checks.check(ridge == null || base != Base.NONE, "model.head-fit = ridge needs a base (model.base != none): the kernel is the cosine of the embeddings the base adapter scores");
    }

    /** Whether the external memory channel is on ({@code model.memory}); its settings are {@link #memory()}. */
    public boolean hasMemory() {
        return memory != null;
    }

    /** A copy with the external memory channel on ({@code m}) or off (null). */
    public ModelConfig withMemory(MemoryConfig m) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, m, ridge, pooledLinear);
    }

    /** Whether the model reads a pretrained base's token states ({@code model.base != none}). */
    public boolean hasBase() {
        return base != Base.NONE;
    }

    /** Width of the embedding the head sees: {@code base-dim} with a base, {@code d-model} without. */
    public int embeddingWidth() {
        return hasBase() ? baseDim : dModel;
    }

    /** Reads and validates the {@code model} namespace of a composed config. */
    public static ModelConfig from(Config c) {
        Config reference = ConfigFactory.defaultReference();
        c.checkValid(reference, "model");
        Config m = c.getConfig("model");
        java.util.Set<String> known = reference.getConfig("model").root().keySet();
        for (String key : new java.util.TreeSet<>(m.root().keySet())) {
            if (!known.contains(key)) {
                throw new com.typesafe.config.ConfigException.BadPath(m.root().get(key).origin(), "model." + key,
                        "unknown key; the model namespace has " + new java.util.TreeSet<>(known));
            }
        }
        return new ModelConfig(m.getInt("vocab-size"), m.getInt("d-model"), m.getInt("heads"), m.getInt("blocks"),
                m.getInt("ff-size"), m.getInt("max-length"),
                parse(Truncation.class, m, "truncation"), parse(HeadType.class, m, "head"), m.getInt("ways"),
                parse(Activation.class, m, "activation"), dtype(m), m.getBoolean("memory-read"),
                m.getDouble("layer-norm-eps"), m.getDouble("gate-init"), parse(Base.class, m, "base"), m.getInt("base-dim"),
                m.getBoolean("memory") ? MemoryConfig.from(c) : null, ridge(m), m.getBoolean("pooled-linear"));
    }

    private static Ridge ridge(Config m) {
        String fit = m.getString("head-fit").trim().toLowerCase(Locale.ROOT);
        return switch (fit) {
            case "mean" -> null;
            case "ridge" -> {
                try {
                    yield new Ridge(m.getDouble("ridge-l2"), m.getDouble("ridge-lexical-weight"), m.getDouble("lexical-gain"));
                } catch (IllegalArgumentException e) {
                    throw new com.typesafe.config.ConfigException.BadValue(m.origin(), "model.ridge-l2", e.getMessage());
                }
            }
            default -> throw new com.typesafe.config.ConfigException.BadValue(m.getValue("head-fit").origin(), "model.head-fit",
                    "unknown value '" + fit + "'; expected mean (cosine to class means) or ridge (a ridge regression fitted on the support rows)");
        };
    }

    /** Whether the prototype head fits a ridge regression on the support rows ({@code model.head-fit = ridge}); its settings are {@link #ridge()}. */
    public boolean hasRidge() {
        return ridge != null;
    }

    /** A copy with the linear residual map of the base's pooled embedding ({@code output.pooled}) on or off. */
    public ModelConfig withPooledLinear(boolean on) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, memory, ridge, on);
    }

    /** A copy whose prototype head fits a ridge regression ({@code r}) or scores class means (null). */
    public ModelConfig withRidge(Ridge r) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, memory, r, pooledLinear);
    }

    /** The defaults of {@code reference.conf}. */
    public static ModelConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    private static <E extends Enum<E>> E parse(Class<E> type, Config m, String key) {
        String v = m.getString(key);
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new com.typesafe.config.ConfigException.BadValue(m.origin(), "model." + key,
                    "unknown value '" + v + "'; expected one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT).replace('_', '-'));
        }
    }

    private static DataType dtype(Config m) {
        String v = m.getString("dtype").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "float" -> DataType.FLOAT;
            case "double" -> DataType.DOUBLE;
            default -> throw new com.typesafe.config.ConfigException.BadValue(m.origin(), "model.dtype", "must be float or double, got '" + v + "'");
        };
    }

    /** Width of one attention head. */
    public int headSize() {
        return dModel / heads;
    }

    public ModelConfig withDtype(DataType t) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, t, memoryRead, layerNormEps, gateInit, base, baseDim, memory, ridge, pooledLinear);
    }

    public ModelConfig withHead(HeadType h) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, h, ways, activation, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, memory, ridge, pooledLinear);
    }

    public ModelConfig withActivation(Activation a) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, a, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, memory, ridge, pooledLinear);
    }

    public ModelConfig withMemoryRead(boolean on) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, dtype, on, layerNormEps, gateInit, base, baseDim, memory, ridge, pooledLinear);
    }

    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(v, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, memory, ridge, pooledLinear);
    }

    public ModelConfig withGateInit(double g) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, dtype, memoryRead, layerNormEps, g, base, baseDim, memory, ridge, pooledLinear);
    }

    /** A copy reading base {@code b} with token states {@code dim} wide. */
    public ModelConfig withBase(Base b, int dim) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, ways, activation, dtype, memoryRead, layerNormEps, gateInit, b, dim, memory, ridge, pooledLinear);
    }

    /** A copy with a different number of classes. */
    public ModelConfig withWays(int n) {
        return new ModelConfig(vocabSize, dModel, heads, blocks, ffSize, maxLength, truncation, head, n, activation, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, memory, ridge, pooledLinear);
    }

    /** A copy with a different shape (vocab, width, heads, blocks, feed-forward width, max length). */
    public ModelConfig withShape(int vocab, int d, int h, int nBlocks, int ff, int maxLen) {
        return new ModelConfig(vocab, d, h, nBlocks, ff, maxLen, truncation, head, ways, activation, dtype, memoryRead, layerNormEps, gateInit, base, baseDim, memory, ridge, pooledLinear);
    }

    /** The HOCON text of this config under the {@code model} namespace (round-trips through {@link #from}). */
    public String toHocon() {
        return "model {\n"
                + "  vocab-size = " + vocabSize + "\n  d-model = " + dModel + "\n  heads = " + heads + "\n  blocks = " + blocks
                + "\n  ff-size = " + ffSize + "\n  max-length = " + maxLength
                + "\n  truncation = " + truncation.name().toLowerCase(Locale.ROOT) + "\n  head = " + head.name().toLowerCase(Locale.ROOT)
                + "\n  ways = " + ways + "\n  activation = " + activation.name().toLowerCase(Locale.ROOT)
                + "\n  dtype = " + (dtype == DataType.DOUBLE ? "double" : "float") + "\n  memory-read = " + memoryRead
                + "\n  layer-norm-eps = " + layerNormEps + "\n  gate-init = " + gateInit
                + "\n  base = \"" + base.key() + "\"\n  base-dim = " + baseDim + "\n  memory = " + hasMemory()
                + "\n  head-fit = " + (hasRidge() ? "ridge\n  ridge-l2 = " + ridge.l2() + "\n  ridge-lexical-weight = " + ridge.lexicalWeight()
                        + "\n  lexical-gain = " + ridge.lexicalGain() : "mean") + "\n  pooled-linear = " + pooledLinear + "\n}\n"
                + (hasMemory() ? memory.toHocon() : "");
    }
}
