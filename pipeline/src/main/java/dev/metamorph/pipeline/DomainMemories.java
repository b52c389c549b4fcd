package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.memory.MemoryState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-domain memory stores of a run ({@code memory.store}): one {@link MemoryState} per domain
 * that persists across episodes. Training episodes (meta-training and the curriculum, both on
 * meta-train classes only) write their labelled rows: key = value = the row's embedding as fed to the
 * model (the base's pooled embedding, minus the domain centre when {@code model.center-pooled}),
 * under the record's label; a record already in the store is not written twice; at capacity a write
 * evicts the slot {@code memory.eviction} picks (usage decays by {@code memory.usage-decay} per
 * write; the store is not touched by the model's reads, so {@code least-used} evicts the slot
 * written longest ago among equals). Episodes read a {@link #view} without their own classes, so a
 * store never holds what an episode is asked to tell apart, in training as in evaluation, where the
 * meta-test classes were never written. Thread-safe (every method synchronises).
 */
public final class DomainMemories {
    /** The run folder's sub-folder holding {@code <domain>.safetensors}. */
    public static final String FOLDER = "memory";

    private final MemoryConfig config;
    private final int width;
    private final Map<String, Domain> domains = new LinkedHashMap<>();

    private static final class Domain {
        final MemoryState state;
        final String[] recordOfSlot;
        final Map<String, Integer> slotOfRecord = new HashMap<>();

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

    /** Writes one labelled record's embedding [width] into its domain's store (skipped when the record is in it). */
    public synchronized void write(Record r, float[] embedding) {
        if (embedding.length != width) throw new IllegalArgumentException("memory store write: record " + r.id() + " has an embedding of " + embedding.length + " values, the store holds " + width);
        Domain d = domains.computeIfAbsent(r.domain(), k -> new Domain(new MemoryState(config.capacity(), width, width, config.eviction(), config.usageDecay())));
        if (d.slotOfRecord.containsKey(r.id())) return;
        double[] v = new double[width];
        for (int x = 0; x < width; x++) v[x] = embedding[x];
        int slot = d.state.write(v, v, r.label());
        if (d.recordOfSlot[slot] != null) d.slotOfRecord.remove(d.recordOfSlot[slot]);
        d.recordOfSlot[slot] = r.id();
        d.slotOfRecord.put(r.id(), slot);
    }

    /** The domain's stored embeddings whose label is not in {@code excluded} (an empty array for an unknown domain). */
    public synchronized float[][] view(String domain, Collection<String> excluded) {
        Domain d = domains.get(domain);
        return d == null ? new float[0][] : view(d.state, excluded);
    }

    /** The values of {@code state}'s slots whose label is not in {@code excluded}, as float rows. */
    public static float[][] view(MemoryState state, Collection<String> excluded) {
        Set<String> skip = Set.copyOf(excluded);
        List<float[]> rows = new ArrayList<>();
        int w = state.valueSize();
        double[] values = state.values();
        for (int j = 0; j < state.used(); j++) {
            if (skip.contains(state.label(j))) continue;
            float[] row = new float[w];
            for (int x = 0; x < w; x++) row[x] = (float) values[j * w + x];
            rows.add(row);
        }
        return rows.toArray(float[][]::new);
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
