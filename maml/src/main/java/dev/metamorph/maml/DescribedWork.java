package dev.metamorph.maml;

import java.io.Serializable;

/**
 * Work that can run away from the driver, one small description at a time: a recipe (serializable:
 * it travels to executors) from which each process builds {@linkplain Worker workers} once, and
 * workers that turn a description and the broadcast parameters into a result. A result must be a
 * pure function of the description and the parameters, so that a retried or moved computation gives
 * the same result. Evaluation episodes go out this way ({@link DescribedWorkRunner}).
 *
 * @param <D> the description (record ids, seeds: never data)
 * @param <R> the result sent back
 */
public interface DescribedWork<D extends Serializable, R extends Serializable> extends Serializable {
    /** Identifies the recipe (a SHA-256): processes keep their workers by this key between calls. */
    String key();

    /** A new worker (not thread-safe: one per thread at a time). */
    Worker<D, R> newWorker();

    /** Computes results from descriptions; keeps its models and data between calls. Not thread-safe. */
    interface Worker<D, R> extends AutoCloseable {
        R apply(D description, double[] parameters);

        @Override
        default void close() {}
    }
}
