package dev.metamorph.datasets.sinusoid;

import dev.metamorph.core.learn.RegressionBatch;
import java.util.random.RandomGenerator;

/**
 * One sinusoid task {@code y = amplitude * sin(x - phase)}.
 */
public record SinusoidTask(double amplitude, double phase) {
    /** Lower end of the input range. */
    public static final double X_MIN = -5.0;
    /** Upper end of the input range. */
    public static final double X_MAX = 5.0;

    public SinusoidTask {
        if (!Double.isFinite(amplitude) || !Double.isFinite(phase)) throw new IllegalArgumentException("Sinusoid task needs finite amplitude and phase, got " + amplitude + ", " + phase);
    }

    public double value(double x) {
        return amplitude * Math.sin(x - phase);
    }

    /** {@code points} inputs drawn uniformly from [-5, 5) with their targets. */
    public RegressionBatch sample(RandomGenerator rng, int points) {
        if (points <= 0) throw new IllegalArgumentException("points must be >= 1, got " + points);
        double[] x = new double[points];
        double[] y = new double[points];
        for (int i = 0; i < points; i++) {
            x[i] = rng.nextDouble(X_MIN, X_MAX);
            y[i] = value(x[i]);
        }
        return new RegressionBatch(points, 1, 1, x, y);
    }

    /** {@code points} evenly spaced inputs over [-5, 5] (both ends included) with their targets. */
    public RegressionBatch grid(int points) {
        if (points < 2) throw new IllegalArgumentException("a grid needs >= 2 points, got " + points);
        double[] x = new double[points];
        double[] y = new double[points];
        for (int i = 0; i < points; i++) {
            x[i] = X_MIN + (X_MAX - X_MIN) * i / (points - 1);
            y[i] = value(x[i]);
        }
        return new RegressionBatch(points, 1, 1, x, y);
    }
}
