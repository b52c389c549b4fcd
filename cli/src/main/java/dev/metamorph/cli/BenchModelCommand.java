package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph bench model}. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Benchmark: model.")
public final class BenchModelCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph bench model: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
