package dev.metamorph.maml;

import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.learn.TaskData;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The mechanism of meta-learning (the loop lives in {@link MetaTrainingLoop}): holds the
 * meta-parameters theta (and Meta-SGD's learned inner rates alpha), applies one outer Adam step
 * per meta-batch from a {@link MetaGradient}, with optional global-norm clipping.
 * Not thread-safe; one per training loop.
 *
 * @param <B> batch type
 */
public final class MetaLearner<B> implements AutoCloseable {
    private static final String STAGE = "meta-train";
    private static final String HINT = "lower maml.meta-lr or maml.inner-lr, or set maml.grad-clip";
    private final MamlConfig config;
    private final MetaGradient<B> engine;
    private final int p;
    private final double[] params;   // theta, then alpha for Meta-SGD
    private final double[] theta;
    private final double[] alpha;
    private final double[] gradTheta;
    private final double[] gradAlpha;
    private final double[] grad;
    private final AdamOptimizer adam;
    private double lastGradNorm;

    /**
     * @param initialTheta starting theta (copied), typically {@code learner.initialParameters(rng)}
     * @param layout the learner's layout (ANIL adapts the groups named {@code head*} only)
     */
    public MetaLearner(MamlConfig config, ParamLayout layout, double[] initialTheta, MetaGradient<B> engine) {
        this.config = config;
        this.engine = engine;
        this.p = initialTheta.length;
        if (layout.size() != p) throw new IllegalArgumentException("theta has " + p + " values but the layout has " + layout.size());
        this.theta = initialTheta.clone();
        this.alpha = initialAlpha(config, layout);
        boolean learnAlpha = config.algorithm() == MetaAlgorithm.META_SGD;
        this.params = new double[learnAlpha ? 2 * p : p];
        System.arraycopy(theta, 0, params, 0, p);
        if (learnAlpha) System.arraycopy(alpha, 0, params, p, p);
        this.gradTheta = new double[p];
        this.gradAlpha = learnAlpha ? new double[p] : null;
        this.grad = new double[params.length];
        MamlConfig.AdamSettings a = config.adam();
        this.adam = new AdamOptimizer(params.length, a.beta1(), a.beta2(), a.epsilon());
    }

    /** Convenience: initial theta drawn from the learner with the generator given. */
    public static <B> MetaLearner<B> create(MamlConfig config, Learner<B> learner, RandomGenerator rng, MetaGradient<B> engine) {
        return new MetaLearner<>(config, learner.layout(), learner.initialParameters(rng).toDoubleVector(), engine);
    }

    /** The inner step vector: inner-lr on every parameter, except ANIL (head groups only). */
    public static double[] initialAlpha(MamlConfig config, ParamLayout layout) {
        double[] a = new double[(int) layout.size()];
        if (config.algorithm() == MetaAlgorithm.ANIL) {
            List<ParamGroup> head = layout.groupsWithPrefix("head");
            if (head.isEmpty()) throw new IllegalArgumentException("ANIL adapts the parameter groups named head*, but the layout has none: " + layout.names());
            for (ParamGroup g : head) Arrays.fill(a, (int) g.offset(), (int) g.end(), config.innerLr());
        } else {
            Arrays.fill(a, config.innerLr());
        }
        return a;
    }

    /**
     * One meta-iteration on a meta-batch; returns the mean query loss after adaptation.
     *
     * @throws NonFiniteException (step -1; the loop names it) if the loss or the meta-gradient is
     *     NaN or infinite, before anything changes: theta, alpha and Adam's moments stay as they were
     */
    public double metaStep(List<TaskData<B>> tasks) {
        return metaStep((th, al, gt, ga) -> engine.compute(th, al, tasks, gt, ga));
    }

    /**
     * Computes a meta-gradient at the current theta and alpha: writes the mean meta-gradient into
     * {@code gradTheta} (and {@code gradAlpha} when it is not null) and returns the mean query loss.
     * {@code theta} and {@code alpha} are the learner's own arrays: read them, never change them.
     */
    @FunctionalInterface
    public interface GradientCall {
        double compute(double[] theta, double[] alpha, double[] gradTheta, double[] gradAlpha);
    }

    /**
     * One meta-iteration with the meta-gradient from {@code call} (a {@link MetaBatchExecutor} drawing
     * and computing a meta-batch); the same checks and outer step as {@link #metaStep(List)}.
     *
     * @throws NonFiniteException as {@link #metaStep(List)}
     */
    public double metaStep(GradientCall call) {
        double loss = call.compute(theta, alpha, gradTheta, gradAlpha);
        if (!Double.isFinite(loss)) throw new NonFiniteException(STAGE, -1, "the query loss is " + loss, HINT);
        System.arraycopy(gradTheta, 0, grad, 0, p);
        if (gradAlpha != null) System.arraycopy(gradAlpha, 0, grad, p, p);
        String bad = NonFiniteException.describe(gradAlpha == null ? "meta-gradient" : "meta-gradient (theta, then alpha)", grad);
        if (bad != null) throw new NonFiniteException(STAGE, -1, bad, HINT);
        lastGradNorm = GlobalNormClip.apply(grad, config.gradClip());
        adam.step(params, grad, config.metaLr());
        // theta is copied out of params only when it is finite (Adam's bounded step should never break this)
        bad = NonFiniteException.describe("theta after the Adam step", params);
        if (bad != null) throw new NonFiniteException(STAGE, -1, bad, HINT);
        System.arraycopy(params, 0, theta, 0, p);
        if (gradAlpha != null) System.arraycopy(params, p, alpha, 0, p);
        return loss;
    }

    /** A copy of theta. */
    public double[] theta() {
        return theta.clone();
    }

    /** A copy of the inner step vector (learned for Meta-SGD). */
    public double[] alpha() {
        return alpha.clone();
    }

    /** Global norm of the last meta-gradient, before clipping. */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    public MetaGradient<B> engine() {
        return engine;
    }

    /** Writes theta, alpha and the optimizer state. */
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(params.length);
        for (double x : params) out.writeDouble(x);
        adam.write(out);
    }

    /** Restores what {@link #write} wrote (same algorithm and model). */
    public void read(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n != params.length) throw new IOException("checkpoint holds " + n + " meta-parameters, this learner has " + params.length + " (different model or algorithm?)");
        for (int i = 0; i < n; i++) params[i] = in.readDouble();
        adam.read(in);
        System.arraycopy(params, 0, theta, 0, p);
        if (gradAlpha != null) System.arraycopy(params, p, alpha, 0, p);
    }

    @Override
    public void close() {
        engine.close();
    }
}
