package dev.metamorph.cli;

import dev.metamorph.report.RunReport;
import dev.metamorph.report.SweepReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code metamorph report DIR}: rebuilds a run folder's {@code report/report.html} and
 * {@code report.md} (and their plots) from its {@code metrics.jsonl} and {@code results.json}, for
 * example after a template change; for a multirun sweep folder, every job's report and a comparison
 * page across the jobs ({@code report/comparison.html}). Reads and writes files only: no data, no model.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Rebuilds the report of a run folder (report/report.html, report.md, plots/) from its metrics.jsonl and results.json;",
            "for a multirun sweep folder (it holds sweep.json), every job's report and report/comparison.html across the jobs."})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A run folder (outputs/<date>/<time>) or a sweep folder (multirun/<date>/<time>).")
    Path dir;

    @CommandLine.Mixin
    RunFolderOptions folder;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path d = RunFolderOptions.resolve(dir);
        var out = spec.commandLine().getOut();
        if (SweepReport.isSweep(d)) {
            SweepReport.Written w = SweepReport.write(d);
            for (RunReport.Written j : w.jobs()) out.println("job report: " + j.html());
            out.println("comparison: " + w.html());
            out.println("comparison: " + w.markdown());
        } else {
            RunReport.Written w = RunReport.write(d);
            out.println("report: " + w.html());
            out.println("report: " + w.markdown());
            out.println("plots: " + w.plots().size() + " in " + w.html().resolveSibling("plots"));
        }
        out.flush();
        return ExitCodes.OK;
    }
}
