package dev.metamorph.core.data;

import java.util.random.RandomGenerator;

/** Samples one task; randomness comes in, nothing is stored globally. */
@FunctionalInterface
public interface TaskSampler<T> {
    T sample(RandomGenerator rng);
}
