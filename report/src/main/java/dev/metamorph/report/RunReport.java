package dev.metamorph.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.eval.ResultsRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a run folder's report from what the folder holds: {@code report/report.html} (one file,
 * the plots embedded as {@code data:} URIs, opens offline), {@code report/report.md} (the plots
 * beside it in {@code report/plots/}) and the PNGs. Sections, in order: summary, results (every
 * row, 95% CIs, best row marked, floors labelled), meta-training, curriculum, accuracy vs shots,
 * per domain, forgetting, stage times, saved models and exports, resolved config, provenance.
 * Every file is written atomically; the report is a pure function of the folder's files.
 */
public final class RunReport {
    /** The section ids, in the order the report shows them (each is an HTML {@code <section id>} and a Markdown heading). */
    public static final List<String> SECTIONS = List.of("summary", "results", "meta-training", "curriculum", "shots", "domains", "forgetting",
            "stage-times", "adapters", "config", "provenance");
    /** The heading of each section, by id (the Markdown report's {@code ##} headings, the HTML report's {@code h2}). */
    public static final Map<String, String> TITLES = titles();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The files written. */
    public record Written(Path html, Path markdown, List<Path> plots) {}

    private RunReport() {}

    private static Map<String, String> titles() {
        List<String> t = List.of("Summary", "Results", "Meta-training", "Curriculum", "Accuracy vs shots", "Per domain", "Forgetting on the source domains",
                "Stage times", "Saved models and adapters", "Resolved config", "Provenance");
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < SECTIONS.size(); i++) m.put(SECTIONS.get(i), t.get(i));
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Reads {@code runDir} and writes its report; returns the files. */
    public static Written write(Path runDir) {
        return write(RunFolder.read(runDir));
    }

    /** Writes the report of a folder already read. */
    public static Written write(RunFolder run) {
        RunHistory history = RunHistory.of(run);
        Map<String, List<Plot>> plots = ReportPlots.all(history, run.results());
        Path reportDir = run.dir().resolve("report");
        Path plotDir = reportDir.resolve("plots");
        try {
            Files.createDirectories(plotDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + plotDir + ": " + e.getMessage(), e);
        }
        List<Path> plotFiles = new ArrayList<>();
        for (List<Plot> ps : plots.values()) {
            for (Plot p : ps) {
                Path f = plotDir.resolve(p.file());
                AtomicFiles.writeBytes(f, p.png());
                plotFiles.add(f);
            }
        }
        Map<String, Object> model = model(run, history, plots);
        Path html = reportDir.resolve("report.html"), md = reportDir.resolve("report.md");
        AtomicFiles.writeString(html, ReportTemplates.render("report.html.ftlh", model));
        AtomicFiles.writeString(md, ReportTemplates.render("report.md.ftl", model));
        return new Written(html, md, plotFiles);
    }

    static Map<String, Object> model(RunFolder run, RunHistory history, Map<String, List<Plot>> plots) {
        Map<String, Object> m = new LinkedHashMap<>();
        Object name = run.provenance().get("name");
        m.put("title", "Metamorph run " + run.dir().getFileName() + (name != null && !run.dir().getFileName().toString().endsWith(String.valueOf(name)) ? " (" + name + ")" : ""));
        m.put("runDir", run.dir().toAbsolutePath().normalize().toString());
        m.put("sections", TITLES);
        m.put("summary", summary(run, history));
        m.put("results", ResultsTable.rows(run.results()));
        m.put("plots", plotModel(plots));
        m.put("metaTraining", metaTraining(history.metaTraining()));
        m.put("curricula", curricula(history.curricula()));
        m.put("stageTimes", stageTimes(history.stageSeconds()));
        m.put("artifacts", artifacts(run));
        m.put("config", run.configText());
        m.put("overrides", run.overrides());
        m.put("provenance", provenance(run.provenance()));
        m.put("tornLines", run.tornLines());
        return m;
    }

    private static List<String> summary(RunFolder run, RunHistory history) {
        List<String> lines = new ArrayList<>();
        Object commit = run.provenance().get("git") instanceof Map<?, ?> g ? g.get("commit") : null;
        Object dirty = run.provenance().get("git") instanceof Map<?, ?> g ? g.get("dirty") : null;
        lines.add("Run folder " + run.dir().toAbsolutePath().normalize() + (commit == null ? "" : ", commit " + commit + (Boolean.TRUE.equals(dirty) ? " (dirty)" : ""))
                + (run.provenance().get("seed") == null ? "" : ", seed " + run.provenance().get("seed")) + ".");
        if (run.provenance().get("started") != null) {
            lines.add("Started " + run.provenance().get("started") + (run.provenance().get("ended") == null ? " (no end time yet: the report stage runs before the run ends; `./metamorph report` afterwards adds it)" : ", ended " + run.provenance().get("ended")) + ".");
        }
        Map<String, List<ResultsRow>> bySetting = new LinkedHashMap<>();
        for (ResultsRow r : run.results()) bySetting.computeIfAbsent(ReportPlots.domainOf(r) + " " + (r.ways() == null ? "" : r.ways() + "-way ") + r.shots() + "-shot", k -> new ArrayList<>()).add(r);
        for (Map.Entry<String, List<ResultsRow>> e : bySetting.entrySet()) {
            ResultsRow best = e.getValue().stream().max(Comparator.comparingDouble(ResultsRow::accuracy)).orElseThrow();
            ResultsRow bestFloor = e.getValue().stream().filter(r -> ResultsTable.isFloor(r.method())).max(Comparator.comparingDouble(ResultsRow::accuracy)).orElse(null);
            ResultsRow bestTrained = e.getValue().stream().filter(r -> !ResultsTable.isFloor(r.method())).max(Comparator.comparingDouble(ResultsRow::accuracy)).orElse(null);
            StringBuilder sb = new StringBuilder(e.getKey()).append(": best ").append(best.method()).append(' ').append(ResultsTable.percent(best.accuracy(), best.ci95()));
            if (bestFloor != null && bestTrained != null) {
                boolean apart = bestTrained.accuracy() - bestTrained.ci95() > bestFloor.accuracy() + bestFloor.ci95();
                boolean below = bestTrained.accuracy() + bestTrained.ci95() < bestFloor.accuracy() - bestFloor.ci95();
                sb.append("; best trained row ").append(bestTrained.method()).append(' ').append(ResultsTable.percent(bestTrained.accuracy(), bestTrained.ci95()))
                        .append(" vs best floor ").append(bestFloor.method()).append(' ').append(ResultsTable.percent(bestFloor.accuracy(), bestFloor.ci95()))
                        .append(apart ? ": above it, the intervals do not overlap" : below ? ": below it, the intervals do not overlap" : ": the intervals overlap");
            }
            lines.add(sb.append('.').toString());
        }
        if (run.results().isEmpty()) lines.add("No results: the run has no report/results.json and no eval events (it stopped before the evaluation).");
        for (RunHistory.Curriculum c : history.curricula()) {
            if (c.end().isEmpty()) {
                lines.add("Curriculum on " + c.target() + ": no end event (stopped during the curriculum).");
                continue;
            }
            lines.add(String.format(Locale.ROOT, "Curriculum on %s: target loss on report episodes %.4f -> %.4f; source loss %.4f -> %.4f (forgetting %+.4f).", c.target(),
                    c.value("target-report-loss-before"), c.value("target-report-loss-after"), c.value("base-loss-before"), c.value("base-loss-after"),
                    c.value("base-loss-after") - c.value("base-loss-before")));
        }
        return lines;
    }

    private static Map<String, Object> plotModel(Map<String, List<Plot>> plots) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Plot>> e : plots.entrySet()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Plot p : e.getValue()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", "plots/" + p.file());
                m.put("title", p.title());
                m.put("caption", p.caption());
                m.put("width", p.width());
                m.put("height", p.height());
                m.put("dataUri", "data:image/png;base64," + Base64.getEncoder().encodeToString(p.png()));
                list.add(m);
            }
            out.put(e.getKey(), list);
        }
        return out;
    }

    private static Map<String, Object> metaTraining(RunHistory.MetaTraining mt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("present", !mt.isEmpty());
        List<String> lines = new ArrayList<>();
        Map<String, Object> d = mt.done();
        if (!d.isEmpty()) {
            lines.add(String.format(Locale.ROOT, "%s, %s meta-iterations in %.1f s (%.1f tasks/s); last train query loss %.4f.", d.get("algorithm"), d.get("steps"),
                    num(d.get("seconds")), num(d.get("tasks_per_s")), num(d.get("last_loss"))));
        }
        if (mt.selectedStep() != null) {
            String value = d.get("selected_value") instanceof Number n ? String.format(Locale.ROOT, " (%s %.4f)", d.get("selected_metric"), n.doubleValue()) : "";
            lines.add("theta_0 = the theta of step " + mt.selectedStep() + value + ", selected by " + mt.selectRule() + ".");
        }
        if (!mt.valAccuracy().isEmpty()) {
            RunHistory.Point first = mt.valAccuracy().get(0), last = mt.valAccuracy().get(mt.valAccuracy().size() - 1);
            double best = mt.valAccuracy().stream().mapToDouble(RunHistory.Point::y).max().orElse(Double.NaN);
            lines.add(String.format(Locale.ROOT, "Meta-val accuracy %.1f%% at step %d, %.1f%% at step %d, best %.1f%%.", 100 * first.y(), (long) first.x(), 100 * last.y(),
                    (long) last.x(), 100 * best));
        }
        lines.add("Training accuracy is not logged during meta-training (the loop sees the query loss only); accuracy per step is the meta-val accuracy.");
        m.put("lines", lines);
        return m;
    }

    private static List<Map<String, Object>> curricula(List<RunHistory.Curriculum> curricula) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RunHistory.Curriculum c : curricula) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", c.target());
            m.put("stages", c.stages().size());
            List<String> stages = new ArrayList<>();
            for (RunHistory.StageStart s : c.stages()) {
                stages.add(String.format(Locale.ROOT, "stage %d from step %d: units %s, rates %s, target share %.2f", s.stage(), (long) s.globalStep(),
                        String.join(" ", s.units()), s.rates().stream().map(r -> String.format(Locale.ROOT, "%.2g", r)).toList(), s.targetFraction()));
            }
            m.put("stageLines", stages);
            m.put("grow", c.events().stream().filter(e -> e.kind().equals("grow")).count());
            m.put("shrink", c.events().stream().filter(e -> e.kind().equals("back-off")).count());
            m.put("rollback", c.events().stream().filter(e -> e.kind().equals("rollback")).count());
            m.put("ended", !c.end().isEmpty());
            m.put("targetBefore", fmt(c.value("target-report-loss-before")));
            m.put("targetAfter", fmt(c.value("target-report-loss-after")));
            m.put("sourceBefore", fmt(c.value("base-loss-before")));
            m.put("sourceAfter", fmt(c.value("base-loss-after")));
            double f = c.value("base-loss-after") - c.value("base-loss-before");
            m.put("forgetting", Double.isNaN(f) ? "n/a" : String.format(Locale.ROOT, "%+.4f", f));
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> stageTimes(Map<String, Double> seconds) {
        List<Map<String, Object>> rows = new ArrayList<>();
        double total = 0;
        for (Map.Entry<String, Double> e : seconds.entrySet()) {
            rows.add(Map.of("stage", e.getKey(), "seconds", String.format(Locale.ROOT, "%.1f", e.getValue())));
            total += e.getValue();
        }
        return Map.of("rows", rows, "total", String.format(Locale.ROOT, "%.1f", total));
    }

    private static List<Map<String, Object>> artifacts(RunFolder run) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Path p : run.artifacts()) {
            long size;
            try {
                size = Files.size(run.dir().resolve(p));
            } catch (IOException e) {
                size = -1;
            }
            String rel = p.toString().replace('\\', '/');
            String what = rel.startsWith("export/") ? "exported adapter bundle" : rel.endsWith("theta0.zip") ? "meta-trained theta_0"
                    : rel.contains("adapted-") ? "adapted model (" + rel.replaceAll(".*adapted-(.*)\\.zip", "$1") + ")" : "model file";
            out.add(Map.of("path", rel, "absolute", run.dir().resolve(p).toAbsolutePath().normalize().toString(), "bytes", String.format(Locale.ROOT, "%,d", size), "what", what));
        }
        return out;
    }

    private static List<Map<String, Object>> provenance(Map<String, Object> provenance) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : provenance.entrySet()) {
            String v;
            if (e.getValue() instanceof String s) v = s;
            else {
                try {
                    v = JSON.writeValueAsString(e.getValue());
                } catch (JsonProcessingException ex) {
                    v = String.valueOf(e.getValue());
                }
            }
            out.add(Map.of("key", e.getKey(), "value", v));
        }
        return out;
    }

    /** Methods of the results in first-seen order. */
    static List<String> methods(List<ResultsRow> rows) {
        return new ArrayList<>(new LinkedHashSet<>(rows.stream().map(ResultsRow::method).toList()));
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }
}
