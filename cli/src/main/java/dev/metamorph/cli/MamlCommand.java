package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph maml}. */
@Command(name = "maml", mixinStandardHelpOptions = true, description = "MAML tools (meta-gradient check).")
public final class MamlCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph maml: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
