package dev.metamorph.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.model.ModelBenchmark;
import dev.metamorph.model.ModelConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code metamorph bench model}: BENCHMARKS.md section 3. Times one forward+backward
 * ({@code lossAndGradient}) of the gated-attention encoder for the default and the larger model
 * config, float and double, 1 and 2 threads, and reports tokens/s and achieved GFLOP/s against the
 * machine's peak. Each thread count runs in a child JVM with {@code OMP_NUM_THREADS} set, because
 * the OpenMP pool size is fixed when ND4J loads.
 */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Benchmark: gated-attention encoder forward+backward speed (BENCHMARKS.md section 3).")
public final class BenchModelCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json", description = "Print one JSON object per line and measurement.")
    boolean json;

    @Option(names = "--configs", split = ",", description = "Model configs: default (model/reference.conf) and options of configs/model/ (default: ${DEFAULT-VALUE}).", defaultValue = "default,large")
    List<String> configs;

    @Option(names = "--dtypes", split = ",", description = "float and/or double (default: ${DEFAULT-VALUE}).", defaultValue = "float,double")
    List<String> dtypes;

    @Option(names = "--threads", split = ",", description = "OpenMP thread counts, one child JVM each (default: ${DEFAULT-VALUE}).", defaultValue = "1,2")
    List<Integer> threads;

    @Option(names = "--batch", description = "Sequences per batch (default: ${DEFAULT-VALUE}).", defaultValue = "32")
    int batch;

    @Option(names = "--length", description = "Tokens per sequence; 0 = the config's max-length (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int length;

    @Option(names = "--tasks", description = "Tasks per task-batched call (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int tasks;

    @Option(names = "--calls", description = "Timed calls per measurement for the default config; larger configs use a third (default: ${DEFAULT-VALUE}).", defaultValue = "40")
    int calls;

    @Option(names = "--warmup", description = "Untimed calls first (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    int warmup;

    @Option(names = "--methods", split = ",", description = "Methods to time: eager (lossAndGradient: ND4J ops on preallocated buffers), graph-backward (the SameDiff graph with the backward written as ops, which exact meta-gradients differentiate), samediff-autodiff (SameDiff's own reverse pass) (default: ${DEFAULT-VALUE}).", defaultValue = "eager,graph-backward")
    List<String> methods;

    @Option(names = "--autodiff", description = "Also time SameDiff's own reverse pass (same as adding samediff-autodiff to --methods).")
    boolean autodiff;

    @Option(names = "--meta-train", description = "Also measure episodes/s of whole meta-iterations (5-way 5-shot, 15 queries per class, full-length texts) for --meta-algorithms.")
    boolean metaTrain;

    @Option(names = "--meta-algorithms", split = ",", description = "Algorithms for --meta-train, each on the engine maml.backend = auto picks (default: ${DEFAULT-VALUE}).", defaultValue = "fomaml,maml")
    List<String> metaAlgorithms;

    @Option(names = "--meta-iterations", description = "Timed meta-iterations per algorithm, after one warm-up (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int metaIterations;

    @Option(names = "--meta-batch", description = "Tasks per meta-iteration for --meta-train (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int metaBatch;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Imported data (gcide/wordnet/foldoc JSONL) whose definitions give the token ids; without it a Zipf stand-in (default: dataset.cache-dir, .cache/data).")
    Path cacheDir;

    @Option(names = "--child", hidden = true, description = "Run the measurements in this JVM (used for the per-thread-count child JVMs).")
    boolean child;

    @Override
    public Integer call() throws Exception {
        methods(); // rejects unknown names before any child JVM starts
        if (child) return runHere();
        BenchModelMachine machine = BenchModelMachine.probe();
        if (!json) {
            System.out.println("metamorph bench model");
            System.out.println("protocol: median over " + calls + " timed forward + backward calls per method (eager = lossAndGradient) after "
                    + warmup + " warm-up calls; batches of " + batch + " sequences" + (length > 0 ? " x " + length + " tokens" : " x max-length tokens")
                    + " (real definitions from the data cache when it has them, else a Zipf stand-in), random head N(0, " + ModelBenchmark.HEAD_SCALE + "), "
                    + tasks + " task(s) per call; thread CPU time is shown too (less disturbed by other processes); FLOPs = 3 x forward matmul FLOPs; "
                    + "sub% = subnormal gradient entries of one call");
            System.out.println("machine: " + machine.describe());
            System.out.println("jvm: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + "; ND4J backend: " + Nd4j.getBackend().getClass().getSimpleName());
            System.out.printf(Locale.ROOT, "%-8s %-18s %-6s %3s %5s %9s %9s %9s %11s %8s %7s %8s  %s%n", "config", "method", "dtype", "thr", "T", "ms_med", "ms_p90", "cpu_ms", "tokens/s", "GFLOP/s", "%peak", "sub%", "cpu");
        }
        boolean inputShown = false;
        for (int t : threads) {
            for (JsonNode r : runChild(t)) {
                if (!json && !inputShown && r.has("input")) {
                    System.out.println("input: " + r.get("input").asText() + "; head: " + r.get("head").asText());
                    inputShown = true;
                }
                ObjectNode o = (ObjectNode) r;
                o.put("cpu", machine.cpu());
                o.put("cpu_flags", machine.flags());
                if (o.has("episodes_per_s")) {
                    if (!o.has("load_average")) o.put("load_average", BenchModelMachine.probe().loadAverage());
                    if (json) System.out.println(JSON.writeValueAsString(o));
                    else System.out.printf(Locale.ROOT, "%-8s %-18s %-6s %3d %5d  meta-iteration %9.1f ms  %7.2f episodes/s  (meta-batch %d, %s)  %s%n", o.get("config").asText(), o.get("method").asText(),
                            o.get("dtype").asText(), t, o.get("length").asInt(), o.get("ms_per_iteration").asDouble(), o.get("episodes_per_s").asDouble(), o.get("meta_batch").asInt(), o.get("engine").asText(),
                            machine.cpuLine());
                    continue;
                }
                boolean dbl = "double".equals(o.get("dtype").asText());
                double peak = machine.peakGflops(t, dbl);
                o.put("peak_gflops", round(peak));
                o.put("pct_peak", round(100 * o.get("gflops").asDouble() / peak));
                if (!o.has("load_average")) o.put("load_average", BenchModelMachine.probe().loadAverage());
                if (json) {
                    System.out.println(JSON.writeValueAsString(o));
                } else {
                    System.out.printf(Locale.ROOT, "%-8s %-18s %-6s %3d %5d %9.1f %9.1f %9.1f %11.0f %8.2f %6.1f%% %7.3f%%  %s%n", o.get("config").asText(), o.get("method").asText(),
                            o.get("dtype").asText(), t, o.get("length").asInt(), o.get("ms_median").asDouble(), o.get("ms_p90").asDouble(), o.get("cpu_ms_median").asDouble(),
                            o.get("tokens_per_s").asDouble(), o.get("gflops").asDouble(), o.get("pct_peak").asDouble(), 100 * o.get("subnormal_fraction").asDouble(), machine.cpuLine());
                }
            }
        }
        return ExitCodes.OK;
    }

    private List<JsonNode> runChild(int t) throws IOException, InterruptedException {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBin));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MetamorphCommand.class.getName(), "bench", "model", "--child",
                "--configs", String.join(",", configs), "--dtypes", String.join(",", dtypes), "--batch", "" + batch, "--length", "" + length,
                "--tasks", "" + tasks, "--calls", "" + calls, "--warmup", "" + warmup, "--methods", String.join(",", methods),
                "--cache-dir", cacheDir().toString(), "--meta-algorithms", String.join(",", metaAlgorithms), "--meta-iterations", "" + metaIterations, "--meta-batch", "" + metaBatch));
        if (autodiff) cmd.add("--autodiff");
        if (metaTrain) cmd.add("--meta-train");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(t));
        Process p = pb.start();
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    ObjectNode o = (ObjectNode) JSON.readTree(line);
                    o.put("threads", t);
                    out.add(o);
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0) throw new IllegalStateException("The benchmark child JVM for " + t + " thread(s) exited with " + rc + "; rerun it alone with: ./metamorph bench model --child --configs "
                + String.join(",", configs) + " (and OMP_NUM_THREADS=" + t + ") to see its error");
        return out;
    }

    private int runHere() throws IOException {
        Path data = cacheDir();
        BenchModelMachine machine = BenchModelMachine.probe();
        for (String name : configs) {
            ModelConfig base = load(name);
            BenchModelInput input = BenchModelInput.of(base, batch, length > 0 ? length : base.maxLength(), data, 1);
            for (String dt : dtypes) {
                DataType type = switch (dt.trim().toLowerCase(Locale.ROOT)) {
                    case "float" -> DataType.FLOAT;
                    case "double" -> DataType.DOUBLE;
                    default -> throw new ExitCodes.UserError("--dtypes takes float and/or double, got '" + dt + "'");
                };
                ModelConfig c = base.withDtype(type);
                int n = name.equals("default") ? calls : Math.max(5, calls / 3);
                for (ModelBenchmark.Method m : methods()) {
                    int mc = m == ModelBenchmark.Method.SAMEDIFF_AUTODIFF ? Math.max(5, n / 4) : n;
                    ModelBenchmark.Result r = ModelBenchmark.run(name, m, c, tasks, input.batch(), warmup, mc, 1);
                    ObjectNode o = JSON.createObjectNode();
                    o.put("config", name);
                    o.put("method", m.label());
                    o.put("dtype", r.dtype());
                    o.put("threads", Integer.parseInt(System.getenv().getOrDefault("OMP_NUM_THREADS", "0")));
                    o.put("tasks", r.tasks());
                    o.put("batch", r.batch());
                    o.put("length", r.length());
                    o.put("d_model", c.dModel());
                    o.put("heads", c.heads());
                    o.put("blocks", c.blocks());
                    o.put("vocab", c.vocabSize());
                    o.put("params", r.params());
                    o.put("calls", r.calls());
                    o.put("ms_median", round(r.msMedian()));
                    o.put("ms_p10", round(r.msP10()));
                    o.put("ms_p90", round(r.msP90()));
                    o.put("cpu_ms_median", round(r.cpuMsMedian()));
                    o.put("tokens_per_s", Math.round(r.tokensPerSecond()));
                    o.put("gflops", round(r.gflops()));
                    o.put("gradient_entries", r.gradientEntries());
                    o.put("subnormal_entries", r.subnormalEntries());
                    o.put("subnormal_fraction", r.subnormalFraction());
                    o.put("input", input.source());
                    o.put("cpu", machine.cpu());
                    o.put("cpu_flags", machine.flags());
                    o.put("load_average", BenchModelMachine.probe().loadAverage()); // when this figure was measured
                    o.put("head", c.head() == ModelConfig.HeadType.ZERO ? "random N(0, " + ModelBenchmark.HEAD_SCALE + ")" : "prototype (no weights)");
                    System.out.println(JSON.writeValueAsString(o));
                    System.out.flush();
                }
                if (metaTrain) {
                    int threads = Integer.parseInt(System.getenv().getOrDefault("OMP_NUM_THREADS", "1"));
                    for (String a : metaAlgorithms) {
                        MetaAlgorithm alg;
                        try {
                            alg = MetaAlgorithm.fromKey(a);
                        } catch (IllegalArgumentException e) {
                            throw new ExitCodes.UserError("--meta-algorithms: " + e.getMessage());
                        }
                        MetaTrainingSpeed.Result m = MetaTrainingSpeed.measure(c, alg, c.ways(), 5, 15, metaBatch, 1, metaIterations, threads, 1);
                        ObjectNode o = JSON.createObjectNode();
                        o.put("config", name);
                        o.put("method", "meta-train-" + m.algorithm());
                        o.put("engine", m.engine());
                        o.put("dtype", type.name().toLowerCase(Locale.ROOT));
                        o.put("threads", threads);
                        o.put("length", c.maxLength());
                        o.put("meta_batch", m.metaBatch());
                        o.put("iterations", m.iterations());
                        o.put("ms_per_iteration", round(m.msPerIteration()));
                        o.put("episodes_per_s", round(m.episodesPerSecond()));
                        o.put("cpu", machine.cpu());
                        o.put("cpu_flags", machine.flags());
                        o.put("load_average", BenchModelMachine.probe().loadAverage());
                        System.out.println(JSON.writeValueAsString(o));
                        System.out.flush();
                    }
                }
            }
        }
        return ExitCodes.OK;
    }

    private List<ModelBenchmark.Method> methods() {
        List<ModelBenchmark.Method> out = new ArrayList<>();
        for (String m : methods) {
            ModelBenchmark.Method found = null;
            for (ModelBenchmark.Method v : ModelBenchmark.Method.values()) if (v.label().equals(m.trim())) found = v;
            if (found == null) throw new ExitCodes.UserError("--methods takes eager, graph-backward and/or samediff-autodiff, got '" + m + "'");
            if (!out.contains(found)) out.add(found);
        }
        if (autodiff && !out.contains(ModelBenchmark.Method.SAMEDIFF_AUTODIFF)) out.add(ModelBenchmark.Method.SAMEDIFF_AUTODIFF);
        return out;
    }

    /** The data cache the real token ids come from: --cache-dir, else dataset.cache-dir of reference.conf (like the model configs here) under the project root. */
    private Path cacheDir() {
        if (cacheDir != null) return cacheDir.toAbsolutePath();
        return DatasetConfig.from(ConfigFactory.defaultReference()).resolvedCacheDir(ConfigComposer.projectRoot());
    }

    /** "default" is the model module's reference.conf; any other name is configs/model/<name>.conf over it. */
    private static ModelConfig load(String name) {
        if (name.equals("default")) return ModelConfig.defaults();
        Path root = Path.of(System.getProperty("metamorph.root", "."));
        Path file = root.resolve("configs/model/" + name + ".conf");
        if (!Files.isRegularFile(file)) throw new ExitCodes.UserError("No model config '" + name + "': " + file + " does not exist (use default or a file name from configs/model/)");
        Config option = ConfigFactory.parseFile(file.toFile()).atPath("model");
        return ModelConfig.from(option.withFallback(ConfigFactory.defaultReference()));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
