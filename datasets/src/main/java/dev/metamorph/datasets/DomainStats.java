package dev.metamorph.datasets;

import dev.metamorph.core.data.Record;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Summary figures of one domain, as {@code metamorph data stats} prints them.
 *
 * @param records records read
 * @param skipped bad lines skipped (under {@code dataset.on-bad-record = skip})
 * @param classes distinct labels
 * @param classesWith20OrMore labels with at least 20 records
 * @param keptClasses labels with at least {@code dataset.min-examples-per-class} records
 * @param perClass records per label over all labels: min, median, max
 * @param tokens whitespace tokens per text: min, median, mean, max
 * @param splitClasses kept classes per class split
 * @param splitRecords records of the kept classes per class split
 */
public record DomainStats(
        String domain, long records, long skipped, int classes, int classesWith20OrMore, int keptClasses,
        double[] perClass, double[] tokens, Map<ClassSplit, Integer> splitClasses, Map<ClassSplit, Integer> splitRecords) {

    /** Computes the figures of {@code records} with the classes and splits of {@code cfg}. */
    public static DomainStats of(String domain, List<Record> records, long skipped, DatasetConfig cfg) {
        Map<String, Integer> counts = new HashMap<>();
        double[] tok = new double[records.size()];
        for (int i = 0; i < records.size(); i++) {
            Record r = records.get(i);
            counts.merge(r.label(), 1, Integer::sum);
            String t = r.text().strip();
            tok[i] = t.isEmpty() ? 0 : t.split("\\s+").length;
        }
        double[] per = counts.values().stream().mapToDouble(Integer::doubleValue).toArray();
        int with20 = (int) counts.values().stream().filter(c -> c >= 20).count();
        DomainClasses dc = DomainClasses.of(domain, records, cfg);
        Map<ClassSplit, Integer> sc = new EnumMap<>(ClassSplit.class);
        Map<ClassSplit, Integer> sr = new EnumMap<>(ClassSplit.class);
        for (ClassSplit s : ClassSplit.values()) {
            var m = dc.classesOf(s);
            sc.put(s, m.size());
            sr.put(s, m.values().stream().mapToInt(List::size).sum());
        }
        return new DomainStats(domain, records.size(), skipped, counts.size(), with20, dc.byLabel().size(),
                minMedianMax(per), minMedianMeanMax(tok), sc, sr);
    }

    /** The figures as a JSON-ready map (snake_case keys, including the required {@code records},
     * {@code classes} and {@code classes_with_20_or_more}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("records", records);
        m.put("classes", classes);
        m.put("classes_with_20_or_more", classesWith20OrMore);
        m.put("classes_kept", keptClasses);
        m.put("skipped_bad_records", skipped);
        m.put("examples_per_class", Map.of("min", perClass[0], "median", perClass[1], "max", perClass[2]));
        m.put("tokens_per_text", Map.of("min", tokens[0], "median", tokens[1], "mean", round(tokens[2]), "max", tokens[3]));
        Map<String, Object> splits = new LinkedHashMap<>();
        for (ClassSplit s : ClassSplit.values()) {
            splits.put(s.key(), Map.of("classes", splitClasses.get(s), "records", splitRecords.get(s)));
        }
        m.put("splits", splits);
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static double[] minMedianMax(double[] v) {
        if (v.length == 0) return new double[] {0, 0, 0};
        double[] s = v.clone();
        Arrays.sort(s);
        return new double[] {s[0], median(s), s[s.length - 1]};
    }

    private static double[] minMedianMeanMax(double[] v) {
        if (v.length == 0) return new double[] {0, 0, 0, 0};
        double[] s = v.clone();
        Arrays.sort(s);
        return new double[] {s[0], median(s), Arrays.stream(s).average().orElse(0), s[s.length - 1]};
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    /** Labels sorted by record count, largest first (for display). */
    public static List<Map.Entry<String, Integer>> labelCounts(List<Record> records) {
        Map<String, Integer> counts = new HashMap<>();
        for (Record r : records) counts.merge(r.label(), 1, Integer::sum);
        List<Map.Entry<String, Integer>> out = new ArrayList<>(counts.entrySet());
        out.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return out;
    }
}
