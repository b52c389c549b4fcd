package dev.metamorph.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code metamorph render}. */
@Command(name = "render", mixinStandardHelpOptions = true, description = "Renders prompts for sample records of a domain.")
public final class RenderCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("metamorph render: not built yet in this version");
        return ExitCodes.FAILURE;
    }
}
