package dev.metamorph.eval;

import dev.metamorph.core.data.Episode;

/**
 * A classifier that needs no training across tasks: from one episode's labelled support set it
 * predicts the episode-local class (0..ways-1) of each query, in query order. The floors of
 * BENCHMARKS.md section 2 are such classifiers; {@link EpisodeScores#of} scores them.
 *
 * @param <E> example type of the episodes
 */
@FunctionalInterface
public interface EpisodeClassifier<E> {
    int[] predict(Episode<E> episode);
}
