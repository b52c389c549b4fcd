package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph config}. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Shows the composed configuration and its groups.")
public final class ConfigCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph config: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
