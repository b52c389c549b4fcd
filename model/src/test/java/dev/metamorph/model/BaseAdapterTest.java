package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.GraphInputs;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The adapter over a frozen base ({@code model.base != none}): untrained it ranks like cosine to the
 * class means of the base's pooled embeddings; finite differences in double through the input
 * projection, the blocks, output.w, head.scale and head.lexical, eager and graph; the graph's
 * backward-as-ops equals SameDiff's own gradient and gives an exact second-order meta-gradient; the
 * external-gradient hooks do nothing; the lexical channel averages over a class's rows without the
 * scored row.
 */
class BaseAdapterTest {
    static final int BASE_DIM = 6;
    static final int WAYS = 3;

    static ModelConfig config(ModelConfig.HeadType head) {
        return TinyModels.tiny(head, ModelConfig.Activation.GELU).withBase(ModelConfig.Base.MINILM_L6, BASE_DIM).withWays(WAYS);
    }

    /** Random base rows: lengths 1..maxTokens, Gaussian token states, pooled = L2-normalised mean of the states. */
    static float[][][] rows(RandomGenerator rng, int count, int maxTokens) {
        float[][] states = new float[count][];
        float[][] pooled = new float[count][BASE_DIM];
        for (int i = 0; i < count; i++) {
            int len = 1 + rng.nextInt(maxTokens);
            states[i] = new float[len * BASE_DIM];
            for (int k = 0; k < states[i].length; k++) states[i][k] = (float) rng.nextGaussian();
            double norm = 0;
            for (int e = 0; e < BASE_DIM; e++) {
                double m = 0;
                for (int j = 0; j < len; j++) m += states[i][j * BASE_DIM + e];
                pooled[i][e] = (float) (m / len);
                norm += pooled[i][e] * pooled[i][e];
            }
            for (int e = 0; e < BASE_DIM; e++) pooled[i][e] = (float) (pooled[i][e] / Math.sqrt(norm));
        }
        return new float[][][] {states, pooled};
    }

    static TokenBatch batch(RandomGenerator rng, int count, int maxTokens, int maxLength) {
        float[][][] r = rows(rng, count, maxTokens);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % WAYS;
        return TokenBatch.ofBase(r[0], r[1], BASE_DIM, maxLength, labels);
    }

    static double[][] lexical(RandomGenerator rng, int n) {
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            s[i][i] = 1;
            for (int j = 0; j < i; j++) s[i][j] = s[j][i] = rng.nextDouble();
        }
        return s;
    }

    private static double cosine(float[] a, double[] b) {
        double dot = 0, aa = 0, bb = 0;
        for (int e = 0; e < a.length; e++) {
            dot += a[e] * b[e];
            aa += a[e] * a[e];
            bb += b[e] * b[e];
        }
        return dot / Math.sqrt(aa * bb);
    }

    @Test
    void untrainedBaseModelRanksLikeCosineToClassMeansOfPooledEmbeddings() {
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(31);
        INDArray theta = learner.initialParameters(rng);
        float[][][] s = rows(rng, 6, 12), q = rows(rng, 12, 12);
        int[] sl = {0, 1, 2, 0, 1, 2};
        int[] ql = new int[12];
        for (int i = 0; i < ql.length; i++) ql[i] = i % WAYS;
        TokenBatch episode = TokenBatch.episode(TokenBatch.ofBase(s[0], s[1], BASE_DIM, cfg.maxLength(), sl), TokenBatch.ofBase(q[0], q[1], BASE_DIM, cfg.maxLength(), ql))
                .withLexical(lexical(rng, 18));
        INDArray logits = learner.predict(theta, episode);
        double[][] means = new double[WAYS][BASE_DIM];
        for (int i = 0; i < 6; i++) for (int e = 0; e < BASE_DIM; e++) means[sl[i]][e] += s[1][i][e] / 2.0;
        int agree = 0;
        java.util.Set<Integer> predicted = new java.util.HashSet<>();
        for (int i = 0; i < 12; i++) {
            int best = -1, argmax = -1;
            double bestCos = Double.NEGATIVE_INFINITY, bestLogit = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < WAYS; k++) {
                double cos = cosine(q[1][i], means[k]);
                double logit = logits.getDouble(6 + i, k);
                assertEquals(GatedAttentionLearner.INITIAL_COSINE_SCALE * cos, logit, 1e-6, "query " + i + " class " + k + ": logit is not scale * cosine to the class mean");
                if (cos > bestCos) {
                    bestCos = cos;
                    best = k;
                }
                if (logit > bestLogit) {
                    bestLogit = logit;
                    argmax = k;
                }
            }
            if (best == argmax) agree++;
            predicted.add(argmax);
        }
        assertEquals(12, agree, "the untrained adapter's predictions differ from cosine to class means");
        assertTrue(predicted.size() > 1, "degenerate check: every query predicted as one class");
        // with head.lexical = 0.5 each logit gains 0.5 * (mean lexical similarity to the class's support rows)
        INDArray withLex = theta.dup();
        learner.layout().view(withLex, EncoderLayout.HEAD_LEXICAL).assign(0.5);
        INDArray moved = learner.predict(withLex, episode);
        for (int i = 6; i < 18; i++) {
            for (int k = 0; k < WAYS; k++) {
                double mean = 0;
                for (int j = 0; j < 6; j++) if (sl[j] == k) mean += episode.lexical(i, j) / 2.0;
                assertEquals(logits.getDouble(i, k) + 0.5 * mean, moved.getDouble(i, k), 1e-6, "row " + i + " class " + k + ": lexical channel");
            }
        }
    }

    @Test
    void lexicalChannelLeavesTheScoredRowOutOfItsOwnClass() {
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(8);
        INDArray theta = learner.initialParameters(rng);
        TokenBatch plain = batch(rng, 9, 5, cfg.maxLength()); // every row a prototype row and a loss row, 3 per class
        double[][] lex = lexical(rng, 9);
        INDArray zeroLex = learner.predict(theta, plain);
        learner.layout().view(theta, EncoderLayout.HEAD_LEXICAL).assign(1.0);
        INDArray with = learner.predict(theta, plain.withLexical(lex));
        for (int i = 0; i < 9; i++) {
            for (int k = 0; k < WAYS; k++) {
                double sum = 0;
                int count = 0;
                for (int j = 0; j < 9; j++) {
                    if (j == i || plain.label(j) != k) continue;
                    sum += lex[i][j];
                    count++;
                }
                assertEquals(zeroLex.getDouble(i, k) + sum / count, with.getDouble(i, k), 1e-9, "row " + i + " class " + k);
            }
        }
    }

    @Test
    void prototypeHeadEveryParameterMatchesFiniteDifferencesEagerAndGraph() {
        checkGradients(ModelConfig.HeadType.PROTOTYPE);
    }

    @Test
    void zeroHeadEveryParameterMatchesFiniteDifferencesEagerAndGraph() {
        checkGradients(ModelConfig.HeadType.ZERO);
    }

    private static void checkGradients(ModelConfig.HeadType head) {
        ModelConfig cfg = config(head);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(17);
        TokenBatch batch = batch(rng, 9, 7, cfg.maxLength());
        if (head == ModelConfig.HeadType.PROTOTYPE) batch = batch.withLexical(lexical(rng, 9));
        INDArray theta = TinyModels.randomTheta(learner, 23).reshape(1, learner.layout().size());
        INDArray fd = GradientCheckTest.finiteDifferences(learner, theta, List.of(batch), 0);
        LossAndGradient eager = learner.lossAndGradient(theta, batch);
        GradientCheckTest.assertMaxRelative(eager.gradient(), fd, learner, "base/" + head + " eager");
        LossAndGradient graph = learner.graphLossAndGradient(theta, List.of(batch)).get(0);
        GradientCheckTest.assertMaxRelative(graph.gradient(), fd, learner, "base/" + head + " graph");
        assertEquals(eager.loss(), graph.loss(), 1e-10);
        List<String> named = new ArrayList<>(List.of(EncoderLayout.INPUT_W, EncoderLayout.INPUT_B, EncoderLayout.INPUT_POS, EncoderLayout.OUTPUT_W));
        if (head == ModelConfig.HeadType.PROTOTYPE) named.addAll(List.of(EncoderLayout.HEAD_SCALE, EncoderLayout.HEAD_LEXICAL));
        for (String g : named) {
            double a = learner.layout().view(eager.gradient().reshape(-1), g).amaxNumber().doubleValue();
            assertTrue(a > 1e-6, g + " received no gradient (" + a + ")");
        }
    }

    @Test
    void graphBackwardEqualsEagerAndSameDiffInBaseMode() {
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(5);
        List<TokenBatch> batches = new ArrayList<>();
        List<INDArray> rows = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            TokenBatch support = batch(rng, 6, 7 - 3 * k, cfg.maxLength());
            TokenBatch query = batch(rng, 3, 7 - 3 * k, cfg.maxLength());
            batches.add(TokenBatch.episode(support, query).withLexical(lexical(rng, 9)));
            rows.add(TinyModels.randomTheta(learner, 60 + k).reshape(1, learner.layout().size()));
        }
        INDArray thetas = Nd4j.vstack(rows);
        List<LossAndGradient> eager = learner.lossAndGradient(thetas, batches);
        List<LossAndGradient> graph = learner.graphLossAndGradient(thetas, batches);
        List<INDArray> logits = learner.predict(thetas, batches);
        for (int k = 0; k < 2; k++) {
            assertEquals(graph.get(k).loss(), eager.get(k).loss(), 1e-10, "task " + k + " loss");
            assertEquals(eager.get(k).loss(), EagerEncoderTest.crossEntropy(logits.get(k), batches.get(k)), 1e-10, "task " + k + ": logits vs loss");
            double diff = eager.get(k).gradient().reshape(-1).sub(graph.get(k).gradient().reshape(-1)).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-10, "task " + k + ": eager and graph gradients differ by " + diff);
        }
        // SameDiff's own reverse pass over the same forward graph (all tasks padded to one length)
        int t = Math.max(batches.get(0).length(), batches.get(1).length());
        List<TokenBatch> padded = List.of(batches.get(0).paddedTo(t), batches.get(1).paddedTo(t));
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", thetas.dup());
        GraphInputs in = learner.declareInputs(sd, "s_", 2, padded.get(0));
        sd.setLossVariables(learner.lossOps(sd, th, in).sum());
        SDVariable grad = learner.gradientOps(sd, th, in);
        Map<String, INDArray> feeds = new HashMap<>();
        learner.feed(in, padded, feeds); // no useEmbeddingsFrom: a base model has no embedding table
        INDArray auto = sd.calculateGradients(feeds, "thetas").get("thetas");
        INDArray ours = sd.output(feeds, grad.name()).get(grad.name());
        assertNotNull(auto);
        double diff = auto.sub(ours).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-10, "graph-built gradient differs from SameDiff's by " + diff);
        assertTrue(ours.amaxNumber().doubleValue() > 1e-6, "gradient is all zero");
    }

    @Test
    void graphInputsOfABaseModelTakeEpisodesOfDifferentLengths() {
        // exact second-order MAML declares its graph from the first episode; later ones may be longer or shorter
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(25);
        List<TokenBatch> batches = new ArrayList<>();
        List<INDArray> rows = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            batches.add(TokenBatch.episode(batch(rng, 6, 3 + 5 * k, cfg.maxLength()), batch(rng, 3, 3 + 5 * k, cfg.maxLength())).withLexical(lexical(rng, 9)));
            rows.add(TinyModels.randomTheta(learner, 70 + k).reshape(1, learner.layout().size()));
        }
        assertTrue(batches.get(0).length() < batches.get(1).length(), "the first episode is the shorter one");
        INDArray thetas = Nd4j.vstack(rows);
        List<LossAndGradient> eager = learner.lossAndGradient(thetas, batches);
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", thetas.dup());
        GraphInputs in = learner.declareInputs(sd, "s_", 2, batches.get(0));
        SDVariable loss = learner.lossOps(sd, th, in).sum();
        Map<String, INDArray> feeds = new HashMap<>();
        learner.feed(in, batches, feeds);
        double graph = sd.output(feeds, loss.name()).get(loss.name()).getDouble(0);
        assertEquals(eager.get(0).loss() + eager.get(1).loss(), graph, 1e-10);
    }

    @Test
    void floatBaseModelMatchesGraphToFloatRounding() {
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE).withDtype(DataType.FLOAT);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(15);
        TokenBatch episode = TokenBatch.episode(batch(rng, 6, 7, cfg.maxLength()), batch(rng, 4, 7, cfg.maxLength())).withLexical(lexical(rng, 10));
        INDArray theta = TinyModels.randomTheta(learner, 16).reshape(1, learner.layout().size());
        LossAndGradient eager = learner.lossAndGradient(theta, episode);
        LossAndGradient graph = learner.graphLossAndGradient(theta, List.of(episode)).get(0);
        assertEquals(DataType.FLOAT, eager.gradient().dataType());
        assertEquals(graph.loss(), eager.loss(), 2e-4 * Math.max(1, Math.abs(graph.loss())));
        INDArray ge = eager.gradient().castTo(DataType.DOUBLE).reshape(-1), gg = graph.gradient().castTo(DataType.DOUBLE).reshape(-1);
        double rel = ge.sub(gg).amaxNumber().doubleValue() / gg.amaxNumber().doubleValue();
        assertTrue(rel <= 2e-4, "float eager gradient differs from the graph's by " + rel + " (relative to its largest entry)");
    }

    @Test
    void secondOrderMetaGradientInBaseModeMatchesFiniteDifferences() {
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(12);
        TokenBatch support = batch(rng, 6, 5, cfg.maxLength()).withLexical(lexical(rng, 6)); // 2 per class: leave-one-out support loss
        TokenBatch query = TokenBatch.episode(batch(rng, 6, 5, cfg.maxLength()), batch(rng, 3, 5, cfg.maxLength())).withLexical(lexical(rng, 9));
        INDArray theta = TinyModels.randomTheta(learner, 70).reshape(1, learner.layout().size());
        double alpha = 0.3;
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", theta.dup());
        GraphInputs s = learner.declareInputs(sd, "s_", 1, support);
        GraphInputs q = learner.declareInputs(sd, "q_", 1, query);
        SDVariable meta = learner.lossOps(sd, th.sub(learner.gradientOps(sd, th, s).mul(alpha)), q).sum();
        sd.setLossVariables(meta);
        Map<String, INDArray> feeds = new HashMap<>();
        learner.feed(s, List.of(support), feeds);
        learner.feed(q, List.of(query), feeds);
        INDArray exact = sd.calculateGradients(feeds, "thetas").get("thetas");
        double eps = 1e-6, worst = 0;
        int checked = 0;
        List<Long> indices = new ArrayList<>();
        for (long i = 0; i < theta.length(); i += 29) indices.add(i);
        for (String g : List.of(EncoderLayout.HEAD_SCALE, EncoderLayout.HEAD_LEXICAL)) indices.add(learner.layout().group(g).offset());
        indices.add(learner.layout().group(EncoderLayout.OUTPUT_W).offset() + 3);
        for (long i : indices) {
            double v0 = theta.getDouble(0, i);
            sd.getVariable("thetas").getArr().putScalar(0, i, v0 + eps);
            double plus = sd.output(feeds, meta.name()).get(meta.name()).getDouble(0);
            sd.getVariable("thetas").getArr().putScalar(0, i, v0 - eps);
            double minus = sd.output(feeds, meta.name()).get(meta.name()).getDouble(0);
            sd.getVariable("thetas").getArr().putScalar(0, i, v0);
            double fdv = (plus - minus) / (2 * eps), a = exact.getDouble(0, i);
            if (Math.abs(fdv - a) > 1e-8) worst = Math.max(worst, Math.abs(fdv - a) / Math.max(Math.abs(fdv) + Math.abs(a), 1e-7));
            checked++;
        }
        assertTrue(checked > 25, "checked only " + checked + " parameters");
        assertTrue(worst <= 1e-5, "second-order meta-gradient in base mode: max relative error " + worst + " against finite differences");
    }

    @Test
    void baseModeHasNoTokenTableAndExternalGradientHooksDoNothing() {
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        assertFalse(learner.layout().names().contains(EncoderLayout.TOKENS));
        assertFalse(learner.layout().names().contains(EncoderLayout.POSITIONS));
        assertEquals(List.of(BASE_DIM, cfg.dModel()), learner.layout().group(EncoderLayout.INPUT_W).shape().stream().map(Long::intValue).toList());
        assertEquals(List.of(cfg.dModel(), BASE_DIM), learner.layout().group(EncoderLayout.OUTPUT_W).shape().stream().map(Long::intValue).toList());
        INDArray theta = learner.initialParameters(new SeededRandom(2));
        assertEquals(0.0, learner.layout().view(theta, EncoderLayout.OUTPUT_W).amaxNumber().doubleValue(), 0.0, "output.w must start at zero");
        assertEquals(Math.log(GatedAttentionLearner.INITIAL_COSINE_SCALE), learner.layout().view(theta, EncoderLayout.HEAD_SCALE).getDouble(0), 1e-12);
        assertEquals(0.0, learner.layout().view(theta, EncoderLayout.HEAD_LEXICAL).getDouble(0), 0.0);
        SeededRandom rng = new SeededRandom(3);
        TokenBatch b = batch(rng, 6, 5, cfg.maxLength());
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", theta.reshape(1, theta.length()).dup());
        GraphInputs in = learner.declareInputs(sd, "b_", 1, b);
        assertEquals(List.of(), learner.externalGradientInputs(in));
        assertEquals(List.of(), learner.externalGradientOps(sd, th, in));
        INDArray grads = Nd4j.ones(DataType.DOUBLE, 1, learner.layout().size());
        learner.addExternalGradients(in, List.of(b), Map.of(), grads);
        assertEquals(Nd4j.ones(DataType.DOUBLE, 1, learner.layout().size()), grads);
        // token-id batches are refused with a message that says what to build instead
        TokenBatch ids = TinyModels.batch(rng, 4, 5, 20, WAYS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> learner.lossAndGradient(theta, ids));
        assertTrue(e.getMessage().contains("TokenBatch.ofBase"), e.getMessage());
        // and a base batch is refused by a model without a base
        GatedAttentionLearner plain = new GatedAttentionLearner(TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU).withWays(WAYS));
        assertThrows(IllegalArgumentException.class, () -> plain.lossAndGradient(plain.initialParameters(new SeededRandom(1)), b));
    }

    @Test
    void baseStatesAreTruncatedToMaxLengthAndPaddingDoesNotMatter() {
        ModelConfig cfg = config(ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(44);
        float[][][] r = rows(rng, 6, 20);
        int[] labels = {0, 1, 2, 0, 1, 2};
        TokenBatch b = TokenBatch.ofBase(r[0], r[1], BASE_DIM, cfg.maxLength(), labels);
        assertTrue(b.length() <= cfg.maxLength());
        for (int i = 0; i < 6; i++) assertEquals(Math.min(r[0][i].length / BASE_DIM, cfg.maxLength()), b.tokens(i), "row " + i);
        INDArray theta = TinyModels.randomTheta(learner, 9);
        LossAndGradient one = learner.lossAndGradient(theta, b);
        LossAndGradient padded = learner.graphLossAndGradient(theta.reshape(1, theta.length()), List.of(b.paddedTo(cfg.maxLength()))).get(0);
        assertEquals(one.loss(), padded.loss(), 1e-10);
    }
}
