package dev.metamorph.report;

import dev.metamorph.eval.DenseFloors;
import dev.metamorph.eval.ResultsRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The results table as the report shows it: every row of {@code results.json} with its kind (the
 * floors labelled as such), accuracy and macro-F1 as percent +- 95% CI, and the best row of each
 * setting (domain, ways, shots) marked. Rows tie for best only when their means are equal.
 */
public final class ResultsTable {
    /** The rows that no meta-learning goes into: the floors every trained row must beat. */
    public static final Set<String> FLOORS = Set.of(DenseFloors.TFIDF_PROTOTYPE, DenseFloors.BASE_PROTOTYPE, DenseFloors.BASE_LINEAR_PROBE,
            DenseFloors.TFIDF_BASE_PROTOTYPE);

    private ResultsTable() {}

    /** Whether {@code method} is a floor. */
    public static boolean isFloor(String method) {
        return FLOORS.contains(method);
    }

    /** What kind of row {@code method} is, for the table's second column. */
    public static String kind(String method) {
        if (isFloor(method)) return method.equals(DenseFloors.BASE_LINEAR_PROBE) ? "floor (fitted on the support set)" : "floor (no training)";
        if (method.endsWith("+memory") && !method.equals("curriculum+memory")) return kind(method.substring(0, method.length() - "+memory".length())) + " + memory";
        return switch (method) {
            case "random-init" -> "untrained adapter";
            case "theta0" -> "meta-trained theta_0";
            case "curriculum" -> "theta_0 + curriculum";
            case "curriculum+memory" -> "theta_0 + curriculum + memory";
            case "pretrain" -> "multi-domain pretraining";
            default -> "trained";
        };
    }

    /** The rows as maps of display strings (keys: method, kind, floor, domain, setting, accuracy, macroF1, episodes, best), in file order. */
    public static List<Map<String, Object>> rows(List<ResultsRow> rows) {
        Map<String, Double> best = new HashMap<>();
        for (ResultsRow r : rows) best.merge(setting(r), r.accuracy(), Math::max);
        List<Map<String, Object>> out = new ArrayList<>();
        for (ResultsRow r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", r.method());
            m.put("kind", kind(r.method()));
            m.put("floor", isFloor(r.method()));
            m.put("domain", ReportPlots.domainOf(r));
            m.put("setting", (r.ways() == null ? "" : r.ways() + "-way ") + r.shots() + "-shot");
            m.put("accuracy", percent(r.accuracy(), r.ci95()));
            m.put("macroF1", r.macroF1Ci95() == null ? percent(r.macroF1(), Double.NaN) : percent(r.macroF1(), r.macroF1Ci95()));
            m.put("episodes", String.valueOf(r.episodes()));
            m.put("best", r.accuracy() == best.get(setting(r)));
            out.add(m);
        }
        return out;
    }

    /** {@code 71.1% +- 0.8} (the CI half-width in points); without a CI, the mean only. */
    public static String percent(double mean, double ci95) {
        if (Double.isNaN(ci95)) return String.format(Locale.ROOT, "%.1f%%", 100 * mean);
        return String.format(Locale.ROOT, "%.1f%% +- %.1f", 100 * mean, 100 * ci95);
    }

    private static String setting(ResultsRow r) {
        return ReportPlots.domainOf(r) + "/" + r.ways() + "/" + r.shots();
    }
}
