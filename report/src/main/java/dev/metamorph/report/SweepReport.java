package dev.metamorph.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.eval.ResultsRow;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * A multirun sweep's comparison page: rebuilds the report of every job that ran (a folder of
 * {@code sweep.json}), then writes {@code <sweep>/report/comparison.html} and {@code comparison.md}:
 * one row per job and method, one column per setting (domain, shots) with accuracy +- 95% CI, the
 * best job of each setting marked, a bar chart per setting, and a link to each job's report.
 */
public final class SweepReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The files written: the comparison pages and the job reports rebuilt. */
    public record Written(Path html, Path markdown, List<RunReport.Written> jobs) {}

    private SweepReport() {}

    /** Whether {@code dir} is a sweep folder (it holds {@code sweep.json}). */
    public static boolean isSweep(Path dir) {
        return Files.isRegularFile(dir.resolve("sweep.json"));
    }

    /**
     * Rebuilds every job's report and writes the comparison.
     *
     * @throws ReportInputException if {@code sweep.json} cannot be read
     */
    public static Written write(Path sweepDir) {
        Map<String, Object> sweep;
        Path file = sweepDir.resolve("sweep.json");
        try {
            sweep = JSON.readValue(Files.readString(file), new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new ReportInputException("Cannot read " + file + ": " + e.getMessage() + "; it should be the sweep summary a multirun wrote");
        }
        List<Map<String, Object>> jobs = new ArrayList<>();
        List<RunReport.Written> written = new ArrayList<>();
        Map<String, Map<String, ResultsRow>> cells = new LinkedHashMap<>();  // "job|method" -> setting -> row
        LinkedHashSet<String> settings = new LinkedHashSet<>();
        Map<String, String> jobLabels = new LinkedHashMap<>();
        for (Object o : (List<?>) sweep.getOrDefault("jobs", List.of())) {
            Map<?, ?> j = (Map<?, ?>) o;
            String number = String.valueOf(j.get("job"));
            Path dir = sweepDir.resolve(String.valueOf(j.get("dir")));
            List<String> overrides = j.get("overrides") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
            String label = number + ": " + (overrides.isEmpty() ? "(no overrides)" : String.join(" ", overrides));
            jobLabels.put(number, label);
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("number", number);
            job.put("label", label);
            job.put("status", String.valueOf(j.get("status")));
            job.put("error", j.get("error") == null ? "" : String.valueOf(j.get("error")));
            boolean run = RunFolder.isRun(dir);
            job.put("report", run ? sweepDir.resolve("report").relativize(dir.resolve("report").resolve("report.html")).toString().replace('\\', '/') : "");
            jobs.add(job);
            if (!run) continue;
            RunFolder folder = RunFolder.read(dir);
            written.add(RunReport.write(folder));
            for (ResultsRow r : folder.results()) {
                String setting = setting(r);
                settings.add(setting);
                cells.computeIfAbsent(number + "|" + r.method(), k -> new LinkedHashMap<>()).put(setting, r);
            }
        }
        Map<String, Double> best = new HashMap<>();
        for (Map<String, ResultsRow> m : cells.values()) for (Map.Entry<String, ResultsRow> e : m.entrySet()) best.merge(e.getKey(), e.getValue().accuracy(), Math::max);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, ResultsRow>> e : cells.entrySet()) {
            String[] jm = e.getKey().split("\\|", 2);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("job", jobLabels.get(jm[0]));
            row.put("method", jm[1]);
            row.put("floor", ResultsTable.isFloor(jm[1]));
            List<Map<String, Object>> values = new ArrayList<>();
            for (String s : settings) {
                ResultsRow r = e.getValue().get(s);
                values.add(Map.of("text", r == null ? "" : ResultsTable.percent(r.accuracy(), r.ci95()), "best", r != null && r.accuracy() == best.get(s)));
            }
            row.put("values", values);
            rows.add(row);
        }
        List<Map<String, Object>> plots = new ArrayList<>();
        Path plotDir = sweepDir.resolve("report").resolve("plots");
        try {
            Files.createDirectories(plotDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + plotDir + ": " + e.getMessage(), e);
        }
        for (String s : settings) {
            Plot p = settingPlot(s, cells, jobLabels);
            AtomicFiles.writeBytes(plotDir.resolve(p.file()), p.png());
            plots.add(Map.of("file", "plots/" + p.file(), "title", p.title(), "caption", p.caption(), "width", p.width(), "height", p.height(),
                    "dataUri", "data:image/png;base64," + Base64.getEncoder().encodeToString(p.png())));
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("title", "Metamorph sweep " + sweepDir.getFileName());
        model.put("sweepDir", sweepDir.toAbsolutePath().normalize().toString());
        model.put("overrides", sweep.get("overrides") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of());
        model.put("started", String.valueOf(sweep.get("started")));
        model.put("ended", sweep.get("ended") == null ? "(not ended)" : String.valueOf(sweep.get("ended")));
        model.put("jobs", jobs);
        model.put("settings", List.copyOf(settings));
        model.put("rows", rows);
        model.put("plots", plots);
        Path html = sweepDir.resolve("report").resolve("comparison.html"), md = sweepDir.resolve("report").resolve("comparison.md");
        AtomicFiles.writeString(html, ReportTemplates.render("comparison.html.ftlh", model));
        AtomicFiles.writeString(md, ReportTemplates.render("comparison.md.ftl", model));
        return new Written(html, md, written);
    }

    private static String setting(ResultsRow r) {
        return ReportPlots.domainOf(r) + " " + (r.ways() == null ? "" : r.ways() + "-way ") + r.shots() + "-shot";
    }

    private static Plot settingPlot(String setting, Map<String, Map<String, ResultsRow>> cells, Map<String, String> jobLabels) {
        int w = 960, h = 440;
        CategoryChart c = new CategoryChartBuilder().width(w).height(h).title(setting).xAxisTitle("job").yAxisTitle("accuracy").build();
        c.getStyler().setChartBackgroundColor(Color.WHITE).setPlotBackgroundColor(Color.WHITE).setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setYAxisDecimalPattern("0%");
        c.getStyler().setErrorBarsColorSeriesColor(false);
        c.getStyler().setErrorBarsColor(Color.BLACK);
        List<String> jobs = new ArrayList<>(), methods = new ArrayList<>();
        for (String key : cells.keySet()) {
            String[] jm = key.split("\\|", 2);
            if (cells.get(key).containsKey(setting)) {
                if (!jobs.contains(jm[0])) jobs.add(jm[0]);
                if (!methods.contains(jm[1])) methods.add(jm[1]);
            }
        }
        List<String> labels = jobs.stream().map(j -> "job " + j).toList();
        for (String m : methods) {
            List<Double> y = new ArrayList<>(), e = new ArrayList<>();
            for (String j : jobs) {
                ResultsRow r = cells.getOrDefault(j + "|" + m, Map.of()).get(setting);
                y.add(r == null ? 0.0 : r.accuracy());
                e.add(r == null ? 0.0 : r.ci95());
            }
            c.addSeries(m, labels, y, e);
        }
        try {
            return new Plot("compare-" + ReportPlots.slug(setting) + ".png", "Jobs compared: " + setting,
                    "Accuracy of each method in each job (" + String.join("; ", jobs.stream().map(jobLabels::get).toList()) + "); black bars: 95% CI.",
                    w, h, BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot draw the comparison of " + setting + ": " + ex.getMessage(), ex);
        }
    }
}
