package dev.metamorph.datasets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per domain, per split, the labels of the kept classes and their record counts, as
 * {@code ./metamorph data splits} shows them, and the check that a target domain's held-out classes
 * are never meta-training classes of a source domain. Immutable.
 */
public final class ClassSplitTable {
    private final Map<String, Map<ClassSplit, Map<String, Integer>>> table;

    private ClassSplitTable(Map<String, Map<ClassSplit, Map<String, Integer>>> table) {
        this.table = table;
    }

    /** The table of {@code domains}, in the given order. */
    public static ClassSplitTable of(List<DomainClasses> domains) {
        Map<String, Map<ClassSplit, Map<String, Integer>>> t = new LinkedHashMap<>();
        for (DomainClasses d : domains) {
            Map<ClassSplit, Map<String, Integer>> splits = new LinkedHashMap<>();
            for (ClassSplit s : ClassSplit.values()) {
                Map<String, Integer> counts = new TreeMap<>();
                for (var e : d.classesOf(s).entrySet()) counts.put(e.getKey(), e.getValue().size());
                splits.put(s, Collections.unmodifiableMap(counts));
            }
            t.put(d.domain(), Collections.unmodifiableMap(splits));
        }
        return new ClassSplitTable(Collections.unmodifiableMap(t));
    }

    /** The domains, in table order. */
    public List<String> domains() {
        return List.copyOf(table.keySet());
    }

    /** Label to record count of one domain's split, sorted by label. */
    public Map<String, Integer> counts(String domain, ClassSplit split) {
        Map<ClassSplit, Map<String, Integer>> d = table.get(domain);
        if (d == null) throw new IllegalArgumentException("No domain '" + domain + "' in the split table; domains: " + domains());
        return d.get(split);
    }

    /** {@code {domain: {split key: {label: records}}}}, for JSON. */
    public Map<String, Map<String, Map<String, Integer>>> toMap() {
        Map<String, Map<String, Map<String, Integer>>> out = new LinkedHashMap<>();
        for (var d : table.entrySet()) {
            Map<String, Map<String, Integer>> splits = new LinkedHashMap<>();
            for (var s : d.getValue().entrySet()) splits.put(s.getKey().key(), s.getValue());
            out.put(d.getKey(), splits);
        }
        return out;
    }

    /**
     * Every label that is meta-val or meta-test in a target domain and meta-train in a source domain,
     * one line each ({@code "gcide meta-test 'law' is meta-train in wordnet"}); empty when the splits
     * hold across domains. Domains absent from the table are skipped.
     */
    public List<String> leaks(List<String> sourceDomains, List<String> targetDomains) {
        List<String> out = new ArrayList<>();
        for (String target : targetDomains) {
            if (!table.containsKey(target)) continue;
            for (ClassSplit held : List.of(ClassSplit.META_VAL, ClassSplit.META_TEST)) {
                for (String label : counts(target, held).keySet()) {
                    for (String source : sourceDomains) {
                        if (table.containsKey(source) && counts(source, ClassSplit.META_TRAIN).containsKey(label)) {
                            out.add(target + " " + held.key() + " '" + label + "' is meta-train in " + source);
                        }
                    }
                }
            }
        }
        return List.copyOf(out);
    }
}
