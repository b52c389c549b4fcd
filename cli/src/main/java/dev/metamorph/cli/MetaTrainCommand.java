package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph meta-train}. */
@Command(name = "meta-train", mixinStandardHelpOptions = true, description = "Meta-trains the model on the source domains.")
public final class MetaTrainCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph meta-train: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
