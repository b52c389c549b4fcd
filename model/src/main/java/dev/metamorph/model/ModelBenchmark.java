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
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times one forward + backward over a token batch: warm-up calls, then the median wall time (and
 * thread CPU time, which is less disturbed by other processes) of timed calls. Three methods:
 * {@code eager} ({@link GatedAttentionLearner#lossAndGradient}: forward and backward as ND4J ops on
 * preallocated buffers), {@code graph-backward} ({@link GatedAttentionLearner#graphLossAndGradient}:
 * the SameDiff graph with the backward written as forward ops, one {@code output()} call, the form
 * the exact meta-gradient differentiates) and {@code samediff-autodiff} (SameDiff's own reverse
 * pass, {@code calculateGradients}, over the same forward graph). The FLOP count is the matmul
 * arithmetic of forward and backward (3x the forward matmuls).
 *
 * <p>The input is what training sees: the initial parameters with the zero head replaced by a
 * random one (normal, standard deviation {@link #HEAD_SCALE}), and the caller's token batch (real
 * token ids when the data cache has definitions, else {@link #standIn}). A constant head (every
 * class the same logit) makes the signal into the blocks exactly zero, so the backward pass then
 * computes on rounding noise: measured, 53,130 of 424,397 gradient entries were subnormal, and a
 * float gemm with subnormal inputs ran 130x slower on an Intel Xeon with AVX-512. The fraction of
 * subnormal gradient entries is counted on one call after the warm-up and reported with the times.
 */
public final class ModelBenchmark {
    /** Standard deviation of the random head that replaces the zero head. */
    public static final double HEAD_SCALE = 0.1;
    /** Exponent of the Zipf law of the stand-in token ids (word frequencies of English text: about 1). */
    public static final double ZIPF_EXPONENT = 1.0;

    /** Timing method. */
    public enum Method { EAGER, GRAPH_BACKWARD, SAMEDIFF_AUTODIFF;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One measured configuration. {@code subnormalEntries} of the {@code gradientEntries} gradient
     * entries of one call were subnormal (non-zero and below the dtype's smallest normal number).
     */
    public record Result(String config, Method method, String dtype, int tasks, int batch, int length, long params,
                         double msMedian, double msP10, double msP90, double cpuMsMedian, int calls, double tokensPerSecond, double gflops,
                         long gradientEntries, long subnormalEntries) {
        public double subnormalFraction() {
            return gradientEntries == 0 ? 0 : (double) subnormalEntries / gradientEntries;
        }
    }

    private ModelBenchmark() {}

    /** Matmul FLOPs of one forward pass over {@code tasks} x {@code batch} x {@code length} tokens. */
    public static double forwardFlops(ModelConfig c, int tasks, int batch, int length) {
        double n = (double) batch * length, d = c.dModel();
        double perBlock = 4 * 2 * n * d * d + 2 * 2 * n * length * d + 2 * 2 * n * d * c.ffSize();
        return tasks * (c.blocks() * perBlock + 2.0 * batch * d * c.ways());
    }

    /**
     * A seeded stand-in for real token ids: {@code batch} full-length rows of ids drawn from a Zipf
     * law over the vocabulary (id 1 the most frequent, as a trained BPE numbers its most frequent
     * symbols first), labels 0..ways-1 in turn.
     */
    public static TokenBatch standIn(ModelConfig c, int batch, int length, RandomGenerator rng) {
        int v = c.vocabSize() - 1;
        double[] cdf = new double[v];
        double sum = 0;
        for (int r = 0; r < v; r++) cdf[r] = sum += Math.pow(r + 1, -ZIPF_EXPONENT);
        int[][] ids = new int[batch][length];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < length; j++) {
                int k = Arrays.binarySearch(cdf, rng.nextDouble() * sum);
                ids[i][j] = 1 + Math.min(v - 1, k >= 0 ? k : -k - 1);
            }
            labels[i] = i % c.ways();
        }
        return TokenBatch.of(ids, labels);
    }

    /** As {@link #run(String, Method, ModelConfig, int, TokenBatch, int, int, long)} on {@link #standIn} rows drawn from {@code seed}. */
    public static Result run(String name, Method method, ModelConfig c, int tasks, int batch, int length, int warmup, int calls, long seed) {
        return run(name, method, c, tasks, standIn(c, batch, length, new SeededRandom(seed + 1)), warmup, calls, seed);
    }

    /**
     * Runs {@code warmup} untimed and {@code calls} timed calls on {@code input} (every task the
     * same batch); the parameters (random head included) come from {@code seed}.
     */
    public static Result run(String name, Method method, ModelConfig c, int tasks, TokenBatch input, int warmup, int calls, long seed) {
        GatedAttentionLearner learner = new GatedAttentionLearner(c);
        SeededRandom rng = new SeededRandom(seed);
        INDArray theta = learner.initialParameters(rng);
        if (c.head() == ModelConfig.HeadType.ZERO) {
            INDArray head = learner.layout().view(theta, "head.w");
            double[] w = new double[(int) head.length()];
            for (int i = 0; i < w.length; i++) w[i] = HEAD_SCALE * rng.nextGaussian();
            head.assign(Nd4j.createFromArray(w).castTo(theta.dataType()).reshape(head.shape()));
        }
        TokenBatch tb = input;
        INDArray thetas = theta.reshape(1, theta.length()).repeat(0, tasks);
        List<TokenBatch> batches = Collections.nCopies(tasks, tb);
        Supplier<INDArray> call = switch (method) {
            case EAGER -> () -> learner.lossAndGradient(thetas, batches).get(0).gradient();
            case GRAPH_BACKWARD -> () -> learner.graphLossAndGradient(thetas, batches).get(0).gradient();
            case SAMEDIFF_AUTODIFF -> autodiff(learner, thetas, batches);
        };
        double sink = 0;
        for (int i = 0; i < warmup; i++) sink += call.get().getDouble(0);
        INDArray probe = call.get();
        long entries = probe.length(), subnormal = subnormalEntries(probe);
        double[] ms = new double[calls];
        double[] cpu = new double[calls];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < calls; i++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            sink += call.get().getDouble(0);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        if (Double.isNaN(sink) || Double.isNaN(probe.sumNumber().doubleValue())) throw new IllegalStateException("Benchmark " + name + " (" + method.label() + ") produced a NaN gradient");
        Arrays.sort(ms);
        Arrays.sort(cpu);
        double median = ms[calls / 2];
        int batch = tb.size(), length = tb.length();
        double tokens = (double) tasks * batch * length;
        double flops = 3 * forwardFlops(c, tasks, batch, length);
        return new Result(name, method, c.dtype().name().toLowerCase(Locale.ROOT), tasks, batch, length, learner.layout().size(),
                median, ms[calls / 10], ms[Math.min(calls - 1, calls * 9 / 10)], cpu[calls / 2], calls, tokens / (median / 1e3), flops / (median / 1e3) / 1e9,
                entries, subnormal);
    }

    /** Entries of {@code a} that are non-zero and smaller in magnitude than the smallest normal number of its dtype. */
    public static long subnormalEntries(INDArray a) {
        boolean isFloat = a.dataType() == DataType.FLOAT;
        double minNormal = isFloat ? Float.MIN_NORMAL : Double.MIN_NORMAL;
        long n = 0;
        for (double x : a.castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector()) if (x != 0 && Math.abs(x) < minNormal) n++;
        return n;
    }

    /** SameDiff's reverse pass over the same forward graph: gradients of thetas and of the fed embedding rows. */
    private static Supplier<INDArray> autodiff(GatedAttentionLearner learner, INDArray thetas, List<TokenBatch> batches) {
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
            return g.get("thetas").getRow(0);
        };
    }
}
