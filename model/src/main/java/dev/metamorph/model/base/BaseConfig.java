package dev.metamorph.model.base;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.Checks;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code model.base*} keys: which frozen base sits under the adapter and how it runs. Defaults
 * are in the model module's {@code reference.conf}. Paths are kept as written; relative ones
 * resolve against the project root ({@link #resolve(Path)}).
 *
 * @param kind none, minilm-l6 or onnx
 * @param basePath the user's ONNX file ({@code model.base-path}; empty unless kind is onnx)
 * @param tokenizerPath the user's tokenizer.json ({@code model.tokenizer-path}; empty unless kind is onnx)
 * @param precision int8 or float ({@code model.base-precision}; minilm-l6 only)
 * @param threads ONNX Runtime intra-op threads
 * @param maxLength word pieces per text, [CLS] and [SEP] included
 * @param batchSize texts per base call
 * @param cacheDir feature cache folder
 */
public record BaseConfig(Kind kind, String basePath, String tokenizerPath, Precision precision, int threads,
        int maxLength, int batchSize, Path cacheDir) {

    /** Which base: none, the shipped MiniLM-L6 or a user's ONNX export. */
    public enum Kind {
        NONE("none"), MINILM_L6("minilm-l6"), ONNX("onnx");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        /** The value as written in config ({@code minilm-l6}). */
        public String key() {
            return key;
        }
    }

    /** The MiniLM-L6 file: int8 (dynamically quantised) or float. */
    public enum Precision {
        INT8("int8"), FLOAT("float");

        private final String key;

        Precision(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public BaseConfig {
        Checks.notNull("model.base", kind);
        Checks.notNull("model.base-path", basePath);
        Checks.notNull("model.tokenizer-path", tokenizerPath);
        Checks.notNull("model.base-precision", precision);
        Checks.check(threads >= 1 && threads <= 64, "model.base-threads must be in [1, 64], got %s", threads);
        Checks.check(maxLength >= 3 && maxLength <= 512, "model.base-max-length must be in [3, 512] ([CLS], one piece, [SEP]; BERT's position table has 512), got %s", maxLength);
        Checks.positive("model.base-batch", batchSize);
        Checks.notNull("model.base-cache-dir", cacheDir);
        if (kind == Kind.ONNX) {
            Checks.check(!basePath.isBlank(), "model.base = onnx needs model.base-path: the .onnx file of your BERT-family export (set model.base-path=/path/model.onnx)");
            Checks.check(!tokenizerPath.isBlank(), "model.base = onnx needs model.tokenizer-path: the Hugging Face tokenizer.json of that export (set model.tokenizer-path=/path/tokenizer.json)");
        }
    }

    /** Reads and checks the {@code model.base*} keys; a misspelt key under {@code model} fails with its name. */
    public static BaseConfig from(Config c) {
        Config reference = ConfigFactory.defaultReference();
        c.checkValid(reference, "model");
        Config m = c.getConfig("model");
        java.util.Set<String> known = reference.getConfig("model").root().keySet();
        for (String key : new java.util.TreeSet<>(m.root().keySet())) {
            if (!known.contains(key)) {
                throw new ConfigException.BadPath(m.root().get(key).origin(), "model." + key,
                        "unknown key; the model namespace has " + new java.util.TreeSet<>(known));
            }
        }
        return new BaseConfig(
                parse(m, "base", Kind.values(), Kind::key),
                m.getString("base-path"),
                m.getString("tokenizer-path"),
                parse(m, "base-precision", Precision.values(), Precision::key),
                m.getInt("base-threads"),
                m.getInt("base-max-length"),
                m.getInt("base-batch"),
                Path.of(m.getString("base-cache-dir")));
    }

    /** The reference defaults ({@code model.base = none}). */
    public static BaseConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    /** The shipped MiniLM-L6 at {@code precision} with the other defaults. */
    public static BaseConfig minilm(Precision precision, int threads) {
        BaseConfig d = defaults();
        return new BaseConfig(Kind.MINILM_L6, "", "", precision, threads, d.maxLength, d.batchSize, d.cacheDir);
    }

    /** A copy with relative paths resolved against {@code root} (the project root). */
    public BaseConfig resolve(Path root) {
        return new BaseConfig(kind, resolve(root, basePath), resolve(root, tokenizerPath), precision, threads, maxLength,
                batchSize, root.resolve(cacheDir));
    }

    public BaseConfig withThreads(int newThreads) {
        return new BaseConfig(kind, basePath, tokenizerPath, precision, newThreads, maxLength, batchSize, cacheDir);
    }

    public BaseConfig withPrecision(Precision newPrecision) {
        return new BaseConfig(kind, basePath, tokenizerPath, newPrecision, threads, maxLength, batchSize, cacheDir);
    }

    public BaseConfig withBatchSize(int newBatchSize) {
        return new BaseConfig(kind, basePath, tokenizerPath, precision, threads, maxLength, newBatchSize, cacheDir);
    }

    public BaseConfig withCacheDir(Path newCacheDir) {
        return new BaseConfig(kind, basePath, tokenizerPath, precision, threads, maxLength, batchSize, newCacheDir);
    }

    private static String resolve(Path root, String p) {
        return p.isBlank() ? p : root.resolve(p).toString();
    }

    private static <E extends Enum<E>> E parse(Config m, String key, E[] values, java.util.function.Function<E, String> name) {
        String v = m.getString(key).trim().toLowerCase(Locale.ROOT);
        StringBuilder known = new StringBuilder();
        for (E e : values) {
            if (name.apply(e).equals(v)) return e;
            known.append(known.length() == 0 ? "" : " | ").append(name.apply(e));
        }
        throw new ConfigException.BadValue(m.origin(), "model." + key, "must be one of " + known + ", got '" + m.getString(key) + "'");
    }
}
