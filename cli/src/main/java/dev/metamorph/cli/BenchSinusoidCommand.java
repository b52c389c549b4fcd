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
 * 10 adaptation steps on 600 fixed test tasks, whole-run throughput (tasks/s and tasks per
 * process CPU-second), and the peak memory of exact second order for 1, 10 and 50 inner steps.
 * With {@code --peer}, maml and fomaml alternate with the PyTorch peer's run of the same algorithm
 * ({@code --rounds} times: ours, peer, ours, peer), the peer running with as many threads as our
 * kernel workers on the same protocol and the same test tasks ({@link SinusoidPeer}); a comparison
 * line gives the same-run ratios.
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

    @Option(names = "--peer", description = "PyTorch peer script to run in the same benchmark, e.g. /work/shared/peers/torch_maml_sinusoid.py (run with /usr/bin/python3, "
            + "with as many threads as our kernel workers, on the same protocol and test tasks; maml and fomaml alternate with it, see --rounds).")
    Path peer;

    @Option(names = "--skip-memory", description = "Skip the peak-memory measurement of exact second order for 1, 10 and 50 inner steps (child JVMs).")
    boolean skipMemory;

    @Option(names = "--rounds", description = "With --peer: runs of maml and fomaml, each followed by the peer's run of the same algorithm (ours, peer, ours, peer...) (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int rounds;

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
        int workers = base.threads() > 0 ? base.threads() : Runtime.getRuntime().availableProcessors();
        SinusoidPeer peerRunner = null;
        if (peer != null) {
            if (!Files.isRegularFile(peer)) throw new ExitCodes.UserError("--peer: no such script " + peer);
            if (rounds < 1) throw new ExitCodes.UserError("--rounds must be >= 1, got " + rounds);
            Path tasksFile = Files.createTempFile("metamorph-sinusoid-test-tasks", ".jsonl");
            tasksFile.toFile().deleteOnExit();
            SinusoidPeer.writeTestTasks(tasksFile, SinusoidBenchmark.testTaskList(testTasks, base.sinusoid().support()));
            peerRunner = new SinusoidPeer(peer, tasksFile);
        }
        if (!json) {
            System.out.printf("Sinusoid benchmark (BENCHMARKS.md 1): MLP %s ReLU, K=%d support/%d query, meta-batch %d, alpha %.3g, Adam %.3g, %d iterations, seed %d%n",
                    base.sinusoid().sizes(), base.sinusoid().support(), base.sinusoid().query(), base.metaBatch(), base.innerLr(), base.metaLr(), base.iterations(), seed);
            System.out.printf("machine: %d cores, %s %s, backend %s, threads %d, dtype DOUBLE, OMP_NUM_THREADS=%s; test: %d tasks (seed %d), MSE on %d grid points%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"), base.backend().key(), workers,
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), testTasks, SinusoidBenchmark.TEST_SEED, SinusoidBenchmark.GRID);
            if (peerRunner != null) System.out.printf("peer: %s with --threads %d (OMP_NUM_THREADS=%d), the same protocol and the same %d test tasks; maml and fomaml alternate with it, %d rounds%n",
                    peer, workers, workers, testTasks, rounds);
            System.out.printf("%-14s %5s %7s %10s %10s %10s %14s %6s %20s %34s%n", "algorithm", "round", "threads", "iterations", "seconds", "tasks/s", "tasks/CPU-s", "load", "MSE 1 step", "MSE 10 steps");
        }
        for (MetaAlgorithm a : algs) {
            boolean paired = peerRunner != null && (a == MetaAlgorithm.MAML || a == MetaAlgorithm.FOMAML);
            List<double[]> pairs = new ArrayList<>();
            int peerThreads = -1;
            for (int round = 1; round <= (paired ? rounds : 1); round++) {
                SinusoidBenchmark.Result r = SinusoidBenchmark.run(base.withAlgorithm(a), new SeedSequence(seed), testTasks, m -> {}, !noProgress && !json);
                double ours = r.tasksPerSecond(), oursCpu = r.iterations() * base.metaBatch() / r.cpuSeconds();
                printOurs(a, paired ? round : 0, workers, base, r, oursCpu);
                if (!paired) continue;
                SinusoidPeer.Result pr;
                try {
                    pr = peerRunner.run(base, a, seed, workers);
                } catch (java.io.IOException e) {
                    System.out.println(json ? JSON.writeValueAsString(Map.of("algorithm", "pytorch-" + a.key(), "round", round, "error", e.getMessage())) : "pytorch peer failed: " + e.getMessage());
                    break;
                }
                peerThreads = pr.threads();
                printPeer(a, round, pr);
                pairs.add(new double[] {ours, pr.tasksPerSecond(), oursCpu, pr.tasksPerCpuSecond()});
            }
            if (!pairs.isEmpty()) printComparison(a, workers, peerThreads, pairs);
            System.out.flush();
        }
        if (!skipMemory) measureMemory();
        return ExitCodes.OK;
    }

    private static double round(double v, double scale) {
        return Math.round(v * scale) / scale;
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private void printOurs(MetaAlgorithm a, int round, int workers, MamlConfig base, SinusoidBenchmark.Result r, double tasksPerCpuSecond) throws Exception {
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("algorithm", a.key());
            if (round > 0) o.put("round", round);
            o.put("threads", workers);
            o.put("iterations", r.iterations());
            o.put("meta_batch", base.metaBatch());
            o.put("train_seconds", round(r.seconds(), 1000));
            o.put("tasks_per_s", round(r.tasksPerSecond(), 10));
            o.put("cpu_seconds", round(r.cpuSeconds(), 1000));
            o.put("tasks_per_cpu_s", round(tasksPerCpuSecond, 10));
            o.put("load_average", round(loadAverage(), 100));
            o.put("mse_1step", r.mse1().asPair());
            o.put("mse_10step", r.mse10().asPair());
            if (r.mse1().diverged() + r.mse10().diverged() > 0) o.put("diverged_tasks", List.of(r.mse1().diverged(), r.mse10().diverged()));
            o.put("test_tasks", testTasks);
            o.put("backend", base.backend().key());
            System.out.println(JSON.writeValueAsString(o));
        } else {
            System.out.printf("%-14s %5s %7d %10d %10.2f %10.1f %14.1f %6.2f %20s %34s%n", a.key(), round > 0 ? Integer.toString(round) : "-", workers, r.iterations(), r.seconds(), r.tasksPerSecond(),
                    tasksPerCpuSecond, loadAverage(), r.mse1(), r.mse10());
        }
        System.out.flush();
    }

    private void printPeer(MetaAlgorithm a, int round, SinusoidPeer.Result pr) throws Exception {
        Map<String, Object> f = pr.figures();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("algorithm", "pytorch-" + a.key());
            o.put("round", round);
            o.putAll(f);
            o.put("cpu_seconds", round(pr.cpuSeconds(), 1000));
            o.put("cpu_span", pr.cpuSpan());
            o.put("process_cpu_seconds", round(pr.processCpuSeconds(), 1000));
            o.put("tasks_per_cpu_s", round(pr.tasksPerCpuSecond(), 10));
            o.put("load_average", round(loadAverage(), 100));
            System.out.println(JSON.writeValueAsString(o));
        } else {
            System.out.printf("%-14s %5d %7d %10s %10s %10.1f %14.1f %6.2f %20s %34s   (%s; CPU over %s)%n", "pytorch-" + a.key(), round, pr.threads(), f.get("iterations"), f.get("train_seconds"),
                    pr.tasksPerSecond(), pr.tasksPerCpuSecond(), loadAverage(), pair(f.get("mse_1step")), pair(f.get("mse_10step")), f.get("peer"), pr.cpuSpan());
        }
        System.out.flush();
    }

    private static String pair(Object meanCi) {
        return meanCi instanceof List<?> l && l.size() == 2 ? String.format("%.4f +- %.4f", ((Number) l.get(0)).doubleValue(), ((Number) l.get(1)).doubleValue()) : String.valueOf(meanCi);
    }

    /**
     * The same-run ratios (ours / peer) of tasks/s and tasks per CPU-second: per round, and from the
     * means over rounds (the headline).
     */
    private void printComparison(MetaAlgorithm a, int ours, int peerThreads, List<double[]> pairs) throws Exception {
        double[] mean = new double[4];
        List<Double> perRound = new ArrayList<>();
        for (double[] p : pairs) {
            for (int i = 0; i < 4; i++) mean[i] += p[i] / pairs.size();
            perRound.add(round(p[0] / p[1], 100));
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("comparison", a.key());
            o.put("rounds", pairs.size());
            o.put("threads", Map.of("ours", ours, "peer", peerThreads));
            o.put("threads_equal", ours == peerThreads);
            o.put("tasks_per_s", Map.of("ours", round(mean[0], 10), "peer", round(mean[1], 10)));
            o.put("tasks_per_cpu_s", Map.of("ours", round(mean[2], 10), "peer", round(mean[3], 10)));
            o.put("ratio_tasks_per_s", round(mean[0] / mean[1], 100));
            o.put("ratio_tasks_per_s_per_round", perRound);
            o.put("ratio_tasks_per_cpu_s", round(mean[2] / mean[3], 100));
            o.put("test_tasks", testTasks);
            o.put("load_average", round(loadAverage(), 100));
            System.out.println(JSON.writeValueAsString(o));
        } else {
            System.out.printf("same-run ratio %s, ours / pytorch over %d rounds (threads %d vs %d): %.2fx tasks/s (per round %s), %.2fx tasks per CPU-second; load %.2f%n",
                    a.key(), pairs.size(), ours, peerThreads, mean[0] / mean[1], perRound, mean[2] / mean[3], loadAverage());
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
