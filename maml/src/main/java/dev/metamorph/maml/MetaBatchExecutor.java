package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;

/**
 * Where a meta-iteration's tasks are drawn and their meta-gradients computed ({@code maml.executor}):
 * the seam between {@link MetaTrainingLoop} and the computation. {@link InProcessMetaBatches} is the
 * in-process path (the default, {@code local}); the spark module's executor sends task descriptions to
 * Spark executors and sums their per-task meta-gradients on the driver in a fixed order.
 *
 * <p>Contract: draw exactly {@code size} tasks with {@code rng}, advancing it exactly as drawing them
 * in process does (so that checkpoints and resumes hold the same sampler state whatever computes the
 * tasks), write the mean meta-gradient into {@code gradTheta} (and {@code gradAlpha} when it is not
 * null) and return the mean query loss. {@code theta} and {@code alpha} are read only.
 */
public interface MetaBatchExecutor extends AutoCloseable {
    double compute(SeededRandom rng, int size, double[] theta, double[] alpha, double[] gradTheta, double[] gradAlpha);

    /** Releases what the executor holds (a Spark context, workers); the loop never calls this. */
    @Override
    default void close() {}
}
