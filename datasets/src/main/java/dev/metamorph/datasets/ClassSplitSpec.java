package dev.metamorph.datasets;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How classes are divided into meta-train / meta-val / meta-test: labels listed for a split
 * ({@code dataset.fixed-classes}) go there; every other label goes to the split that a stable hash of
 * (seed, label) picks with probability equal to the split's fraction ({@code dataset.class-splits},
 * adding up to 1). The domain is not hashed, so a label is in the same split in every domain, and the
 * division never depends on file order, the other labels or the JVM (see {@link ClassSplits}).
 *
 * @param fractions probability of each split for a label that is not listed (all three splits)
 * @param lists labels fixed to a split (any subset of the splits)
 */
public record ClassSplitSpec(Map<ClassSplit, Double> fractions, Map<ClassSplit, List<String>> lists) {
    public ClassSplitSpec {
        fractions = Map.copyOf(fractions);
        lists = Map.copyOf(lists);
        for (ClassSplit s : ClassSplit.values()) {
            if (!fractions.containsKey(s)) throw new IllegalArgumentException("dataset.class-splits." + s.key() + " must be set");
        }
        double sum = 0;
        for (var e : fractions.entrySet()) {
            double f = e.getValue();
            if (!(f >= 0 && f <= 1)) {
                throw new IllegalArgumentException("dataset.class-splits." + e.getKey().key() + " must be in [0, 1], got " + f);
            }
            sum += f;
        }
        if (Math.abs(sum - 1.0) > 1e-9) {
            throw new IllegalArgumentException("dataset.class-splits fractions must add up to 1, got " + sum + " for " + keys(fractions.keySet()));
        }
        for (ClassSplit a : lists.keySet()) {
            for (ClassSplit b : lists.keySet()) {
                if (a.ordinal() < b.ordinal()) {
                    for (String label : lists.get(a)) {
                        if (lists.get(b).contains(label)) {
                            throw new IllegalArgumentException("Label '" + label + "' is listed in both dataset.fixed-classes."
                                    + a.key() + " and dataset.fixed-classes." + b.key() + "; class splits must be disjoint");
                        }
                    }
                }
            }
        }
    }

    /** 60% / 20% / 20% of the classes. */
    public static ClassSplitSpec defaultFractions() {
        Map<ClassSplit, Double> f = new EnumMap<>(ClassSplit.class);
        f.put(ClassSplit.META_TRAIN, 0.6);
        f.put(ClassSplit.META_VAL, 0.2);
        f.put(ClassSplit.META_TEST, 0.2);
        return new ClassSplitSpec(f, Map.of());
    }

    private static String keys(Set<ClassSplit> s) {
        return s.stream().map(ClassSplit::key).sorted().toList().toString();
    }
}
