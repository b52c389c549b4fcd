package dev.metamorph.model;

import java.util.Arrays;

/**
 * A batch of sequences for classification: ids [batch, length] padded with id 0, one class label
 * per row, and per row whether it is a prototype row and whether it counts in the loss (for the
 * prototype head, support rows build the class means and query rows are scored; by default every
 * row does both). Optional extras: one external-memory read vector per row ({@link #withMemory});
 * for a model over a pretrained base ({@code model.base != none}) the base's token states and pooled
 * sentence embedding of each row ({@link #ofBase}; the ids then only mark which positions hold a
 * token) and a row-to-row lexical similarity matrix ({@link #withLexical}).
 *
 * <p>Immutable: arrays are copied in by the public factories and out by the accessors; copies made
 * by this class share its (never changed) arrays.
 */
public final class TokenBatch {
    /** The padding token id. */
    public static final int PAD = 0;
    /** The id that marks a position holding a base token in a batch built by {@link #ofBase}. */
    public static final int BASE_TOKEN = 1;

    private final int[][] ids;
    private final int[] labels;
    private final boolean[] prototypeRows;
    private final boolean[] lossRows;
    private final double[][] memory;
    private final int baseDim;
    private final float[][] baseStates;
    private final float[][] basePooled;
    private final double[][] lexical;
    private final float[][] store;

    private TokenBatch(int[][] ids, int[] labels, boolean[] prototypeRows, boolean[] lossRows) {
        this(ids, labels, prototypeRows, lossRows, null, 0, null, null, null, null);
    }

    private TokenBatch(int[][] ids, int[] labels, boolean[] prototypeRows, boolean[] lossRows, double[][] memory,
                       int baseDim, float[][] baseStates, float[][] basePooled, double[][] lexical) {
        this(ids, labels, prototypeRows, lossRows, memory, baseDim, baseStates, basePooled, lexical, null);
    }

    private TokenBatch(int[][] ids, int[] labels, boolean[] prototypeRows, boolean[] lossRows, double[][] memory,
                       int baseDim, float[][] baseStates, float[][] basePooled, double[][] lexical, float[][] store) {
        if (ids.length == 0) throw new IllegalArgumentException("A token batch needs at least one row");
        if (labels.length != ids.length) throw new IllegalArgumentException("Token batch has " + ids.length + " rows but " + labels.length + " labels");
        int t = ids[0].length;
        if (t == 0) throw new IllegalArgumentException("Token batch rows must hold at least one position");
        this.ids = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != t) throw new IllegalArgumentException("Token batch row " + i + " has length " + ids[i].length + ", row 0 has " + t + "; pad rows to one length with id 0");
            this.ids[i] = ids[i].clone();
        }
        this.labels = labels.clone();
        this.prototypeRows = prototypeRows.clone();
        this.lossRows = lossRows.clone();
        if (memory != null) {
            if (memory.length != ids.length) throw new IllegalArgumentException("Memory read vectors: " + memory.length + " rows for a batch of " + ids.length);
            this.memory = new double[memory.length][];
            for (int i = 0; i < memory.length; i++) {
                if (memory[i].length != memory[0].length) throw new IllegalArgumentException("Memory read vector " + i + " has length " + memory[i].length + ", row 0 has " + memory[0].length);
                this.memory[i] = memory[i].clone();
            }
        } else {
            this.memory = null;
        }
        if (lexical != null) {
            if (lexical.length != ids.length) throw new IllegalArgumentException("Lexical similarity matrix has " + lexical.length + " rows for a batch of " + ids.length + "; it must be [batch, batch]");
            for (int i = 0; i < lexical.length; i++) {
                if (lexical[i].length != ids.length) throw new IllegalArgumentException("Lexical similarity row " + i + " has " + lexical[i].length + " entries for a batch of " + ids.length + "; it must be [batch, batch]");
                for (int j = 0; j < lexical[i].length; j++) {
                    if (!Double.isFinite(lexical[i][j])) throw new IllegalArgumentException("Lexical similarity [" + i + ", " + j + "] is " + lexical[i][j] + "; it must be finite");
                }
            }
        }
        this.baseDim = baseDim;
        this.baseStates = baseStates;
        this.basePooled = basePooled;
        this.lexical = lexical;
        this.store = store;
        boolean anyLoss = false;
        for (boolean b : lossRows) anyLoss |= b;
        if (!anyLoss) throw new IllegalArgumentException("Token batch has no row that counts in the loss");
    }

    private TokenBatch with(int[][] newIds, double[][] newMemory, double[][] newLexical) {
        return new TokenBatch(newIds, labels, prototypeRows, lossRows, newMemory, baseDim, baseStates, basePooled, newLexical, store);
    }

    /** Every row is both a prototype row and a loss row. */
    public static TokenBatch of(int[][] ids, int[] labels) {
        boolean[] all = new boolean[ids.length];
        Arrays.fill(all, true);
        return new TokenBatch(ids, labels, all, all);
    }

    /**
     * Rows for a model over a pretrained base: {@code tokenStates[i]} holds row i's base token states,
     * position-major ({@code [length_i * baseDim]}: base token j at {@code j * baseDim}, [CLS] first),
     * of which the first {@code maxLength} positions are kept ({@code model.max-length}); {@code pooled[i]}
     * is the row's sentence embedding ({@code [baseDim]}, the L2-normalised mean of all its token
     * states, as sentence-transformers pools, computed by the caller before truncation). Every row is
     * both a prototype row and a loss row; build episodes with {@link #episode(TokenBatch, TokenBatch)}.
     */
    public static TokenBatch ofBase(float[][] tokenStates, float[][] pooled, int baseDim, int maxLength, int[] labels) {
        if (baseDim <= 0) throw new IllegalArgumentException("baseDim must be >= 1, got " + baseDim);
        if (maxLength <= 0) throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        int b = tokenStates.length;
        if (pooled.length != b) throw new IllegalArgumentException("Base batch: " + b + " rows of token states but " + pooled.length + " pooled embeddings");
        float[][] states = new float[b][];
        float[][] pool = new float[b][];
        int t = 0;
        for (int i = 0; i < b; i++) {
            int n = tokenStates[i].length;
            if (n == 0 || n % baseDim != 0) throw new IllegalArgumentException("Base token states of row " + i + " hold " + n + " values; expected length * baseDim (" + baseDim + ") with length >= 1");
            int len = Math.min(n / baseDim, maxLength);
            states[i] = Arrays.copyOf(tokenStates[i], len * baseDim);
            if (pooled[i].length != baseDim) throw new IllegalArgumentException("Pooled base embedding of row " + i + " has " + pooled[i].length + " values; expected baseDim = " + baseDim);
            pool[i] = pooled[i].clone();
            t = Math.max(t, len);
        }
        int[][] ids = new int[b][t];
        for (int i = 0; i < b; i++) Arrays.fill(ids[i], 0, states[i].length / baseDim, BASE_TOKEN);
        boolean[] all = new boolean[b];
        Arrays.fill(all, true);
        return new TokenBatch(ids, labels, all, all, null, baseDim, states, pool, null);
    }

    /** An episode as one batch: support rows build the prototypes, query rows are scored. */
    public static TokenBatch episode(int[][] supportIds, int[] supportLabels, int[][] queryIds, int[] queryLabels) {
        return episode(of(supportIds, supportLabels), of(queryIds, queryLabels));
    }

    /**
     * An episode as one batch from two batches of the same kind (ids only, or base states; memory
     * vectors on both or neither): the support rows become prototype rows that are not scored, the
     * query rows scored rows outside the prototypes. A lexical matrix must be given on the joined
     * batch ({@link #withLexical}), as it spans support and query rows.
     */
    public static TokenBatch episode(TokenBatch support, TokenBatch query) {
        if (support.hasBase() != query.hasBase() || support.baseDim != query.baseDim) throw new IllegalArgumentException("Episode: support and query rows must both carry base states of one width or both carry none");
        if (support.hasMemory() != query.hasMemory()) throw new IllegalArgumentException("Episode: support and query rows must both carry memory read vectors or both carry none");
        int ns = support.size(), nq = query.size(), n = ns + nq;
        int t = Math.max(support.length(), query.length());
        int[][] ids = new int[n][];
        int[] labels = new int[n];
        boolean[] proto = new boolean[n];
        boolean[] loss = new boolean[n];
        double[][] memory = support.hasMemory() ? new double[n][] : null;
        float[][] states = support.hasBase() ? new float[n][] : null;
        float[][] pooled = support.hasBase() ? new float[n][] : null;
        for (int i = 0; i < n; i++) {
            TokenBatch from = i < ns ? support : query;
            int r = i < ns ? i : i - ns;
            ids[i] = Arrays.copyOf(from.ids[r], t);
            labels[i] = from.labels[r];
            proto[i] = i < ns;
            loss[i] = i >= ns;
            if (memory != null) memory[i] = from.memory[r];
            if (states != null) {
                states[i] = from.baseStates[r];
                pooled[i] = from.basePooled[r];
            }
        }
        if (support.store != query.store) throw new IllegalArgumentException("Episode: support and query rows must carry the same memory store view (withStore) or none");
        return new TokenBatch(ids, labels, proto, loss, memory, support.baseDim, states, pooled, null, support.store);
    }

    public int size() {
        return ids.length;
    }

    public int length() {
        return ids[0].length;
    }

    public int id(int row, int pos) {
        return ids[row][pos];
    }

    public int label(int row) {
        return labels[row];
    }

    public boolean isPrototypeRow(int row) {
        return prototypeRows[row];
    }

    public boolean isLossRow(int row) {
        return lossRows[row];
    }

    /** Number of non-padding tokens of a row. */
    public int tokens(int row) {
        int n = 0;
        for (int v : ids[row]) if (v != PAD) n++;
        return n;
    }

    /** A copy of the ids. */
    public int[][] ids() {
        int[][] c = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) c[i] = ids[i].clone();
        return c;
    }

    public int[] labels() {
        return labels.clone();
    }

    /** A copy with one id changed (tests use it to change padding). */
    public TokenBatch withId(int row, int pos, int id) {
        int[][] c = ids();
        c[row][pos] = id;
        return with(c, memory, lexical);
    }

    /** A copy carrying one external-memory read vector per row (used when {@code model.memory-read} is on). */
    public TokenBatch withMemory(double[][] readVectors) {
        return with(ids, readVectors, lexical);
    }

    /**
     * A copy carrying the lexical channel of the prototype head over a base: {@code similarity[i][j]}
     * is the lexical (for example TF-IDF cosine) similarity of row i to row j, [batch, batch]. The head
     * averages row i's similarities over each class's prototype rows (row i itself left out) and adds
     * them to the logits with the learned weight {@code head.lexical}.
     */
    public TokenBatch withLexical(double[][] similarity) {
        double[][] c = new double[similarity.length][];
        for (int i = 0; i < c.length; i++) c[i] = similarity[i].clone();
        return with(ids, memory, c);
    }

    /**
     * A copy carrying a view of the domain's persistent memory store ({@code memory.store}): the
     * stored embeddings, [slots][embedding width], the model addresses and reads besides the
     * episode's own rows (see the model's memory channel). The rows are shared, not copied: the
     * caller hands them over and must not change them. An empty view ({@code rows.length == 0})
     * reads zero.
     */
    public TokenBatch withStore(float[][] rows) {
        if (rows == null) throw new IllegalArgumentException("withStore: rows must not be null (an empty store is an empty array)");
        for (int j = 0; j < rows.length; j++) {
            if (rows[j].length != rows[0].length) throw new IllegalArgumentException("Memory store row " + j + " has " + rows[j].length + " values, row 0 has " + rows[0].length);
        }
        return new TokenBatch(ids, labels, prototypeRows, lossRows, memory, baseDim, baseStates, basePooled, lexical, rows);
    }

    /** Whether the batch carries a view of the memory store ({@link #withStore}). */
    public boolean hasStore() {
        return store != null;
    }

    /** Slots in the batch's memory store view (0 without one). */
    public int storeSize() {
        return store == null ? 0 : store.length;
    }

    /** Slot {@code j} of the store view (a copy). */
    public float[] storeRow(int j) {
        if (store == null) throw new IllegalStateException("This batch carries no memory store view; add one with withStore");
        return store[j].clone();
    }

    /** The store view's rows, the batch's own arrays (read only). */
    float[][] storeRows() {
        return store;
    }

    public boolean hasMemory() {
        return memory != null;
    }

    /** Component {@code k} of row {@code row}'s memory read vector. */
    public double memory(int row, int k) {
        if (memory == null) throw new IllegalStateException("This batch carries no memory read vectors; add them with withMemory");
        return memory[row][k];
    }

    /** Length of the memory read vectors (0 without memory). */
    public int memorySize() {
        return memory == null ? 0 : memory[0].length;
    }

    /** Whether the rows carry base token states ({@link #ofBase}). */
    public boolean hasBase() {
        return baseStates != null;
    }

    /** Width of the base states (0 without them). */
    public int baseDim() {
        return baseDim;
    }

    /** Row {@code row}'s base token states [tokens(row) * baseDim], the batch's own array: callers must not change it. */
    float[] baseStatesOf(int row) {
        return baseStates[row];
    }

    /** Row {@code row}'s pooled base embedding [baseDim], the batch's own array: callers must not change it. */
    float[] basePooledOf(int row) {
        return basePooled[row];
    }

    /** Row {@code row}'s pooled base embedding as fed to the model [baseDim] (a copy). */
    public float[] basePooled(int row) {
        return basePooled[row].clone();
    }

    /** Row {@code row}'s base token states [tokens(row) * baseDim] (a copy). */
    public float[] baseStates(int row) {
        return baseStates[row].clone();
    }

    public boolean hasLexical() {
        return lexical != null;
    }

    /** Lexical similarity of row i to row j (see {@link #withLexical}). */
    public double lexical(int i, int j) {
        if (lexical == null) throw new IllegalStateException("This batch carries no lexical similarities; add them with withLexical");
        return lexical[i][j];
    }

    /** A copy padded (with id 0) to a longer length. */
    public TokenBatch paddedTo(int length) {
        if (length < length()) throw new IllegalArgumentException("Cannot pad a batch of length " + length() + " to shorter length " + length);
        int[][] c = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) c[i] = Arrays.copyOf(ids[i], length);
        return with(c, memory, lexical);
    }

    /**
     * The loss rows of {@code a} then those of {@code b} in one batch, each row both a prototype
     * and a loss row (Reptile and joint training adapt on support and query examples together;
     * an episode batch repeats its support rows as prototype rows, which must not count twice).
     * Ids, base states and memory vectors are carried; a lexical matrix is not (it spans rows that
     * change here: add it again with {@link #withLexical}).
     */
    public static TokenBatch joinLossRows(TokenBatch a, TokenBatch b) {
        if (a.hasBase() != b.hasBase() || a.baseDim != b.baseDim) throw new IllegalArgumentException("joinLossRows: both batches must carry base states of one width or both carry none");
        if (a.hasMemory() != b.hasMemory()) throw new IllegalArgumentException("joinLossRows: both batches must carry memory read vectors or both carry none");
        int t = Math.max(a.length(), b.length());
        java.util.List<int[]> ids = new java.util.ArrayList<>();
        java.util.List<Integer> labels = new java.util.ArrayList<>();
        java.util.List<double[]> memory = new java.util.ArrayList<>();
        java.util.List<float[]> states = new java.util.ArrayList<>();
        java.util.List<float[]> pooled = new java.util.ArrayList<>();
        for (TokenBatch x : java.util.List.of(a, b)) {
            for (int r = 0; r < x.size(); r++) {
                if (!x.lossRows[r]) continue;
                ids.add(Arrays.copyOf(x.ids[r], t));
                labels.add(x.labels[r]);
                if (x.memory != null) memory.add(x.memory[r]);
                if (x.baseStates != null) {
                    states.add(x.baseStates[r]);
                    pooled.add(x.basePooled[r]);
                }
            }
        }
        boolean[] all = new boolean[ids.size()];
        Arrays.fill(all, true);
        return new TokenBatch(ids.toArray(int[][]::new), labels.stream().mapToInt(Integer::intValue).toArray(), all, all,
                a.hasMemory() ? memory.toArray(double[][]::new) : null, a.baseDim,
                a.hasBase() ? states.toArray(float[][]::new) : null, a.hasBase() ? pooled.toArray(float[][]::new) : null, null, a.store);
    }
}
