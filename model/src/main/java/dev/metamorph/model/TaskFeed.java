package dev.metamorph.model;

/**
 * One task's token batch turned into the numbers the encoder consumes, checked against the model
 * config: token ids (padded to {@code length}), the key bias (0 for tokens, -1e9 for padding), the
 * pooling weights (1/count for tokens), labels, the loss weight of each row, the per-row prototype
 * weights, the memory read vectors and, with a base, the base's token states, pooled embeddings and
 * the lexical channel, and the memory store view ({@code store} [storeSize * width], null without one). Shared by the SameDiff feeds and {@link EagerEncoder}.
 *
 * <p>Prototype weights are per scored row ({@code proto[(i * ways + c) * size + j]}: the weight of
 * row j in the prototype of class c that row i is scored against): 1/n over the n prototype rows of
 * class c, leaving row i out of its own class's prototype when it is a prototype row itself
 * (leave-one-out), so a support loss never compares a row with itself. For the prototype head a
 * prototype row whose class has no other prototype row has loss weight 0 (there is nothing to
 * compare it with): a 1-shot support loss is zero and gives a zero gradient. Loss weights are
 * 1/(number of loss rows with weight), zero when there is none.
 *
 * <p>{@code lexical[i * ways + c]} is row i's lexical similarity averaged with those weights over
 * class c's prototype rows (prototype head over a base; zero when the batch has no lexical matrix).
 * {@code baseStates} and {@code basePooled} are the batch's own arrays (not copied; read only).
 * {@code prototypeRows[j]} says whether row j is a prototype (support) row; {@code lexicalRows[i * size + j]}
 * is the batch's row-to-row lexical matrix as fed (null without one, or without a base and the prototype head),
 * which the ridge fit's kernel reads ({@link ModelConfig.Ridge}).
 */
record TaskFeed(int size, int length, int[] ids, double[] keyBias, double[] pool, int[] labels, double[] lossW, double[] proto,
                double[] memory, float[][] baseStates, double[] basePooled, double[] lexical, boolean[] prototypeRows, double[] lexicalRows,
                double[] store, int storeSize) {
    static final double MASKED = -1e9;

    /** Rejects token batches longer than the model's positions. */
    static void checkLength(ModelConfig c, int length) {
        if (length > c.maxLength()) throw new IllegalArgumentException("Token batch length " + length + " exceeds model.max-length = " + c.maxLength() + "; encode texts with the model's tokenizer (it truncates)");
    }

    /**
     * Builds the feed of task {@code task} of split {@code split}; {@code batch} must already have
     * {@code length} positions (see {@link TokenBatch#paddedTo}).
     */
    static TaskFeed of(ModelConfig c, TokenBatch batch, int length, int task, String split) {
        int b = batch.size(), t = length, n = c.ways(), d = c.dModel();
        if (batch.length() != t) throw new IllegalArgumentException("Task " + task + " of split '" + split + "' has a batch of " + b + "x" + batch.length() + " tokens; expected " + b + "x" + t);
        checkLength(c, t);
        boolean prototypeHead = c.head() == ModelConfig.HeadType.PROTOTYPE;
        if (c.hasBase() && !batch.hasBase()) throw new IllegalArgumentException("model.base = " + c.base().key() + ": task " + task + " of split '" + split + "' carries token ids only; build it with TokenBatch.ofBase from the base's token states");
        if (!c.hasBase() && batch.hasBase()) throw new IllegalArgumentException("model.base = none but task " + task + " of split '" + split + "' carries base token states; set model.base or build the batch from token ids");
        if (c.hasBase() && batch.baseDim() != c.baseDim()) throw new IllegalArgumentException("Task " + task + " of split '" + split + "' carries base states " + batch.baseDim() + " wide but model.base-dim = " + c.baseDim());
        if (batch.hasLexical() && !(c.hasBase() && prototypeHead)) throw new IllegalArgumentException("Task " + task + " of split '" + split + "' carries a lexical matrix, which only the prototype head over a base reads (model.base = " + c.base().key() + ", model.head = " + c.head().name().toLowerCase(java.util.Locale.ROOT) + ")");
        int[] ids = new int[b * t];
        double[] keyBias = new double[b * t];
        double[] pool = new double[b * t];
        int[] labels = new int[b];
        double[] lossW = new double[b];
        int[] perClass = new int[n];
        for (int i = 0; i < b; i++) {
            int label = batch.label(i);
            if (label < 0 || label >= n) throw new IllegalArgumentException("Task " + task + " row " + i + " has label " + label + " but model.ways = " + n);
            labels[i] = label;
            int count = batch.tokens(i);
            for (int j = 0; j < t; j++) {
                int id = batch.id(i, j);
                if (!c.hasBase() && (id < 0 || id >= c.vocabSize())) throw new IllegalArgumentException("Token id " + id + " at task " + task + " row " + i + " position " + j + " is outside model.vocab-size = " + c.vocabSize());
                ids[i * t + j] = id;
                keyBias[i * t + j] = id == TokenBatch.PAD ? MASKED : 0.0;
                pool[i * t + j] = id == TokenBatch.PAD ? 0.0 : 1.0 / count;
            }
            if (batch.isPrototypeRow(i)) perClass[label]++;
        }
        double[] proto = new double[b * n * b];
        int weighted = 0;
        for (int i = 0; i < b; i++) {
            boolean self = batch.isPrototypeRow(i);
            for (int j = 0; j < b; j++) {
                if (!batch.isPrototypeRow(j) || j == i) continue;
                int k = labels[j];
                int others = perClass[k] - (self && labels[i] == k ? 1 : 0);
                proto[(i * n + k) * b + j] = 1.0 / others;
            }
            if (batch.isLossRow(i) && !(prototypeHead && self && perClass[labels[i]] < 2)) weighted++;
        }
        for (int i = 0; i < b; i++) {
            boolean counts = batch.isLossRow(i) && !(prototypeHead && batch.isPrototypeRow(i) && perClass[labels[i]] < 2);
            if (counts) lossW[i] = 1.0 / weighted;
        }
        double[] memory = null;
        if (c.memoryRead()) {
            if (batch.memorySize() != d) throw new IllegalArgumentException("model.memory-read is on: task " + task + " of split '" + split + "' needs memory read vectors of length d-model = " + d + " (TokenBatch.withMemory), got " + batch.memorySize());
            memory = new double[b * d];
            for (int i = 0; i < b; i++) for (int e = 0; e < d; e++) memory[i * d + e] = batch.memory(i, e);
        }
        float[][] states = null;
        double[] pooled = null;
        double[] lexical = null;
        double[] lexicalRows = null;
        boolean[] prototypeRows = new boolean[b];
        for (int i = 0; i < b; i++) prototypeRows[i] = batch.isPrototypeRow(i);
        if (c.hasBase()) {
            int e = c.baseDim();
            states = new float[b][];
            pooled = new double[b * e];
            for (int i = 0; i < b; i++) {
                states[i] = batch.baseStatesOf(i);
                float[] p = batch.basePooledOf(i);
                for (int k = 0; k < e; k++) pooled[i * e + k] = p[k];
            }
            if (prototypeHead) {
                lexical = new double[b * n];
                if (batch.hasLexical()) {
                    lexicalRows = new double[b * b];
                    for (int i = 0; i < b; i++) for (int j = 0; j < b; j++) lexicalRows[i * b + j] = batch.lexical(i, j);
                    for (int i = 0; i < b; i++) {
                        for (int k = 0; k < n; k++) {
                            double acc = 0;
                            for (int j = 0; j < b; j++) {
                                double w = proto[(i * n + k) * b + j];
                                if (w != 0) acc += w * batch.lexical(i, j);
                            }
                            lexical[i * n + k] = acc;
                        }
                    }
                }
            }
        }
        double[] store = null;
        int storeSize = 0;
        if (batch.hasStore()) {
            if (!(c.hasMemory() && c.memory().store())) throw new IllegalArgumentException("Task " + task + " of split '" + split + "' carries a memory store view, which only a model with model.memory = true and memory.store = true reads");
            int e = c.embeddingWidth();
            float[][] rows = batch.storeRows();
            storeSize = rows.length;
            store = new double[storeSize * e];
            for (int j = 0; j < storeSize; j++) {
                if (rows[j].length != e) throw new IllegalArgumentException("Task " + task + " of split '" + split + "': memory store slot " + j + " holds " + rows[j].length + " values but the model's embeddings are " + e + " wide");
                for (int x = 0; x < e; x++) store[j * e + x] = rows[j][x];
            }
        }
        return new TaskFeed(b, t, ids, keyBias, pool, labels, lossW, proto, memory, states, pooled, lexical, prototypeRows, lexicalRows, store, storeSize);
    }
}
