package dev.metamorph.pipeline;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.model.TokenBatch;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Episodes for the adapter over a frozen base: each record's base token states (the first
 * {@code model.max-length}) and pooled embedding ({@link BaseRows}), and, when the lexical channel
 * is on, the row-to-row TF-IDF cosine of the records' texts (IDF over each domain's texts, as the
 * {@code tfidf-prototype} floor computes it). With domain centres ({@code model.center-pooled}) each
 * pooled embedding is fed minus its domain's centre (the mean pooled embedding of the domain's
 * meta-train records, labels unused): sentence embeddings share a large common direction, and
 * cosine after removing it separates a domain's classes better. Thread-safe (TF-IDF vectors are
 * cached concurrently).
 */
public final class BaseEpisodeEncoder implements EpisodeEncoder {
    private final BaseRows rows;
    private final int maxLength;
    private final Map<String, TfidfPrototypeClassifier> tfidfByDomain;
    private final double gain;
    private final Map<String, float[]> centres;
    private final Map<String, Map<String, Double>> vectors = new ConcurrentHashMap<>();

    /**
     * @param tfidfByDomain TF-IDF weights per domain for the lexical channel, or null for none
     * @param gain factor on the similarities fed to the lexical channel ({@code model.lexical-gain})
     */
    public BaseEpisodeEncoder(BaseRows rows, int maxLength, Map<String, TfidfPrototypeClassifier> tfidfByDomain, double gain) {
        this(rows, maxLength, tfidfByDomain, gain, null);
    }

    /**
     * As above, feeding each pooled embedding minus its domain's centre.
     *
     * @param centres the centre of each domain ({@link #domainCentres}), or null to feed the pooled embeddings as they are
     */
    public BaseEpisodeEncoder(BaseRows rows, int maxLength, Map<String, TfidfPrototypeClassifier> tfidfByDomain, double gain, Map<String, float[]> centres) {
        if (!(gain > 0) || !Double.isFinite(gain)) throw new IllegalArgumentException("model.lexical-gain must be a positive number, got " + gain);
        this.gain = gain;
        this.rows = rows;
        this.maxLength = maxLength;
        this.tfidfByDomain = tfidfByDomain == null ? null : Map.copyOf(tfidfByDomain);
        this.centres = centres == null ? null : Map.copyOf(centres);
    }

    /**
     * The mean pooled embedding of each domain's records (labels are not read), for
     * {@code model.center-pooled}: computed over the records of the classes the caller passes,
     * the meta-train classes, so that no held-out text shapes it.
     *
     * @throws IllegalArgumentException if a domain has no records
     */
    public static Map<String, float[]> domainCentres(BaseRows rows, Map<String, ? extends Collection<Record>> recordsByDomain) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, ? extends Collection<Record>> e : recordsByDomain.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException("model.center-pooled needs the meta-train records of domain '" + e.getKey()
                        + "' but it has none; give it meta-train classes (dataset.class-splits) or set model.center-pooled=false");
            }
            double[] acc = new double[rows.hidden()];
            for (Record r : e.getValue()) {
                float[] v = rows.pooled(r);
                for (int k = 0; k < acc.length; k++) acc[k] += v[k];
            }
            float[] mean = new float[acc.length];
            for (int k = 0; k < acc.length; k++) mean[k] = (float) (acc[k] / e.getValue().size());
            out.put(e.getKey(), mean);
        }
        return out;
    }

    @Override
    public TaskData<TokenBatch> task(Episode<Record> e) {
        List<Record> s = e.support().stream().map(Episode.Labeled::example).toList();
        List<Record> q = e.query().stream().map(Episode.Labeled::example).toList();
        TokenBatch support = batch(s, labels(e.support()));
        TokenBatch query = TokenBatch.episode(support, batch(q, labels(e.query())));
        if (tfidfByDomain != null) {
            support = support.withLexical(similarity(s));
            List<Record> all = new java.util.ArrayList<>(s);
            all.addAll(q);
            query = query.withLexical(similarity(all));
        }
        return new TaskData<>(e.domain(), support, query);
    }

    /** A record's pooled embedding as fed to the model (minus its domain's centre with centres), a new array. */
    public float[] fedPooled(Record r) {
        float[] p = rows.pooled(r).clone();
        if (centres != null) {
            float[] c = centres.get(r.domain());
            if (c == null) throw new IllegalStateException("No pooled-embedding centre for domain '" + r.domain() + "' (record " + r.id() + ")");
            for (int k = 0; k < c.length; k++) p[k] -= c[k];
        }
        return p;
    }

    private TokenBatch batch(List<Record> records, int[] labels) {
        float[][] states = new float[records.size()][];
        float[][] pooled = new float[records.size()][];
        for (int i = 0; i < states.length; i++) {
            states[i] = rows.states(records.get(i));
            pooled[i] = rows.pooled(records.get(i));
            if (centres != null) {
                float[] c = centres.get(records.get(i).domain());
                if (c == null) throw new IllegalStateException("No pooled-embedding centre for domain '" + records.get(i).domain() + "' (record " + records.get(i).id() + ")");
                for (int k = 0; k < c.length; k++) pooled[i][k] -= c[k];
            }
        }
        return TokenBatch.ofBase(states, pooled, rows.hidden(), maxLength, labels);
    }

    /** Cosine of the rows' L2-normalised TF-IDF vectors, times the gain. */
    double[][] similarity(List<Record> records) {
        int n = records.size();
        List<Map<String, Double>> v = records.stream().map(this::vector).toList();
        double[][] sim = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double dot = dot(v.get(i), v.get(j));
                sim[i][j] = gain * dot;
                sim[j][i] = gain * dot;
            }
        }
        return sim;
    }

    /** Dot product of two sparse vectors (iterating over the smaller), as the lexical channel computes it. */
    static double dot(Map<String, Double> a, Map<String, Double> b) {
        if (a.size() > b.size()) {
            Map<String, Double> t = a;
            a = b;
            b = t;
        }
        double dot = 0;
        for (Map.Entry<String, Double> x : a.entrySet()) {
            Double y = b.get(x.getKey());
            if (y != null) dot += x.getValue() * y;
        }
        return dot;
    }

    private Map<String, Double> vector(Record r) {
        return vectors.computeIfAbsent(r.id(), k -> {
            TfidfPrototypeClassifier t = tfidfByDomain.get(r.domain());
            if (t == null) throw new IllegalStateException("No TF-IDF weights for domain '" + r.domain() + "' (record " + r.id() + ")");
            return t.vector(r.text());
        });
    }

    private static int[] labels(List<Episode.Labeled<Record>> xs) {
        return xs.stream().mapToInt(Episode.Labeled::label).toArray();
    }
}
