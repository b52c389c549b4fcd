package dev.metamorph.cli;

import dev.metamorph.maml.MetaTrainingLoop;
import dev.metamorph.pipeline.CurriculumStage;
import dev.metamorph.pipeline.JobListener;
import dev.metamorph.pipeline.MetaTrainingStage;
import dev.metamorph.pipeline.StageTimes;
import dev.metamorph.report.ResultsTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Prints a job's progress to the command's output: one line per stage result and evaluation row;
 * at the end a closing summary: the results table (best row of each setting marked, floors
 * labelled), the stage times, and the paths of the report, the saved models and any exported adapters.
 */
final class ConsoleJobListener implements JobListener {
    private final PrintWriter out;
    private final List<EvalRow> rows = new ArrayList<>();
    private final List<Path> models = new ArrayList<>();
    private final List<Path> adapters = new ArrayList<>();
    private Path html, markdown;

    ConsoleJobListener(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void imported(List<String> domains) {
        out.println("imported: " + String.join(", ", domains));
        out.flush();
    }

    @Override
    public void metaTrained(MetaTrainingStage.Result trained) {
        MetaTrainingLoop.Result tr = trained.training();
        String kept = "last".equals(tr.selectedMetric()) ? "the last step's theta"
                : String.format(Locale.ROOT, "theta of step %d (best %s %.4f)", tr.selectedStep(), tr.selectedMetric(), tr.selectedValue());
        out.printf(Locale.ROOT, "meta-trained %d steps in %.0f s (%.1f tasks/s), last query loss %.4f; kept %s; theta_0 saved to %s%n", tr.steps(),
                tr.seconds(), tr.tasksPerSecond(), tr.lastLoss(), kept, trained.modelFile());
        models.add(trained.modelFile());
        out.flush();
    }

    @Override
    public void curriculumSkipped(String reason) {
        out.println("curriculum: skipped (" + reason + ")");
    }

    @Override
    public void curriculumAdapted(String target, CurriculumStage.Result c) {
        var r = c.curriculum();
        out.printf(Locale.ROOT, "curriculum %s: %d stages, %d rollbacks; target loss on report episodes %.4f -> %.4f (selection episodes %.4f -> %.4f); source val loss %.4f -> %.4f (forgetting %+.4f); saved to %s%n",
                target, r.stages().size(), r.rollbacks(), r.targetReportLossBefore(), r.targetReportLossAfter(), r.targetLossBefore(), r.targetLossAfter(),
                r.baseLossBefore(), r.baseLossAfter(), r.forgetting(), c.modelFile());
        models.add(c.modelFile());
        out.flush();
    }

    @Override
    public void evaluated(EvalRow row) {
        rows.add(row);
        out.printf(Locale.ROOT, "%-40s %-8s %d-way %d-shot  accuracy %s  macro-F1 %s  (%d episodes)%n", row.method(), row.domain(), row.ways(), row.shots(),
                row.scores().accuracy().asPercent(), row.scores().macroF1().asPercent(), row.scores().episodes());
        out.flush();
    }

    @Override
    public void reportWritten(Path summary) {
        out.println("report: " + summary);
    }

    @Override
    public void reportBuilt(Path html, Path markdown) {
        this.html = html;
        this.markdown = markdown;
    }

    @Override
    public void exported(String domain, dev.metamorph.pipeline.export.AdapterExport.Result r) {
        out.println(ExportCommand.describe(domain, r));
        adapters.add(r.bundle());
    }

    @Override
    public void finished(StageTimes times) {
        if (!rows.isEmpty()) {
            Map<String, Double> best = new HashMap<>();
            for (EvalRow r : rows) best.merge(setting(r), r.scores().accuracy().mean(), Math::max);
            out.println();
            out.println("results (mean over episodes +- 95% CI; * best of its setting):");
            out.printf(Locale.ROOT, "  %-24s %-34s %-9s %-14s %-16s %-16s%n", "method", "kind", "domain", "setting", "accuracy", "macro-F1");
            for (EvalRow r : rows) {
                boolean isBest = r.scores().accuracy().mean() == best.get(setting(r));
                out.printf(Locale.ROOT, "%s %-24s %-34s %-9s %-14s %-16s %-16s%n", isBest ? "*" : " ", r.method(), ResultsTable.kind(r.method()), r.domain(),
                        r.ways() + "-way " + r.shots() + "-shot", r.scores().accuracy().asPercent(), r.scores().macroF1().asPercent());
            }
        }
        out.println("stage times: " + times);
        if (html != null) {
            out.println("report: " + html);
            out.println("report (Markdown): " + markdown);
        }
        for (Path m : models) out.println("model: " + m);
        for (Path a : adapters) out.println("adapter: " + a);
        out.flush();
    }

    private static String setting(EvalRow r) {
        return r.domain() + "/" + r.ways() + "/" + r.shots();
    }
}
