package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph run}. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Runs the main job on the composed config.")
public final class RunCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph run: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
