package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.model.base.BaseFeatures;
import java.util.Map;

/**
 * The frozen base's features of every record the job may use, by record id: the pooled sentence
 * embedding (what the {@code base-prototype} and {@code base-linear-probe} floors read) and the token
 * states (what the adapter reads, served from the feature cache's mapped shards). Read-only once
 * built; safe to share between threads.
 */
public final class BaseRows {
    private record Where(BaseFeatures features, int row) {}

    private final Map<String, Where> rows;
    private final int hidden;
    private final String baseSha256;

    private BaseRows(Map<String, Where> rows, int hidden, String baseSha256) {
        this.rows = rows;
        this.hidden = hidden;
        this.baseSha256 = baseSha256;
    }

    /** Collects rows: {@code add(record, features, row)} for every record, then {@link Builder#build}. */
    public static Builder builder(int hidden, String baseSha256) {
        return new Builder(hidden, baseSha256);
    }

    /** Gathers the rows of {@link BaseRows}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Where> rows = new java.util.HashMap<>();
        private final int hidden;
        private final String sha;

        private Builder(int hidden, String sha) {
            this.hidden = hidden;
            this.sha = sha;
        }

        public Builder add(Record r, BaseFeatures features, int row) {
            rows.put(r.id(), new Where(features, row));
            return this;
        }

        public BaseRows build() {
            return new BaseRows(Map.copyOf(rows), hidden, sha);
        }
    }

    /** Width of the base's states and pooled embeddings. */
    public int hidden() {
        return hidden;
    }

    /** SHA-256 of the base model file. */
    public String baseSha256() {
        return baseSha256;
    }

    public int size() {
        return rows.size();
    }

    /** The record's L2-normalised pooled embedding [hidden] (a fresh array). */
    public float[] pooled(Record r) {
        Where w = where(r);
        return w.features.pooled(w.row);
    }

    /** The record's token states [length * hidden] (a fresh array). */
    public float[] states(Record r) {
        Where w = where(r);
        return w.features.states(w.row);
    }

    /** Pooled embeddings of every record, by id (for the dense floors). */
    public Map<String, float[]> pooledById(Iterable<Record> records) {
        Map<String, float[]> out = new java.util.HashMap<>();
        for (Record r : records) out.put(r.id(), pooled(r));
        return out;
    }

    private Where where(Record r) {
        Where w = rows.get(r.id());
        if (w == null) throw new IllegalStateException("No base features for record '" + r.id() + "' (domain " + r.domain()
                + "): the base-features stage computes them for every class of dataset.domains that has >= dataset.min-examples-per-class records");
        return w;
    }
}
