package dev.metamorph.curriculum;

import java.util.random.RandomGenerator;

/**
 * Draws training batches of one domain. A source must draw all its randomness from the generator
 * it is given (and keep no other state that changes between calls), so that a checkpoint holding
 * the generator's state resumes the same stream of batches.
 *
 * @param <B> the learner's batch type
 */
@FunctionalInterface
public interface BatchSource<B> {
    /** The next batch. */
    B next(RandomGenerator rng);
}
