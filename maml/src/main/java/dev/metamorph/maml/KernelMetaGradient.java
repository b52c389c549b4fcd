package dev.metamorph.maml;

import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.TaskData;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Meta-gradients on a learner's exact plain-Java {@link LearnerKernel}, task by task, with
 * preallocated buffers (no allocation per iteration except Reptile's joined batches).
 *
 * <p>Second order (MAML, ANIL, Meta-SGD): the inner steps {@code theta_{k+1} = theta_k - alpha .* g(theta_k)}
 * run forward keeping only the K+1 parameter vectors; then the steps are walked in reverse,
 * {@code v <- v - H(theta_k) (alpha .* v)} with one exact Hessian-vector product each (the
 * kernel's R-operator pass), starting from {@code v = grad L_query(theta_K)}. This is the exact
 * meta-gradient (the same quantity as differentiating the unrolled graph), with memory
 * K parameter vectors instead of an autograd tape of activations. Meta-SGD's rate gradient
 * accumulates {@code -g(theta_k) .* v_{k+1}}.
 *
 * @param <B> batch type
 */
public final class KernelMetaGradient<B> implements MetaGradient<B> {
    private final LearnerKernel<B> kernel;
    private final MetaAlgorithm algorithm;
    private final int steps;
    private final BinaryOperator<B> joiner;
    private final int p;
    private final double[][] thetas;
    private final double[] grad;
    private final double[] v;
    private final double[] u;
    private final double[] hv;

    /**
     * @param steps inner steps (for Reptile: its own step count)
     * @param joiner joins support and query (needed by Reptile and the pretraining baseline), may be null otherwise
     */
    public KernelMetaGradient(LearnerKernel<B> kernel, MetaAlgorithm algorithm, int steps, BinaryOperator<B> joiner) {
        if ((algorithm == MetaAlgorithm.REPTILE || algorithm == MetaAlgorithm.PRETRAIN) && joiner == null) throw new IllegalArgumentException(algorithm.key() + " trains on support and query together and needs a batch joiner");
        this.kernel = kernel;
        this.algorithm = algorithm;
        this.steps = steps;
        this.joiner = joiner;
        this.p = kernel.size();
        this.thetas = new double[steps + 1][p];
        this.grad = new double[p];
        this.v = new double[p];
        this.u = new double[p];
        this.hv = new double[p];
    }

    @Override
    public long workingBytes() {
        return 8L * p * (thetas.length + 4);
    }

    /** Runs {@code steps} inner SGD steps from {@code theta} into {@code thetas[0..steps]}. */
    private void innerLoop(double[] theta, double[] alpha, B batch, int k) {
        System.arraycopy(theta, 0, thetas[0], 0, p);
        for (int s = 0; s < k; s++) {
            kernel.lossAndGradient(thetas[s], batch, grad);
            double[] cur = thetas[s], next = thetas[s + 1];
            for (int i = 0; i < p; i++) next[i] = cur[i] - alpha[i] * grad[i];
        }
    }

    @Override
    public double compute(double[] theta, double[] alpha, List<TaskData<B>> tasks, double[] gradTheta, double[] gradAlpha) {
        Arrays.fill(gradTheta, 0.0);
        if (gradAlpha != null) Arrays.fill(gradAlpha, 0.0);
        double lossSum = 0;
        for (TaskData<B> task : tasks) {
            switch (algorithm) {
                case PRETRAIN -> {
                    lossSum += kernel.lossAndGradient(theta, joiner.apply(task.support(), task.query()), grad);
                    for (int i = 0; i < p; i++) gradTheta[i] += grad[i];
                }
                case REPTILE -> {
                    B all = joiner.apply(task.support(), task.query());
                    innerLoop(theta, alpha, all, steps);
                    lossSum += kernel.loss(thetas[steps], task.query());
                    double[] last = thetas[steps];
                    // (theta - theta_K) / (alpha K): the mean inner gradient along the path, gradient-scaled for Adam and clipping
                    for (int i = 0; i < p; i++) gradTheta[i] += alpha[i] == 0 ? 0 : (theta[i] - last[i]) / (alpha[i] * steps);
                }
                case FOMAML -> {
                    innerLoop(theta, alpha, task.support(), steps);
                    lossSum += kernel.lossAndGradient(thetas[steps], task.query(), grad);
                    for (int i = 0; i < p; i++) gradTheta[i] += grad[i];
                }
                case MAML, ANIL, META_SGD -> {
                    innerLoop(theta, alpha, task.support(), steps);
                    lossSum += kernel.lossAndGradient(thetas[steps], task.query(), v);
                    for (int s = steps - 1; s >= 0; s--) {
                        for (int i = 0; i < p; i++) u[i] = alpha[i] * v[i];
                        kernel.gradientAndHessianVector(thetas[s], task.support(), u, grad, hv);
                        if (gradAlpha != null) for (int i = 0; i < p; i++) gradAlpha[i] -= grad[i] * v[i];
                        for (int i = 0; i < p; i++) v[i] -= hv[i];
                    }
                    for (int i = 0; i < p; i++) gradTheta[i] += v[i];
                }
            }
        }
        int n = tasks.size();
        for (int i = 0; i < p; i++) gradTheta[i] /= n;
        if (gradAlpha != null) for (int i = 0; i < p; i++) gradAlpha[i] /= n;
        return lossSum / n;
    }
}
