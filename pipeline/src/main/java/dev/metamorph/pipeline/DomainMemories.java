package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.memory.MemoryState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

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
        /** The view index of the stored embeddings; rebuilt after a write. */
        StoreIndex index;

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
        d.index = null;
    }

    /**
     * The view an episode's rows read from {@code domain}'s store: for each row embedding in
     * {@code rows} its {@code memory.store-top-k} most similar slots by cosine, leaving out the
     * slots of {@code own} (the episode's records); the union of those slots in ascending slot order,
     * as the index's own rows (read only: batches keep them as they are). An unknown or empty domain
     * gives an empty array.
     */
    public synchronized float[][] view(String domain, List<float[]> rows, Collection<Record> own) {
        Domain d = domains.get(domain);
        if (d == null || d.state.used() == 0 || rows.isEmpty()) return new float[0][];
        Set<Integer> skip = new HashSet<>();
        for (Record r : own) {
            Integer slot = d.slotOfRecord.get(r.id());
            if (slot != null) skip.add(slot);
        }
        if (d.index == null) d.index = StoreIndex.of(d.state, config.storeTopK());
        return d.index.view(rows, skip);
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
        for (String domain : domains.keySet()) save(dir, domain);
    }

    /** Saves one domain's store as {@code <dir>/<domain>.safetensors} (atomically; nothing when the domain has none). */
    public synchronized void save(Path dir, String domain) {
        Domain d = domains.get(domain);
        if (d == null) return;
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot create the memory folder " + dir + ": " + e.getMessage(), e);
        }
        d.state.save(file(dir, domain));
    }

    /** Where a domain's store goes in a memory folder. */
    public static Path file(Path dir, String domain) {
        return dir.resolve(domain + ".safetensors");
    }
}
