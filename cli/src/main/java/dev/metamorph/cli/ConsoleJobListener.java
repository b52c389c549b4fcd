package dev.metamorph.cli;

import dev.metamorph.maml.MetaTrainingLoop;
import dev.metamorph.pipeline.CurriculumStage;
import dev.metamorph.pipeline.JobListener;
import dev.metamorph.pipeline.MetaTrainingStage;
import dev.metamorph.pipeline.StageTimes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Prints a job's progress to the command's output: one line per stage result and evaluation row, the stage times at the end. */
final class ConsoleJobListener implements JobListener {
    private final PrintWriter out;

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
        out.flush();
    }

    @Override
    public void evaluated(EvalRow row) {
        out.printf(Locale.ROOT, "%-40s %-8s %d-way %d-shot  accuracy %s  macro-F1 %s  (%d episodes)%n", row.method(), row.domain(), row.ways(), row.shots(),
                row.scores().accuracy().asPercent(), row.scores().macroF1().asPercent(), row.scores().episodes());
        out.flush();
    }

    @Override
    public void reportWritten(Path summary) {
        out.println("report: " + summary);
    }

    @Override
    public void exported(String domain, dev.metamorph.pipeline.export.AdapterExport.Result r) {
        out.println(ExportCommand.describe(domain, r));
    }

    @Override
    public void finished(StageTimes times) {
        out.println("stage times: " + times);
        out.flush();
    }
}
