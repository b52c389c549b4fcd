package dev.metamorph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.pipeline.sinusoid.SinusoidBenchmark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the PyTorch sinusoid peer ({@code /work/shared/peers/torch_maml_sinusoid.py}) under the
 * conditions of our own run: the same protocol (meta-batch, K, inner rate and steps, outer rate,
 * iterations, seed), the same number of threads as our kernel workers ({@code --threads N}, and
 * {@code OMP_NUM_THREADS}/{@code MKL_NUM_THREADS} set to N in its environment, because the launcher
 * exports {@code OMP_NUM_THREADS=1}), and the same test tasks (written from
 * {@link SinusoidBenchmark#testTaskList} to a JSON-lines file the peer reads with
 * {@code --test-tasks-file}).
 *
 * <p>CPU time: the script is started through a small Python wrapper ({@link #WRAPPER}) that runs it
 * with {@code runpy} and records the process CPU time ({@code time.process_time()}, all threads) at
 * each {@code time.perf_counter()} call. The script times its training with exactly two such calls,
 * so the difference is the CPU time of the same span as its {@code train_seconds}; the wrapper also
 * reports the CPU time of the whole process (import and evaluation included). When the script
 * makes another number of calls, only the whole-process figure is given, and said so.
 */
final class SinusoidPeer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Interpreter of the Debian python3-torch package. */
    static final String PYTHON = "/usr/bin/python3";
    /** Runs the script given as argv[1] and prints one JSON line with its CPU times after its own output. */
    static final String WRAPPER = String.join("\n",
            "import json, runpy, sys, time",
            "script = sys.argv[1]",
            "sys.argv = sys.argv[1:]",
            "marks = []",
            "_wall = time.perf_counter",
            "def _marked():",
            "    marks.append(time.process_time())",
            "    return _wall()",
            "time.perf_counter = _marked",
            "runpy.run_path(script, run_name='__main__')",
            "end = time.process_time()",
            "print(json.dumps({'peer_cpu': {'process_cpu_seconds': end, 'perf_counter_calls': len(marks),",
            "    'train_cpu_seconds': marks[1] - marks[0] if len(marks) == 2 else None}}), flush=True)",
            "");

    /** The peer's figures as it printed them, and its CPU time over training (or the whole process, see {@code cpuSpan}). */
    record Result(Map<String, Object> figures, double cpuSeconds, String cpuSpan, double processCpuSeconds) {
        int threads() {
            return ((Number) figures.get("threads")).intValue();
        }

        double tasksPerSecond() {
            return ((Number) figures.get("tasks_per_s")).doubleValue();
        }

        double tasksPerCpuSecond() {
            long tasks = ((Number) figures.get("iterations")).longValue() * ((Number) figures.get("meta_batch")).longValue();
            return tasks / cpuSeconds;
        }
    }

    private final Path script;
    private final Path testTasksFile;

    /** {@code testTasksFile}: written by {@link #writeTestTasks}. */
    SinusoidPeer(Path script, Path testTasksFile) {
        this.script = script;
        this.testTasksFile = testTasksFile;
    }

    /** Writes {@code tasks} as JSON lines {@code {amp, phase, support_x}} (the peer's {@code --test-tasks-file} format). */
    static void writeTestTasks(Path file, List<SinusoidBenchmark.TestTask> tasks) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (SinusoidBenchmark.TestTask t : tasks) {
                if (t.support().inputs() != 1) throw new IllegalArgumentException("The peer takes one input per point; the task has " + t.support().inputs());
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("amp", t.task().amplitude());
                o.put("phase", t.task().phase());
                o.put("support_x", t.support().xCopy());
                w.write(JSON.writeValueAsString(o));
                w.write('\n');
            }
        }
    }

    /** The peer's command line for {@code algorithm} (maml or fomaml) under {@code config}. */
    List<String> command(MamlConfig config, MetaAlgorithm algorithm, long seed, int threads) {
        if (algorithm != MetaAlgorithm.MAML && algorithm != MetaAlgorithm.FOMAML) throw new IllegalArgumentException("The PyTorch peer runs maml and fomaml, not " + algorithm.key());
        if (!config.sinusoid().sizes().equals(List.of(1, 40, 40, 1))) throw new ExitCodes.UserError("--peer: the PyTorch peer's MLP is 1-40-40-1, but maml.sinusoid.sizes = " + config.sinusoid().sizes() + "; run the peer with the default sizes");
        if (config.sinusoid().support() != config.sinusoid().query()) throw new ExitCodes.UserError("--peer: the PyTorch peer draws K support and K query points, but maml.sinusoid.support = "
                + config.sinusoid().support() + " and query = " + config.sinusoid().query() + "; set them equal");
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", WRAPPER, script.toString(),
                "--iterations", Long.toString(config.iterations()), "--seed", Long.toString(seed), "--threads", Integer.toString(threads),
                "--meta-batch", Integer.toString(config.metaBatch()), "--k", Integer.toString(config.sinusoid().support()),
                "--inner-lr", Double.toString(config.innerLr()), "--inner-steps", Integer.toString(config.innerSteps()),
                "--meta-lr", Double.toString(config.metaLr()), "--test-tasks-file", testTasksFile.toString()));
        if (algorithm == MetaAlgorithm.FOMAML) cmd.add("--first-order");
        return cmd;
    }

    /** Runs the peer to completion; its stderr goes to ours. Fails with what it printed when it exits non-zero. */
    Result run(MamlConfig config, MetaAlgorithm algorithm, long seed, int threads) throws IOException, InterruptedException {
        if (!Files.isRegularFile(script)) throw new ExitCodes.UserError("--peer: no such script " + script);
        ProcessBuilder pb = new ProcessBuilder(command(config, algorithm, seed, threads)).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        pb.environment().put("MKL_NUM_THREADS", Integer.toString(threads));
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        }
        int rc = p.waitFor();
        if (rc != 0 || lines.size() < 2) throw new IOException("The PyTorch peer " + script + " exited with code " + rc + " (is python3-torch installed? apt-get install -y python3-torch); it printed: " + lines);
        Map<String, Object> figures = JSON.readValue(lines.get(lines.size() - 2), Map.class);
        Map<?, ?> cpu = (Map<?, ?>) JSON.readValue(lines.get(lines.size() - 1), Map.class).get("peer_cpu");
        double process = ((Number) cpu.get("process_cpu_seconds")).doubleValue();
        Object train = cpu.get("train_cpu_seconds");
        return train instanceof Number n ? new Result(figures, n.doubleValue(), "training", process) : new Result(figures, process, "whole process (the script did not time its training with two perf_counter calls)", process);
    }
}
