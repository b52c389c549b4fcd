package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The prototype head's ridge fit ({@code model.head-fit = ridge}): its logits are exp(head.scale)
 * times the ridge regression K_iS (K_SS + l2 I)^-1 Y_S over the joint kernel, computed here apart
 * from the model; a prototype row is left out of its own fit; finite differences in double over
 * every parameter, for an episode (query loss) and a support-only batch (leave-one-out loss); the
 * graph path refuses it. The linear residual map of the pooled embedding ({@code model.pooled-linear}):
 * zero at the start (the embedding unchanged), linear in the pooled embedding, finite differences.
 */
class RidgeHeadTest {
    static final double L2 = 0.7, LEX_W = 0.4, GAIN = 10.0;

    static ModelConfig config() {
        return BaseAdapterTest.config(ModelConfig.HeadType.PROTOTYPE).withRidge(new ModelConfig.Ridge(L2, LEX_W, GAIN));
    }

    static TokenBatch episode(SeededRandom rng, int supports, int queries) {
        int ways = BaseAdapterTest.WAYS;
        float[][][] s = BaseAdapterTest.rows(rng, supports, 6), q = BaseAdapterTest.rows(rng, queries, 6);
        int[] sl = new int[supports], ql = new int[queries];
        for (int i = 0; i < supports; i++) sl[i] = i % ways;
        for (int i = 0; i < queries; i++) ql[i] = (i * 2 + 1) % ways;
        double[][] lex = BaseAdapterTest.lexical(rng, supports + queries);
        for (double[] row : lex) for (int j = 0; j < row.length; j++) row[j] *= GAIN;
        return TokenBatch.episode(TokenBatch.ofBase(s[0], s[1], BaseAdapterTest.BASE_DIM, 8, sl), TokenBatch.ofBase(q[0], q[1], BaseAdapterTest.BASE_DIM, 8, ql))
                .withLexical(lex);
    }

    @Test
    void logitsAreTheRidgeRegressionOverTheJointKernelWithoutTheScoredRow() {
        ModelConfig cfg = config();
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(41);
        TokenBatch batch = episode(rng, 6, 5);
        INDArray theta = TinyModels.randomTheta(learner, 7);
        double scale = Math.exp(learner.layout().view(theta, EncoderLayout.HEAD_SCALE).getDouble(0));
        INDArray logits = learner.predict(theta, batch);
        double[][] z = learner.embeddings(theta, batch);
        int b = batch.size(), ways = cfg.ways();
        double[][] k = new double[b][b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                double dot = 0, ii = 0, jj = 0;
                for (int x = 0; x < z[i].length; x++) {
                    dot += z[i][x] * z[j][x];
                    ii += z[i][x] * z[i][x];
                    jj += z[j][x] * z[j][x];
                }
                k[i][j] = (1 - LEX_W) * dot / Math.sqrt(ii * jj) + LEX_W * batch.lexical(i, j) / GAIN;
            }
        }
        for (int i = 0; i < b; i++) {
            final int row = i;
            int[] set = java.util.stream.IntStream.range(0, b).filter(j -> batch.isPrototypeRow(j) && j != row).toArray();
            int m = set.length;
            // solve (K_SS + l2 I) A = Y_S by Gaussian elimination, independent of the model's Cholesky
            double[][] aug = new double[m][m + ways];
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < m; q++) aug[p][q] = k[set[p]][set[q]] + (p == q ? L2 : 0);
                aug[p][m + batch.label(set[p])] = 1;
            }
            for (int c = 0; c < m; c++) {
                for (int r = c + 1; r < m; r++) {
                    double f = aug[r][c] / aug[c][c];
                    for (int x = c; x < m + ways; x++) aug[r][x] -= f * aug[c][x];
                }
            }
            double[][] a = new double[m][ways];
            for (int c = m - 1; c >= 0; c--) {
                for (int w = 0; w < ways; w++) {
                    double s = aug[c][m + w];
                    for (int x = c + 1; x < m; x++) s -= aug[c][x] * a[x][w];
                    a[c][w] = s / aug[c][c];
                }
            }
            for (int w = 0; w < ways; w++) {
                double expected = 0;
                for (int p = 0; p < m; p++) expected += k[i][set[p]] * a[p][w];
                assertEquals(scale * expected, logits.getDouble(i, w), 1e-9, "row " + i + " class " + w);
            }
        }
    }

    @Test
    void episodeQueryLossMatchesFiniteDifferences() {
        checkGradients(episode(new SeededRandom(17), 6, 6));
    }

    @Test
    void supportOnlyLeaveOneOutLossMatchesFiniteDifferences() {
        SeededRandom rng = new SeededRandom(19);
        TokenBatch plain = BaseAdapterTest.batch(rng, 9, 7, 8); // every row a prototype row and a loss row
        double[][] lex = BaseAdapterTest.lexical(rng, 9);
        checkGradients(plain.withLexical(lex));
    }

    @Test
    void pooledLinearMapMatchesFiniteDifferencesWithEitherFit() {
        TokenBatch batch = episode(new SeededRandom(29), 6, 6);
        checkGradients(config().withPooledLinear(true), batch);
        checkGradients(config().withRidge(null).withPooledLinear(true), batch);
    }

    @Test
    void pooledLinearMapStartsAtZeroAndMovesTheEmbeddingLinearly() {
        ModelConfig cfg = config().withPooledLinear(true);
        GatedAttentionLearner with = new GatedAttentionLearner(cfg), without = new GatedAttentionLearner(config());
        SeededRandom rng = new SeededRandom(2);
        TokenBatch batch = episode(rng, 6, 3);
        INDArray theta = with.initialParameters(new SeededRandom(4));
        assertEquals(0.0, with.layout().view(theta, EncoderLayout.OUTPUT_POOLED).amaxNumber().doubleValue(), 0.0);
        double[][] z0 = with.embeddings(theta, batch);
        double[][] plain = without.embeddings(without.initialParameters(new SeededRandom(4)), batch);
        for (int i = 0; i < z0.length; i++) org.junit.jupiter.api.Assertions.assertArrayEquals(plain[i], z0[i], 1e-12, "row " + i + ": the zero map changed the embedding");
        // output.pooled = I doubles the base's pooled part of every row
        INDArray moved = theta.dup();
        INDArray map = with.layout().view(moved, EncoderLayout.OUTPUT_POOLED).reshape(BaseAdapterTest.BASE_DIM, BaseAdapterTest.BASE_DIM);
        for (int k = 0; k < BaseAdapterTest.BASE_DIM; k++) map.putScalar(k, k, 1.0);
        with.layout().view(moved, EncoderLayout.OUTPUT_POOLED).assign(map.reshape(-1));
        double[][] z1 = with.embeddings(moved, batch);
        for (int i = 0; i < z0.length; i++) {
            for (int k = 0; k < BaseAdapterTest.BASE_DIM; k++) assertEquals(z0[i][k] + batch.basePooledOf(i)[k], z1[i][k], 1e-6, "row " + i + " component " + k);
        }
    }

    private static void checkGradients(TokenBatch batch) {
        checkGradients(config(), batch);
    }

    private static void checkGradients(ModelConfig cfg, TokenBatch batch) {
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = TinyModels.randomTheta(learner, 23).reshape(1, learner.layout().size());
        INDArray fd = GradientCheckTest.finiteDifferences(learner, theta, List.of(batch), 0);
        LossAndGradient eager = learner.lossAndGradient(theta, batch);
        GradientCheckTest.assertMaxRelative(eager.gradient(), fd, learner, (cfg.hasRidge() ? "ridge" : "mean") + " head, pooled-linear " + cfg.pooledLinear() + ", eager");
        List<String> named = new java.util.ArrayList<>(List.of(EncoderLayout.INPUT_W, EncoderLayout.OUTPUT_W, EncoderLayout.HEAD_SCALE));
        if (cfg.pooledLinear()) named.add(EncoderLayout.OUTPUT_POOLED);
        for (String g : named) {
            double a = learner.layout().view(eager.gradient().reshape(-1), g).amaxNumber().doubleValue();
            assertTrue(a > 1e-6, g + " received no gradient (" + a + ")");
        }
    }

    @Test
    void graphPathRefusesTheRidgeFit() {
        GatedAttentionLearner learner = new GatedAttentionLearner(config());
        TokenBatch batch = episode(new SeededRandom(3), 6, 3);
        INDArray theta = TinyModels.randomTheta(learner, 5).reshape(1, learner.layout().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> learner.graphLossAndGradient(theta, List.of(batch)));
        assertTrue(e.getMessage().contains("model.head-fit = ridge"), e.getMessage());
    }

    @Test
    void configRoundTripsAndRefusesBadValues() {
        ModelConfig cfg = config();
        ModelConfig back = ModelConfig.from(com.typesafe.config.ConfigFactory.parseString(cfg.toHocon()).withFallback(com.typesafe.config.ConfigFactory.defaultReference()));
        assertEquals(cfg.ridge(), back.ridge());
        assertThrows(IllegalArgumentException.class, () -> new ModelConfig.Ridge(0.0, 0.5, 100));
        assertThrows(IllegalArgumentException.class, () -> new ModelConfig.Ridge(1.0, 1.5, 100));
        com.typesafe.config.ConfigException e = assertThrows(com.typesafe.config.ConfigException.class, () -> ModelConfig.from(
                com.typesafe.config.ConfigFactory.parseString("model { head-fit = lasso }").withFallback(com.typesafe.config.ConfigFactory.defaultReference())));
        assertTrue(e.getMessage().contains("model.head-fit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> config().withHead(ModelConfig.HeadType.ZERO));
    }
}
