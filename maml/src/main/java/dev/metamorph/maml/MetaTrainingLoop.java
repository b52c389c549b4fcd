package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.TaskSampler;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.TaskData;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code maml.val-every} iterations on fixed meta-val tasks, logs metrics (one map per event to a
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
    private long step;

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

    /** Iterations completed so far. */
    public long step() {
        return step;
    }

    /** Restores the newest checkpoint if there is one; returns its step. */
    public Optional<Long> resume() {
        if (checkpoints == null) return Optional.empty();
        Optional<Path> latest = checkpoints.latest();
        if (latest.isEmpty()) return Optional.empty();
        CheckpointStore.Header h = checkpoints.load(latest.get(), config.algorithm(), learner);
        samplerRng.restore(h.samplerState());
        step = h.step();
        LOG.info("Resumed from {} at step {}", latest.get(), step);
        return Optional.of(step);
    }

    /** Outcome of a run. */
    public record Result(long steps, double lastLoss, double seconds, double tasksPerSecond) {}

    /** Runs until {@code maml.iterations}. */
    public Result run() {
        return runUntil(config.iterations());
    }

    /** Runs until step {@code stopAt} (at most {@code maml.iterations}); a checkpoint is written at the stop. */
    public Result runUntil(long stopAt) {
        long end = Math.min(stopAt, config.iterations());
        long startStep = step;
        List<TaskData<B>> batch = new ArrayList<>(config.metaBatch());
        double loss = Double.NaN;
        long t0 = System.nanoTime();
        ProgressBar pb = progressBar ? new ProgressBarBuilder().setTaskName(config.algorithm().key()).setInitialMax(config.iterations())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build() : null;
        try {
            if (pb != null) pb.stepTo(step);
            while (step < end) {
                batch.clear();
                for (int i = 0; i < config.metaBatch(); i++) batch.add(sampler.sample(samplerRng));
                try {
                    loss = learner.metaStep(batch);
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
                if (config.valEvery() > 0 && step % config.valEvery() == 0 && !valTasks.isEmpty()) {
                    double vl = validationLoss();
                    metrics.accept(event(step, "val", Map.of("val_loss", vl)));
                    LOG.info("step {}: train loss {}, val loss {}", step, loss, vl);
                }
                if (checkpoints != null && config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) checkpoints.save(step, samplerRng, config.algorithm(), learner);
            }
        } finally {
            if (pb != null) pb.close();
        }
        if (checkpoints != null && (config.checkpointEvery() == 0 || step % config.checkpointEvery() != 0)) checkpoints.save(step, samplerRng, config.algorithm(), learner);
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Result(step, loss, secs, (step - startStep) * config.metaBatch() / Math.max(secs, 1e-9));
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
