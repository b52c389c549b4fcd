package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.memory.EvictionPolicy;
import dev.metamorph.memory.MemoryConfig;
import dev.metamorph.model.EncoderLayout;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact second-order MAML meta-gradient of a tiny gated-attention model with the external memory
 * channel on (prototype head, dense reads, double) against brute-force finite differences of the
 * whole meta-objective, on sampled adapter parameters and every memory parameter
 * ({@code memory.query.w}, {@code memory.label}, {@code memory.strength}, {@code memory.gain}); and
 * with the per-domain store read on ({@code memory.store}, a top-k read over views of different
 * sizes per task), its {@code memory.store.gain} and {@code memory.store.strength} as well.
 */
class MemoryMetaGradientTest {
    @BeforeAll
    static void dtype() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static int[][] ids(SeededRandom rng, int b, int t, int vocab) {
        int[][] ids = new int[b][t];
        for (int i = 0; i < b; i++) {
            int len = 1 + rng.nextInt(t);
            for (int j = 0; j < len; j++) ids[i][j] = 1 + rng.nextInt(vocab - 1);
        }
        return ids;
    }

    @Test
    void exactMetaGradientWithMemoryMatchesFiniteDifferences() {
        ModelConfig cfg = ModelConfig.defaults().withShape(20, 8, 2, 1, 12, 6).withHead(ModelConfig.HeadType.PROTOTYPE).withWays(3)
                .withDtype(DataType.DOUBLE).withGateInit(0.3).withMemory(new MemoryConfig(64, 4, 3, 0, EvictionPolicy.LEAST_USED, 3.0, 0.95, 2.0));
        check(cfg, new int[] {-1, -1}, List.of("memory.query.w", "memory.label", "memory.strength", "memory.gain"));
    }

    /** The store read (top-3 of views of 5 and 8 slots) inside the exact second-order meta-gradient. */
    @Test
    void exactMetaGradientWithTheStoreReadMatchesFiniteDifferences() {
        ModelConfig cfg = ModelConfig.defaults().withShape(20, 8, 2, 1, 12, 6).withHead(ModelConfig.HeadType.PROTOTYPE).withWays(3)
                .withDtype(DataType.DOUBLE).withGateInit(0.3)
                .withMemory(new MemoryConfig(64, 4, 3, 0, EvictionPolicy.LEAST_USED, 3.0, 0.95, 2.0).withStore(true, 0.8).withStoreRead(3, 3.0));
        check(cfg, new int[] {5, 8}, List.of("memory.store.gain", "memory.store.strength", "memory.query.w", "memory.gain"));
    }

    /** views[k]: the store view's slots of task k (-1: none); the first groups listed must have a meta-gradient. */
    private static void check(ModelConfig cfg, int[] views, List<String> groups) {
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(33);
        List<TaskData<TokenBatch>> tasks = new ArrayList<>();
        int[] sl = {0, 1, 2, 0, 1, 2}, ql = {0, 1, 2};
        for (int k = 0; k < 2; k++) {
            int[][] s = ids(rng, 6, 6, 20), q = ids(rng, 3, 6, 20);
            TokenBatch support = TokenBatch.of(s, sl), query = TokenBatch.episode(s, sl, q, ql);
            if (views[k] >= 0) {
                float[][] view = new float[views[k]][cfg.embeddingWidth()];
                for (float[] r : view) for (int x = 0; x < r.length; x++) r[x] = (float) rng.nextGaussian();
                support = support.withStore(view);
                query = query.withStore(view);
            }
            tasks.add(new TaskData<>("tiny", support, query));
        }
        double[] theta = learner.initialParameters(rng).castTo(DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < theta.length; i++) theta[i] += 0.3 * rng.nextGaussian();
        double[] alpha = new double[theta.length];
        Arrays.fill(alpha, 0.1);
        ParamGroup emb = learner.layout().group(EncoderLayout.TOKENS);
        Arrays.fill(alpha, (int) emb.offset(), (int) emb.end(), 0.0);
        List<Integer> picks = new ArrayList<>();
        for (String g : groups) {
            ParamGroup pg = learner.layout().group(g);
            for (long i = pg.offset(); i < pg.end(); i += Math.max(1, pg.length() / 6)) picks.add((int) i);
        }
        for (int j = 0; j < 8; j++) {
            int i;
            do {
                i = rng.nextInt(theta.length);
            } while (i >= emb.offset() && i < emb.end() || picks.contains(i));
            picks.add(i);
        }
        int[] sample = picks.stream().mapToInt(Integer::intValue).toArray();
        LearnerMetaObjective<TokenBatch> objective = new LearnerMetaObjective<>(learner);
        for (int steps : new int[] {1, 2}) {
            double[] fd = objective.finiteDifferences(theta, alpha, tasks, steps, sample, 1e-6);
            double[] g = new double[theta.length];
            learner.useEmbeddingsFrom(Nd4j.createFromArray(theta));
            try (SameDiffMetaGradient<TokenBatch> e = new SameDiffMetaGradient<>(learner, MetaAlgorithm.MAML, SecondOrderMode.UNROLLED, steps)) {
                e.compute(theta, alpha, tasks, g, null);
            }
            double[] picked = new double[sample.length];
            for (int j = 0; j < sample.length; j++) picked[j] = g[sample[j]];
            double err = MetaGradientCheck.relativeError(picked, fd);
            assertTrue(err <= 1e-6, steps + " steps: meta-gradient with memory, relative error " + err + "\nexact " + Arrays.toString(picked) + "\nfd    " + Arrays.toString(fd));
            int first = (int) Math.min(4, learner.layout().group(groups.get(0)).length());
            assertTrue(Arrays.stream(fd, 0, first).map(Math::abs).max().orElse(0) > 1e-6, "the group " + groups.get(0) + " has no meta-gradient to compare");
        }
    }
}
