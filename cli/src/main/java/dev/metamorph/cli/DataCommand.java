package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph data}. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Imports data sets and shows their statistics.")
public final class DataCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph data: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
