package dev.metamorph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.SeedSequence;
import dev.metamorph.maml.Backend;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.maml.SecondOrderMode;
import dev.metamorph.pipeline.sinusoid.SecondOrderMemoryProbe;
import dev.metamorph.pipeline.sinusoid.SinusoidBenchmark;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph bench sinusoid}: BENCHMARKS.md section 1. Meta-trains MAML, FOMAML, Reptile,
 * Meta-SGD and the pretrained baseline on sinusoid tasks, then reports MSE +- 95% CI after 1 and
 * 10 adaptation steps on 600 fixed test tasks, whole-run throughput, the PyTorch peer's figures
 * from the same run (when its script is given), and the peak memory of exact second order for
 * 1, 10 and 50 inner steps.
 */
@Command(name = "sinusoid", mixinStandardHelpOptions = true, description = "Benchmark: MAML and variants on sinusoid regression (BENCHMARKS.md section 1).")
public final class BenchSinusoidCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ConfigOptions config;

    @Option(names = "--iterations", description = "Meta-iterations per algorithm (default: maml.iterations, 10000 in reference.conf).")
    Long iterations;

    @Option(names = "--json", description = "Print one JSON object per line and algorithm.")
    boolean json;

    @Option(names = "--algorithms", split = ",", description = "Algorithms to run (default: ${DEFAULT-VALUE}).", defaultValue = "maml,fomaml,reptile,meta-sgd,pretrain")
    List<String> algorithms;

    @Option(names = "--seed", description = "Training seed (test tasks always use seed " + SinusoidBenchmark.TEST_SEED + ").", defaultValue = "0")
    long seed;

    @Option(names = "--test-tasks", description = "Number of test tasks (default: ${DEFAULT-VALUE}).", defaultValue = "600")
    int testTasks;

    @Option(names = "--backend", description = "auto | kernel | samediff (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String backend;

    @Option(names = "--peer", description = "PyTorch peer script to run in the same benchmark, e.g. /work/shared/peers/torch_maml_sinusoid.py (run with /usr/bin/python3).")
    Path peer;

    @Option(names = "--skip-memory", description = "Skip the peak-memory measurement of exact second order for 1, 10 and 50 inner steps (child JVMs).")
    boolean skipMemory;

    @Option(names = "--no-progress", description = "Hide the progress bar.")
    boolean noProgress;

    @Option(names = "--threads", description = "Kernel worker threads (default: maml.threads; 0 = one per core).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        MamlConfig base;
        try {
            base = MamlConfig.from(sinusoidConfig(config));
            if (iterations != null) base = base.withIterations(iterations);
            base = base.withBackend(Backend.fromKey(backend)).withSchedule(0, 0);
            if (threads != null) base = base.withThreads(threads);
        } catch (ExitCodes.UserError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        List<MetaAlgorithm> algs = new ArrayList<>();
        for (String a : algorithms) {
            try {
                algs.add(MetaAlgorithm.fromKey(a));
            } catch (IllegalArgumentException e) {
                throw new ExitCodes.UserError("--algorithms: " + e.getMessage());
            }
        }
        if (!json) {
            System.out.printf("Sinusoid benchmark (BENCHMARKS.md 1): MLP %s ReLU, K=%d support/%d query, meta-batch %d, alpha %.3g, Adam %.3g, %d iterations, seed %d%n",
                    base.sinusoid().sizes(), base.sinusoid().support(), base.sinusoid().query(), base.metaBatch(), base.innerLr(), base.metaLr(), base.iterations(), seed);
            System.out.printf("machine: %d cores, %s %s, backend %s, threads %s, dtype DOUBLE, OMP_NUM_THREADS=%s; test: %d tasks (seed %d), MSE on %d grid points%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"), base.backend().key(), base.threads() == 0 ? "auto" : base.threads(),
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), testTasks, SinusoidBenchmark.TEST_SEED, SinusoidBenchmark.GRID);
            System.out.printf("%-10s %10s %10s %10s %14s %6s %20s %34s%n", "algorithm", "iterations", "seconds", "tasks/s", "tasks/CPU-s", "load", "MSE 1 step", "MSE 10 steps");
        }
        for (MetaAlgorithm a : algs) {
            SinusoidBenchmark.Result r = SinusoidBenchmark.run(base.withAlgorithm(a), new SeedSequence(seed), testTasks, m -> {}, !noProgress && !json);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("algorithm", a.key());
                o.put("iterations", r.iterations());
                o.put("meta_batch", base.metaBatch());
                o.put("train_seconds", Math.round(r.seconds() * 1000) / 1000.0);
                o.put("tasks_per_s", Math.round(r.tasksPerSecond() * 10) / 10.0);
                o.put("cpu_seconds", Math.round(r.cpuSeconds() * 1000) / 1000.0);
                o.put("tasks_per_cpu_s", Math.round(r.iterations() * base.metaBatch() / r.cpuSeconds() * 10) / 10.0);
                o.put("load_average", Math.round(java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0);
                o.put("mse_1step", r.mse1().asPair());
                o.put("mse_10step", r.mse10().asPair());
                if (r.mse1().diverged() + r.mse10().diverged() > 0) o.put("diverged_tasks", List.of(r.mse1().diverged(), r.mse10().diverged()));
                o.put("backend", base.backend().key());
                System.out.println(JSON.writeValueAsString(o));
            } else {
                System.out.printf("%-10s %10d %10.2f %10.1f %14.1f %6.2f %20s %34s%n", a.key(), r.iterations(), r.seconds(), r.tasksPerSecond(),
                        r.iterations() * base.metaBatch() / r.cpuSeconds(), java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), r.mse1(), r.mse10());
            }
            System.out.flush();
        }
        if (peer != null) runPeer(base.iterations());
        if (!skipMemory) measureMemory();
        return ExitCodes.OK;
    }

    private void runPeer(long peerIterations) throws Exception {
        if (!Files.isRegularFile(peer)) throw new ExitCodes.UserError("--peer: no such script " + peer);
        Process p = new ProcessBuilder("/usr/bin/python3", peer.toString(), "--iterations", Long.toString(peerIterations), "--seed", Long.toString(seed))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) last = line;
        }
        int rc = p.waitFor();
        if (rc != 0 || last == null) {
            System.out.println(json ? "{\"algorithm\":\"pytorch-peer\",\"error\":\"exit " + rc + "\"}" : "pytorch peer failed with exit code " + rc + " (is python3-torch installed?)");
            return;
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>(JSON.readValue(last, Map.class));
            o.put("algorithm", "pytorch-maml");
            System.out.println(JSON.writeValueAsString(o));
        } else {
            System.out.println("pytorch peer (same run): " + last);
        }
    }

    private void measureMemory() throws Exception {
        if (!json) System.out.println("Peak memory of exact second-order MAML vs inner steps (one child JVM each, -Xmx512m; RSS = VmHWM, off-heap = JavaCPP peak, state = bytes the engine keeps):");
        for (String mode : List.of("kernel", "samediff-reverse-hvp", "samediff-unrolled")) {
            for (int k : new int[] {1, 10, 50}) {
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-Xmn32m", "-XX:+UseParallelGC",
                        "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-Dorg.bytedeco.javacpp.maxbytes=0", "-cp", System.getProperty("java.class.path"),
                        SecondOrderMemoryProbe.class.getName(), mode, Integer.toString(k)));
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String last = null;
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) last = line;
                }
                int rc = p.waitFor();
                if (rc != 0 || last == null || !last.startsWith("{")) {
                    System.out.println(json ? "{\"memory\":\"" + mode + "\",\"inner_steps\":" + k + ",\"error\":\"exit " + rc + "\"}" : "  " + mode + " K=" + k + ": probe failed (exit " + rc + ")");
                    continue;
                }
                if (json) {
                    System.out.println(last);
                } else {
                    Map<?, ?> m = JSON.readValue(last, Map.class);
                    System.out.printf("  %-22s K=%-3d peak RSS %7.1f MiB   off-heap peak %8.2f MiB   state %8.3f MiB   %6.1f ms/meta-gradient%n", mode, k,
                            ((Number) m.get("peak_rss_bytes")).doubleValue() / (1 << 20), ((Number) m.get("offheap_peak_bytes")).doubleValue() / (1 << 20),
                            ((Number) m.get("state_bytes")).doubleValue() / (1 << 20), ((Number) m.get("ms_per_meta_gradient")).doubleValue());
                }
                System.out.flush();
            }
        }
    }

    /**
     * The composed config with the {@code maml=sinusoid} option (the protocol of BENCHMARKS.md 1)
     * unless the overrides choose a maml option themselves.
     */
    static com.typesafe.config.Config sinusoidConfig(ConfigOptions options) {
        java.util.List<String> overrides = new java.util.ArrayList<>(options.overrides());
        if (overrides.stream().noneMatch(o -> o.startsWith("maml="))) overrides.add(0, "maml=sinusoid");
        try {
            return options.composer().compose(overrides).config();
        } catch (dev.metamorph.core.config.ConfigError e) {
            throw ConfigOptions.userError(e);
        }
    }
}
