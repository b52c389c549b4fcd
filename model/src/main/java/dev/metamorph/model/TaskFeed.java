package dev.metamorph.model;

/**
 * One task's token batch turned into the numbers the encoder consumes, checked against the model
 * config: token ids (padded to {@code length}), the key bias (0 for tokens, -1e9 for padding), the
 * pooling weights (1/count for tokens), labels, the loss weight of each row (1/number of loss rows),
 * the prototype weights ({@code proto[c * size + i]} = 1/support count of class c for its prototype
 * rows) and the memory read vectors. Shared by the SameDiff feeds and {@link EagerEncoder}.
 */
record TaskFeed(int size, int length, int[] ids, double[] keyBias, double[] pool, int[] labels, double[] lossW, double[] proto, double[] memory) {
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
        int[] ids = new int[b * t];
        double[] keyBias = new double[b * t];
        double[] pool = new double[b * t];
        int[] labels = new int[b];
        double[] lossW = new double[b];
        double[] proto = new double[n * b];
        int lossRows = 0;
        int[] perClass = new int[n];
        for (int i = 0; i < b; i++) {
            int label = batch.label(i);
            if (label < 0 || label >= n) throw new IllegalArgumentException("Task " + task + " row " + i + " has label " + label + " but model.ways = " + n);
            labels[i] = label;
            int count = batch.tokens(i);
            for (int j = 0; j < t; j++) {
                int id = batch.id(i, j);
                if (id < 0 || id >= c.vocabSize()) throw new IllegalArgumentException("Token id " + id + " at task " + task + " row " + i + " position " + j + " is outside model.vocab-size = " + c.vocabSize());
                ids[i * t + j] = id;
                keyBias[i * t + j] = id == TokenBatch.PAD ? MASKED : 0.0;
                pool[i * t + j] = id == TokenBatch.PAD ? 0.0 : 1.0 / count;
            }
            if (batch.isLossRow(i)) lossRows++;
            if (batch.isPrototypeRow(i)) perClass[label]++;
        }
        for (int i = 0; i < b; i++) {
            if (batch.isLossRow(i)) lossW[i] = 1.0 / lossRows;
            if (batch.isPrototypeRow(i)) proto[labels[i] * b + i] = 1.0 / perClass[labels[i]];
        }
        double[] memory = null;
        if (c.memoryRead()) {
            if (batch.memorySize() != d) throw new IllegalArgumentException("model.memory-read is on: task " + task + " of split '" + split + "' needs memory read vectors of length d-model = " + d + " (TokenBatch.withMemory), got " + batch.memorySize());
            memory = new double[b * d];
            for (int i = 0; i < b; i++) for (int e = 0; e < d; e++) memory[i * d + e] = batch.memory(i, e);
        }
        return new TaskFeed(b, t, ids, keyBias, pool, labels, lossW, proto, memory);
    }
}
