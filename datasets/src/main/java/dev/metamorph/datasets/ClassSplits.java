package dev.metamorph.datasets;

import dev.metamorph.core.SeedSequence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The classes of one domain divided into disjoint meta-train / meta-val / meta-test sets. The result
 * depends only on the class names, the spec and the seed (stable hash order), never on file order.
 */
public final class ClassSplits {
    private final Map<ClassSplit, List<String>> classes;

    private ClassSplits(Map<ClassSplit, List<String>> classes) {
        this.classes = classes;
    }

    /** Divides {@code labels} of {@code domain} by {@code spec}, ordered by a hash of (seed, domain, label). */
    public static ClassSplits of(String domain, Collection<String> labels, ClassSplitSpec spec, long seed) {
        SeedSequence seeds = new SeedSequence(seed);
        Set<String> remaining = new LinkedHashSet<>(labels.stream().sorted().toList());
        Map<ClassSplit, List<String>> out = new EnumMap<>(ClassSplit.class);
        for (ClassSplit s : ClassSplit.values()) out.put(s, new ArrayList<>());
        for (var e : spec.lists().entrySet()) {
            for (String label : e.getValue()) {
                if (remaining.remove(label)) out.get(e.getKey()).add(label);
            }
        }
        List<String> ordered = new ArrayList<>(remaining);
        ordered.sort(Comparator.comparingLong((String l) -> seeds.derive(domain + "/" + l)).thenComparing(l -> l));
        int n = ordered.size();
        List<ClassSplit> fractional = new ArrayList<>();
        for (ClassSplit s : ClassSplit.values()) if (spec.fractions().containsKey(s)) fractional.add(s);
        int start = 0;
        double cumulative = 0;
        for (int i = 0; i < fractional.size(); i++) {
            ClassSplit s = fractional.get(i);
            cumulative += spec.fractions().get(s);
            int end = i == fractional.size() - 1 ? n : (int) Math.round(cumulative * n);
            end = Math.max(start, Math.min(n, end));
            out.get(s).addAll(ordered.subList(start, end));
            start = end;
        }
        for (ClassSplit s : ClassSplit.values()) {
            List<String> l = new ArrayList<>(out.get(s));
            Collections.sort(l);
            out.put(s, List.copyOf(l));
        }
        return new ClassSplits(out);
    }

    /** The sorted labels of one split. */
    public List<String> classes(ClassSplit split) {
        return classes.get(split);
    }

    /** The split that holds {@code label}, or null when the label is in none. */
    public ClassSplit splitOf(String label) {
        for (var e : classes.entrySet()) if (e.getValue().contains(label)) return e.getKey();
        return null;
    }
}
