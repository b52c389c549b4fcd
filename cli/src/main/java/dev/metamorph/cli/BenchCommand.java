package dev.metamorph.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code metamorph bench}: benchmarks that print their protocol, machine and figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (model speed, frozen base speed, sinusoid MAML, Spark scale-out, inference server, external memory).",
        subcommands = {BenchModelCommand.class, BenchBaseCommand.class, BenchSinusoidCommand.class, BenchSparkCommand.class, BenchServeCommand.class, BenchMemoryCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
