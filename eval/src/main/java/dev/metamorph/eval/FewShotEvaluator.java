package dev.metamorph.eval;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.TaskData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
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
    private static final String STAGE = "eval";

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
    private final Supplier<? extends Learner<B>> replicas;
    private final int threads;
    private final QueryHead<B> head;

    /**
     * @param toTask turns an episode into support and query batches; the last {@code query.size()}
     *     rows of the learner's predictions on the query batch are the episode's query examples, in
     *     order (a query batch may lead with support rows, for instance to build class prototypes)
     * @param tokenCount tokens in a batch, for tokens/s (return 0 if not meaningful)
     */
    public FewShotEvaluator(Learner<B> learner, Function<Episode<E>, TaskData<B>> toTask, ToLongFunction<B> tokenCount) {
        this(learner, toTask, tokenCount, null, 1);
    }

    /**
     * As above, evaluating episodes on {@code threads} workers, each with its own learner from
     * {@code replicas} (learners are not thread-safe). Batches are built in the calling thread
     * ({@code toTask} need not be thread-safe); the scores are the same for any thread count, and
     * tokens/s is per worker (summed episode times).
     */
    public FewShotEvaluator(Learner<B> learner, Function<Episode<E>, TaskData<B>> toTask, ToLongFunction<B> tokenCount,
                            Supplier<? extends Learner<B>> replicas, int threads) {
        this(learner, toTask, tokenCount, replicas, threads, QueryHead.model());
    }

    private FewShotEvaluator(Learner<B> learner, Function<Episode<E>, TaskData<B>> toTask, ToLongFunction<B> tokenCount,
                             Supplier<? extends Learner<B>> replicas, int threads, QueryHead<B> head) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (threads > 1 && replicas == null) throw new IllegalArgumentException("evaluating on " + threads + " threads needs a supplier of learner replicas");
        this.learner = learner;
        this.toTask = toTask;
        this.tokenCount = tokenCount;
        this.replicas = replicas;
        this.threads = threads;
        this.head = java.util.Objects.requireNonNull(head, "head");
    }

    /** A copy that predicts the queries with {@code head} after adaptation (default: the learner's own head). */
    public FewShotEvaluator<E, B> withHead(QueryHead<B> head) {
        return new FewShotEvaluator<>(learner, toTask, tokenCount, replicas, threads, head);
    }

    /** Adapts a copy of theta on a batch; returns the adapted parameters. */
    public INDArray adapt(INDArray theta, B support, Adaptation a) {
        return adapt(learner, theta, support, a);
    }

    private static <B> INDArray adapt(Learner<B> learner, INDArray theta, B support, Adaptation a) {
        INDArray t = theta.dup();
        for (int s = 0; s < a.steps(); s++) {
            LossAndGradient lg = learner.lossAndGradient(t, support);
            INDArray g = lg.gradient().reshape(t.shape());
            if (a.mask() != null) g = g.mul(a.mask().reshape(t.shape()));
            t.subi(g.muli(a.lr()));
        }
        return t;
    }

    /**
     * Scores one episode.
     *
     * @throws NonFiniteException if theta, the adapted theta or a logit is NaN or infinite (a
     *     diverged model is never scored: its NaN logits would all count as class 0)
     */
    public ClassificationScore evaluate(INDArray theta, Episode<E> episode, Adaptation a, EpisodeScores sink) {
        requireFiniteTheta(theta);
        long start = System.nanoTime();
        Scored s = score(learner, theta, episode, -1, toTask.apply(episode), a);
        if (sink != null) {
            sink.add(s.score());
            sink.addWork(s.tokens(), System.nanoTime() - start);
        }
        return s.score();
    }

    /** One episode's score, the tokens processed and the time taken. */
    private record Scored(ClassificationScore score, long tokens, long nanos) {}

    private Scored score(Learner<B> learner, INDArray theta, Episode<E> episode, int index, TaskData<B> task, Adaptation a) {
        long start = System.nanoTime();
        B support = task.support();
        B query = task.query();
        INDArray adapted = adapt(learner, theta, support, a);
        String where = "episode " + (index >= 0 ? index + " " : "") + "(" + episode.domain() + ", classes " + episode.classes() + ")";
        String bad = NonFiniteException.describe("the parameters after " + a.steps() + " adaptation steps on the support set of " + where, adapted);
        if (bad != null) throw new NonFiniteException(STAGE, -1, bad, "the support-set fine-tuning diverged: lower eval.adapt-lr or eval.adapt-steps");
        INDArray logits = head.logits(learner, adapted, query);
        bad = NonFiniteException.describe("logits of the query set of " + where, logits);
        if (bad != null) throw new NonFiniteException(STAGE, -1, bad, "the model's outputs overflow at these parameters; it cannot be scored");
        int[] gold = episode.query().stream().mapToInt(Episode.Labeled::label).toArray();
        int[] all = argmaxRows(logits);
        if (all.length < gold.length) throw new IllegalStateException("The learner predicted " + all.length + " rows for " + gold.length + " query examples");
        int[] predicted = java.util.Arrays.copyOfRange(all, all.length - gold.length, all.length);
        ClassificationScore score = ClassificationScore.of(predicted, gold, episode.ways());
        long tokens = tokenCount.applyAsLong(support) * (a.steps() + 0L) + tokenCount.applyAsLong(query);
        return new Scored(score, tokens, System.nanoTime() - start);
    }

    /**
     * Scores a list of episodes.
     *
     * @throws NonFiniteException as {@link #evaluate} (naming the episode's index)
     */
    public EpisodeScores evaluateAll(INDArray theta, List<Episode<E>> episodes, Adaptation a) {
        requireFiniteTheta(theta);
        EpisodeScores scores = new EpisodeScores();
        if (threads == 1 || episodes.size() < 2) {
            for (int i = 0; i < episodes.size(); i++) {
                long start = System.nanoTime();
                Scored s = score(learner, theta, episodes.get(i), i, toTask.apply(episodes.get(i)), a);
                scores.add(s.score());
                scores.addWork(s.tokens(), System.nanoTime() - start);
            }
            return scores;
        }
        List<TaskData<B>> tasks = new ArrayList<>(episodes.size());
        for (Episode<E> e : episodes) tasks.add(toTask.apply(e));
        Scored[] results = new Scored[episodes.size()];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "eval-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                futures.add(pool.submit(() -> {
                    Learner<B> own = replicas.get();
                    for (int i; (i = next.getAndIncrement()) < results.length; ) results[i] = score(own, theta, episodes.get(i), i, tasks.get(i), a);
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("evaluation interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
        for (Scored s : results) {
            scores.add(s.score());
            scores.addWork(s.tokens(), s.nanos());
        }
        return scores;
    }

    private static void requireFiniteTheta(INDArray theta) {
        NonFiniteException.requireFinite(STAGE, -1, "theta to evaluate", theta, "a diverged model is never evaluated; train it again with a lower learning rate or gradient clipping");
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
