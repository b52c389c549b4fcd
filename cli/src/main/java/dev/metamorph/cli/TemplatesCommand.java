package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph templates}. */
@Command(name = "templates", mixinStandardHelpOptions = true, description = "Checks prompt templates.")
public final class TemplatesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph templates: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
