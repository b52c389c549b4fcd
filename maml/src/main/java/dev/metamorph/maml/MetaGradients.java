package dev.metamorph.maml;

import dev.metamorph.core.learn.GraphLearner;
import dev.metamorph.core.learn.KernelLearner;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.model.GatedAttentionLearner;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/** Chooses and builds the {@link MetaGradient} engine for a learner and {@code maml.backend}. */
public final class MetaGradients {
    private MetaGradients() {}

    /** As {@link #create(Learner, MamlConfig, BinaryOperator, Supplier)} with no replicas (one worker thread on the learner path). */
    public static <B> MetaGradient<B> create(Learner<B> learner, MamlConfig c, BinaryOperator<B> joiner) {
        return create(learner, c, joiner, null);
    }

    /**
     * {@code auto}: the learner's exact Java kernel when it offers one; otherwise, for the
     * first-order algorithms (fomaml, reptile, pretrain), the kernel engine over the learner's own
     * gradients ({@link LearnerKernelAdapter}), and for second order the SameDiff graphs. For the
     * gated-attention model the learner's gradients have two paths, the eager pass and the graph
     * with the backward written as ops: {@code auto} times both on the first meta-batch and keeps
     * the faster for the process ({@link MeasuredMetaGradient}).
     * {@code kernel} and {@code samediff} insist on that path and fail naming the key otherwise.
     *
     * @param joiner joins support and query batches (Reptile, pretraining baseline); may be null otherwise
     * @param replicas makes further learners like {@code learner} (learners are not thread-safe), so
     *     that the learner path can use {@code maml.threads} workers; null = one worker
     */
    public static <B> MetaGradient<B> create(Learner<B> learner, MamlConfig c, BinaryOperator<B> joiner, Supplier<? extends Learner<B>> replicas) {
        return create(learner, c, joiner, replicas, LearnerPath.AUTO);
    }

    /**
     * As {@link #create(Learner, MamlConfig, BinaryOperator, Supplier)}, with the gated-attention
     * model's learner path ({@code maml.learner-path}) given instead of measured when it is not
     * {@code auto}: every process of a distributed run must compute on one path.
     */
    public static <B> MetaGradient<B> create(Learner<B> learner, MamlConfig c, BinaryOperator<B> joiner, Supplier<? extends Learner<B>> replicas, LearnerPath path) {
        int steps = c.algorithm() == MetaAlgorithm.REPTILE ? c.reptileSteps() : c.innerSteps();
        boolean hasKernel = learner instanceof KernelLearner<?>;
        Backend b = c.backend();
        if (b == Backend.AUTO && !hasKernel && !c.algorithm().secondOrder()) {
            int threads = replicas == null ? 1 : c.threads() > 0 ? c.threads() : Runtime.getRuntime().availableProcessors();
            Supplier<LearnerKernelAdapter<B>> eager = replicas == null
                    ? () -> new LearnerKernelAdapter<>(learner)
                    : () -> new LearnerKernelAdapter<>(replicas.get());
            Supplier<MetaGradient<B>> eagerEngine = () -> new KernelMetaGradient<>(eager, c.algorithm(), steps, joiner, threads);
            // top-k reads of the episode memory channel and the ridge head fit are eager-only (the per-domain store read has both paths)
            boolean ridge = learner instanceof GatedAttentionLearner m && (m.config().hasRidge() || m.config().pooledLinear());
            boolean eagerOnly = ridge || learner instanceof GatedAttentionLearner m && m.config().hasMemory() && m.config().memory().topK() > 0;
            if (!(learner instanceof GatedAttentionLearner gal) || eagerOnly) {
                if (path == LearnerPath.GRAPH) throw new IllegalArgumentException("maml.learner-path = graph, but " + learner.getClass().getSimpleName()
                        + (ridge ? " with model.head-fit = ridge or model.pooled-linear = true" : eagerOnly ? " with memory.top-k > 0 (eager-only memory reads)" : "") + " has only its eager path; use auto or eager");
                return eagerEngine.get();
            }
            Supplier<LearnerKernelAdapter<B>> graph = replicas == null
                    ? () -> LearnerKernelAdapter.graphPath(gal)
                    : () -> LearnerKernelAdapter.graphPath((GatedAttentionLearner) replicas.get());
            if (path == LearnerPath.EAGER) return eagerEngine.get();
            if (path == LearnerPath.GRAPH) return new KernelMetaGradient<>(graph, c.algorithm(), steps, joiner, threads);
            String key = String.format("%s, %d parameters, %s, %s, %d steps", learner.getClass().getSimpleName(), learner.layout().size(),
                    learner.dataType().name().toLowerCase(java.util.Locale.ROOT), c.algorithm().key(), steps);
            return new MeasuredMetaGradient<>(key, List.of(new MeasuredMetaGradient.Candidate<>("eager", eagerEngine),
                    new MeasuredMetaGradient.Candidate<>("graph", () -> new KernelMetaGradient<>(graph, c.algorithm(), steps, joiner, threads))));
        }
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
