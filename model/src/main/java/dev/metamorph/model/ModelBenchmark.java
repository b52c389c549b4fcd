package dev.metamorph.model;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.GraphInputs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Times one forward + backward over random full-length token batches: warm-up calls, then the
 * median wall time (and thread CPU time, which is less disturbed by other processes) of timed
 * calls. Three methods: {@code eager} ({@link GatedAttentionLearner#lossAndGradient}: forward and
 * backward as ND4J ops on preallocated buffers), {@code graph-backward}
 * ({@link GatedAttentionLearner#graphLossAndGradient}: the SameDiff graph with the backward written
 * as forward ops, one {@code output()} call, the form the exact meta-gradient differentiates) and
 * {@code samediff-autodiff} (SameDiff's own reverse pass, {@code calculateGradients}, over the same
 * forward graph). The FLOP
 * count is the matmul arithmetic of forward and backward (3x the forward matmuls).
 */
public final class ModelBenchmark {
    /** Timing method. */
    public enum Method { EAGER, GRAPH_BACKWARD, SAMEDIFF_AUTODIFF;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** One measured configuration. */
    public record Result(String config, Method method, String dtype, int tasks, int batch, int length, long params,
                         double msMedian, double msP10, double msP90, double cpuMsMedian, int calls, double tokensPerSecond, double gflops) {}

    private ModelBenchmark() {}

    /** Matmul FLOPs of one forward pass over {@code tasks} x {@code batch} x {@code length} tokens. */
    public static double forwardFlops(ModelConfig c, int tasks, int batch, int length) {
        double n = (double) batch * length, d = c.dModel();
        double perBlock = 4 * 2 * n * d * d + 2 * 2 * n * length * d + 2 * 2 * n * d * c.ffSize();
        return tasks * (c.blocks() * perBlock + 2.0 * batch * d * c.ways());
    }

    /** Runs {@code warmup} untimed and {@code calls} timed calls; randomness from the seed. */
    public static Result run(String name, Method method, ModelConfig c, int tasks, int batch, int length, int warmup, int calls, long seed) {
        GatedAttentionLearner learner = new GatedAttentionLearner(c);
        SeededRandom rng = new SeededRandom(seed);
        INDArray theta = learner.initialParameters(rng);
        // a non-zero head so that the backward pass carries signal through every block
        if (c.head() == ModelConfig.HeadType.ZERO) learner.layout().view(theta, "head.w").assign(0.01);
        int[][] ids = new int[batch][length];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < length; j++) ids[i][j] = 1 + rng.nextInt(c.vocabSize() - 1);
            labels[i] = i % c.ways();
        }
        TokenBatch tb = TokenBatch.of(ids, labels);
        INDArray thetas = theta.reshape(1, theta.length()).repeat(0, tasks);
        List<TokenBatch> batches = Collections.nCopies(tasks, tb);
        DoubleSupplier call = switch (method) {
            case EAGER -> () -> learner.lossAndGradient(thetas, batches).get(0).loss();
            case GRAPH_BACKWARD -> () -> learner.graphLossAndGradient(thetas, batches).get(0).loss();
            case SAMEDIFF_AUTODIFF -> autodiff(learner, thetas, batches);
        };
        double sink = 0;
        for (int i = 0; i < warmup; i++) sink += call.getAsDouble();
        double[] ms = new double[calls];
        double[] cpu = new double[calls];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < calls; i++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            sink += call.getAsDouble();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        if (Double.isNaN(sink)) throw new IllegalStateException("Benchmark " + name + " produced a NaN loss");
        Arrays.sort(ms);
        Arrays.sort(cpu);
        double median = ms[calls / 2];
        double tokens = (double) tasks * batch * length;
        double flops = 3 * forwardFlops(c, tasks, batch, length);
        return new Result(name, method, c.dtype().name().toLowerCase(Locale.ROOT), tasks, batch, length, learner.layout().size(),
                median, ms[calls / 10], ms[Math.min(calls - 1, calls * 9 / 10)], cpu[calls / 2], calls, tokens / (median / 1e3), flops / (median / 1e3) / 1e9);
    }

    /** SameDiff's reverse pass over the same forward graph: gradients of thetas and of the fed embedding rows. */
    private static DoubleSupplier autodiff(GatedAttentionLearner learner, INDArray thetas, List<TokenBatch> batches) {
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", thetas.dup());
        GraphInputs in = learner.declareInputs(sd, "", batches.size(), batches.get(0));
        SDVariable loss = learner.lossOps(sd, th, in).sum();
        sd.setLossVariables(loss);
        Map<String, INDArray> feeds = new HashMap<>();
        learner.useEmbeddingsFrom(thetas);
        learner.feed(in, batches, feeds);
        String x = in.get("x").name();
        return () -> {
            Map<String, INDArray> g = sd.calculateGradients(feeds, "thetas", x);
            return g.get("thetas").getDouble(0, thetas.columns() - 1);
        };
    }
}
