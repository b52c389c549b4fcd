package dev.metamorph.model;

import dev.metamorph.core.learn.GraphInputs;
import dev.metamorph.core.learn.GraphLearner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The gated-attention encoder as a {@link GraphLearner} over one flat theta (layout:
 * {@link EncoderLayout}), with two paths to the same numbers (equal to 1e-10 in double, tested):
 * <ul>
 *   <li>{@link #lossAndGradient}, {@link #predict}, {@link #losses}: the eager pass
 *       ({@link EagerEncoder}: ND4J matrix products on preallocated buffers, the elementwise work
 *       fused in Java loops), task by task;</li>
 *   <li>the graph ops ({@link #lossOps}, {@link #gradientOps}, {@link #graphLossAndGradient}):
 *       SameDiff graphs whose backward pass is written as forward ops ({@link GatedAttentionGraph}),
 *       task-batched (a task dimension, batched matmuls), which exact second-order meta-gradients
 *       differentiate again.</li>
 * </ul>
 *
 * <p>The token embedding table stays outside the graph (M2.1's {@code gather} gradient is wrong):
 * rows are looked up in plain ND4J and fed as the {@code x} placeholder; their gradient is
 * scatter-added into {@code embed.tokens}. In {@link #gradientOps} the {@code embed.tokens} block is
 * zero, so a generic inner loop keeps the token embeddings fixed (they still get their outer
 * gradient through {@link #externalGradientInputs} / {@link #addExternalGradients}).
 * {@link #feed} needs the embedding table: call {@link #useEmbeddingsFrom} first.
 *
 * <p>With a pretrained base ({@code model.base != none}) there is no embedding table: batches carry
 * the base's token states and pooled embeddings ({@link TokenBatch#ofBase}), which enter the graph as
 * the {@code x} and {@code basePooled} placeholders; the projection {@code input.w} is inside the graph,
 * so {@link #gradientOps} covers every group and the external-gradient hooks do nothing. Untrained,
 * with the prototype head, the model ranks rows exactly as cosine to the class means of the base's
 * pooled embeddings ({@code output.w} and {@code head.lexical} start at zero).
 *
 * <p>Not thread-safe: one instance per thread (graphs are cached per shape).
 */
public final class GatedAttentionLearner implements GraphLearner<TokenBatch> {
    private static final int MAX_CACHED_PASSES = 64;
    /** exp(head.scale) at initialisation: cosine logits in [-10, 10], so that the softmax is not flat. */
    static final double INITIAL_COSINE_SCALE = 10.0;

    private final ModelConfig config;
    private final ParamLayout layout;
    private final ParamGroup tokens;
    private final Map<String, Compiled> compiled = new HashMap<>();
    private final Map<String, CachedPass> passes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CachedPass> e) {
            return size() > MAX_CACHED_PASSES;
        }
    };
    private INDArray embeddingSource;
    private EagerEncoder eager;

    public GatedAttentionLearner(ModelConfig config) {
        this.config = config;
        this.layout = EncoderLayout.of(config);
        this.tokens = config.hasBase() ? null : layout.group(EncoderLayout.TOKENS);
    }

    public ModelConfig config() {
        return config;
    }

    @Override
    public ParamLayout layout() {
        return layout;
    }

    @Override
    public DataType dataType() {
        return config.dtype();
    }

    @Override
    public INDArray initialParameters(RandomGenerator rng) {
        double[] theta = new double[(int) layout.size()];
        int d = config.dModel();
        for (ParamGroup g : layout.groups()) {
            String name = g.name();
            int off = (int) g.offset();
            double std;
            if (name.equals(EncoderLayout.TOKENS) || name.equals(EncoderLayout.POSITIONS) || name.equals(EncoderLayout.INPUT_POS)) std = 1.0 / Math.sqrt(d);
            else if (name.equals(EncoderLayout.HEAD_SCALE)) {
                theta[off] = Math.log(INITIAL_COSINE_SCALE);
                continue;
            } else if (name.equals(EncoderLayout.OUTPUT_W) || name.equals(EncoderLayout.OUTPUT_POOLED)) continue; // the adapter starts as the base's own embedding
            else if (name.startsWith("memory.")) {
                initMemory(g, theta, rng);
                continue;
            } else if (name.endsWith(".gate")) {
                for (int i = 0; i < g.length(); i++) theta[off + i] = config.gateInit();
                continue;
            } else if (name.endsWith(".gamma")) {
                for (int i = 0; i < g.length(); i++) theta[off + i] = 1.0;
                continue;
            } else if (name.startsWith("head.") || g.shape().size() == 1) continue; // zero head, zero biases and betas
            else std = 1.0 / Math.sqrt(g.shape().get(0));
            for (int i = 0; i < g.length(); i++) theta[off + i] = rng.nextGaussian() * std;
        }
        return Nd4j.createFromArray(theta).castTo(config.dtype());
    }

    /**
     * The memory channel's start: a Gaussian projection (std 1/sqrt(width), which keeps cosines
     * between encodings on average), one-hot label embeddings (class k on component k mod
     * value-size), the configured read strength and gain.
     */
    private void initMemory(ParamGroup g, double[] theta, RandomGenerator rng) {
        int off = (int) g.offset();
        switch (g.name()) {
            case EagerMemory.QUERY_W -> {
                double std = 1.0 / Math.sqrt(g.shape().get(0));
                for (int i = 0; i < g.length(); i++) theta[off + i] = rng.nextGaussian() * std;
            }
            case EagerMemory.LABEL -> {
                int vd = config.memory().valueSize();
                for (int k = 0; k < config.ways(); k++) theta[off + k * vd + k % vd] = 1.0;
            }
            case EagerMemory.STRENGTH -> theta[off] = Math.log(config.memory().strength());
            case EagerMemory.GAIN -> theta[off] = config.memory().gain();
            case EagerMemory.STORE_GAIN -> theta[off] = config.memory().storeGain();
            case EagerMemory.STORE_STRENGTH -> theta[off] = Math.log(config.memory().storeStrength());
            default -> throw new IllegalStateException("Unknown memory group " + g.name());
        }
    }

    // ------------------------------------------------------------------ Learner

    @Override
    public LossAndGradient lossAndGradient(INDArray theta, TokenBatch batch) {
        INDArray th = asModelType(theta).reshape(layout.size());
        INDArray grad = Nd4j.zeros(config.dtype(), layout.size());
        double loss = eager().run(th, feedOf(batch, 0), grad).loss();
        return new LossAndGradient(loss, grad);
    }

    /**
     * Task-batched loss and gradient: thetas [tasks, P], one batch per task. Runs the eager ND4J
     * pass ({@link EagerEncoder}) task by task; the per-call cost is the arithmetic, so a task
     * dimension gains nothing here (the graph path, {@link #graphLossAndGradient}, needs it).
     */
    @Override
    public List<LossAndGradient> lossAndGradient(INDArray thetas, List<TokenBatch> batches) {
        checkThetas(thetas, batches);
        INDArray th = asModelType(thetas);
        List<LossAndGradient> result = new ArrayList<>(batches.size());
        for (int k = 0; k < batches.size(); k++) {
            INDArray grad = Nd4j.zeros(config.dtype(), layout.size());
            double loss = eager().run(th.getRow(k), feedOf(batches.get(k), k), grad).loss();
            result.add(new LossAndGradient(loss, grad));
        }
        return result;
    }

    /**
     * The same task-batched loss and gradient through the SameDiff graph whose backward pass is
     * written as ops (one graph call for all tasks); the reference the eager pass is tested against.
     */
    public List<LossAndGradient> graphLossAndGradient(INDArray thetas, List<TokenBatch> batches) {
        requireGraphForm();
        Compiled g = compiledFor(thetas, batches);
        Map<String, INDArray> feeds = feeds(g, thetas, batches);
        Map<String, INDArray> out = g.sd.output(feeds, g.outputs);
        int tasks = batches.size();
        INDArray grads = Nd4j.createUninitialized(config.dtype(), tasks, layout.size());
        for (ParamGroup pg : layout.groups()) {
            String name = g.gradients.get(pg.name());
            INDArray part = out.get(name).reshape(tasks, pg.length());
            grads.get(NDArrayIndex.all(), NDArrayIndex.interval(pg.offset(), pg.end())).assign(part);
        }
        double[] losses = out.get(g.loss.name()).toDoubleVector();
        endCall(g);
        List<LossAndGradient> result = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) result.add(new LossAndGradient(losses[t], tasks == 1 ? grads.reshape(layout.size()) : grads.getRow(t).dup()));
        return result;
    }

    @Override
    public INDArray predict(INDArray theta, TokenBatch batch) {
        return predict(theta.reshape(1, layout.size()), List.of(batch)).get(0);
    }

    /** Task-batched logits: one [batch, ways] array per task. */
    public List<INDArray> predict(INDArray thetas, List<TokenBatch> batches) {
        checkThetas(thetas, batches);
        INDArray th = asModelType(thetas);
        List<INDArray> result = new ArrayList<>(batches.size());
        for (int k = 0; k < batches.size(); k++) {
            double[] logits = eager().run(th.getRow(k), feedOf(batches.get(k), k), null).logits();
            result.add(Nd4j.createFromArray(logits).castTo(config.dtype()).reshape(batches.get(k).size(), config.ways()));
        }
        return result;
    }

    /** Per-task losses only (forward passes). */
    public double[] losses(INDArray thetas, List<TokenBatch> batches) {
        checkThetas(thetas, batches);
        INDArray th = asModelType(thetas);
        double[] losses = new double[batches.size()];
        for (int k = 0; k < batches.size(); k++) losses[k] = eager().run(th.getRow(k), feedOf(batches.get(k), k), null).loss();
        return losses;
    }

    /**
     * The rows the head scores, one per batch row ([size][{@link ModelConfig#embeddingWidth}]), at
     * {@code theta} [P]: the eager forward pass without the head (with a base: the base's pooled
     * embedding plus the adapter's pooled state through {@code output.w}). The batch's labels and
     * prototype rows play no part. What a served adapter computes once for its support rows (the
     * class prototypes) and per request for the query rows; {@link PrototypeScores} turns them into
     * the prototype head's logits.
     */
    public double[][] embeddings(INDArray theta, TokenBatch batch) {
        INDArray th = asModelType(theta).reshape(layout.size());
        double[] flat = eager().embeddings(th, feedOf(batch, 0));
        int w = config.embeddingWidth();
        double[][] out = new double[batch.size()][];
        for (int i = 0; i < out.length; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * w, (i + 1) * w);
        return out;
    }

    private EagerEncoder eager() {
        if (eager == null) eager = new EagerEncoder(config, layout);
        return eager;
    }

    private INDArray asModelType(INDArray a) {
        return a.dataType() == config.dtype() ? a : a.castTo(config.dtype());
    }

    /** The feed of one task, padded to a multiple of 8 positions (at most max-length) so that few buffer shapes exist. */
    private TaskFeed feedOf(TokenBatch batch, int task) {
        TaskFeed.checkLength(config, batch.length());
        int t = Math.min(config.maxLength(), (batch.length() + 7) / 8 * 8);
        return TaskFeed.of(config, t == batch.length() ? batch : batch.paddedTo(t), t, task, "");
    }

    private void checkThetas(INDArray thetas, List<TokenBatch> batches) {
        if (thetas.rank() != 2 || thetas.rows() != batches.size() || thetas.columns() != layout.size()) {
            throw new IllegalArgumentException("thetas must be [tasks, " + layout.size() + "] with one row per batch; got shape "
                    + java.util.Arrays.toString(thetas.shape()) + " for " + batches.size() + " batches");
        }
    }

    // ------------------------------------------------------------------ GraphLearner

    /**
     * Sets the parameters whose {@code embed.tokens} rows {@link #feed} looks up: shape [size]
     * (all tasks) or [tasks, size] (row t for task t). The learner keeps the reference; the caller
     * must not change the array while feeding.
     */
    public void useEmbeddingsFrom(INDArray thetas) {
        this.embeddingSource = thetas;
    }

    /** Meta-learners bind the parameters they feed at; the embedding rows are looked up from them. */
    @Override
    public void bindParameters(INDArray thetas) {
        if (config.hasBase()) return;
        useEmbeddingsFrom(thetas);
    }

    @Override
    public GraphInputs declareInputs(SameDiff sd, String prefix, int tasks, TokenBatch example) {
        requireGraphForm();
        // A base batch is as long as its longest row (at most model.max-length), so episodes differ in
        // length: declare the longest a base batch can be; feed() pads shorter batches to it.
        long t = config.hasBase() ? Math.max(example.length(), config.maxLength()) : example.length();
        return declare(sd, prefix, tasks, example.size(), t);
    }

    /** The ridge head fit has no graph form: the graph path (and exact second order through it) scores class means only. */
    private void requireGraphForm() {
        if (config.pooledLinear()) {
            throw new IllegalArgumentException("model.pooled-linear = true has no graph form (the SameDiff path behind exact second-order MAML and "
                    + "maml.learner-path = graph); use a first-order algorithm (maml.algorithm = fomaml) on the eager path, or model.pooled-linear = false");
        }
        if (config.hasRidge()) {
            throw new IllegalArgumentException("model.head-fit = ridge has no graph form (the SameDiff path behind exact second-order MAML and "
                    + "maml.learner-path = graph scores class means only); use a first-order algorithm (maml.algorithm = fomaml) on the eager path, or model.head-fit = mean");
        }
    }

    private GraphInputs declare(SameDiff sd, String prefix, int tasks, long b, long t) {
        TaskFeed.checkLength(config, (int) t);
        DataType dt = config.dtype();
        long d = config.dModel(), n = config.ways();
        Map<String, SDVariable> v = new LinkedHashMap<>();
        v.put("x", sd.placeHolder(prefix + "x", dt, tasks, b, t, config.hasBase() ? config.baseDim() : d));
        if (config.hasBase()) v.put("basePooled", sd.placeHolder(prefix + "basePooled", dt, tasks, b, config.baseDim()));
        v.put("keyBias", sd.placeHolder(prefix + "keyBias", dt, tasks * b, 1, 1, t));
        v.put("pool", sd.placeHolder(prefix + "pool", dt, tasks, b, t, 1));
        v.put("y", sd.placeHolder(prefix + "y", dt, tasks, b, n));
        v.put("lossW", sd.placeHolder(prefix + "lossW", dt, tasks, b));
        if (config.head() == ModelConfig.HeadType.PROTOTYPE) v.put("proto", sd.placeHolder(prefix + "proto", dt, tasks, b * n, b));
        if (config.head() == ModelConfig.HeadType.PROTOTYPE && config.hasBase()) v.put("lexical", sd.placeHolder(prefix + "lexical", dt, tasks, b, n));
        if (config.memoryRead()) v.put("memory", sd.placeHolder(prefix + "memory", dt, tasks, b, d));
        if (config.hasMemory()) v.put("memoryMask", sd.placeHolder(prefix + "memoryMask", dt, tasks, b, b));
        if (storeRead()) {
            // the view's size differs between batches: padded to the batch's largest (at least 1 slot), masked by storeMask
            v.put("store", sd.placeHolder(prefix + "store", dt, tasks, -1, config.embeddingWidth()));
            v.put("storeMask", sd.placeHolder(prefix + "storeMask", dt, tasks, 1, -1));
        }
        return new GraphInputs(prefix, tasks, v);
    }

    private boolean storeRead() {
        return config.hasMemory() && config.memory().store();
    }

    @Override
    public void feed(GraphInputs inputs, List<TokenBatch> batches, Map<String, INDArray> feeds) {
        if (config.hasBase()) {
            feedWith(inputs, null, batches, feeds);
            return;
        }
        if (embeddingSource == null) throw new IllegalStateException("GatedAttentionLearner.feed looks up token embeddings outside the graph: call useEmbeddingsFrom(theta) before feed()");
        INDArray src = embeddingSource.rank() == 1 || embeddingSource.rows() == 1 && batches.size() != 1
                ? repeatRows(embeddingSource.reshape(1, layout.size()), batches.size()) : embeddingSource;
        feedWith(inputs, src, batches, feeds);
    }

    private static INDArray repeatRows(INDArray row, int n) {
        return n == 1 ? row : row.repeat(0, n);
    }

    @Override
    public SDVariable lossOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        return pass(sd, thetas, inputs).loss();
    }

    @Override
    public SDVariable gradientOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        return pass(sd, thetas, inputs).gradient();
    }

    /** Logits [tasks, B, ways] as graph ops. */
    public SDVariable logitsOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        return pass(sd, thetas, inputs).logits();
    }

    /** Gradient of the per-task loss with respect to the input rows x [tasks, B, T, d], as graph ops (not with a base). */
    public SDVariable inputGradientOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        return pass(sd, thetas, inputs).inputGradient();
    }

    @Override
    public List<String> externalGradientInputs(GraphInputs inputs) {
        if (config.hasBase()) return List.of(); // the base states are frozen inputs; input.w is inside the graph
        return List.of(inputs.get("x").name());
    }

    @Override
    public List<SDVariable> externalGradientOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        if (config.hasBase()) return List.of();
        return List.of(inputGradientOps(sd, thetas, inputs));
    }

    @Override
    public void addExternalGradients(GraphInputs inputs, List<TokenBatch> batches, Map<String, INDArray> inputGradients, INDArray grads) {
        if (config.hasBase()) return;
        INDArray dx = inputGradients.get(inputs.get("x").name());
        if (dx == null) throw new IllegalArgumentException("No gradient for input '" + inputs.get("x").name() + "' among " + inputGradients.keySet());
        INDArray acc = grads.get(NDArrayIndex.all(), NDArrayIndex.interval(tokens.offset(), tokens.end()));
        acc.addi(scatter(dx, batches).castTo(grads.dataType()));
    }

    private GatedAttentionGraph pass(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        String key = System.identityHashCode(sd) + "/" + thetas.name() + "/" + inputs.prefix();
        CachedPass c = passes.get(key);
        if (c != null && c.sd == sd) return c.graph;
        long[] xs = inputs.get("x").getShape();
        GatedAttentionGraph g = GatedAttentionGraph.forward(sd, config, layout, thetas, inputs, xs[1], xs[2]);
        passes.put(key, new CachedPass(sd, g));
        return g;
    }

    private record CachedPass(SameDiff sd, GatedAttentionGraph graph) {}

    // ------------------------------------------------------------------ graphs and feeds

    /** A graph for one shape: parameter groups fed as placeholders (views of theta), gradients output per group. */
    private record Compiled(SameDiff sd, GraphInputs inputs, Map<String, SDVariable> params, SDVariable tokenIndex, SDVariable loss,
                            Map<String, String> gradients, SDVariable logits, List<String> outputs) {}

    /**
     * Hands the call's arrays back to the session's pool (outputs have been copied out). The pool
     * is installed on the first call, when the thread's session exists.
     */
    private static void endCall(Compiled g) {
        var session = g.sd.getSessions().get(Thread.currentThread().getId());
        if (session == null) return;
        if (session.getMmgr() instanceof CallScopedArrays pool) pool.endCall();
        else session.setMmgr(new CallScopedArrays());
    }

    /** The cached graph used for these shapes (for profiling). */
    SameDiff graphFor(INDArray thetas, List<TokenBatch> batches) {
        return compiledFor(thetas, batches).sd;
    }

    private Compiled compiledFor(INDArray thetas, List<TokenBatch> batches) {
        checkThetas(thetas, batches);
        int b = batches.get(0).size();
        int t = 0;
        for (TokenBatch tb : batches) {
            if (tb.size() != b) throw new IllegalArgumentException("Task-batched calls need equal batch sizes; got " + tb.size() + " and " + b);
            t = Math.max(t, tb.length());
        }
        String key = batches.size() + "x" + b + "x" + t;
        Compiled c = compiled.get(key);
        if (c == null) {
            SameDiff sd = SameDiff.create();
            int tasks = batches.size();
            Map<String, SDVariable> params = new LinkedHashMap<>();
            for (ParamGroup pg : layout.groups()) {
                if (pg.name().equals(EncoderLayout.TOKENS)) continue;
                params.put(pg.name(), sd.placeHolder("p_" + pg.name(), config.dtype(), GatedAttentionGraph.graphShape(pg, tasks)));
            }
            GraphInputs in = declare(sd, "", tasks, b, t);
            SDVariable tokenIndex = config.hasBase() ? null : sd.placeHolder("tokenIndex", DataType.LONG, (long) tasks * b * t);
            GatedAttentionGraph g = GatedAttentionGraph.forward(sd, config, layout, params, in, b, t);
            Map<String, String> gradients = new LinkedHashMap<>();
            for (Map.Entry<String, SDVariable> e : g.groupGradients().entrySet()) gradients.put(e.getKey(), e.getValue().name());
            if (tokenIndex != null) gradients.put(EncoderLayout.TOKENS, g.tokenGradient(tokenIndex).name());
            List<String> outputs = new ArrayList<>(gradients.values());
            outputs.add(g.loss().name());
            c = new Compiled(sd, in, params, tokenIndex, g.loss(), gradients, g.logits(), List.copyOf(outputs));
            compiled.put(key, c);
        }
        return c;
    }

    private Map<String, INDArray> feeds(Compiled g, INDArray thetas, List<TokenBatch> batches) {
        Map<String, INDArray> feeds = new HashMap<>();
        INDArray th = thetas.dataType() == config.dtype() ? thetas : thetas.castTo(config.dtype());
        for (Map.Entry<String, SDVariable> e : g.params.entrySet()) {
            ParamGroup pg = layout.group(e.getKey());
            INDArray part = th.get(NDArrayIndex.all(), NDArrayIndex.interval(pg.offset(), pg.end()));
            feeds.put(e.getValue().name(), part.reshape('c', GatedAttentionGraph.graphShape(pg, th.rows())));
        }
        long t = g.inputs.get("x").getShape()[2];
        List<TokenBatch> padded = new ArrayList<>(batches.size());
        for (TokenBatch tb : batches) padded.add(tb.length() == t ? tb : tb.paddedTo((int) t));
        feedWith(g.inputs, th, padded, feeds);
        if (g.tokenIndex == null) return feeds;
        int b = padded.get(0).size();
        long[] index = new long[padded.size() * b * (int) t];
        for (int k = 0; k < padded.size(); k++) {
            TokenBatch tb = padded.get(k);
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) index[(k * b + i) * (int) t + j] = (long) k * config.vocabSize() + tb.id(i, j);
            }
        }
        feeds.put(g.tokenIndex.name(), Nd4j.createFromArray(index));
        return feeds;
    }

    /** Feeds the inputs of one split; thetas [tasks, size] supply the token embedding rows. */
    private void feedWith(GraphInputs inputs, INDArray thetas, List<TokenBatch> batches, Map<String, INDArray> feeds) {
        long[] xs = inputs.get("x").getShape();
        int tasks = inputs.tasks(), b = (int) xs[1], t = (int) xs[2], d = config.dModel(), n = config.ways();
        if (batches.size() != tasks) throw new IllegalArgumentException("Split '" + inputs.prefix() + "' was declared for " + tasks + " tasks but " + batches.size() + " batches were given");
        DataType dt = config.dtype();
        int xw = config.hasBase() ? config.baseDim() : d;
        INDArray x = Nd4j.create(dt, tasks, b, t, xw);
        double[] basePooled = config.hasBase() ? new double[tasks * b * config.baseDim()] : null;
        double[] lexical = config.hasBase() && config.head() == ModelConfig.HeadType.PROTOTYPE ? new double[tasks * b * n] : null;
        double[] keyBias = new double[tasks * b * t];
        double[] pool = new double[tasks * b * t];
        double[] y = new double[tasks * b * n];
        double[] lossW = new double[tasks * b];
        double[] proto = new double[tasks * b * n * b];
        double[] mem = config.memoryRead() ? new double[tasks * b * d] : null;
        double[] memMask = config.hasMemory() ? new double[tasks * b * b] : null;
        TaskFeed[] taskFeeds = new TaskFeed[tasks];
        for (int k = 0; k < tasks; k++) {
            TokenBatch tb = batches.get(k);
            if (tb.length() < t) tb = tb.paddedTo(t);   // padded positions are masked: the same loss and gradient
            if (tb.size() != b || tb.length() != t) throw new IllegalArgumentException("Task " + k + " of split '" + inputs.prefix() + "' has a batch of " + tb.size() + "x" + tb.length() + " tokens; the graph was declared for " + b + "x" + t);
            TaskFeed f = TaskFeed.of(config, tb, t, k, inputs.prefix());
            System.arraycopy(f.keyBias(), 0, keyBias, k * b * t, b * t);
            System.arraycopy(f.pool(), 0, pool, k * b * t, b * t);
            System.arraycopy(f.lossW(), 0, lossW, k * b, b);
            System.arraycopy(f.proto(), 0, proto, k * b * n * b, b * n * b);
            if (mem != null) System.arraycopy(f.memory(), 0, mem, k * b * d, b * d);
            if (memMask != null) System.arraycopy(EagerMemory.readMask(f, n), 0, memMask, k * b * b, b * b);
            taskFeeds[k] = f;
            for (int i = 0; i < b; i++) y[(k * b + i) * n + f.labels()[i]] = 1.0;
            if (config.hasBase()) {
                int e = config.baseDim();
                System.arraycopy(f.basePooled(), 0, basePooled, k * b * e, b * e);
                if (lexical != null) System.arraycopy(f.lexical(), 0, lexical, k * b * n, b * n);
                double[] states = new double[b * t * e];
                for (int i = 0; i < b; i++) {
                    float[] row = f.baseStates()[i];
                    for (int j = 0; j < row.length; j++) states[i * t * e + j] = row[j];
                }
                x.get(NDArrayIndex.point(k), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(Nd4j.createFromArray(states).castTo(dt).reshape(b, t, e));
            } else {
                INDArray table = thetas.getRow(k).get(NDArrayIndex.interval(tokens.offset(), tokens.end())).reshape(config.vocabSize(), d);
                INDArray rows = Nd4j.pullRows(table, 1, f.ids());
                x.get(NDArrayIndex.point(k), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(rows.reshape(b, t, d));
            }
        }
        Map<String, INDArray> f = new HashMap<>();
        f.put("x", x);
        f.put("keyBias", Nd4j.createFromArray(keyBias).castTo(dt).reshape(tasks * b, 1, 1, t));
        f.put("pool", Nd4j.createFromArray(pool).castTo(dt).reshape(tasks, b, t, 1));
        f.put("y", Nd4j.createFromArray(y).castTo(dt).reshape(tasks, b, n));
        f.put("lossW", Nd4j.createFromArray(lossW).castTo(dt).reshape(tasks, b));
        if (config.head() == ModelConfig.HeadType.PROTOTYPE) f.put("proto", Nd4j.createFromArray(proto).castTo(dt).reshape(tasks, (long) b * n, b));
        if (basePooled != null) f.put("basePooled", Nd4j.createFromArray(basePooled).castTo(dt).reshape(tasks, b, config.baseDim()));
        if (lexical != null) f.put("lexical", Nd4j.createFromArray(lexical).castTo(dt).reshape(tasks, b, n));
        if (mem != null) f.put("memory", Nd4j.createFromArray(mem).castTo(dt).reshape(tasks, b, d));
        if (memMask != null) f.put("memoryMask", Nd4j.createFromArray(memMask).castTo(dt).reshape(tasks, b, b));
        if (storeRead()) {
            int w = config.embeddingWidth(), slots = 1;
            for (TaskFeed tf : taskFeeds) slots = Math.max(slots, tf.storeSize());
            double[] view = new double[tasks * slots * w];
            double[] storeMask = new double[tasks * slots];
            for (int k = 0; k < tasks; k++) {
                TaskFeed tf = taskFeeds[k];
                if (tf.store() != null) System.arraycopy(tf.store(), 0, view, k * slots * w, tf.storeSize() * w);
                for (int j = tf.storeSize(); j < slots; j++) storeMask[k * slots + j] = TaskFeed.MASKED; // no view, or a smaller one: reads zero / fewer slots
            }
            f.put("store", Nd4j.createFromArray(view).castTo(dt).reshape(tasks, slots, w));
            f.put("storeMask", Nd4j.createFromArray(storeMask).castTo(dt).reshape(tasks, 1, slots));
        }
        for (Map.Entry<String, INDArray> e : f.entrySet()) feeds.put(inputs.get(e.getKey()).name(), e.getValue());
    }

    /** dE [tasks, V*d] with dE[token] = sum of dx over the positions holding that token. */
    private INDArray scatter(INDArray dx, List<TokenBatch> batches) {
        long[] s = dx.shape();
        int tasks = (int) s[0], b = (int) s[1], t = (int) s[2], d = (int) s[3];
        double[] src = dx.dup('c').data().asDouble();
        double[] acc = new double[(int) (tasks * tokens.length())];
        for (int k = 0; k < tasks; k++) {
            TokenBatch tb = batches.get(k);
            long base = k * tokens.length();
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) {
                    int id = j < tb.length() ? tb.id(i, j) : TokenBatch.PAD;
                    int from = ((k * b + i) * t + j) * d;
                    int to = (int) (base + (long) id * d);
                    for (int e = 0; e < d; e++) acc[to + e] += src[from + e];
                }
            }
        }
        return Nd4j.createFromArray(acc).reshape(tasks, tokens.length());
    }
}
