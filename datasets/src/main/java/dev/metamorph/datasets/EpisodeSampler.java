package dev.metamorph.datasets;

import dev.metamorph.core.Checks;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.data.TaskSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * N-way K-shot episodes with Q queries per class from one domain's classes. Each episode draws N
 * distinct classes, then K + Q distinct records per class: the first K go to the support set, the
 * rest to the query set, so support and query never share a record. Labels are remapped to 0..N-1 in
 * the order the classes were drawn. All randomness comes from the generator passed in; the same
 * generator state gives the same episode.
 */
public final class EpisodeSampler implements TaskSampler<Episode<Record>> {
    private final String domain;
    private final List<String> labels;
    private final List<List<Record>> records;
    private final int ways;
    private final int shots;
    private final int queries;

    /**
     * @param domain name used in episodes and error messages
     * @param classes records per label (iteration order is the class order; pass a sorted map)
     * @throws IllegalArgumentException when there are fewer than N classes, or a class has fewer than K + Q records
     */
    public EpisodeSampler(String domain, Map<String, List<Record>> classes, int ways, int shots, int queries) {
        this.domain = Checks.notBlank("domain", domain);
        this.ways = Checks.positive("ways", ways);
        this.shots = Checks.positive("shots", shots);
        this.queries = Checks.nonNegative("queries", queries);
        if (classes.size() < ways) {
            throw new IllegalArgumentException("Domain '" + domain + "' has " + classes.size() + " classes but the episode needs "
                    + ways + "-way; lower the ways, lower dataset.min-examples-per-class or change dataset.class-splits");
        }
        this.labels = List.copyOf(classes.keySet());
        this.records = new ArrayList<>();
        for (var e : classes.entrySet()) {
            int need = shots + queries;
            if (e.getValue().size() < need) {
                throw new IllegalArgumentException("Domain '" + domain + "', class '" + e.getKey() + "' has " + e.getValue().size()
                        + " examples, fewer than K + Q = " + shots + " + " + queries + " = " + need
                        + "; raise dataset.min-examples-per-class to at least " + need + " or use fewer shots/queries");
            }
            records.add(List.copyOf(e.getValue()));
        }
    }

    @Override
    public Episode<Record> sample(RandomGenerator rng) {
        int[] classIdx = choose(rng, labels.size(), ways);
        List<String> classes = new ArrayList<>(ways);
        List<Episode.Labeled<Record>> support = new ArrayList<>(ways * shots);
        List<Episode.Labeled<Record>> query = new ArrayList<>(ways * queries);
        for (int c = 0; c < ways; c++) {
            List<Record> pool = records.get(classIdx[c]);
            classes.add(labels.get(classIdx[c]));
            int[] pick = choose(rng, pool.size(), shots + queries);
            for (int i = 0; i < shots; i++) support.add(new Episode.Labeled<>(pool.get(pick[i]), c));
            for (int i = shots; i < pick.length; i++) query.add(new Episode.Labeled<>(pool.get(pick[i]), c));
        }
        return new Episode<>(domain, classes, support, query);
    }

    public String domain() {
        return domain;
    }

    /** The labels this sampler draws from, in order. */
    public List<String> labels() {
        return labels;
    }

    public int ways() {
        return ways;
    }

    public int shots() {
        return shots;
    }

    public int queries() {
        return queries;
    }

    /** k distinct indices of [0, n) in random order (partial Fisher-Yates over a sparse swap map). */
    static int[] choose(RandomGenerator rng, int n, int k) {
        java.util.HashMap<Integer, Integer> swapped = new java.util.HashMap<>();
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int vj = swapped.getOrDefault(j, j);
            int vi = swapped.getOrDefault(i, i);
            swapped.put(j, vi);
            out[i] = vj;
        }
        return out;
    }
}
