package dev.metamorph.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code metamorph maml}: MAML tools. */
@Command(name = "maml", mixinStandardHelpOptions = true, description = "MAML tools (meta-gradient check).", subcommands = {MamlCheckCommand.class})
public final class MamlCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
