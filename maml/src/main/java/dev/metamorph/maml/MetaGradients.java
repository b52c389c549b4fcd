package dev.metamorph.maml;

import dev.metamorph.core.learn.GraphLearner;
import dev.metamorph.core.learn.KernelLearner;
import dev.metamorph.core.learn.Learner;
import java.util.function.BinaryOperator;

/** Chooses and builds the {@link MetaGradient} engine for a learner and {@code maml.backend}. */
public final class MetaGradients {
    private MetaGradients() {}

    /**
     * {@code auto}: the learner's exact Java kernel when it offers one, else SameDiff graphs;
     * {@code kernel} and {@code samediff} insist on that path and fail naming the key otherwise.
     *
     * @param joiner joins support and query batches (Reptile, pretraining baseline); may be null otherwise
     */
    public static <B> MetaGradient<B> create(Learner<B> learner, MamlConfig c, BinaryOperator<B> joiner) {
        int steps = c.algorithm() == MetaAlgorithm.REPTILE ? c.reptileSteps() : c.innerSteps();
        boolean hasKernel = learner instanceof KernelLearner<?>;
        Backend b = c.backend();
        if (b == Backend.AUTO) b = hasKernel ? Backend.KERNEL : Backend.SAMEDIFF;
        if (b == Backend.KERNEL) {
            if (!hasKernel) throw new IllegalArgumentException("maml.backend = kernel, but " + learner.getClass().getSimpleName() + " offers no exact Java kernel; use maml.backend = samediff or auto");
            KernelLearner<B> kl = (KernelLearner<B>) learner;
            int threads = c.threads() > 0 ? c.threads() : Runtime.getRuntime().availableProcessors();
            return new KernelMetaGradient<>(kl::newKernel, c.algorithm(), steps, joiner, threads);
        }
        if (!(learner instanceof GraphLearner<?>)) throw new IllegalArgumentException("maml.backend = samediff needs a GraphLearner (loss and gradient as graph ops), but " + learner.getClass().getSimpleName() + " is not one");
        return new SameDiffMetaGradient<>((GraphLearner<B>) learner, c.algorithm(), c.secondOrderMode(), steps);
    }
}
