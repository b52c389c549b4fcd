package dev.metamorph.datasets;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How classes are divided into meta-train / meta-val / meta-test ({@code dataset.class-splits}):
 * each split is either a fraction of the classes or an explicit list of labels. Listed labels are
 * placed first; the remaining classes are divided among the fraction-valued splits, in the order of a
 * stable hash of (seed, domain, label), so the division never depends on file order or the JVM.
 *
 * @param fractions fraction per split given as a number (missing for listed splits)
 * @param lists labels per split given as a list (missing for fraction-valued splits)
 */
public record ClassSplitSpec(Map<ClassSplit, Double> fractions, Map<ClassSplit, List<String>> lists) {
    public ClassSplitSpec {
        fractions = Map.copyOf(fractions);
        lists = Map.copyOf(lists);
        for (ClassSplit s : ClassSplit.values()) {
            if (fractions.containsKey(s) == lists.containsKey(s)) {
                throw new IllegalArgumentException("dataset.class-splits." + s.key()
                        + " must be either a fraction or a list of labels");
            }
        }
        double sum = 0;
        for (var e : fractions.entrySet()) {
            double f = e.getValue();
            if (!(f >= 0 && f <= 1)) {
                throw new IllegalArgumentException("dataset.class-splits." + e.getKey().key() + " must be in [0, 1], got " + f);
            }
            sum += f;
        }
        if (!fractions.isEmpty() && Math.abs(sum - 1.0) > 1e-9) {
            throw new IllegalArgumentException("dataset.class-splits fractions must add up to 1, got " + sum + " for " + keys(fractions.keySet()));
        }
        for (ClassSplit a : lists.keySet()) {
            for (ClassSplit b : lists.keySet()) {
                if (a.ordinal() < b.ordinal()) {
                    for (String label : lists.get(a)) {
                        if (lists.get(b).contains(label)) {
                            throw new IllegalArgumentException("Label '" + label + "' is listed in both dataset.class-splits."
                                    + a.key() + " and dataset.class-splits." + b.key() + "; class splits must be disjoint");
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
