package dev.metamorph.curriculum;

import dev.metamorph.core.learn.Learner;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Elastic weight consolidation (Kirkpatrick et al. 2017) around the meta-trained theta_0:
 * {@code penalty(theta) = lambda/2 * sum_i F_i (theta_i - theta0_i)^2}, gradient
 * {@code lambda * F .* (theta - theta0)}.
 *
 * <p>F is the diagonal <em>empirical Fisher from batch gradients</em>: the mean over
 * {@code ewc-fisher-batches} base-domain batches of the squared batch-mean gradient at theta_0
 * ({@link #estimate}). Batches are opaque to the engine, so it cannot split them into examples;
 * this estimate is smaller than the per-example Fisher (by about the batch size where gradients
 * are independent), which {@code ewc-lambda} absorbs.
 */
public final class EwcPenalty {
    private final double lambda;
    private final double[] theta0;
    private final double[] fisher;

    /** A penalty with a given Fisher diagonal (both arrays are copied). */
    public EwcPenalty(double lambda, double[] theta0, double[] fisher) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) throw new IllegalArgumentException("EWC lambda must be finite and >= 0, got " + lambda);
        if (theta0.length != fisher.length) throw new IllegalArgumentException("EWC: theta0 has " + theta0.length + " values but the Fisher diagonal " + fisher.length);
        this.lambda = lambda;
        this.theta0 = theta0.clone();
        this.fisher = fisher.clone();
    }

    /** The diagonal empirical Fisher at {@code theta0}: mean of squared gradients of {@code batches} batches drawn from {@code base}. */
    public static <B> double[] estimate(Learner<B> learner, double[] theta0, BatchSource<B> base, int batches, RandomGenerator rng) {
        if (batches <= 0) throw new IllegalArgumentException("curriculum.ewc-fisher-batches must be >= 1, got " + batches);
        INDArray theta = FlatArrays.toLearner(theta0, learner);
        double[] f = new double[theta0.length];
        for (int b = 0; b < batches; b++) {
            double[] g = FlatArrays.toDoubles(learner.lossAndGradient(theta, base.next(rng)).gradient());
            for (int i = 0; i < f.length; i++) f[i] += g[i] * g[i];
        }
        for (int i = 0; i < f.length; i++) f[i] /= batches;
        return f;
    }

    public double lambda() {
        return lambda;
    }

    /** A copy of the Fisher diagonal. */
    public double[] fisher() {
        return fisher.clone();
    }

    /** {@code lambda/2 * sum F (theta - theta0)^2}. */
    public double penalty(double[] theta) {
        double s = 0;
        for (int i = 0; i < theta.length; i++) {
            double d = theta[i] - theta0[i];
            s += fisher[i] * d * d;
        }
        return 0.5 * lambda * s;
    }

    /** Adds {@code lambda * F .* (theta - theta0)} to {@code grad} in place. */
    public void addGradient(double[] theta, double[] grad) {
        for (int i = 0; i < theta.length; i++) grad[i] += lambda * fisher[i] * (theta[i] - theta0[i]);
    }
}
