package dev.metamorph.pipeline.sinusoid;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.data.TaskSampler;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.maml.Backend;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.maml.MetaGradient;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.maml.SecondOrderMode;
import dev.metamorph.model.mlp.MlpLearner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures the memory of one exact second-order MAML meta-gradient (sinusoid MLP, one meta-batch)
 * for a given number of inner steps, in a JVM of its own so that peaks do not mix:
 * {@code java ... SecondOrderMemoryProbe <kernel|samediff-reverse-hvp|samediff-unrolled> <K>}.
 * Prints one JSON line: the process's peak resident set (VmHWM), the peak of JavaCPP's off-heap
 * bytes above the level before the first meta-gradient (sampled every 0.1 ms), the bytes of state
 * the engine keeps (stored parameter vectors and buffers) and the time per meta-gradient.
 */
public final class SecondOrderMemoryProbe {
    private SecondOrderMemoryProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SecondOrderMemoryProbe <kernel|samediff-reverse-hvp|samediff-unrolled> <inner-steps>");
            System.exit(2);
        }
        String mode = args[0];
        int k = Integer.parseInt(args[1]);
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MamlConfig c = MamlConfig.defaults().withAlgorithm(MetaAlgorithm.MAML).withInnerSteps(k);
        c = switch (mode) {
            case "kernel" -> c.withBackend(Backend.KERNEL);
            case "samediff-reverse-hvp" -> c.withBackend(Backend.SAMEDIFF).withSecondOrderMode(SecondOrderMode.REVERSE_HVP);
            case "samediff-unrolled" -> c.withBackend(Backend.SAMEDIFF).withSecondOrderMode(SecondOrderMode.UNROLLED);
            default -> throw new IllegalArgumentException("unknown mode " + mode + "; use kernel, samediff-reverse-hvp or samediff-unrolled");
        };
        MlpLearner mlp = new MlpLearner(c.sinusoid().sizes());
        SeedSequence seeds = new SeedSequence(1);
        TaskSampler<TaskData<RegressionBatch>> sampler = new SinusoidTaskSampler(c.sinusoid().support(), c.sinusoid().query());
        var rng = seeds.child("sampler");
        List<TaskData<RegressionBatch>> tasks = new ArrayList<>();
        for (int i = 0; i < c.metaBatch(); i++) tasks.add(sampler.sample(rng));
        double[] theta = mlp.initialParameterArray(seeds.child("init"));
        double[] alpha = MetaLearner.initialAlpha(c, mlp.layout());
        double[] grad = new double[theta.length];
        AtomicLong peak = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        System.gc();
        long base = Pointer.totalBytes();
        Thread poller = new Thread(() -> {
            while (!stop.get()) {
                peak.accumulateAndGet(Pointer.totalBytes() - base, Math::max);
                try {
                    Thread.sleep(0, 100_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        poller.setDaemon(true);
        poller.start();
        long state;
        int reps = 5;
        long t0;
        try (MetaGradient<RegressionBatch> engine = MetaGradients.create(mlp, c, RegressionBatch::concat)) {
            engine.compute(theta, alpha, tasks, grad, null);
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) engine.compute(theta, alpha, tasks, grad, null);
            state = engine.workingBytes();
        }
        double ms = (System.nanoTime() - t0) / 1e6 / reps;
        stop.set(true);
        poller.join();
        System.out.printf("{\"memory\":\"%s\",\"inner_steps\":%d,\"peak_rss_bytes\":%d,\"offheap_peak_bytes\":%d,\"state_bytes\":%d,\"ms_per_meta_gradient\":%.2f}%n",
                mode, k, peakRss(), peak.get(), state, ms);
    }

    private static long peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        return -1;
    }
}
