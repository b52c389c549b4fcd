package dev.metamorph.report;

import dev.metamorph.eval.ResultsRow;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's plots, drawn with XChart into PNGs (headless: {@code java.awt.headless} is set to
 * true unless the caller chose otherwise). Every method returns the plots it could draw from what
 * the run holds; a run without meta-training (an {@code adapt} run) simply has no meta-training plot.
 */
public final class ReportPlots {
    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /** Series colours: a colour-blind-safe palette (Okabe-Ito), then greys. */
    private static final Color[] PALETTE = {new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115), new Color(204, 121, 167),
        new Color(230, 159, 0), new Color(86, 180, 233), new Color(120, 120, 120), new Color(0, 0, 0), new Color(240, 228, 66)};
    private static final Color GROW = new Color(0, 158, 115), SHRINK = new Color(230, 159, 0), ROLLBACK = new Color(200, 0, 0);

    private ReportPlots() {}

    /** Meta-training's train query loss and meta-val loss per step (left axis) and meta-val accuracy (right axis); the kept step marked. */
    public static List<Plot> metaTraining(RunHistory.MetaTraining m) {
        if (m.isEmpty()) return List.of();
        int w = 900, h = 420;
        XYChart c = xy(w, h, "meta-training", "meta-iteration", "loss");
        line(c, "train query loss", m.trainLoss(), 0);
        line(c, "meta-val query loss", m.valLoss(), 0);
        if (!m.valAccuracy().isEmpty()) {
            line(c, "meta-val accuracy", m.valAccuracy(), 1);
            c.setYAxisGroupTitle(1, "accuracy");
            c.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        String kept = "";
        if (m.selectedStep() != null) {
            c.addAnnotation(new AnnotationLine(m.selectedStep(), true, false));
            kept = " The vertical line marks the step whose theta was kept as theta_0 (" + m.selectRule() + ", step " + m.selectedStep() + ").";
        }
        return List.of(plot("meta-training.png", "Meta-training", "Query loss after the inner loop on the training meta-batches, and loss and accuracy "
                + "on the fixed meta-val episodes (after the meta-trained inner loop), per meta-iteration." + kept, c, w, h));
    }

    /** One target domain's curriculum: target and source validation loss and training loss; the learning rate on the right; stages and elastic events marked. */
    public static Plot curriculum(RunHistory.Curriculum cur) {
        int w = 960, h = 480;
        XYChart c = xy(w, h, "curriculum: " + cur.target(), "step (all stages)", "loss");
        XYSeries tt = line(c, "target train loss", cur.targetTrain(), 0);
        if (tt != null) tt.setLineColor(new Color(150, 190, 230)).setLineWidth(1f);
        XYSeries st = line(c, "source train loss", cur.sourceTrain(), 0);
        if (st != null) st.setLineColor(new Color(240, 180, 150)).setLineWidth(1f);
        XYSeries tv = line(c, "target val loss", cur.targetVal(), 0);
        if (tv != null) tv.setLineColor(PALETTE[0]).setLineWidth(2.5f);
        XYSeries sv = line(c, "source val loss", cur.sourceVal(), 0);
        if (sv != null) sv.setLineColor(PALETTE[1]).setLineWidth(2.5f);
        XYSeries lr = line(c, "learning rate (top unit)", cur.learningRate(), 1);
        if (lr != null) {
            lr.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
            lr.setLineColor(Color.DARK_GRAY).setLineWidth(1.5f);
            c.setYAxisGroupTitle(1, "learning rate");
            c.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            c.getStyler().putYAxisGroupDecimalPatternMap(1, "0.0E0");
            events(c, cur, "grow", "grow", SeriesMarkers.TRIANGLE_UP, GROW);
            events(c, cur, "back-off", "shrink (back-off)", SeriesMarkers.TRIANGLE_DOWN, SHRINK);
            events(c, cur, "rollback", "rollback", SeriesMarkers.CROSS, ROLLBACK);
        }
        for (RunHistory.StageStart s : cur.stages()) if (s.globalStep() > 0) c.addAnnotation(new AnnotationLine(s.globalStep(), true, false));
        return plot("curriculum-" + slug(cur.target()) + ".png", "Curriculum on " + cur.target(),
                "Loss on the fixed target meta-val episodes (at each elastic-rate check) and source meta-val episodes (at each stage end: forgetting), "
                + "with the training loss per logged step; the right axis traces the learning rate of the top unfrozen unit (base rate x elastic multiplier). "
                + "Vertical lines separate the " + cur.stages().size() + " stages; triangles mark the elastic rate growing (up) or shrinking (down), "
                + "crosses a rollback to the best checkpoint.", c, w, h);
    }

    /** Accuracy against shots per method on one domain, with the 95% CI as a band. */
    public static Plot shots(String domain, List<ResultsRow> rows) {
        int w = 900, h = 440;
        XYChart c = xy(w, h, "accuracy vs shots: " + domain, "shots per class", "accuracy");
        int k = 0;
        for (String method : methods(rows)) {
            List<ResultsRow> rs = rows.stream().filter(r -> r.method().equals(method)).sorted(java.util.Comparator.comparingInt(ResultsRow::shots)).toList();
            Color col = PALETTE[k++ % PALETTE.length];
            double[] x = new double[rs.size()], y = new double[rs.size()];
            double[] bx = new double[2 * rs.size() + 1], by = new double[2 * rs.size() + 1];
            for (int i = 0; i < rs.size(); i++) {
                x[i] = rs.get(i).shots();
                y[i] = rs.get(i).accuracy();
                bx[i] = x[i];
                by[i] = y[i] + rs.get(i).ci95();
                bx[2 * rs.size() - 1 - i] = x[i];
                by[2 * rs.size() - 1 - i] = y[i] - rs.get(i).ci95();
            }
            bx[2 * rs.size()] = bx[0];
            by[2 * rs.size()] = by[0];
            XYSeries band = c.addSeries(method + " 95% CI", bx, by);
            band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
            band.setFillColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 50));
            band.setLineColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 90));
            band.setMarker(SeriesMarkers.NONE);
            band.setLineStyle(SeriesLines.SOLID).setLineWidth(0.5f);
            band.setShowInLegend(false);
            XYSeries s = c.addSeries(method, x, y);
            s.setLineStyle(ResultsTable.isFloor(method) ? SeriesLines.DASH_DASH : SeriesLines.SOLID).setLineColor(col).setLineWidth(2f);
            s.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(col);
        }
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setYAxisDecimalPattern("0%");
        return plot("shots-" + slug(domain) + ".png", "Accuracy vs shots on " + domain,
                "Mean accuracy over the fixed test episodes per shot count (" + shotList(rows) + "), shaded band: 95% CI; dashed lines are the floors (no meta-learning).",
                c, w, h);
    }

    /** Accuracy per target domain and method at one shot count, with 95% CI error bars. */
    public static Plot domains(int shots, List<ResultsRow> rows) {
        int w = 960, h = 440;
        List<ResultsRow> at = rows.stream().filter(r -> r.shots() == shots).toList();
        List<String> domains = new ArrayList<>(new LinkedHashSet<>(at.stream().map(ReportPlots::domainOf).toList()));
        CategoryChart c = new CategoryChartBuilder().width(w).height(h).title("accuracy per domain, " + shots + "-shot").xAxisTitle("target domain")
                .yAxisTitle("accuracy").build();
        style(c.getStyler());
        c.getStyler().setYAxisDecimalPattern("0%");
        c.getStyler().setErrorBarsColorSeriesColor(false);
        c.getStyler().setErrorBarsColor(Color.BLACK);
        c.getStyler().setYAxisMin(0.0);
        for (String method : methods(at)) {
            List<Double> y = new ArrayList<>(), e = new ArrayList<>();
            for (String d : domains) {
                ResultsRow r = at.stream().filter(x -> x.method().equals(method) && domainOf(x).equals(d)).findFirst().orElse(null);
                y.add(r == null ? 0.0 : r.accuracy());
                e.add(r == null ? 0.0 : r.ci95());
            }
            c.addSeries(method, domains, y, e);
        }
        return plot("domains-" + shots + "shot.png", "Accuracy per domain, " + shots + "-shot",
                "Mean accuracy per target domain and method at " + shots + " shots per class; black bars: 95% CI.", c, w, h);
    }

    /** Source-domain loss before and after each target's curriculum (forgetting = after - before). */
    public static List<Plot> forgetting(List<RunHistory.Curriculum> curricula) {
        List<RunHistory.Curriculum> with = curricula.stream().filter(c -> !Double.isNaN(c.value("base-loss-before"))).toList();
        if (with.isEmpty()) return List.of();
        int w = 760, h = 400;
        CategoryChart c = new CategoryChartBuilder().width(w).height(h).title("forgetting on the source domains").xAxisTitle("curriculum target")
                .yAxisTitle("source meta-val loss").build();
        style(c.getStyler());
        List<String> names = with.stream().map(RunHistory.Curriculum::target).toList();
        c.addSeries("before the curriculum", names, with.stream().map(x -> x.value("base-loss-before")).toList());
        c.addSeries("after the curriculum", names, with.stream().map(x -> x.value("base-loss-after")).toList());
        return List.of(plot("forgetting.png", "Forgetting on the source domains",
                "Query loss on the fixed source meta-val episodes before and after adapting to each target domain; a higher bar after means forgetting.", c, w, h));
    }

    /** Every plot of a run, in the report's order. */
    public static Map<String, List<Plot>> all(RunHistory history, List<ResultsRow> results) {
        Map<String, List<Plot>> out = new LinkedHashMap<>();
        out.put("meta-training", metaTraining(history.metaTraining()));
        out.put("curriculum", history.curricula().stream().map(ReportPlots::curriculum).toList());
        List<Plot> shots = new ArrayList<>();
        for (String d : new LinkedHashSet<>(results.stream().map(ReportPlots::domainOf).toList())) {
            shots.add(shots(d, results.stream().filter(r -> domainOf(r).equals(d)).toList()));
        }
        out.put("shots", shots);
        List<Plot> domains = new ArrayList<>();
        for (int s : new TreeSet<>(results.stream().map(ResultsRow::shots).toList())) domains.add(domains(s, results));
        out.put("domains", domains);
        out.put("forgetting", forgetting(history.curricula()));
        return out;
    }

    static String domainOf(ResultsRow r) {
        return r.domain() == null ? "target" : r.domain();
    }

    static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }

    private static List<String> methods(List<ResultsRow> rows) {
        return new ArrayList<>(new LinkedHashSet<>(rows.stream().map(ResultsRow::method).toList()));
    }

    private static String shotList(List<ResultsRow> rows) {
        Set<Integer> s = new TreeSet<>(rows.stream().map(ResultsRow::shots).toList());
        return String.join(", ", s.stream().map(String::valueOf).toList());
    }

    private static void events(XYChart c, RunHistory.Curriculum cur, String kind, String label, org.knowm.xchart.style.markers.Marker marker, Color color) {
        Predicate<RunHistory.ElasticEvent> of = e -> e.kind().equals(kind);
        List<RunHistory.ElasticEvent> es = cur.events().stream().filter(of).toList();
        if (es.isEmpty()) return;
        double[] x = new double[es.size()], y = new double[es.size()];
        for (int i = 0; i < es.size(); i++) {
            x[i] = es.get(i).globalStep();
            y[i] = rateAt(cur.learningRate(), x[i]);
        }
        XYSeries s = c.addSeries(label, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(marker).setMarkerColor(color);
        s.setYAxisGroup(1);
    }

    /** The rate in force at global step {@code x} (the last trace point at or before it). */
    private static double rateAt(List<RunHistory.Point> trace, double x) {
        double v = trace.isEmpty() ? 0 : trace.get(0).y();
        for (RunHistory.Point p : trace) if (p.x() <= x) v = p.y();
        return v;
    }

    private static XYChart xy(int w, int h, String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(w).height(h).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setMarkerSize(7);
        return c;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setSeriesColors(PALETTE);
        s.setAntiAlias(true);
    }

    private static XYSeries line(XYChart c, String name, List<RunHistory.Point> pts, int axisGroup) {
        if (pts.isEmpty()) return null;
        double[] x = new double[pts.size()], y = new double[pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            x[i] = pts.get(i).x();
            y[i] = pts.get(i).y();
        }
        XYSeries s = c.addSeries(name, x, y);
        s.setLineStyle(SeriesLines.SOLID);
        s.setMarker(pts.size() <= 40 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setYAxisGroup(axisGroup);
        return s;
    }

    private static Plot plot(String file, String title, String caption, Chart<?, ?> chart, int w, int h) {
        try {
            return new Plot(file, title, caption, w, h, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot draw " + file + ": " + e.getMessage(), e);
        }
    }
}
