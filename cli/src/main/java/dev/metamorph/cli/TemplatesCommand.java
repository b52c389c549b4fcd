package dev.metamorph.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code metamorph templates}: lists and checks prompt templates. */
@Command(name = "templates", mixinStandardHelpOptions = true, description = "Lists and checks prompt templates.",
        subcommands = {TemplatesLintCommand.class, TemplatesListCommand.class, TemplatesBenchCommand.class})
public final class TemplatesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
