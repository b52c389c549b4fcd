package dev.metamorph.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code metamorph} command: one subcommand per stage of the workflow. */
@Command(
        name = "metamorph",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Meta-learning domain adaptation: meta-train, adapt, evaluate, export, serve.",
        subcommands = {
            RunCommand.class,
            ExportCommand.class,
            ServeCommand.class,
            EvalCommand.class,
            ConfigCommand.class,
            DataCommand.class,
            RenderCommand.class,
            TemplatesCommand.class,
            MetaTrainCommand.class,
            MamlCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class MetamorphCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        LibraryNoiseFilter.install();
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (2 for usage and configuration errors). */
    public static int execute(String... args) {
        return ExitCodes.configure(new CommandLine(new MetamorphCommand())).execute(args);
    }
}
