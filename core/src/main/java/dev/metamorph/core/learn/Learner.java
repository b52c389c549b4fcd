package dev.metamorph.core.learn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one interface that meta-learners, the curriculum engine and evaluation train through:
 * a model seen as a function of one flat parameter vector. Implementations are deterministic
 * and not thread-safe (one per thread); theta is never modified.
 *
 * @param <B> the batch type (token ids and labels, regression points...)
 */
public interface Learner<B> {
    /** Named groups of theta. */
    ParamLayout layout();

    /** Floating-point type of theta, gradients and outputs. */
    DataType dataType();

    /** Fresh initial parameters, shape [size], drawn from the given generator. */
    INDArray initialParameters(RandomGenerator rng);

    /** Batch-mean loss and its gradient at theta. */
    LossAndGradient lossAndGradient(INDArray theta, B batch);

    /** Model outputs at theta: logits [batch, classes] for classification, values [batch, 1] for regression. */
    INDArray predict(INDArray theta, B batch);

    /** Batch-mean loss only. */
    default double loss(INDArray theta, B batch) {
        return lossAndGradient(theta, batch).loss();
    }

    /**
     * Task-batched form: row t of {@code thetas} [tasks, size] is task t's theta. Implementations
     * override this to evaluate all tasks in as few graph calls as possible.
     */
    default List<LossAndGradient> lossAndGradient(INDArray thetas, List<B> batches) {
        if (thetas.rows() != batches.size()) throw new IllegalArgumentException("thetas has " + thetas.rows() + " rows but " + batches.size() + " batches were given");
        List<LossAndGradient> out = new ArrayList<>(batches.size());
        for (int t = 0; t < batches.size(); t++) out.add(lossAndGradient(thetas.getRow(t), batches.get(t)));
        return out;
    }
}
