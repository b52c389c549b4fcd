package dev.metamorph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.config.Composition;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.spark.SparkBenchmark;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph bench spark}: meta-iterations per second of sinusoid meta-training
 * ({@code maml=sinusoid} and the overrides given) in process on one and two threads and on Spark's
 * {@code local[1]} and {@code local[2]}, the per-task cost, Spark's overhead per iteration and the
 * bytes theta's broadcast takes: the figures docs/spark.md extrapolates to N executors from.
 */
@Command(name = "spark", mixinStandardHelpOptions = true, description = "Meta-iterations/s in process vs Spark local[1], local[2]; overhead per iteration.")
public final class BenchSparkCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ConfigOptions config;

    @Option(names = "--iterations", description = "Timed meta-iterations per executor (default: ${DEFAULT-VALUE}).")
    int iterations = 100;

    @Option(names = "--warmup", description = "Untimed meta-iterations first (default: ${DEFAULT-VALUE}).")
    int warmup = 10;

    @Option(names = "--masters", split = ",", description = "Spark masters to measure (default: ${DEFAULT-VALUE}).")
    List<String> masters = List.of("local[1]", "local[2]");

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (iterations < 1 || warmup < 0) throw new ExitCodes.UserError("--iterations must be >= 1 and --warmup >= 0");
        List<String> overrides = new ArrayList<>();
        overrides.add("maml=sinusoid");
        overrides.addAll(config.overrides());
        config.overrides = overrides;
        Composition composed = config.compose();
        MamlConfig maml;
        try {
            maml = MamlConfig.from(composed.config());
        } catch (RuntimeException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        BenchModelMachine machine = BenchModelMachine.probe();
        SparkBenchmark.Result r = SparkBenchmark.run(maml, composed.config(), warmup, iterations, masters);
        String load = BenchModelMachine.probe().loadAverage();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("task", "sinusoid");
            o.put("algorithm", maml.algorithm().key());
            o.put("parameters", r.parameters());
            o.put("meta_batch", r.metaBatch());
            o.put("iterations", r.iterations());
            o.put("per_task_ms", r.perTaskMs());
            o.put("overhead_ms_per_iteration", r.overheadMsPerIteration());
            o.put("broadcast_bytes", r.broadcastBytes());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SparkBenchmark.Row row : r.rows()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("executor", row.executor());
                m.put("iterations_per_s", row.iterationsPerSecond());
                m.put("ms_per_iteration", row.msPerIteration());
                m.put("theta_sha256", row.thetaSha256());
                rows.add(m);
            }
            o.put("rows", rows);
            o.put("cpu", machine.cpu());
            o.put("cores", machine.cores());
            o.put("load_before", machine.loadAverage());
            o.put("load_after", load);
            out.println(JSON.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "sinusoid %s, %d parameters, meta-batch %d, %d timed meta-iterations after %d warm-up%n", maml.algorithm().key(), r.parameters(),
                    r.metaBatch(), r.iterations(), warmup);
            out.printf(Locale.ROOT, "%-24s %12s %14s  %s%n", "executor", "meta-it/s", "ms/iteration", "theta sha256");
            for (SparkBenchmark.Row row : r.rows()) {
                out.printf(Locale.ROOT, "%-24s %12.1f %14.2f  %s%n", row.executor(), row.iterationsPerSecond(), row.msPerIteration(), row.thetaSha256());
            }
            out.printf(Locale.ROOT, "per task (one thread, in process): %.3f ms; Spark overhead per iteration (local[1] - in-process 1 thread): %.2f ms; theta broadcast: %d bytes%n",
                    r.perTaskMs(), r.overheadMsPerIteration(), r.broadcastBytes());
            out.printf(Locale.ROOT, "cpu: %s, %d cores; load average before: %s, after: %s%n", machine.cpu(), machine.cores(), machine.loadAverage(), load);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
