package dev.metamorph.cli;

import dev.metamorph.pipeline.AdaptJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph adapt --from RUN_DIR|theta0.zip --domain D [overrides]}: the curriculum alone on
 * a saved theta_0 ({@link AdaptJob}): adapts it to domain D, evaluates it on D's held-out classes
 * beside the floors, and writes the report, in a new run folder.
 */
@Command(name = "adapt", mixinStandardHelpOptions = true,
        description = {"Adapts a saved theta_0 to one domain with the curriculum (curriculum.*), evaluates it there beside the floors,",
            "and writes the report (report/report.html) and model/adapted-<domain>.zip in a new run folder."})
public final class AdaptCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--from", required = true, paramLabel = "RUN_DIR|FILE", description = "A run folder of ./metamorph run (its model/theta0.zip) or a saved model .zip.")
    Path from;

    @Option(names = "--domain", required = true, paramLabel = "D",
            description = "The domain to adapt to: its data in dataset.cache-dir (or an importer in dataset.importers) and templates/<D>/ (README: Adding a domain).")
    String domain;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path f = from.isAbsolute() || Files.exists(from) ? from : Path.of(System.getProperty("metamorph.root", ".")).resolve(from);
        Path model = AdaptJob.modelFile(f.normalize());
        return config.launch(run -> {
            new AdaptJob(run, new ConsoleJobListener(spec.commandLine().getOut()), DataProgressBar.forConsole()).adapt(model, domain);
            return ExitCodes.OK;
        });
    }
}
