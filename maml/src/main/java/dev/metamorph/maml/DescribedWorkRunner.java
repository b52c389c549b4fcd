package dev.metamorph.maml;

import java.io.Serializable;
import java.util.List;

/**
 * Runs {@link DescribedWork} on many descriptions at the same parameters and returns the results
 * in the descriptions' order, wherever they were computed (the spark module's runner: Spark
 * executors). Made by a {@link MetaBatchExecutorProvider}.
 */
public interface DescribedWorkRunner extends AutoCloseable {
    /** The results of {@code work} on each description at {@code parameters}, in the order of {@code descriptions}. */
    <D extends Serializable, R extends Serializable> List<R> map(DescribedWork<D, R> work, double[] parameters, List<D> descriptions);

    /** Releases what the runner holds (a Spark context). */
    @Override
    default void close() {}
}
