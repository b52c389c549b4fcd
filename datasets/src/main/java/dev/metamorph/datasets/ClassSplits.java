package dev.metamorph.datasets;

import dev.metamorph.core.SeedSequence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The classes of one domain divided into disjoint meta-train / meta-val / meta-test sets.
 *
 * <p>A label's split depends only on the label, the spec and the seed, never on the domain, the other
 * labels or file order: a label listed in {@code fixed-classes} goes to that split; any other label is
 * placed by a stable hash of (seed, label) read as a number {@code u} in [0, 1), against the cumulative
 * fractions (meta-train first, then meta-val, meta-test). So one label lands in the same split in
 * every domain, and a target domain's held-out classes are never meta-training classes of a source
 * domain under the same name. The price: a domain's split sizes follow the fractions in expectation,
 * not exactly (each label falls in a split with probability equal to its fraction).
 */
public final class ClassSplits {
    private final Map<ClassSplit, List<String>> classes;

    private ClassSplits(Map<ClassSplit, List<String>> classes) {
        this.classes = classes;
    }

    /** Divides {@code labels} by {@code spec}: listed labels first, the rest by {@link #hashedSplit}. */
    public static ClassSplits of(Collection<String> labels, ClassSplitSpec spec, long seed) {
        SeedSequence seeds = new SeedSequence(seed);
        Map<ClassSplit, List<String>> out = new EnumMap<>(ClassSplit.class);
        for (ClassSplit s : ClassSplit.values()) out.put(s, new ArrayList<>());
        for (String label : new TreeSet<>(labels)) out.get(splitOf(label, spec, seeds)).add(label);
        for (ClassSplit s : ClassSplit.values()) {
            List<String> l = new ArrayList<>(out.get(s));
            Collections.sort(l);
            out.put(s, List.copyOf(l));
        }
        return new ClassSplits(out);
    }

    /** The split of one label under {@code spec}: its fixed split if listed, else {@link #hashedSplit}. */
    public static ClassSplit splitOf(String label, ClassSplitSpec spec, long seed) {
        return splitOf(label, spec, new SeedSequence(seed));
    }

    private static ClassSplit splitOf(String label, ClassSplitSpec spec, SeedSequence seeds) {
        for (var e : spec.lists().entrySet()) if (e.getValue().contains(label)) return e.getKey();
        return hashedSplit(label, spec, seeds);
    }

    /** The split of a label that is not listed: u = hash(seed, label) in [0, 1) against the cumulative fractions. */
    static ClassSplit hashedSplit(String label, ClassSplitSpec spec, SeedSequence seeds) {
        double u = (seeds.derive("class-split/" + label) >>> 11) * 0x1.0p-53;
        double cumulative = 0;
        ClassSplit last = null;
        for (ClassSplit s : ClassSplit.values()) {
            double f = spec.fractions().get(s);
            if (f <= 0) continue;
            cumulative += f;
            last = s;
            if (u < cumulative) return s;
        }
        return last; // rounding: the fractions add up to 1 within 1e-9
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
