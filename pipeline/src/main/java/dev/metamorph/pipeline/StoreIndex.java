package dev.metamorph.pipeline;

import dev.metamorph.memory.MemoryState;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The stored embeddings of one domain's memory store ({@code memory.store}) arranged for the view a
 * batch reads: the union, over the batch's rows, of each row's {@code k} most similar stored texts by
 * cosine of the base's embeddings (one [rows, width] x [width, slots] float product), in ascending
 * slot order. The model then reads its top-k of that view by its own embedding. Immutable.
 */
final class StoreIndex {
    private final INDArray unitKeys;
    private final float[][] values;
    private final int width, k;

    private StoreIndex(INDArray unitKeys, float[][] values, int width, int k) {
        this.unitKeys = unitKeys;
        this.values = values;
        this.width = width;
        this.k = k;
    }

    /** The index of {@code state}'s used slots (their values), each batch row reading its {@code k} nearest. */
    static StoreIndex of(MemoryState state, int k) {
        int w = state.valueSize();
        double[] v = state.values();
        float[][] rows = new float[state.used()][w];
        for (int j = 0; j < rows.length; j++) for (int x = 0; x < w; x++) rows[j][x] = (float) v[j * w + x];
        return new StoreIndex(rows.length == 0 ? null : unitRows(rows), rows, w, k);
    }

    int slots() {
        return values.length;
    }

    /** Bytes held: the values and their unit-length copy, both float. */
    long bytes() {
        return 8L * values.length * width;
    }

    /**
     * The view for {@code rows} (each [width], the base's embedding as fed to the model): the union of
     * each row's {@code k} most similar slots outside {@code skip}, in ascending slot order, as the
     * slots' values (the arrays of this index: callers must not change them).
     */
    float[][] view(List<float[]> rows, Set<Integer> skip) {
        if (values.length == 0 || rows.isEmpty()) return new float[0][];
        float[][] q = new float[rows.size()][];
        for (int i = 0; i < q.length; i++) {
            if (rows.get(i).length != width) throw new IllegalArgumentException("memory store view: a row has " + rows.get(i).length + " values, the store holds " + width);
            q[i] = rows.get(i);
        }
        float[][] sims = unitRows(q).mmul(unitKeys.transpose()).toFloatMatrix();
        TreeSet<Integer> union = new TreeSet<>();
        for (float[] s : sims) union.addAll(largest(s, skip, k));
        float[][] out = new float[union.size()][];
        int m = 0;
        for (int slot : union) out[m++] = values[slot];
        return out;
    }

    /** The indices of the k largest values of {@code s} outside {@code skip} (ties: the lower index), largest first. */
    static List<Integer> largest(float[] s, Set<Integer> skip, int k) {
        int[] best = new int[k];
        int n = 0;
        for (int j = 0; j < s.length; j++) {
            if (n == k && s[j] <= s[best[k - 1]]) continue;
            if (skip.contains(j)) continue;
            int at = Math.min(n, k - 1);
            while (at > 0 && s[best[at - 1]] < s[j]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = j;
            if (n < k) n++;
        }
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(best[i]);
        return out;
    }

    private static INDArray unitRows(float[][] rows) {
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            double nn = 0;
            for (float v : rows[i]) nn += (double) v * v;
            float inv = (float) (1.0 / Math.sqrt(nn + 1e-12));
            out[i] = new float[rows[i].length];
            for (int x = 0; x < out[i].length; x++) out[i][x] = rows[i][x] * inv;
        }
        return Nd4j.createFromArray(out).castTo(DataType.FLOAT);
    }
}
