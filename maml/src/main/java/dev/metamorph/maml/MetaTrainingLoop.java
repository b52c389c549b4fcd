package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.TaskSampler;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.TaskData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meta-training loop, separate from the mechanism ({@link MetaLearner}): draws meta-batches
 * from a task sampler whose generator is checkpointed, steps the learner, validates every
 * {@code maml.val-every} iterations (and at the last) on fixed meta-val tasks and keeps the best
 * theta by that validation ({@code maml.select}; {@link #selectedTheta()}), logs metrics (one map per event to a
 * sink such as {@code metrics.jsonl}), shows a progress bar with loss and throughput, and writes
 * checkpoints every {@code maml.checkpoint-every} iterations and at the end. {@link #resume()}
 * continues from the newest checkpoint; because the sampler state, theta, alpha and Adam's moments
 * are all restored, the resumed run ends with bitwise the same theta as an uninterrupted one.
 *
 * @param <B> batch type
 */
public final class MetaTrainingLoop<B> {
    private static final Logger LOG = LoggerFactory.getLogger(MetaTrainingLoop.class);
    private final MamlConfig config;
    private final MetaLearner<B> learner;
    private final TaskSampler<TaskData<B>> sampler;
    private final SeededRandom samplerRng;
    private final List<TaskData<B>> valTasks;
    private final CheckpointStore checkpoints;
    private final Consumer<Map<String, Object>> metrics;
    private final boolean progressBar;
    private MetaBatchExecutor executor;
    private ValidationScore validationScore;
    private String validationMetric = "val_loss";
    private long step;
    private Selected best;
    private long lastValidated = -1;

    /**
     * A score of theta (and the inner rates alpha) on the fixed meta-val tasks, to select the kept
     * theta by when it is better than the mean query loss (accuracy for classification).
     */
    @FunctionalInterface
    public interface ValidationScore {
        double score(double[] theta, double[] alpha);
    }

    /**
     * The theta kept by {@code maml.select = best-val} so far: its step, the metric and its value.
     * Holds its own copy of theta; {@link #theta()} returns another copy.
     */
    public static final class Selected {
        private final long step;
        private final String metric;
        private final double value;
        private final double[] theta;

        public Selected(long step, String metric, double value, double[] theta) {
            this.step = step;
            this.metric = metric;
            this.value = value;
            this.theta = theta.clone();
        }

        public long step() {
            return step;
        }

        public String metric() {
            return metric;
        }

        public double value() {
            return value;
        }

        public double[] theta() {
            return theta.clone();
        }
    }

    /**
     * @param samplerRng the generator meta-batches are drawn with (its state is checkpointed)
     * @param valTasks fixed meta-val tasks (may be empty)
     * @param checkpoints where checkpoints go, or null for none
     * @param metrics receives one map per logged event (step, loss, tasks/s, val loss...)
     */
    public MetaTrainingLoop(MamlConfig config, MetaLearner<B> learner, TaskSampler<TaskData<B>> sampler, SeededRandom samplerRng,
                            List<TaskData<B>> valTasks, CheckpointStore checkpoints, Consumer<Map<String, Object>> metrics, boolean progressBar) {
        this.config = config;
        this.learner = learner;
        this.sampler = sampler;
        this.samplerRng = samplerRng;
        this.valTasks = List.copyOf(valTasks);
        this.checkpoints = checkpoints;
        this.metrics = metrics;
        this.progressBar = progressBar;
    }

    /**
     * Selects by {@code score} (higher is better, logged as {@code metric}, e.g. {@code val_accuracy})
     * instead of the mean meta-val query loss (lower is better). Call before {@link #run()}.
     */
    public MetaTrainingLoop<B> selectBy(String metric, ValidationScore score) {
        this.validationMetric = metric;
        this.validationScore = score;
        return this;
    }

    /**
     * Draws and computes the meta-batches with {@code executor} (e.g. on Spark executors) instead of
     * in process ({@link InProcessMetaBatches} over the sampler and the learner's engine). The loop
     * does not close it. Validation stays in process. Call before {@link #run()}.
     */
    public MetaTrainingLoop<B> executeWith(MetaBatchExecutor executor) {
        this.executor = executor;
        return this;
    }

    /** Iterations completed so far. */
    public long step() {
        return step;
    }

    /**
     * Restores the newest checkpoint that verifies (falling back past damaged ones, each logged);
     * returns its step, or empty when the folder holds no checkpoint at all.
     *
     * @throws IllegalStateException if there are checkpoints but none verifies, or the newest
     *     usable one is past {@code maml.iterations} (each named with the reason)
     */
    public Optional<Long> resume() {
        if (checkpoints == null) return Optional.empty();
        CheckpointStore.Found found = checkpoints.newestVerified(config.algorithm(), learner);
        if (found.file().isEmpty()) {
            if (found.rejected().isEmpty()) return Optional.empty();
            StringBuilder why = new StringBuilder("No checkpoint in " + checkpoints.dir() + " verifies, so the run cannot resume:");
            for (CheckpointStore.Rejected r : found.rejected()) why.append("\n  ").append(r.file().getFileName()).append(": ").append(r.reason());
            why.append("\nStart a new run (or move the damaged checkpoints away to restart this one from scratch).");
            throw new IllegalStateException(why.toString());
        }
        CheckpointStore.Header h = found.header();
        if (h.step() > config.iterations()) {
            throw new IllegalStateException("Checkpoint " + found.file().get() + " is at step " + h.step() + ", past maml.iterations = "
                    + config.iterations() + "; resume with the run's own config");
        }
        samplerRng.restore(h.samplerState());
        step = h.step();
        best = h.best();
        lastValidated = -1;
        LOG.info("Resumed from {} at step {}", found.file().get(), step);
        return Optional.of(step);
    }

    /**
     * Outcome of a run.
     *
     * @param selectedStep the step whose theta {@link #selectedTheta()} returns
     * @param selectedMetric what selected it ({@code val_loss}, {@code val_accuracy}), or {@code last}
     * @param selectedValue its value at that step (NaN for {@code last})
     */
    public record Result(long steps, double lastLoss, double seconds, double tasksPerSecond, long selectedStep, String selectedMetric, double selectedValue) {}

    /** Runs until {@code maml.iterations}. */
    public Result run() {
        return runUntil(config.iterations());
    }

    /** Runs until step {@code stopAt} (at most {@code maml.iterations}); a checkpoint is written at the stop. */
    public Result runUntil(long stopAt) {
        long end = Math.min(stopAt, config.iterations());
        long startStep = step;
        MetaBatchExecutor batches = executor != null ? executor : new InProcessMetaBatches<>(sampler, learner.engine());
        double loss = Double.NaN;
        long t0 = System.nanoTime();
        ProgressBar pb = progressBar ? new ProgressBarBuilder().setTaskName(config.algorithm().key()).setInitialMax(config.iterations())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build() : null;
        try {
            if (pb != null) pb.stepTo(step);
            // The initial theta is a candidate too: meta-training that never beats it on meta-val keeps it.
            if (step == 0 && end > 0 && validates() && config.select() == MamlConfig.Selection.BEST_VAL) validate(Double.NaN);
            while (step < end) {
                try {
                    loss = learner.metaStep((th, al, gt, ga) -> batches.compute(samplerRng, config.metaBatch(), th, al, gt, ga));
                } catch (NonFiniteException e) {
                    throw e.at(step + 1);   // theta is unchanged, and no checkpoint of this step is written
                }
                step++;
                double secs = (System.nanoTime() - t0) / 1e9;
                double tps = (step - startStep) * config.metaBatch() / Math.max(secs, 1e-9);
                if (pb != null) {
                    pb.stepTo(step);
                    if (step % 50 == 0) pb.setExtraMessage(String.format("loss %.4f  %.0f tasks/s", loss, tps));
                }
                if (step % 100 == 0 || step == end) metrics.accept(event(step, "train", Map.of("loss", loss, "tasks_per_s", tps, "grad_norm", learner.lastGradNorm())));
                boolean lastIteration = step == config.iterations();
                if (validates() && (step % config.valEvery() == 0 || lastIteration)) validate(loss);
                if (checkpoints != null && config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) checkpoints.save(step, samplerRng, config.algorithm(), learner, best);
            }
        } finally {
            if (pb != null) pb.close();
        }
        if (checkpoints != null && (config.checkpointEvery() == 0 || step % config.checkpointEvery() != 0)) checkpoints.save(step, samplerRng, config.algorithm(), learner, best);
        double secs = (System.nanoTime() - t0) / 1e9;
        Result r = selectedResult(loss, secs, (step - startStep) * config.metaBatch() / Math.max(secs, 1e-9));
        if (step == config.iterations() && startStep < step) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rule", config.select().key());
            m.put("selected_step", r.selectedStep());
            m.put("metric", r.selectedMetric());
            if (!Double.isNaN(r.selectedValue())) m.put("value", r.selectedValue());
            if (config.select() == MamlConfig.Selection.BEST_VAL && best == null) m.put("note", "no meta-validation ran (maml.val-every = 0 or no meta-val tasks): kept the last theta");
            metrics.accept(event(step, "select", m));
            LOG.info("kept theta of step {} ({} {})", r.selectedStep(), r.selectedMetric(), r.selectedValue());
        }
        return r;
    }

    private boolean validates() {
        return config.valEvery() > 0 && !valTasks.isEmpty();
    }

    /** Validates at the current step, logs it and keeps theta if it is the best so far. */
    private void validate(double trainLoss) {
        if (lastValidated == step) return;
        lastValidated = step;
        Map<String, Object> values = new LinkedHashMap<>();
        double vl = validationLoss();
        if (!Double.isFinite(vl)) throw new NonFiniteException("meta-train validation", step, "the mean meta-val query loss is " + vl, "lower maml.meta-lr or maml.inner-lr, or set maml.grad-clip");
        values.put("val_loss", vl);
        double value = vl;
        boolean higherIsBetter = false;
        if (validationScore != null) {
            value = validationScore.score(learner.theta(), learner.alpha());
            values.put(validationMetric, value);
            higherIsBetter = true;
        }
        boolean better = best == null || (higherIsBetter ? value > best.value() : value < best.value());
        if (better) best = new Selected(step, validationMetric, value, learner.theta());
        values.put("best_step", best.step());
        metrics.accept(event(step, "val", values));
        LOG.info("step {}: train loss {}, val loss {}{}", step, trainLoss, vl, validationScore == null ? "" : ", " + validationMetric + " " + value);
    }

    private Result selectedResult(double loss, double secs, double tps) {
        if (config.select() == MamlConfig.Selection.BEST_VAL && best != null) return new Result(step, loss, secs, tps, best.step(), best.metric(), best.value());
        return new Result(step, loss, secs, tps, step, "last", Double.NaN);
    }

    /**
     * The theta the run keeps ({@code maml.select}): the best by meta-validation so far, or the
     * last one (also when no validation has run). A copy.
     */
    public double[] selectedTheta() {
        if (config.select() == MamlConfig.Selection.BEST_VAL && best != null) return best.theta();
        return learner.theta();
    }

    /** The best validation so far, if any (restored by {@link #resume()}). */
    public Optional<Selected> best() {
        return Optional.ofNullable(best);
    }

    /** Mean post-adaptation query loss over the meta-val tasks, in meta-batch-sized chunks. */
    public double validationLoss() {
        double[] th = learner.theta(), al = learner.alpha();
        double[] g1 = new double[th.length], g2 = new double[th.length];
        double sum = 0;
        int n = 0;
        for (int i = 0; i < valTasks.size(); i += config.metaBatch()) {
            List<TaskData<B>> chunk = valTasks.subList(i, Math.min(valTasks.size(), i + config.metaBatch()));
            sum += learner.engine().compute(th, al, chunk, g1, config.algorithm() == MetaAlgorithm.META_SGD ? g2 : null) * chunk.size();
            n += chunk.size();
        }
        return sum / n;
    }

    private static Map<String, Object> event(long step, String kind, Map<String, Object> values) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("event", kind);
        m.putAll(values);
        return m;
    }
}
