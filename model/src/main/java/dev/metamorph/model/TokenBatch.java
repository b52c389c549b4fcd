package dev.metamorph.model;

import java.util.Arrays;

/**
 * A batch of token sequences for classification: ids [batch, length] padded with id 0, one class
 * label per row, and per row whether it is a prototype row and whether it counts in the loss
 * (for the prototype head, support rows build the class means and query rows are scored; by
 * default every row does both). Immutable: the arrays are copied in and out.
 */
public final class TokenBatch {
    /** The padding token id. */
    public static final int PAD = 0;

    private final int[][] ids;
    private final int[] labels;
    private final boolean[] prototypeRows;
    private final boolean[] lossRows;
    private final double[][] memory;

    private TokenBatch(int[][] ids, int[] labels, boolean[] prototypeRows, boolean[] lossRows) {
        this(ids, labels, prototypeRows, lossRows, null);
    }

    private TokenBatch(int[][] ids, int[] labels, boolean[] prototypeRows, boolean[] lossRows, double[][] memory) {
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
        boolean anyLoss = false;
        for (boolean b : lossRows) anyLoss |= b;
        if (!anyLoss) throw new IllegalArgumentException("Token batch has no row that counts in the loss");
    }

    /** Every row is both a prototype row and a loss row. */
    public static TokenBatch of(int[][] ids, int[] labels) {
        boolean[] all = new boolean[ids.length];
        Arrays.fill(all, true);
        return new TokenBatch(ids, labels, all, all);
    }

    /** An episode as one batch: support rows build the prototypes, query rows are scored. */
    public static TokenBatch episode(int[][] supportIds, int[] supportLabels, int[][] queryIds, int[] queryLabels) {
        int ns = supportIds.length, nq = queryIds.length;
        int t = Math.max(supportIds.length > 0 ? supportIds[0].length : 0, queryIds.length > 0 ? queryIds[0].length : 0);
        int[][] ids = new int[ns + nq][];
        int[] labels = new int[ns + nq];
        boolean[] proto = new boolean[ns + nq];
        boolean[] loss = new boolean[ns + nq];
        for (int i = 0; i < ns; i++) {
            ids[i] = Arrays.copyOf(supportIds[i], t);
            labels[i] = supportLabels[i];
            proto[i] = true;
        }
        for (int i = 0; i < nq; i++) {
            ids[ns + i] = Arrays.copyOf(queryIds[i], t);
            labels[ns + i] = queryLabels[i];
            loss[ns + i] = true;
        }
        return new TokenBatch(ids, labels, proto, loss);
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
        return new TokenBatch(c, labels, prototypeRows, lossRows, memory);
    }

    /** A copy carrying one external-memory read vector per row (used when {@code model.memory-read} is on). */
    public TokenBatch withMemory(double[][] readVectors) {
        return new TokenBatch(ids, labels, prototypeRows, lossRows, readVectors);
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

    /** A copy padded (with id 0) to a longer length. */
    public TokenBatch paddedTo(int length) {
        if (length < length()) throw new IllegalArgumentException("Cannot pad a batch of length " + length() + " to shorter length " + length);
        int[][] c = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) c[i] = Arrays.copyOf(ids[i], length);
        return new TokenBatch(c, labels, prototypeRows, lossRows, memory);
    }
}
