package dev.metamorph.cli;

import dev.metamorph.core.config.Composition;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.config.ConfigError;
import dev.metamorph.core.run.JobLauncher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The picocli mixin for commands that run on the composed configuration
 * ({@code @Mixin ConfigOptions config;}): Hydra-style overrides as positional arguments,
 * {@code -m/--multirun}, {@code --config-dir} and {@code --verbose}. A command calls
 * {@link #compose()} for the config alone, or {@link #launch(JobLauncher.JobBody)} to run its body
 * once per job in a run folder; configuration errors become {@link ExitCodes.UserError} (exit 2,
 * no stack trace unless {@code --verbose}).
 */
public final class ConfigOptions {
    @Parameters(paramLabel = "OVERRIDE", arity = "0..*",
            description = {"Overrides in Hydra's grammar: key=value (key must exist), +key=value (add), ++key=value (add or replace),",
                "~key[=value] (delete), group=option (e.g. maml=fomaml), experiment=name.",
                "Values: 1, 1e-3, true, null, text, 'quoted \\n', [a,b], {a:1}, $${other.key}.",
                "With -m: key=a,b,c, key=range(start,stop[,step]), key=choice(a,b)."})
    List<String> overrides = new ArrayList<>();

    @Option(names = {"-m", "--multirun"}, description = "Run one job per combination of the swept values, in numbered folders of run.multirun-dir.")
    boolean multirun;

    @Option(names = "--config-dir", paramLabel = "DIR",
            description = "Folder holding config.conf and the group folders (default: configs under the project root).")
    Path configDir;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    /** The overrides exactly as typed. */
    public List<String> overrides() {
        return List.copyOf(overrides);
    }

    public boolean multirun() {
        return multirun;
    }

    /** The composer for the project root ({@code -Dmetamorph.root}, else the working directory) and config folder. */
    public ConfigComposer composer() {
        Path root = ConfigComposer.projectRoot();
        return new ConfigComposer(root, configDir == null ? Path.of("configs") : configDir,
                com.typesafe.config.ConfigFactory.defaultReferenceUnresolved());
    }

    /** Composes the config with the overrides (no sweeps allowed). */
    public Composition compose() {
        try {
            return composer().compose(overrides());
        } catch (ConfigError e) {
            throw userError(e);
        }
    }

    /** Runs {@code body} in a run folder, or once per job with {@code -m}; returns the exit code. */
    public int launch(JobLauncher.JobBody body) throws Exception {
        return launch(JobLauncher.ConfigCheck.NONE, body);
    }

    /** As {@link #launch(JobLauncher.JobBody)}, with each job's config checked before its run folder is made. */
    public int launch(JobLauncher.ConfigCheck check, JobLauncher.JobBody body) throws Exception {
        try {
            return new JobLauncher(composer()).launch(overrides(), multirun, check, body).exitCode();
        } catch (ConfigError e) {
            throw userError(e);
        }
    }

    /** A configuration error as the CLI reports it: exit code 2, the message without a stack trace. */
    public static ExitCodes.UserError userError(ConfigError e) {
        return new ExitCodes.UserError(e.getMessage(), e);
    }
}
