package dev.metamorph.curriculum;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.NonFiniteException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progressive fine-tuning of a meta-trained theta_0 to a target domain, through a {@link Learner}
 * only. Stage k of {@code curriculum.stages}:
 * <ol>
 *   <li>draws, at each of its {@code steps-per-stage} steps, a target batch or a base batch: exactly
 *       {@code round(fraction_k * steps)} target steps, spread evenly ({@link #isTargetStep});</li>
 *   <li>adds the EWC gradient {@code lambda F .* (theta - theta_0)} ({@link EwcPenalty}) to the batch gradient;</li>
 *   <li>masks the gradient to the units unfrozen at stage k ({@link UnfreezingPlan}), clips its
 *       global norm, and applies SGD-momentum or Adam ({@link FlatOptimizer}) with each unit's rate
 *       {@code lr * decay^unit} times the elastic multiplier ({@link ElasticRate}, which checks the
 *       target validation loss, grows, backs off and rolls back).</li>
 * </ol>
 * Events go to a metrics sink as maps with an {@code event} key: {@code start}, {@code resume},
 * {@code stage-start}, {@code step}, {@code check}, {@code grow}, {@code back-off}, {@code rollback}
 * (with {@code from-step} and {@code to-step}), {@code stage-stopped}, {@code stage-end},
 * {@code checkpoint}, {@code end}. A step whose loss, gradient or update is NaN or infinite is never
 * applied: it rolls back like a worse check ({@code rollback} with {@code reason = non-finite}), or,
 * with the elastic rate off, stops the run with a {@link NonFiniteException} naming stage and step.
 * With a checkpoint folder the whole state is saved atomically every
 * {@code checkpoint-every} steps and at each stage end, and a later call with the same folder resumes
 * from it and ends bitwise equal to an uninterrupted run. The caller's theta_start is never modified.
 *
 * <pre>{@code
 * CurriculumConfig cc = CurriculumConfig.from(ctx.config());
 * CurriculumData<TokenBatch> data = new CurriculumData<>(baseSource, targetSource, targetVal, baseVal);
 * CurriculumResult r = new CurriculumEngine<>(learner, cc)
 *         .adapt(data, theta0, ctx.seeds().child("curriculum"), ctx.metrics()::append, ctx.checkpointsDir().resolve("curriculum"));
 * }</pre>
 *
 * @param <B> the learner's batch type
 */
public final class CurriculumEngine<B> {
    private static final Logger LOG = LoggerFactory.getLogger(CurriculumEngine.class);
    /** Name of the checkpoint file inside the checkpoint folder. */
    public static final String CHECKPOINT_FILE = "curriculum-checkpoint.safetensors";

    private final Learner<B> learner;
    private final CurriculumConfig config;
    private final UnfreezingPlan plan;
    private BiConsumer<StageResult, INDArray> stageListener = (r, t) -> { };

    /**
     * @throws IllegalArgumentException if an unfreezing prefix matches no parameter group (the message lists them)
     */
    public CurriculumEngine(Learner<B> learner, CurriculumConfig config) {
        if (learner == null) throw new IllegalArgumentException("CurriculumEngine needs a learner");
        if (config == null) throw new IllegalArgumentException("CurriculumEngine needs a CurriculumConfig (CurriculumConfig.from(config))");
        this.learner = learner;
        this.config = config;
        this.plan = UnfreezingPlan.resolve(config, learner.layout());
    }

    /** Calls {@code listener} after each stage with its figures and a copy of theta (to export or inspect intermediate models). */
    public CurriculumEngine<B> onStageEnd(BiConsumer<StageResult, INDArray> listener) {
        this.stageListener = listener == null ? (r, t) -> { } : listener;
        return this;
    }

    /** The resolved units. */
    public UnfreezingPlan plan() {
        return plan;
    }

    public CurriculumConfig config() {
        return config;
    }

    /** {@link #adapt(CurriculumData, INDArray, RandomGenerator, Consumer, Path)} without checkpoints. */
    public CurriculumResult adapt(CurriculumData<B> data, INDArray thetaStart, RandomGenerator rng, Consumer<Map<String, Object>> sink) {
        return adapt(data, thetaStart, rng, sink, null);
    }

    /**
     * Runs the curriculum.
     *
     * @param data base and target sources, target (and optional base) validation sets
     * @param thetaStart theta_0, [size] or [1, size]; not modified
     * @param rng the run's generator for this component (e.g. {@code seeds.child("curriculum")}); the
     *     training batches draw from it, the Fisher batches from a generator seeded by its first long. Must be a {@link SeededRandom} when checkpointing.
     * @param sink receives the metrics events
     * @param checkpointFolder where to checkpoint, or null; if it holds a checkpoint the run resumes from it
     *     (and {@code rng} is set to the saved state)
     */
    public CurriculumResult adapt(CurriculumData<B> data, INDArray thetaStart, RandomGenerator rng, Consumer<Map<String, Object>> sink,
                                  Path checkpointFolder) {
        if (data == null) throw new IllegalArgumentException("adapt needs CurriculumData (base and target sources, target validation set)");
        if (rng == null) throw new IllegalArgumentException("adapt needs a RandomGenerator (e.g. seeds.child(\"curriculum\"))");
        Consumer<Map<String, Object>> out = sink == null ? e -> { } : sink;
        double[] theta0 = checkedTheta(thetaStart);
        Path checkpoint = checkpointFolder == null ? null : checkpointFolder.resolve(CHECKPOINT_FILE);
        if (checkpoint != null && !(rng instanceof SeededRandom)) {
            throw new IllegalArgumentException("Checkpointing to " + checkpointFolder + " needs a SeededRandom (its state is saved), got "
                    + rng.getClass().getName() + "; pass seeds.child(\"curriculum\") or no checkpoint folder.");
        }
        FlatOptimizer optimizer = new FlatOptimizer(config, theta0.length, plan.units().size());
        RunState s = new RunState(theta0, new TrainingState(theta0.clone(), optimizer, 0), new ElasticRate(config.elastic()));
        EwcPenalty ewc;
        if (checkpoint != null && Files.exists(checkpoint)) {
            CurriculumCheckpoint.load(checkpoint, s, (SeededRandom) rng, config, learner.layout(), plan);
            ewc = s.fisher == null ? null : new EwcPenalty(config.ewcLambda(), theta0, s.fisher);
            LOG.info("Resuming the curriculum from {} at stage {} step {}", checkpoint, s.stage, s.current.step);
            emit(out, "resume", s, "file", checkpoint.toString());
        } else {
            // the Fisher batches come from a generator split off here whether EWC is on or not, so the
            // training batches are the same for every ewc-lambda (a fair with/without comparison)
            long fisherSeed = rng.nextLong();
            if (config.ewcLambda() > 0) {
                s.fisher = EwcPenalty.estimate(learner, theta0, data.base(), config.ewcFisherBatches(), new SeededRandom(fisherSeed));
                ewc = new EwcPenalty(config.ewcLambda(), theta0, s.fisher);
            } else {
                ewc = null;
            }
            s.targetLossBefore = meanLoss(theta0, data.targetValidation());
            s.baseLossBefore = meanLoss(theta0, data.baseValidation());
            emit(out, "start", s, "target-loss", s.targetLossBefore, "base-loss", s.baseLossBefore, "units", unitsDescription(),
                    "frozen-groups", plan.frozenGroups(), "ewc-lambda", config.ewcLambda());
        }
        while (s.stage < config.stages()) {
            runStage(s, data, ewc, rng, out, checkpoint);
        }
        double targetAfter = meanLoss(s.current.theta, data.targetValidation());
        double baseAfter = meanLoss(s.current.theta, data.baseValidation());
        double reportBefore = meanLoss(theta0, data.targetReport());
        double reportAfter = meanLoss(s.current.theta, data.targetReport());
        emit(out, "end", s, "target-loss-before", s.targetLossBefore, "target-loss-after", targetAfter, "base-loss-before", s.baseLossBefore,
                "base-loss-after", baseAfter, "target-report-loss-before", reportBefore, "target-report-loss-after", reportAfter,
                "report-batches", data.targetReport().size(), "rollbacks", s.elastic.rollbacks());
        NonFiniteException.requireFinite("curriculum end", s.globalStep, "adapted theta", s.current.theta, "a diverged model is never returned");
        return new CurriculumResult(FlatArrays.toLearner(s.current.theta, learner), s.completed, s.elastic.rollbacks(), s.targetLossBefore,
                targetAfter, s.baseLossBefore, baseAfter, reportBefore, reportAfter);
    }

    private void runStage(RunState s, CurriculumData<B> data, EwcPenalty ewc, RandomGenerator rng, Consumer<Map<String, Object>> out, Path checkpoint) {
        int k = s.stage;
        int steps = config.stepsPerStage();
        double fraction = config.targetFraction(k);
        int targetSteps = (int) Math.round(fraction * steps);
        double[] rates = plan.rates(k);
        TrainingState cur = s.current;
        if (!s.stageStarted) {
            cur.step = 0;
            double loss = meanLoss(cur.theta, data.targetValidation());
            s.elastic.startStage(cur, loss);
            s.stepsRun = 0;
            s.targetBatches = 0;
            s.baseBatches = 0;
            s.rollbacksAtStageStart = s.elastic.rollbacks();
            s.stoppedEarly = false;
            s.targetLossStart = loss;
            s.stageStarted = true;
            emit(out, "stage-start", s, "units", plan.trainablePrefixes(k), "rates", Arrays.stream(rates).boxed().toList(),
                    "target-fraction", fraction, "target-steps", targetSteps, "multiplier", s.elastic.multiplier(), "target-loss", loss);
        }
        CurriculumConfig.Elastic el = config.elastic();
        while (!s.stoppedEarly && cur.step < steps) {
            boolean target = isTargetStep(cur.step, steps, targetSteps);
            B batch = target ? data.target().next(rng) : data.base().next(rng);
            LossAndGradient lg = learner.lossAndGradient(FlatArrays.toLearner(cur.theta, learner), batch);
            double[] g = FlatArrays.toDoubles(lg.gradient());
            if (g.length != cur.theta.length) throw new IllegalStateException("The learner returned a gradient of " + g.length + " values for a theta of " + cur.theta.length);
            String domain = target ? "target" : "base";
            String bad = Double.isFinite(lg.loss()) ? NonFiniteException.describe("the gradient on a " + domain + " batch", g) : "the loss on a " + domain + " batch is " + lg.loss();
            if (bad != null) {
                nonFinite(s, bad, out);
                continue;
            }
            if (ewc != null) ewc.addGradient(cur.theta, g);
            double norm = maskAndClip(g, rates);
            cur.optimizer.step(cur.theta, g, plan, rates, s.elastic.multiplier());
            bad = NonFiniteException.describe("theta after the optimiser step on a " + domain + " batch", cur.theta);
            if (bad != null) {
                nonFinite(s, bad, out);
                continue;
            }
            cur.step++;
            s.stepsRun++;
            s.globalStep++;
            if (target) s.targetBatches++;
            else s.baseBatches++;
            if (config.logEvery() > 0 && s.globalStep % config.logEvery() == 0) {
                emit(out, "step", s, "domain", target ? "target" : "base", "loss", lg.loss(), "grad-norm", norm,
                        "ewc-penalty", ewc == null ? 0.0 : ewc.penalty(cur.theta), "multiplier", s.elastic.multiplier());
            }
            if (el.enabled() && (cur.step % el.checkEvery() == 0 || cur.step == steps)) check(s, data, out);
            if (checkpoint != null && config.checkpointEvery() > 0 && s.globalStep % config.checkpointEvery() == 0 && !s.stoppedEarly) {
                save(checkpoint, s, rng, out);
            }
        }
        double targetEnd = meanLoss(cur.theta, data.targetValidation());
        double baseEnd = meanLoss(cur.theta, data.baseValidation());
        StageResult r = new StageResult(k, plan.trainablePrefixes(k), fraction, s.stepsRun, s.targetBatches, s.baseBatches,
                s.elastic.rollbacks() - s.rollbacksAtStageStart, s.stoppedEarly, s.targetLossStart, targetEnd, baseEnd, s.elastic.multiplier());
        s.completed.add(r);
        s.stage++;
        s.stageStarted = false;
        LOG.info("Curriculum stage {} done: {} steps ({} target, {} base), target loss {} -> {}, {} rollbacks{}", k, r.stepsRun(), r.targetBatches(),
                r.baseBatches(), r.targetLossStart(), r.targetLossEnd(), r.rollbacks(), r.stoppedEarly() ? ", stopped early" : "");
        Map<String, Object> e = event("stage-end", k, cur.step, s.globalStep);
        e.put("units", r.units());
        e.put("steps-run", r.stepsRun());
        e.put("target-batches", r.targetBatches());
        e.put("base-batches", r.baseBatches());
        e.put("rollbacks", r.rollbacks());
        e.put("stopped-early", r.stoppedEarly());
        e.put("target-loss", targetEnd);
        e.put("base-loss", baseEnd);
        e.put("multiplier", r.multiplierEnd());
        out.accept(e);
        stageListener.accept(r, FlatArrays.toLearner(cur.theta, learner));
        if (checkpoint != null) save(checkpoint, s, rng, out);
    }

    private void check(RunState s, CurriculumData<B> data, Consumer<Map<String, Object>> out) {
        TrainingState cur = s.current;
        int from = cur.step;
        double loss = meanLoss(cur.theta, data.targetValidation());
        double best = s.elastic.bestLoss();
        ElasticRate.Decision d = s.elastic.check(cur, loss);
        emit(out, "check", s, "target-loss", loss, "best-loss", best, "decision", d.name().toLowerCase(Locale.ROOT),
                "multiplier", s.elastic.multiplier());
        switch (d) {
            case GROW -> emit(out, "grow", s, "multiplier", s.elastic.multiplier());
            case HOLD -> { }
            case ROLLBACK, STOP -> {
                emit(out, "back-off", s, "multiplier", s.elastic.multiplier());
                emit(out, "rollback", s, "from-step", from, "to-step", cur.step, "target-loss", loss, "best-loss", best,
                        "rollbacks-in-a-row", s.elastic.rollbacksInARow());
                LOG.info("Curriculum stage {}: target validation loss {} at step {} is worse than {}; rolled back to step {}, multiplier {}",
                        s.stage, loss, from, best, cur.step, s.elastic.multiplier());
                if (d == ElasticRate.Decision.STOP) {
                    s.stoppedEarly = true;
                    String reason = s.elastic.rollbacksInARow() + " rollbacks to the last good state at step " + cur.step
                            + " without an improving check (curriculum.elastic.max-rollbacks-in-a-row = " + config.elastic().maxRollbacksInARow()
                            + "); the stage ends there. Lower curriculum.lr or raise curriculum.elastic.tolerance if this happens early.";
                    LOG.warn("Curriculum stage {} stopped: {}", s.stage, reason);
                    emit(out, "stage-stopped", s, "reason", reason);
                }
            }
        }
    }

    /**
     * A step whose loss, gradient or update is not finite: with the elastic rate on, rolls back to
     * the last good state and backs off (a {@code rollback} event with {@code reason = non-finite});
     * without it, stops the run naming the stage and step. The bad values are never kept.
     */
    private void nonFinite(RunState s, String what, Consumer<Map<String, Object>> out) {
        TrainingState cur = s.current;
        int from = cur.step;
        if (!config.elastic().enabled()) {
            throw new NonFiniteException("curriculum stage " + s.stage, from + 1, what + " (global step " + (s.globalStep + 1) + ")",
                    "lower curriculum.lr or set curriculum.grad-clip; with curriculum.elastic.check-every > 0 the step is rolled back instead");
        }
        ElasticRate.Decision d = s.elastic.rollBack(cur);
        emit(out, "back-off", s, "multiplier", s.elastic.multiplier());
        emit(out, "rollback", s, "from-step", from, "to-step", cur.step, "reason", "non-finite", "detail", what,
                "rollbacks-in-a-row", s.elastic.rollbacksInARow());
        LOG.warn("Curriculum stage {} step {}: {}; rolled back to step {}, multiplier {}", s.stage, from + 1, what, cur.step, s.elastic.multiplier());
        if (d == ElasticRate.Decision.STOP) {
            s.stoppedEarly = true;
            emit(out, "stage-stopped", s, "reason", s.elastic.rollbacksInARow() + " rollbacks in a row (the last: " + what
                    + "; curriculum.elastic.max-rollbacks-in-a-row = " + config.elastic().maxRollbacksInARow() + "); lower curriculum.lr");
        }
    }

    private void save(Path checkpoint, RunState s, RandomGenerator rng, Consumer<Map<String, Object>> out) {
        NonFiniteException.requireFinite("curriculum stage " + s.stage + " checkpoint", s.current.step, "theta", s.current.theta, "a diverged model is never saved");
        CurriculumCheckpoint.save(checkpoint, s, (SeededRandom) rng, config, learner.layout());
        emit(out, "checkpoint", s, "file", checkpoint.toString());
    }

    /**
     * Whether step {@code t} (0-based) of a stage of {@code steps} steps draws a target batch when
     * {@code targetSteps} of them must: the target steps are spread evenly, exactly {@code targetSteps} in all.
     */
    public static boolean isTargetStep(int t, int steps, int targetSteps) {
        return (long) (t + 1) * targetSteps / steps > (long) t * targetSteps / steps;
    }

    /**
     * Masks {@code g} in place to the units with a non-zero rate (the frozen part becomes 0) and clips
     * the global norm of what remains to {@code curriculum.grad-clip}; returns the norm before clipping.
     */
    private double maskAndClip(double[] g, double[] rates) {
        double sq = 0;
        int next = 0;
        for (long[] r : trainableRanges(rates)) {
            Arrays.fill(g, next, (int) r[0], 0.0);
            for (int i = (int) r[0]; i < r[0] + r[1]; i++) sq += g[i] * g[i];
            next = (int) (r[0] + r[1]);
        }
        Arrays.fill(g, next, g.length, 0.0);
        double norm = Math.sqrt(sq);
        if (config.gradClip() > 0 && norm > config.gradClip()) {
            double f = config.gradClip() / norm;
            for (int i = 0; i < g.length; i++) g[i] *= f;
        }
        return norm;
    }

    /** The ranges of theta of the units with a non-zero rate, sorted by offset. */
    private List<long[]> trainableRanges(double[] rates) {
        List<long[]> out = new ArrayList<>();
        for (int u = 0; u < rates.length; u++) if (rates[u] != 0.0) out.addAll(plan.units().get(u).ranges());
        out.sort(Comparator.comparingLong(r -> r[0]));
        return out;
    }

    private double meanLoss(double[] theta, List<B> batches) {
        if (batches.isEmpty()) return Double.NaN;
        INDArray t = FlatArrays.toLearner(theta, learner);
        double sum = 0;
        for (B b : batches) sum += learner.loss(t, b);
        return sum / batches.size();
    }

    private double[] checkedTheta(INDArray thetaStart) {
        if (thetaStart == null) throw new IllegalArgumentException("adapt needs theta_start (the meta-trained parameters)");
        long size = learner.layout().size();
        if (thetaStart.length() != size || (thetaStart.rank() > 1 && thetaStart.rows() != 1 && thetaStart.columns() != 1)) {
            throw new IllegalArgumentException("theta_start has shape " + Arrays.toString(thetaStart.shape()) + " (" + thetaStart.length()
                    + " values) but the learner's layout holds " + size + " parameters in " + learner.layout().names().size()
                    + " groups; pass the theta that was trained for this model (same model config).");
        }
        double[] t = FlatArrays.toDoubles(thetaStart);
        for (int i = 0; i < t.length; i++) {
            if (!Double.isFinite(t[i])) throw new IllegalArgumentException("theta_start[" + i + "] is " + t[i] + "; the starting parameters must be finite");
        }
        return t;
    }

    private List<String> unitsDescription() {
        return plan.units().stream().map(u -> u.prefix() + " " + u.groupNames().size() + " groups").toList();
    }

    private static Map<String, Object> event(String name, int stage, int step, long globalStep) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", name);
        e.put("stage", stage);
        e.put("step", step);
        e.put("global-step", globalStep);
        return e;
    }

    private static void emit(Consumer<Map<String, Object>> out, String name, RunState s, Object... kv) {
        Map<String, Object> e = event(name, s.stage, s.current.step, s.globalStep);
        for (int i = 0; i + 1 < kv.length; i += 2) e.put((String) kv[i], kv[i + 1]);
        out.accept(e);
    }
}
