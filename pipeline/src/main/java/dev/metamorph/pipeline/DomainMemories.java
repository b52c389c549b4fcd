package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.memory.MemoryState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-domain memory stores of a run ({@code memory.store}): one {@link MemoryState} per domain
 * holding the base's pooled embedding (as fed to the model: minus the domain centre with
 * {@code model.center-pooled}) of the domain's texts, without their labels: the domain's corpus,
 * what a domain team has in quantity before it labels anything. Every slot carries the one label
 * name {@link #UNLABELED}. The stages decide which texts go in ({@link #writeCorpus}): meta-training
 * and the curriculum write the records of the meta-train and meta-val classes, evaluation adds the
 * target domain's other records, so no meta-test text is in a store while anything is trained. A
 * record is written once; at capacity a write evicts the slot {@code memory.eviction} picks.
 *
 * <p>An episode reads a {@link #view}: the stored embeddings nearest (cosine) to each of its rows'
 * embeddings, {@code memory.store-top-k} per row, never a slot holding one of the episode's own
 * records; the model then reads its top-k of that view by its own embedding. Thread-safe (every
 * method synchronises).
 */
public final class DomainMemories {
    /** The run folder's sub-folder holding {@code <domain>.safetensors}. */
    public static final String FOLDER = "memory";
    /** The label name of every stored text: the store never holds a class. */
    public static final String UNLABELED = "(unlabeled)";

    private final MemoryConfig config;
    private final int width;
    private final Map<String, Domain> domains = new LinkedHashMap<>();

    private static final class Domain {
        final MemoryState state;
        final String[] recordOfSlot;
        final Map<String, Integer> slotOfRecord = new HashMap<>();
        /** The stored embeddings, L2-normalised, [used, width] float; rebuilt after a write. */
        INDArray unitKeys;

        Domain(MemoryState state) {
            this.state = state;
            this.recordOfSlot = new String[state.capacity()];
        }
    }

    /** Empty stores of {@code config.capacity()} slots over embeddings {@code width} wide. */
    public DomainMemories(MemoryConfig config, int width) {
        if (width < 1) throw new IllegalArgumentException("memory store width must be >= 1, got " + width);
        this.config = config;
        this.width = width;
    }

    public int width() {
        return width;
    }

    /** Writes the embedding of every record not yet stored into its domain's store (labels are not written). */
    public synchronized void writeCorpus(Collection<Record> records, Function<Record, float[]> embedding) {
        for (Record r : records) write(r, embedding.apply(r));
    }

    /** Writes one record's embedding [width] into its domain's store, without its label (skipped when the record is in it). */
    public synchronized void write(Record r, float[] embedding) {
        if (embedding.length != width) throw new IllegalArgumentException("memory store write: record " + r.id() + " has an embedding of " + embedding.length + " values, the store holds " + width);
        Domain d = domains.computeIfAbsent(r.domain(), k -> new Domain(new MemoryState(config.capacity(), width, width, config.eviction(), config.usageDecay())));
        if (d.slotOfRecord.containsKey(r.id())) return;
        double[] v = new double[width];
        for (int x = 0; x < width; x++) v[x] = embedding[x];
        int slot = d.state.write(v, v, UNLABELED);
        if (d.recordOfSlot[slot] != null) d.slotOfRecord.remove(d.recordOfSlot[slot]);
        d.recordOfSlot[slot] = r.id();
        d.slotOfRecord.put(r.id(), slot);
        d.unitKeys = null;
    }

    /**
     * The view an episode's rows read from {@code domain}'s store: for each row embedding in
     * {@code rows} its {@code memory.store-top-k} most similar slots by cosine, leaving out the
     * slots of {@code own} (the episode's records); the union of those slots in ascending slot order,
     * as float rows. An unknown or empty domain gives an empty array.
     */
    public synchronized float[][] view(String domain, List<float[]> rows, Collection<Record> own) {
        Domain d = domains.get(domain);
        if (d == null || d.state.used() == 0 || rows.isEmpty()) return new float[0][];
        int used = d.state.used();
        Set<Integer> skip = new HashSet<>();
        for (Record r : own) {
            Integer s = d.slotOfRecord.get(r.id());
            if (s != null) skip.add(s);
        }
        if (d.unitKeys == null) d.unitKeys = unitRows(d.state.values(), used, width);
        float[][] q = new float[rows.size()][];
        for (int i = 0; i < q.length; i++) {
            if (rows.get(i).length != width) throw new IllegalArgumentException("memory store view: a row has " + rows.get(i).length + " values, the store holds " + width);
            q[i] = rows.get(i);
        }
        INDArray queries = unitRows(q);
        float[][] sims = queries.mmul(d.unitKeys.transpose()).toFloatMatrix();
        int k = config.storeTopK();
        TreeSet<Integer> union = new TreeSet<>();
        for (float[] s : sims) union.addAll(largest(s, skip, k));
        double[] values = d.state.values();
        float[][] out = new float[union.size()][];
        int m = 0;
        for (int slot : union) {
            float[] row = new float[width];
            for (int x = 0; x < width; x++) row[x] = (float) values[slot * width + x];
            out[m++] = row;
        }
        return out;
    }

    /** Every stored embedding of {@code state} as float rows, in slot order (what a served adapter reads). */
    public static float[][] values(MemoryState state) {
        int w = state.valueSize();
        double[] values = state.values();
        float[][] out = new float[state.used()][w];
        for (int j = 0; j < out.length; j++) for (int x = 0; x < w; x++) out[j][x] = (float) values[j * w + x];
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

    private static INDArray unitRows(double[] values, int n, int width) {
        float[][] rows = new float[n][width];
        for (int j = 0; j < n; j++) for (int x = 0; x < width; x++) rows[j][x] = (float) values[j * width + x];
        return unitRows(rows);
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

    /** The domain's store (null when nothing was written to it). Not a copy: callers must not write to it. */
    public synchronized MemoryState state(String domain) {
        Domain d = domains.get(domain);
        return d == null ? null : d.state;
    }

    /** Slots in use per domain. */
    public synchronized Map<String, Integer> used() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, Domain> e : domains.entrySet()) out.put(e.getKey(), e.getValue().state.used());
        return out;
    }

    /** Saves every domain's store as {@code <dir>/<domain>.safetensors} (atomically, {@link MemoryState#save}). */
    public synchronized void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot create the memory folder " + dir + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, Domain> e : domains.entrySet()) e.getValue().state.save(file(dir, e.getKey()));
    }

    /** Where a domain's store goes in a memory folder. */
    public static Path file(Path dir, String domain) {
        return dir.resolve(domain + ".safetensors");
    }
}
