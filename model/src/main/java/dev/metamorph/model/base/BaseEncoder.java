package dev.metamorph.model.base;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frozen pretrained base: a BERT-family ONNX model run with ONNX Runtime on the CPU, fed by
 * {@link WordPieceTokenizer}. {@link #encode} tokenizes, sorts the texts by length so that each
 * batch of {@code model.base-batch} pads little, runs the model and returns each text's token
 * states and pooled embedding. A text's result does not depend on the batch it was in beyond
 * float rounding (<= 1e-5, tested). A dynamically quantised model (int8; its graph holds
 * DynamicQuantizeLinear) takes its activation scales from the whole call, so a text's states would
 * depend on its batch companions (measured on MiniLM-L6 int8: up to 0.25 in a state, pooled cosine
 * 0.9935 between the same text alone and next to a longer one): such a model runs one text per
 * call. One session, not thread-safe; close it to free the native session.
 */
public final class BaseEncoder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BaseEncoder.class);
    private static final String OUTPUT = "last_hidden_state";

    private final BaseConfig config;
    private final BaseModelFiles files;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final boolean tokenTypes;
    private final String output;
    private final int hidden;
    private final int callBatch;

    private BaseEncoder(BaseConfig config, BaseModelFiles files, OrtEnvironment env, OrtSession session, boolean tokenTypes,
            String output, int hidden, int callBatch) {
        this.callBatch = callBatch;
        this.config = config;
        this.files = files;
        this.env = env;
        this.session = session;
        this.tokenTypes = tokenTypes;
        this.output = output;
        this.hidden = hidden;
    }

    /**
     * Loads the base that {@code config} names (not {@code none}) and starts an ONNX Runtime session
     * with {@code model.base-threads} intra-op threads.
     *
     * @throws IllegalArgumentException if a file is missing or is not a BERT-family model (the message names the key)
     */
    public static BaseEncoder open(BaseConfig config) {
        BaseModelFiles files = BaseModelFiles.load(config);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = null;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(config.threads());
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(files.model(), opts);
            for (String in : List.of("input_ids", "attention_mask")) {
                if (!session.getInputNames().contains(in)) {
                    throw new IllegalArgumentException("The base model " + files.origin() + " has inputs " + session.getInputNames()
                            + " but no '" + in + "'; model.base = onnx needs a BERT-family export with input_ids and attention_mask (int64)");
                }
            }
            Map<String, NodeInfo> outs = session.getOutputInfo();
            String out = outs.containsKey(OUTPUT) ? OUTPUT : outs.keySet().iterator().next();
            long[] shape = ((TensorInfo) outs.get(out).getInfo()).getShape();
            if (shape.length != 3 || shape[2] <= 0) {
                throw new IllegalArgumentException("The base model " + files.origin() + " output '" + out + "' has shape " + Arrays.toString(shape)
                        + "; expected [batch, tokens, hidden] with a fixed hidden size (export last_hidden_state)");
            }
            boolean types = session.getInputNames().contains("token_type_ids");
            boolean quantisedPerCall = contains(files.model(), "DynamicQuantizeLinear".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            int callBatch = quantisedPerCall ? 1 : config.batchSize();
            LOG.info("Base {} loaded: hidden size {}, SHA-256 {}, {} intra-op thread(s), {} text(s) per call{}", files.name(), shape[2],
                    files.sha256(), config.threads(), callBatch, quantisedPerCall ? " (dynamically quantised: one text per call keeps its states independent of other texts)" : "");
            return new BaseEncoder(config, files, env, session, types, out, (int) shape[2], callBatch);
        } catch (OrtException e) {
            closeQuietly(session);
            throw new IllegalArgumentException("ONNX Runtime cannot load the base model " + files.origin() + ": " + e.getMessage()
                    + (config.kind() == BaseConfig.Kind.ONNX ? "; check that model.base-path is an ONNX export of a BERT-family encoder" : ""), e);
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    /** Whether {@code needle} occurs in {@code hay} (an op type name in a serialised ONNX graph). */
    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    private static void closeQuietly(OrtSession s) {
        if (s == null) return;
        try {
            s.close();
        } catch (OrtException e) {
            LOG.debug("Closing a failed session: {}", e.toString());
        }
    }

    /** Width of the token states and the pooled vector (384 for MiniLM-L6), read from the model's output shape. */
    public int hiddenSize() {
        return hidden;
    }

    /** SHA-256 (hex) of the ONNX model file: identifies the base in provenance, the cache and adapter manifests. */
    public String sha256() {
        return files.sha256();
    }

    /**
     * SHA-256 (hex) of the model file {@code config} names, without starting a session: what a
     * run's provenance records for {@code model.base} (empty for {@code none}).
     */
    public static String sha256Of(BaseConfig config) {
        return config.kind() == BaseConfig.Kind.NONE ? "" : BaseModelFiles.load(config).sha256();
    }

    /** Size of the ONNX model in bytes (what a server holds for the shared base, besides ONNX Runtime's own buffers). */
    public long modelBytes() {
        return files.model().length;
    }

    /** A short name: {@code minilm-l6/int8}, {@code minilm-l6/float} or the user's file name. */
    public String name() {
        return files.name();
    }

    /** Texts per model call: {@code model.base-batch}, or 1 for a dynamically quantised model. */
    public int textsPerCall() {
        return callBatch;
    }

    /** The config this base was opened with. */
    public BaseConfig config() {
        return config;
    }

    /** The word-piece ids of {@code text} as this base sees it ([CLS] ... [SEP], at most {@code model.base-max-length}). */
    public int[] tokenize(String text) {
        return files.tokenizer().encode(text, config.maxLength());
    }

    /** Token states and pooled embeddings of {@code texts}, in their order. */
    public BaseFeatures encode(List<String> texts) {
        return encode(texts, n -> { });
    }

    /**
     * As {@link #encode(List)}, calling {@code progress} with the number of texts after each batch.
     */
    public BaseFeatures encode(List<String> texts, IntConsumer progress) {
        int n = texts.size();
        int[][] ids = new int[n][];
        for (int i = 0; i < n; i++) ids[i] = tokenize(texts.get(i));
        Integer[] order = IntStream.range(0, n).boxed().sorted(Comparator.comparingInt((Integer i) -> ids[i].length)).toArray(Integer[]::new);
        float[][] states = new float[n][];
        for (int from = 0; from < n; from += callBatch) {
            int to = Math.min(n, from + callBatch);
            int[][] batch = new int[to - from][];
            for (int b = 0; b < batch.length; b++) batch[b] = ids[order[from + b]];
            float[][] out = run(batch);
            for (int b = 0; b < batch.length; b++) states[order[from + b]] = out[b];
            progress.accept(to - from);
        }
        List<float[]> st = new ArrayList<>(n);
        List<float[]> pooled = new ArrayList<>(n);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            st.add(states[i]);
            lengths[i] = ids[i].length;
            pooled.add(BaseFeatures.meanPool(states[i], lengths[i], hidden));
        }
        return BaseFeatures.of(hidden, st, pooled, lengths);
    }

    /** One model call on a padded batch; returns each row's unpadded token states. */
    float[][] run(int[][] batch) {
        int b = batch.length;
        int t = 0;
        for (int[] r : batch) t = Math.max(t, r.length);
        long[] idBuf = new long[b * t];
        long[] maskBuf = new long[b * t];
        Arrays.fill(idBuf, files.tokenizer().padId());
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < batch[r].length; j++) {
                idBuf[r * t + j] = batch[r][j];
                maskBuf[r * t + j] = 1;
            }
        }
        long[] shape = {b, t};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(maskBuf), shape));
            if (tokenTypes) inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * t]), shape));
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of(output))) {
                OnnxTensor o = (OnnxTensor) result.get(0);
                FloatBuffer fb = o.getFloatBuffer();
                float[][] out = new float[b][];
                for (int r = 0; r < b; r++) {
                    int len = batch[r].length;
                    out[r] = new float[len * hidden];
                    fb.get(r * t * hidden, out[r], 0, len * hidden);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("The base model " + files.name() + " failed on a batch of " + b + " texts x " + t + " tokens: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("Cannot close the ONNX Runtime session of base " + files.name() + ": " + e.getMessage(), e);
        }
    }
}
