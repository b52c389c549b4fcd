package dev.metamorph.core.learn;

/**
 * A {@link Learner} that also offers an exact plain-Java {@link LearnerKernel}. Meta-learners
 * configured with {@code backend = auto} use the kernel when the learner implements this.
 *
 * @param <B> batch type
 */
public interface KernelLearner<B> extends Learner<B> {
    /** A new kernel with its own buffers (one per thread). */
    LearnerKernel<B> newKernel();
}
