package dev.metamorph.core.learn;

/**
 * An exact, allocation-free CPU implementation of a learner's loss, gradient and Hessian-vector
 * product on plain {@code double[]} parameter vectors. Meta-learners use it instead of graph
 * calls when the model is small enough that per-call overhead dominates (the sinusoid MLP).
 * Everything is exact (no finite differences); the HVP is the forward-over-reverse
 * (Pearlmutter R-operator) pass, so it equals the gradient of {@code g(theta) . v}.
 *
 * <p>Not thread-safe: a kernel owns preallocated buffers; make one per thread with
 * {@link KernelLearner#newKernel()}.
 *
 * @param <B> batch type of the learner
 */
public interface LearnerKernel<B> {
    /** Number of parameters. */
    int size();

    /** Batch-mean loss at {@code theta}; writes the gradient into {@code grad} (length {@link #size()}). */
    double lossAndGradient(double[] theta, B batch, double[] grad);

    /**
     * Batch-mean loss, its gradient (into {@code grad}) and the exact Hessian-vector product
     * {@code H(theta) v} (into {@code hv}) in one pass. {@code grad} may be null when only the
     * Hessian-vector product is wanted.
     */
    double gradientAndHessianVector(double[] theta, B batch, double[] v, double[] grad, double[] hv);

    /**
     * {@code H(theta) v} into {@code hv}, reusing the activations and back-propagated errors of the
     * immediately preceding {@link #lossAndGradient} call on this kernel when it had the same
     * {@code theta} array (unchanged since) and the same batch; otherwise a full pass. Saves the
     * forward and backward passes the caller has just paid for. Default: a full pass.
     */
    default void hessianVectorAfterGradient(double[] theta, B batch, double[] v, double[] hv) {
        gradientAndHessianVector(theta, batch, v, new double[size()], hv);
    }

    /** Batch-mean loss only. */
    double loss(double[] theta, B batch);

    /** Model outputs for every row of the batch, row-major, into {@code out}. */
    void predict(double[] theta, B batch, double[] out);
}
