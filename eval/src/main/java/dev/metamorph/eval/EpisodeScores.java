package dev.metamorph.eval;

import java.util.ArrayList;
import java.util.List;

/** Per-episode scores collected over an evaluation, summarised with 95% confidence intervals. */
public final class EpisodeScores {
    private final List<ClassificationScore> scores = new ArrayList<>();
    private long tokens;
    private long nanos;

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

    /** Tokens per second over the recorded work, or NaN when none was recorded. */
    public double tokensPerSecond() {
        return nanos == 0 ? Double.NaN : tokens * 1e9 / nanos;
    }
}
