package dev.metamorph.eval;

import dev.metamorph.core.data.Episode;
import java.util.ArrayList;
import java.util.List;

/** Per-episode scores collected over an evaluation, summarised with 95% confidence intervals. */
public final class EpisodeScores {
    private final List<ClassificationScore> scores = new ArrayList<>();
    private long tokens;
    private long nanos;

    /**
     * Scores a classifier on episodes: per episode, accuracy and macro-F1 of its query predictions
     * ({@link ClassificationScore#of}), summarised over episodes with 95% CIs, as every row of the
     * table is scored. The time taken is recorded (no tokens).
     */
    public static <E> EpisodeScores of(List<Episode<E>> episodes, EpisodeClassifier<E> classifier) {
        EpisodeScores scores = new EpisodeScores();
        for (Episode<E> e : episodes) {
            long t0 = System.nanoTime();
            int[] predicted = classifier.predict(e);
            int[] gold = e.query().stream().mapToInt(Episode.Labeled::label).toArray();
            if (predicted.length != gold.length) {
                throw new IllegalStateException("A floor predicted " + predicted.length + " labels for the " + gold.length
                        + " queries of an episode of " + e.domain());
            }
            scores.add(ClassificationScore.of(predicted, gold, e.ways()));
            scores.addWork(0, System.nanoTime() - t0);
        }
        return scores;
    }

    public void add(ClassificationScore s) {
        scores.add(s);
    }

    /** Records work done, for tokens/s. */
    public void addWork(long tokensProcessed, long elapsedNanos) {
        tokens += tokensProcessed;
        nanos += elapsedNanos;
    }

    public int episodes() {
        return scores.size();
    }

    public MeanWithCi accuracy() {
        return MeanWithCi.of(scores.stream().mapToDouble(ClassificationScore::accuracy).toArray());
    }

    public MeanWithCi macroF1() {
        return MeanWithCi.of(scores.stream().mapToDouble(ClassificationScore::macroF1).toArray());
    }

    /** Tokens processed in the recorded work. */
    public long tokens() {
        return tokens;
    }

    /** Nanoseconds of the recorded work. */
    public long nanos() {
        return nanos;
    }

    /** Tokens per second over the recorded work, or NaN when none was recorded. */
    public double tokensPerSecond() {
        return nanos == 0 ? Double.NaN : tokens * 1e9 / nanos;
    }
}
