package dev.metamorph.maml;

import dev.metamorph.core.learn.TaskData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code maml.backend = auto} between engines that compute the same meta-gradient on different
 * paths (the gated-attention model's eager pass and its graph path): on the first meta-batch each
 * candidate runs once untimed (graph building, JIT) and {@link #TIMED_CALLS} times timed, and the
 * one with the smallest time serves this and every later meta-batch; a tie goes to the first
 * candidate. The answer of the first meta-batch is the chosen candidate's own last result. The
 * choice is kept per process and key (learner, size, dtype, algorithm, steps, meta-batch size):
 * later engines with the same key take it without measuring, so one process never mixes paths.
 * A figure measured on another machine decides nothing: which path is faster depends on the CPU
 * (a float gemm with subnormal inputs ran 130x slower on an Intel Xeon with AVX-512 than here).
 *
 * <p>Not thread-safe, like every engine.
 *
 * @param <B> batch type
 */
public final class MeasuredMetaGradient<B> implements MetaGradient<B> {
    private static final Logger LOG = LoggerFactory.getLogger(MeasuredMetaGradient.class);
    /** Timed calls per candidate, after one untimed call; the minimum counts. */
    static final int TIMED_CALLS = 2;
    /** The choices of this process, by key. */
    private static final Map<String, String> CHOICES = new ConcurrentHashMap<>();

    /** One engine to choose from, built on demand. */
    record Candidate<B>(String name, Supplier<? extends MetaGradient<B>> engine) {}

    private final String key;
    private final List<Candidate<B>> candidates;
    private final ToLongFunction<Runnable> timer;
    private final Map<String, String> choices;
    private final Map<String, MetaGradient<B>> built = new LinkedHashMap<>();
    private final Map<String, Double> measuredMs = new LinkedHashMap<>();
    private MetaGradient<B> chosen;
    private String choice;

    /** Measures with the wall clock; choices kept for the process. */
    MeasuredMetaGradient(String key, List<Candidate<B>> candidates) {
        this(key, candidates, MeasuredMetaGradient::wallNanos, CHOICES);
    }

    /**
     * @param timer runs the call it is given and returns its duration in nanoseconds (tests inject timings)
     * @param choices where choices are kept by key (tests pass their own map)
     */
    MeasuredMetaGradient(String key, List<Candidate<B>> candidates, ToLongFunction<Runnable> timer, Map<String, String> choices) {
        if (candidates.isEmpty()) throw new IllegalArgumentException("No engine to choose from for " + key);
        this.key = key;
        this.candidates = List.copyOf(candidates);
        this.timer = timer;
        this.choices = choices;
    }

    private static long wallNanos(Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        return System.nanoTime() - t0;
    }

    /** The chosen candidate's name, or null before the first meta-batch. */
    public String choice() {
        return choice;
    }

    /** Milliseconds per meta-batch measured for each candidate (empty when the choice came from an earlier engine). */
    public Map<String, Double> measuredMs() {
        return Map.copyOf(measuredMs);
    }

    @Override
    public double compute(double[] theta, double[] alpha, List<TaskData<B>> tasks, double[] gradTheta, double[] gradAlpha) {
        if (chosen != null) return chosen.compute(theta, alpha, tasks, gradTheta, gradAlpha);
        String k = key + ", meta-batch " + tasks.size();
        String known = choices.get(k);
        if (known != null) {
            choose(known);
            return chosen.compute(theta, alpha, tasks, gradTheta, gradAlpha);
        }
        double bestLoss = Double.NaN;
        double[] bestTheta = null, bestAlpha = null;
        long best = Long.MAX_VALUE;
        String bestName = null;
        for (Candidate<B> c : candidates) {
            MetaGradient<B> e = build(c);
            double[] gt = new double[gradTheta.length];
            double[] ga = gradAlpha == null ? null : new double[gradAlpha.length];
            double[] loss = {e.compute(theta, alpha, tasks, gt, ga)};
            long min = Long.MAX_VALUE;
            for (int i = 0; i < TIMED_CALLS; i++) min = Math.min(min, timer.applyAsLong(() -> loss[0] = e.compute(theta, alpha, tasks, gt, ga)));
            measuredMs.put(c.name(), min / 1e6);
            if (min < best) {
                best = min;
                bestName = c.name();
                bestLoss = loss[0];
                bestTheta = gt;
                bestAlpha = ga;
            }
        }
        choices.putIfAbsent(k, bestName);
        choose(choices.get(k));
        StringBuilder times = new StringBuilder();
        measuredMs.forEach((n, ms) -> times.append(String.format(Locale.ROOT, "%s %.1f ms, ", n, ms)));
        LOG.info("maml.backend = auto: {}: {}per meta-batch on this machine -> {} (kept for this process)", k, times, choice);
        if (!choice.equals(bestName)) return chosen.compute(theta, alpha, tasks, gradTheta, gradAlpha); // another engine chose first
        System.arraycopy(bestTheta, 0, gradTheta, 0, gradTheta.length);
        if (gradAlpha != null) System.arraycopy(bestAlpha, 0, gradAlpha, 0, gradAlpha.length);
        return bestLoss;
    }

    private MetaGradient<B> build(Candidate<B> c) {
        return built.computeIfAbsent(c.name(), n -> c.engine().get());
    }

    private void choose(String name) {
        Candidate<B> c = candidates.stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("Chosen engine '" + name + "' is not among " + candidates.stream().map(Candidate::name).toList()));
        chosen = build(c);
        choice = name;
        for (String other : new ArrayList<>(built.keySet())) {
            if (!other.equals(name)) built.remove(other).close();
        }
    }

    @Override
    public long workingBytes() {
        long sum = 0;
        for (MetaGradient<B> e : built.values()) sum += e.workingBytes();
        return sum;
    }

    @Override
    public void close() {
        for (MetaGradient<B> e : built.values()) e.close();
        built.clear();
    }
}
