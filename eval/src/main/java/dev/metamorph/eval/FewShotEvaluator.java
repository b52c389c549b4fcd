package dev.metamorph.eval;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.TaskData;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Few-shot evaluation through a {@link Learner}: for each episode, adapt a copy of theta with a
 * few SGD steps on the support set (optionally on some parameter groups only), predict the
 * query set, and score accuracy and macro-F1. theta is never modified.
 *
 * @param <E> example type of the episodes
 * @param <B> batch type of the learner
 */
public final class FewShotEvaluator<E, B> {

    /** Inner-loop settings: {@code steps} SGD steps with learning rate {@code lr}; {@code mask} (null = all) selects trainable entries. */
    public record Adaptation(int steps, double lr, INDArray mask) {
        public Adaptation {
            if (steps < 0) throw new IllegalArgumentException("adaptation steps must be >= 0, got " + steps);
            if (!(lr >= 0)) throw new IllegalArgumentException("adaptation lr must be >= 0, got " + lr);
        }
    }

    private final Learner<B> learner;
    private final Function<Episode<E>, TaskData<B>> toTask;
    private final ToLongFunction<B> tokenCount;

    /**
     * @param toTask turns an episode into support and query batches; the last {@code query.size()}
     *     rows of the learner's predictions on the query batch are the episode's query examples, in
     *     order (a query batch may lead with support rows, for instance to build class prototypes)
     * @param tokenCount tokens in a batch, for tokens/s (return 0 if not meaningful)
     */
    public FewShotEvaluator(Learner<B> learner, Function<Episode<E>, TaskData<B>> toTask, ToLongFunction<B> tokenCount) {
        this.learner = learner;
        this.toTask = toTask;
        this.tokenCount = tokenCount;
    }

    /** Adapts a copy of theta on a batch; returns the adapted parameters. */
    public INDArray adapt(INDArray theta, B support, Adaptation a) {
        INDArray t = theta.dup();
        for (int s = 0; s < a.steps(); s++) {
            LossAndGradient lg = learner.lossAndGradient(t, support);
            INDArray g = lg.gradient().reshape(t.shape());
            if (a.mask() != null) g = g.mul(a.mask().reshape(t.shape()));
            t.subi(g.muli(a.lr()));
        }
        return t;
    }

    /** Scores one episode. */
    public ClassificationScore evaluate(INDArray theta, Episode<E> episode, Adaptation a, EpisodeScores sink) {
        long start = System.nanoTime();
        TaskData<B> task = toTask.apply(episode);
        B support = task.support();
        B query = task.query();
        INDArray adapted = adapt(theta, support, a);
        INDArray logits = learner.predict(adapted, query);
        int[] gold = episode.query().stream().mapToInt(Episode.Labeled::label).toArray();
        int[] all = argmaxRows(logits);
        if (all.length < gold.length) throw new IllegalStateException("The learner predicted " + all.length + " rows for " + gold.length + " query examples");
        int[] predicted = java.util.Arrays.copyOfRange(all, all.length - gold.length, all.length);
        ClassificationScore score = ClassificationScore.of(predicted, gold, episode.ways());
        if (sink != null) {
            sink.add(score);
            long tokens = tokenCount.applyAsLong(support) * (a.steps() + 0L) + tokenCount.applyAsLong(query);
            sink.addWork(tokens, System.nanoTime() - start);
        }
        return score;
    }

    /** Scores a list of episodes. */
    public EpisodeScores evaluateAll(INDArray theta, List<Episode<E>> episodes, Adaptation a) {
        EpisodeScores scores = new EpisodeScores();
        for (Episode<E> e : episodes) evaluate(theta, e, a, scores);
        return scores;
    }

    static int[] argmaxRows(INDArray logits) {
        int rows = (int) logits.size(0);
        int cols = (int) logits.size(1);
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            double bv = logits.getDouble(r, 0);
            for (int c = 1; c < cols; c++) {
                double v = logits.getDouble(r, c);
                if (v > bv) {
                    bv = v;
                    best = c;
                }
            }
            out[r] = best;
        }
        return out;
    }
}
