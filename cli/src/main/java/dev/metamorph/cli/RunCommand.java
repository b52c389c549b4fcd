package dev.metamorph.cli;

import dev.metamorph.pipeline.MainJob;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code metamorph run}: the main job ({@link MainJob} in the pipeline module) on the composed
 * config. Imports the data if missing, meta-trains on the source domains, adapts to the target
 * with the curriculum, and reports few-shot accuracy with 95% confidence intervals on the target
 * domain, beside the TF-IDF floor, in the run folder; prints each stage's wall time at the end.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the main job: import data if missing, meta-train on the source domains, evaluate few-shot on the target domain.",
            "Writes config.resolved.conf, overrides.txt, provenance.json, metrics.jsonl, checkpoints/ and report/ in a new run folder."})
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return config.launch(MainJob::checkConfig, run -> {
            new MainJob(run, new ConsoleJobListener(spec.commandLine().getOut()), DataProgressBar.forConsole(), System.console() != null).run();
            return ExitCodes.OK;
        });
    }
}
