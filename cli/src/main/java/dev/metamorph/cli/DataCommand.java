package dev.metamorph.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code metamorph data}: imports the definition domains and shows their statistics and class splits. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Imports data sets (WordNet, FOLDOC, GCIDE) and shows their statistics.",
        subcommands = {DataImportCommand.class, DataStatsCommand.class, DataSplitsCommand.class})
public final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
