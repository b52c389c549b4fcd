package dev.metamorph.maml;

import java.util.Arrays;

/**
 * Sums per-task meta-gradients and losses in task order (0, 1, ..., n-1), whatever order they
 * arrive in, then divides by n: the same arithmetic as {@link KernelMetaGradient}'s rows, so a
 * meta-batch computed task by task elsewhere gives bitwise the same mean as that engine in process.
 * Not thread-safe.
 */
public final class TaskGradientSum {
    private final int n;
    private final double[][] grads;
    private final double[][] gradsAlpha;
    private final double[] losses;
    private final boolean[] seen;

    /** @param withAlpha whether rate gradients (Meta-SGD) are summed too */
    public TaskGradientSum(int tasks, boolean withAlpha) {
        if (tasks < 1) throw new IllegalArgumentException("a meta-batch has >= 1 task, got " + tasks);
        this.n = tasks;
        this.grads = new double[tasks][];
        this.gradsAlpha = withAlpha ? new double[tasks][] : null;
        this.losses = new double[tasks];
        this.seen = new boolean[tasks];
    }

    /** Records task {@code index}'s result (the arrays are kept, not copied); a task reported twice fails. */
    public void put(int index, double loss, double[] gradTheta, double[] gradAlpha) {
        if (index < 0 || index >= n) throw new IllegalArgumentException("task index " + index + " outside the meta-batch of " + n);
        if (seen[index]) throw new IllegalStateException("task " + index + " of the meta-batch was reported twice");
        if ((gradsAlpha != null) != (gradAlpha != null)) throw new IllegalArgumentException("task " + index + ": rate gradient " + (gradAlpha == null ? "missing" : "not expected"));
        seen[index] = true;
        losses[index] = loss;
        grads[index] = gradTheta;
        if (gradsAlpha != null) gradsAlpha[index] = gradAlpha;
    }

    /** Writes the means into {@code gradTheta} (and {@code gradAlpha}); returns the mean loss. Fails naming a missing task. */
    public double mean(double[] gradTheta, double[] gradAlpha) {
        for (int t = 0; t < n; t++) if (!seen[t]) throw new IllegalStateException("task " + t + " of the meta-batch of " + n + " has no result");
        int p = gradTheta.length;
        Arrays.fill(gradTheta, 0.0);
        boolean withAlpha = gradsAlpha != null && gradAlpha != null;
        if (withAlpha) Arrays.fill(gradAlpha, 0.0);
        double lossSum = 0;
        for (int t = 0; t < n; t++) {
            double[] g = grads[t];
            if (g.length != p) throw new IllegalStateException("task " + t + " sent " + g.length + " gradient values, theta has " + p);
            for (int i = 0; i < p; i++) gradTheta[i] += g[i];
            if (withAlpha) {
                double[] ga = gradsAlpha[t];
                for (int i = 0; i < p; i++) gradAlpha[i] += ga[i];
            }
            lossSum += losses[t];
        }
        for (int i = 0; i < p; i++) gradTheta[i] /= n;
        if (withAlpha) for (int i = 0; i < p; i++) gradAlpha[i] /= n;
        return lossSum / n;
    }
}
