package dev.metamorph.maml;

import dev.metamorph.core.learn.TaskData;
import java.util.List;

/**
 * Computes one meta-batch's meta-gradient: the mean over tasks of d L_query(theta_K) / d theta
 * (for the algorithm it was built for), and for Meta-SGD also d/d alpha of the learned inner
 * rates. {@code alpha} is the per-parameter inner step vector: inner-lr everywhere for MAML,
 * inner-lr on the head and 0 elsewhere for ANIL, learned for Meta-SGD.
 *
 * @param <B> batch type
 */
public interface MetaGradient<B> extends AutoCloseable {
    /**
     * Writes the mean meta-gradient into {@code gradTheta} (and into {@code gradAlpha} when it is
     * not null) and returns the mean query loss at the adapted parameters.
     */
    double compute(double[] theta, double[] alpha, List<TaskData<B>> tasks, double[] gradTheta, double[] gradAlpha);

    /** Bytes of working memory this engine holds now (buffers, stored parameter vectors, graph arrays). */
    long workingBytes();

    @Override
    default void close() {}
}
