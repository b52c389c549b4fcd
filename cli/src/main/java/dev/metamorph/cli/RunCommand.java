package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code metamorph run}: the main job on the composed config. Imports the data if missing,
 * meta-trains on the source domains, and reports few-shot accuracy with 95% confidence
 * intervals on the target domain, beside the TF-IDF floor, in the run folder.
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
        return config.launch(run -> new DefinitionsJob(run, spec.commandLine().getOut(), System.console() != null).run());
    }
}
