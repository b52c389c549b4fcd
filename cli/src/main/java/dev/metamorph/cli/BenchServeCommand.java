package dev.metamorph.cli;

import com.typesafe.config.Config;
import dev.metamorph.serving.InferenceServer;
import dev.metamorph.serving.ServeBenchmark;
import dev.metamorph.serving.ServingConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metamorph bench serve}: the inference server under load on 127.0.0.1 beside the in-process rate of the same adapter and texts. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Load benchmark of the inference server on 127.0.0.1: p50/p99 and requests/s at 1, 16 and 64 clients with dynamic batching off and on,",
            "adapter load time, memory per resident adapter, adapters per 4 GiB, and the in-process rate of the same adapter on the same texts."})
public final class BenchServeCommand implements Callable<Integer> {
    @Mixin
    ServingOptions serving;

    @Option(names = "--adapter", paramLabel = "NAME", description = "The adapter to load (default: the first bundle of the folder).")
    String adapter;

    @Option(names = "--clients", split = ",", paramLabel = "N", description = "Client counts (default 1,16,64).")
    List<Integer> clients = List.of(1, 16, 64);

    @Option(names = "--requests", paramLabel = "N", description = "Requests per client count (default 400).")
    int requests = 400;

    @Option(names = "--copies", paramLabel = "N", description = "Adapter copies loaded for the memory figure (default 8).")
    int copies = 8;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServingOptions.Composed composed = serving.compose();
        Config c = composed.config();
        Path root = composed.root();
        ServingConfig sc = composed.serving();
        if (requests < 1 || copies < 1) throw new ExitCodes.UserError("--requests and --copies must be >= 1");
        String name = adapter;
        Path folder = sc.adaptersDir();
        if (name == null) {
            try (var s = Files.list(sc.adaptersDir())) {
                name = s.map(dev.metamorph.pipeline.export.AdapterBundle::nameOf).filter(java.util.Objects::nonNull).sorted().findFirst()
                        .orElseThrow(() -> new ExitCodes.UserError("No bundle (<name>.adapter.zip) in " + folder + "; export one with `metamorph export`"));
            } catch (java.io.IOException e) {
                throw new ExitCodes.UserError("Cannot list the adapters folder " + sc.adaptersDir() + ": " + e.getMessage());
            }
        }
        InferenceServer.Base base = ServeCommand.baseOpener(c, root, sc.baseThreads()).open();
        ServeBenchmark.Result r;
        try {
            r = ServeBenchmark.run(sc, base, name, clients, requests, copies);
        } finally {
            if (base.closer() != null) base.closer().close();
        }
        PrintWriter out = spec.commandLine().getOut();
        BenchModelMachine m = BenchModelMachine.probe();
        String machine = m.cpu() + ", " + m.cores() + " cores, load average " + m.loadAverage();
        if (json) {
            out.println(r.toJson());
            return ExitCodes.OK;
        }
        out.println("machine: " + machine);
        out.printf(Locale.ROOT, "adapter %s: %d labels, %s head, load %.2f s; resident %,d bytes per adapter (heap after GC, %d copies; estimate %,d) -> %,d adapters per 4 GiB beside the base%n",
                r.adapter(), r.labels(), r.head(), r.loadSeconds(), r.residentBytesPerAdapter(), copies, r.estimatedBytesPerAdapter(), r.adaptersPer4GiB());
        out.printf(Locale.ROOT, "in-process, %d threads, one record per call: %.1f records/s; 16 per call: %.1f records/s%n", r.workers(), r.inProcessPerSecond(), r.inProcessBatch16PerSecond());
        print(out, "dynamic batching off", r.levels());
        print(out, String.format(Locale.ROOT, "dynamic batching on (max-rows %d, max-wait-ms %s)", r.batching().maxRows(), r.batching().maxWaitMs()), r.batchedLevels());
        int most = r.levels().get(r.levels().size() - 1).clients();
        out.printf(Locale.ROOT, "HTTP at %d clients / in-process (one record per call): %.2f batching off, %.2f batching on (goal >= 0.80)%n", most, r.ratioAtMostClients(), r.batchedRatioAtMostClients());
        return ExitCodes.OK;
    }

    private static void print(PrintWriter out, String title, List<ServeBenchmark.Level> levels) {
        for (ServeBenchmark.Level l : levels) {
            out.printf(Locale.ROOT, "HTTP %3d clients, %s: %.1f requests/s, p50 %.1f ms, p99 %.1f ms, %d failed of %d%n", l.clients(), title, l.requestsPerSecond(), l.p50Ms(), l.p99Ms(), l.failed(), l.requests());
        }
    }
}
