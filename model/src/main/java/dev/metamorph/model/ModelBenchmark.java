package dev.metamorph.model;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Times {@link GatedAttentionLearner#lossAndGradient} (forward + backward, one graph call) on
 * random full-length token batches: warm-up calls, then the median of timed calls. The FLOP
 * count is the matmul arithmetic of forward and backward (3x the forward matmuls).
 */
public final class ModelBenchmark {
    /** One measured configuration. */
    public record Result(String config, String dtype, int threads, int tasks, int batch, int length, long params,
                         double msMedian, double msP10, double msP90, double cpuMsMedian, int calls, double tokensPerSecond, double gflops) {}

    private ModelBenchmark() {}

    /** Matmul FLOPs of one forward pass over {@code tasks} x {@code batch} x {@code length} tokens. */
    public static double forwardFlops(ModelConfig c, int tasks, int batch, int length) {
        double n = (double) batch * length, d = c.dModel();
        double perBlock = 4 * 2 * n * d * d + 2 * 2 * n * length * d + 2 * 2 * n * d * c.ffSize();
        return tasks * (c.blocks() * perBlock + 2.0 * batch * d * c.ways());
    }

    /** Runs {@code warmup} untimed and {@code calls} timed lossAndGradient calls; randomness from the seed. */
    public static Result run(String name, ModelConfig c, int threads, int tasks, int batch, int length, int warmup, int calls, long seed) {
        GatedAttentionLearner learner = new GatedAttentionLearner(c);
        SeededRandom rng = new SeededRandom(seed);
        INDArray theta = learner.initialParameters(rng);
        // a non-zero head so that the backward pass carries signal through every block
        INDArray head = c.head() == ModelConfig.HeadType.ZERO ? learner.layout().view(theta, "head.w") : null;
        if (head != null) head.assign(0.01);
        int[][] ids = new int[batch][length];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < length; j++) ids[i][j] = 1 + rng.nextInt(c.vocabSize() - 1);
            labels[i] = i % c.ways();
        }
        TokenBatch tb = TokenBatch.of(ids, labels);
        INDArray thetas = theta.reshape(1, theta.length()).repeat(0, tasks);
        List<TokenBatch> batches = Collections.nCopies(tasks, tb);
        double sink = 0;
        for (int i = 0; i < warmup; i++) sink += learner.lossAndGradient(thetas, batches).get(0).loss();
        double[] ms = new double[calls];
        double[] cpu = new double[calls];
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < calls; i++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            List<LossAndGradient> r = learner.lossAndGradient(thetas, batches);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
            sink += r.get(0).loss();
        }
        if (Double.isNaN(sink)) throw new IllegalStateException("Benchmark " + name + " produced a NaN loss");
        Arrays.sort(ms);
        Arrays.sort(cpu);
        double median = ms[calls / 2];
        double tokens = (double) tasks * batch * length;
        double flops = 3 * forwardFlops(c, tasks, batch, length);
        return new Result(name, c.dtype().name().toLowerCase(java.util.Locale.ROOT), threads, tasks, batch, length, learner.layout().size(),
                median, ms[calls / 10], ms[Math.min(calls - 1, calls * 9 / 10)], cpu[calls / 2], calls, tokens / (median / 1e3), flops / (median / 1e3) / 1e9);
    }
}
