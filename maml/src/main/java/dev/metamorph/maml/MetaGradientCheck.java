package dev.metamorph.maml;

import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.TaskData;
import java.util.List;

/**
 * Brute-force check of a meta-gradient: central finite differences (double, step {@code eps}) of
 * the whole meta-objective {@code mean_t L_query(adapt_K(theta))}, where {@code adapt_K} is K plain
 * SGD steps {@code theta - alpha .* grad L_support(theta)} evaluated with the learner's kernel,
 * compared with the gradient an engine computed. For tests and {@code metamorph maml check} only:
 * finite differences never drive training.
 *
 * @param <B> batch type
 */
public final class MetaGradientCheck<B> {
    private final AdaptationEvaluator<B> evaluator;
    private final double eps;

    public MetaGradientCheck(LearnerKernel<B> kernel, double eps) {
        this.evaluator = new AdaptationEvaluator<>(kernel);
        this.eps = eps;
    }

    /** The meta-objective at theta. */
    public double objective(double[] theta, double[] alpha, List<TaskData<B>> tasks, int steps) {
        double[] l = evaluator.queryLosses(theta, alpha, tasks, steps);
        double s = 0;
        for (double x : l) s += x;
        return s / l.length;
    }

    /** d objective / d theta by central differences over every parameter. */
    public double[] finiteDifferenceTheta(double[] theta, double[] alpha, List<TaskData<B>> tasks, int steps) {
        double[] t = theta.clone();
        double[] fd = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            double old = t[i];
            t[i] = old + eps;
            double lp = objective(t, alpha, tasks, steps);
            t[i] = old - eps;
            double lm = objective(t, alpha, tasks, steps);
            t[i] = old;
            fd[i] = (lp - lm) / (2 * eps);
        }
        return fd;
    }

    /** d objective / d alpha (Meta-SGD's learned rates) by central differences. */
    public double[] finiteDifferenceAlpha(double[] theta, double[] alpha, List<TaskData<B>> tasks, int steps) {
        double[] a = alpha.clone();
        double[] fd = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double old = a[i];
            a[i] = old + eps;
            double lp = objective(theta, a, tasks, steps);
            a[i] = old - eps;
            double lm = objective(theta, a, tasks, steps);
            a[i] = old;
            fd[i] = (lp - lm) / (2 * eps);
        }
        return fd;
    }

    /** {@code ||a - b|| / max(||a||, ||b||)}. */
    public static double relativeError(double[] a, double[] b) {
        double num = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(Math.max(na, nb)), 1e-300);
    }
}
