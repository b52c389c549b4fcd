package dev.metamorph.core.learn;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Learner} whose loss AND whose loss gradient can both be written as ordinary SameDiff
 * forward ops over a task-batched parameter matrix. Because the gradient is itself made of
 * forward ops, an inner step {@code theta' = theta - alpha * gradientOps(theta, support)} can be
 * placed inside a graph and differentiated again: one reverse pass then gives the exact
 * second-order MAML meta-gradient (ARCHITECTURE.md, "Exact second order").
 *
 * <p>All methods take {@code thetas} of shape [tasks, layout().size()] (row t = task t).
 *
 * @param <B> batch type, as for {@link Learner}
 */
public interface GraphLearner<B> extends Learner<B> {

    /** Declares the placeholders for one split of a meta-batch of {@code tasks} tasks shaped like {@code example}. */
    GraphInputs declareInputs(SameDiff sd, String prefix, int tasks, B example);

    /**
     * Tells the learner the parameters the next {@link #feed} calls run at ([tasks, size] or
     * [size]), for inputs computed outside the graph from theta (such as embedding rows). Meta-
     * learners call it before feeding. Added after the first version of this contract; the
     * default does nothing, which is right for learners whose feeds do not depend on theta.
     */
    default void bindParameters(INDArray thetas) {}

    /** Adds the feeds for those placeholders: {@code batches.get(t)} goes to task t. */
    void feed(GraphInputs inputs, List<B> batches, Map<String, INDArray> feeds);

    /** Per-task batch-mean loss, shape [tasks]. */
    SDVariable lossOps(SameDiff sd, SDVariable thetas, GraphInputs inputs);

    /**
     * Per-task gradient of {@link #lossOps} with respect to {@code thetas}, shape [tasks, size],
     * built from plain forward ops only (so that it can be differentiated again).
     */
    SDVariable gradientOps(SameDiff sd, SDVariable thetas, GraphInputs inputs);

    /**
     * Placeholders whose gradients carry outer-loop gradient for parameters kept outside the
     * graph (for instance embedding rows looked up in plain ND4J and fed in). Default: none.
     */
    default List<String> externalGradientInputs(GraphInputs inputs) {
        return List.of();
    }

    /**
     * The gradients of the per-task loss with respect to the {@link #externalGradientInputs} (same
     * order and shapes), written as forward ops like {@link #gradientOps}, for engines that take
     * gradients without a reverse pass. Default: none.
     */
    default List<SDVariable> externalGradientOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        return List.of();
    }

    /**
     * Adds the gradients SameDiff computed for {@link #externalGradientInputs} into the flat
     * per-task gradient rows {@code grads} [tasks, size] (for instance a scatter-add into the
     * embedding group). Default: nothing to add.
     */
    default void addExternalGradients(GraphInputs inputs, List<B> batches, Map<String, INDArray> inputGradients, INDArray grads) {}
}
