package dev.metamorph.cli;

import dev.metamorph.pipeline.MainJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph eval --model FILE}: few-shot evaluation of a saved model (a run's
 * {@code model/theta0.zip}, which carries its model config and tokenizer) on the target domain,
 * with the composed {@code eval.*}, {@code task.*}, {@code dataset.*} and {@code prompts.*}
 * settings, beside the TF-IDF floor, in a new run folder.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluates a saved model few-shot on the target domain (eval.*, task.*), beside the TF-IDF floor.",
            "Writes metrics.jsonl and report/summary.md in a new run folder."})
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--model", required = true, description = "A saved model: model/theta0.zip in a run folder.")
    Path model;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // relative to the working directory, else to the project root
        Path file = model.isAbsolute() || java.nio.file.Files.exists(model) ? model : Path.of(System.getProperty("metamorph.root", ".")).resolve(model);
        return config.launch(run -> {
            new MainJob(run, new ConsoleJobListener(spec.commandLine().getOut()), DataProgressBar.forConsole(), false).evaluate(file.normalize());
            return ExitCodes.OK;
        });
    }
}
