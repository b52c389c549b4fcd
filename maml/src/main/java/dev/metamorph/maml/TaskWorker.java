package dev.metamorph.maml;

/**
 * Computes single tasks' meta-gradients from their descriptions: resolves the description to the
 * task (reading data and cached features from the shared path) and runs the meta-gradient engine on
 * that one task. Keeps its learner and graphs between calls. Not thread-safe.
 *
 * @param <D> the task description
 */
public interface TaskWorker<D> extends AutoCloseable {
    /** Parameters of theta (the length of the gradients). */
    int size();

    /**
     * The meta-gradient of one task into {@code gradTheta} (and {@code gradAlpha} when not null);
     * returns its query loss. Bitwise the same as the engine's result for a meta-batch of that one task.
     */
    double compute(D task, double[] theta, double[] alpha, double[] gradTheta, double[] gradAlpha);

    @Override
    default void close() {}
}
