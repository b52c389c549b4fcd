package dev.metamorph.datasets;

import dev.metamorph.core.data.Record;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The records of one domain grouped by label, keeping only classes with at least a minimum number of
 * records, and their meta-train / meta-val / meta-test class splits. Labels are sorted; records keep
 * file order. Immutable.
 */
public final class DomainClasses {
    private final String domain;
    private final Map<String, List<Record>> byLabel;
    private final ClassSplits splits;
    private final int droppedClasses;

    private DomainClasses(String domain, Map<String, List<Record>> byLabel, ClassSplits splits, int droppedClasses) {
        this.domain = domain;
        this.byLabel = byLabel;
        this.splits = splits;
        this.droppedClasses = droppedClasses;
    }

    /** Groups {@code records}, drops classes below {@code cfg.minExamplesPerClass()}, splits the rest. */
    public static DomainClasses of(String domain, Collection<Record> records, DatasetConfig cfg) {
        DomainClasses all = of(domain, records, cfg.minExamplesPerClass(), cfg.classSplits(), cfg.splitSeed());
        return cfg.maxRecordsPerClass() > 0 ? all.capped(cfg.maxRecordsPerClass(), cfg.splitSeed()) : all;
    }

    /**
     * The same classes and splits with at most {@code max} records per class: those with the smallest
     * stable hash of (seed, record id), in their original order, so the subset does not depend on the
     * order or presence of other records.
     */
    public DomainClasses capped(int max, long seed) {
        Map<String, List<Record>> kept = new TreeMap<>();
        for (var e : byLabel.entrySet()) {
            List<Record> rs = e.getValue();
            if (rs.size() <= max) {
                kept.put(e.getKey(), rs);
                continue;
            }
            java.util.Set<Record> chosen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            dev.metamorph.core.SeedSequence seeds = new dev.metamorph.core.SeedSequence(seed);
            rs.stream().sorted(java.util.Comparator.comparingLong((Record r) -> seeds.derive("record-cap/" + r.id())).thenComparing(Record::id))
                    .limit(max).forEach(chosen::add);
            kept.put(e.getKey(), rs.stream().filter(chosen::contains).toList());
        }
        return new DomainClasses(domain, java.util.Collections.unmodifiableMap(kept), splits, droppedClasses);
    }

    public static DomainClasses of(String domain, Collection<Record> records, int minExamples, ClassSplitSpec spec, long seed) {
        Map<String, List<Record>> all = new TreeMap<>();
        for (Record r : records) all.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        Map<String, List<Record>> kept = new TreeMap<>();
        int dropped = 0;
        for (var e : all.entrySet()) {
            if (e.getValue().size() >= minExamples) kept.put(e.getKey(), List.copyOf(e.getValue()));
            else dropped++;
        }
        return new DomainClasses(domain, java.util.Collections.unmodifiableMap(kept),
                ClassSplits.of(kept.keySet(), spec, seed), dropped);
    }

    public String domain() {
        return domain;
    }

    /** Every kept class, sorted by label. */
    public Map<String, List<Record>> byLabel() {
        return byLabel;
    }

    /** The kept classes of one split, sorted by label. */
    public Map<String, List<Record>> classesOf(ClassSplit split) {
        Map<String, List<Record>> out = new TreeMap<>();
        for (String label : splits.classes(split)) out.put(label, byLabel.get(label));
        return java.util.Collections.unmodifiableMap(out);
    }

    public ClassSplits splits() {
        return splits;
    }

    /** Classes left out for having fewer than the minimum number of records. */
    public int droppedClasses() {
        return droppedClasses;
    }

    /** A sampler of N-way K-shot episodes over the classes of one split. */
    public EpisodeSampler sampler(ClassSplit split, int ways, int shots, int queries) {
        return new EpisodeSampler(domain + "/" + split.key(), classesOf(split), ways, shots, queries);
    }
}
