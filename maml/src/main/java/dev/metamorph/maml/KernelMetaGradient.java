package dev.metamorph.maml;

import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.TaskData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * Meta-gradients on a learner's exact plain-Java {@link LearnerKernel}, with preallocated buffers
 * (no allocation per iteration except Reptile's joined batches).
 *
 * <p>Second order (MAML, ANIL, Meta-SGD): the inner steps {@code theta_{k+1} = theta_k - alpha .* g(theta_k)}
 * run forward keeping only the K+1 parameter vectors; then the steps are walked in reverse,
 * {@code v <- v - H(theta_k) (alpha .* v)} with one exact Hessian-vector product each (the
 * kernel's R-operator pass), starting from {@code v = grad L_query(theta_K)}. This is the exact
 * meta-gradient (the same quantity as differentiating the unrolled graph), with memory
 * K parameter vectors instead of an autograd tape of activations. Meta-SGD's rate gradient
 * accumulates {@code -g(theta_k) .* v_{k+1}}. The last inner step's forward and backward pass
 * is reused by the first reverse HVP (support and query run on separate kernels for that).
 *
 * <p>Tasks are spread over {@code threads} workers (each with its own kernels); every task's
 * gradient goes to its own row and the rows are summed in task order, so the result is bitwise
 * the same for any number of threads.
 *
 * @param <B> batch type
 */
public final class KernelMetaGradient<B> implements MetaGradient<B> {
    private final MetaAlgorithm algorithm;
    private final int steps;
    private final BinaryOperator<B> joiner;
    private final int p;
    private final List<Worker> workers = new ArrayList<>();
    private final ExecutorService pool;
    private double[][] taskGrad = new double[0][];
    private double[][] taskGradAlpha = new double[0][];
    private double[] taskLoss = new double[0];

    /** Single-threaded engine on one kernel (a second one is made with {@code kernels}). */
    public KernelMetaGradient(Supplier<? extends LearnerKernel<B>> kernels, MetaAlgorithm algorithm, int steps, BinaryOperator<B> joiner) {
        this(kernels, algorithm, steps, joiner, 1);
    }

    /**
     * @param kernels makes the kernels (two per thread)
     * @param steps inner steps (for Reptile: its own step count)
     * @param joiner joins support and query (needed by Reptile and the pretraining baseline), may be null otherwise
     * @param threads worker threads, >= 1
     */
    public KernelMetaGradient(Supplier<? extends LearnerKernel<B>> kernels, MetaAlgorithm algorithm, int steps, BinaryOperator<B> joiner, int threads) {
        if ((algorithm == MetaAlgorithm.REPTILE || algorithm == MetaAlgorithm.PRETRAIN) && joiner == null) throw new IllegalArgumentException(algorithm.key() + " trains on support and query together and needs a batch joiner");
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.algorithm = algorithm;
        this.steps = steps;
        this.joiner = joiner;
        for (int w = 0; w < threads; w++) workers.add(new Worker(kernels.get(), kernels.get()));
        this.p = workers.get(0).support.size();
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "meta-gradient-worker");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    @Override
    public long workingBytes() {
        return 8L * p * ((long) workers.size() * (steps + 5) + taskGrad.length + taskGradAlpha.length);
    }

    /** One thread's kernels and buffers. */
    private final class Worker {
        final LearnerKernel<B> support;
        final LearnerKernel<B> query;
        final double[][] thetas;
        final double[] grad, v, u, hv;

        Worker(LearnerKernel<B> support, LearnerKernel<B> query) {
            this.support = support;
            this.query = query;
            int n = support.size();
            this.thetas = new double[steps + 1][n];
            this.grad = new double[n];
            this.v = new double[n];
            this.u = new double[n];
            this.hv = new double[n];
        }

        /** {@code k} inner SGD steps from theta into thetas[0..k]; grad ends as g(theta_{k-1}). */
        void innerLoop(double[] theta, double[] alpha, B batch, int k) {
            System.arraycopy(theta, 0, thetas[0], 0, p);
            for (int s = 0; s < k; s++) {
                support.lossAndGradient(thetas[s], batch, grad);
                double[] cur = thetas[s], next = thetas[s + 1];
                for (int i = 0; i < p; i++) next[i] = cur[i] - alpha[i] * grad[i];
            }
        }

        /** One task's meta-gradient into gt (and ga); returns its query loss. */
        double task(double[] theta, double[] alpha, TaskData<B> task, double[] gt, double[] ga) {
            switch (algorithm) {
                case PRETRAIN -> {
                    return support.lossAndGradient(theta, joiner.apply(task.support(), task.query()), gt);
                }
                case REPTILE -> {
                    innerLoop(theta, alpha, joiner.apply(task.support(), task.query()), steps);
                    double[] last = thetas[steps];
                    // (theta - theta_K) / (alpha K): the mean inner gradient along the path, gradient-scaled for Adam and clipping
                    for (int i = 0; i < p; i++) gt[i] = alpha[i] == 0 ? 0 : (theta[i] - last[i]) / (alpha[i] * steps);
                    return query.loss(last, task.query());
                }
                case FOMAML -> {
                    innerLoop(theta, alpha, task.support(), steps);
                    return query.lossAndGradient(thetas[steps], task.query(), gt);
                }
                default -> {
                    innerLoop(theta, alpha, task.support(), steps);
                    double loss = query.lossAndGradient(thetas[steps], task.query(), v);
                    if (ga != null) Arrays.fill(ga, 0.0);
                    for (int s = steps - 1; s >= 0; s--) {
                        for (int i = 0; i < p; i++) u[i] = alpha[i] * v[i];
                        if (s == steps - 1) {
                            // support's last call was lossAndGradient(thetas[steps-1]); grad still holds g(theta_{K-1})
                            support.hessianVectorAfterGradient(thetas[s], task.support(), u, hv);
                        } else {
                            support.gradientAndHessianVector(thetas[s], task.support(), u, ga != null ? grad : null, hv);
                        }
                        if (ga != null) for (int i = 0; i < p; i++) ga[i] -= grad[i] * v[i];
                        for (int i = 0; i < p; i++) v[i] -= hv[i];
                    }
                    System.arraycopy(v, 0, gt, 0, p);
                    return loss;
                }
            }
        }

        void run(double[] theta, double[] alpha, List<TaskData<B>> tasks, boolean withAlpha, int from, int stride) {
            for (int t = from; t < tasks.size(); t += stride) taskLoss[t] = task(theta, alpha, tasks.get(t), taskGrad[t], withAlpha ? taskGradAlpha[t] : null);
        }
    }

    @Override
    public double compute(double[] theta, double[] alpha, List<TaskData<B>> tasks, double[] gradTheta, double[] gradAlpha) {
        int n = tasks.size();
        boolean withAlpha = gradAlpha != null;
        if (taskGrad.length < n) {
            taskGrad = new double[n][p];
            taskLoss = new double[n];
        }
        if (withAlpha && taskGradAlpha.length < n) taskGradAlpha = new double[n][p];
        int stride = workers.size();
        List<Future<?>> running = new ArrayList<>();
        for (int w = 1; w < stride; w++) {
            Worker worker = workers.get(w);
            int from = w;
            running.add(pool.submit(() -> worker.run(theta, alpha, tasks, withAlpha, from, stride)));
        }
        workers.get(0).run(theta, alpha, tasks, withAlpha, 0, stride);
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while computing a meta-gradient", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("meta-gradient worker failed: " + e.getCause(), e.getCause());
            }
        }
        Arrays.fill(gradTheta, 0.0);
        if (withAlpha) Arrays.fill(gradAlpha, 0.0);
        double lossSum = 0;
        for (int t = 0; t < n; t++) {
            double[] g = taskGrad[t];
            for (int i = 0; i < p; i++) gradTheta[i] += g[i];
            if (withAlpha) {
                double[] ga = taskGradAlpha[t];
                for (int i = 0; i < p; i++) gradAlpha[i] += ga[i];
            }
            lossSum += taskLoss[t];
        }
        for (int i = 0; i < p; i++) gradTheta[i] /= n;
        if (withAlpha) for (int i = 0; i < p; i++) gradAlpha[i] /= n;
        return lossSum / n;
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
