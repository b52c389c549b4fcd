package dev.metamorph.cli;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MeasuredMetaGradient;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.pipeline.DefinitionsEncoder;
import dev.metamorph.pipeline.EpisodeEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Episodes per second of meta-training the gated-attention encoder (BENCHMARKS.md section 3):
 * whole meta-iterations ({@link MetaLearner#metaStep}: inner loop, meta-gradient, outer Adam) on
 * random full-length N-way K-shot episodes with Q queries per class, for one algorithm on the
 * engine {@code maml.backend = auto} picks for it (first order on the learner's own gradients, on
 * the eager or the graph path, whichever it measured faster here; second order on SameDiff graphs).
 */
final class MetaTrainingSpeed {
    /** One measurement. */
    record Result(String algorithm, String engine, int metaBatch, int iterations, double msPerIteration, double episodesPerSecond) {}

    private MetaTrainingSpeed() {}

    static Result measure(ModelConfig c, MetaAlgorithm algorithm, int ways, int shots, int queries, int metaBatch, int warmup, int iterations, int threads, long seed) {
        SeededRandom rng = new SeededRandom(seed);
        GatedAttentionLearner learner = new GatedAttentionLearner(c);
        MamlConfig mc = MamlConfig.defaults().withAlgorithm(algorithm).withMetaBatch(metaBatch).withThreads(threads);
        var engine = MetaGradients.create(learner, mc, EpisodeEncoder::join, () -> new GatedAttentionLearner(c));
        try (MetaLearner<TokenBatch> meta = MetaLearner.create(mc, learner, rng, engine)) {
            List<TaskData<TokenBatch>> tasks = new ArrayList<>();
            boolean prototype = c.head() == ModelConfig.HeadType.PROTOTYPE;
            for (int t = 0; t < metaBatch; t++) {
                TokenBatch s = batch(rng, c, ways, shots), q = batch(rng, c, ways, queries);
                tasks.add(prototype
                        ? new TaskData<>("bench", TokenBatch.episode(s.ids(), s.labels(), s.ids(), s.labels()), TokenBatch.episode(s.ids(), s.labels(), q.ids(), q.labels()))
                        : new TaskData<>("bench", s, q));
            }
            for (int i = 0; i < warmup; i++) meta.metaStep(tasks);
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) meta.metaStep(tasks);
            double ms = (System.nanoTime() - t0) / 1e6 / iterations;
            String name = engine.getClass().getSimpleName();
            if (engine instanceof MeasuredMetaGradient<?> m) name = "KernelMetaGradient on the " + m.choice() + " path (auto, measured here: " + m.measuredMs() + " ms per meta-batch)";
            return new Result(algorithm.key(), name, metaBatch, iterations, ms, metaBatch / (ms / 1e3));
        }
    }

    /** ways x perClass rows of random full-length token ids, labels 0..ways-1. */
    private static TokenBatch batch(SeededRandom rng, ModelConfig c, int ways, int perClass) {
        int rows = ways * perClass;
        int[][] ids = new int[rows][c.maxLength()];
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < c.maxLength(); j++) ids[i][j] = 1 + rng.nextInt(c.vocabSize() - 1);
            labels[i] = i % ways;
        }
        return TokenBatch.of(ids, labels);
    }
}
