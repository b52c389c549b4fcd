package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph bench sinusoid}. */
@Command(name = "sinusoid", mixinStandardHelpOptions = true, description = "Benchmark: sinusoid.")
public final class BenchSinusoidCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph bench sinusoid: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
