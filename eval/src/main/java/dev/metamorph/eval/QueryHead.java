package dev.metamorph.eval;

import dev.metamorph.core.learn.Learner;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How an evaluation turns adapted parameters into query logits. The default is the learner's own
 * head ({@link Learner#predict}); a fitted head instead fits a classifier on the support rows' embeddings
 * at those parameters. Implementations must be thread-safe (evaluation workers share one).
 *
 * @param <B> batch type of the learner
 */
@FunctionalInterface
public interface QueryHead<B> {
    /** Logits [rows, ways] for every row of {@code query} at {@code theta} (the query batch may lead with the support rows). */
    INDArray logits(Learner<B> learner, INDArray theta, B query);

    /** The learner's own head. */
    static <B> QueryHead<B> model() {
        return Learner::predict;
    }
}
