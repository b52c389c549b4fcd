package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.GraphInputs;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The backward pass written as graph ops equals SameDiff's own reverse-mode gradient (double,
 * 1e-10), for both heads and task-batched thetas; and it can be differentiated again: the exact
 * second-order meta-gradient through one inner step matches finite differences.
 */
class GraphGradientTest {

    @Test
    void zeroHeadGraphGradientEqualsSameDiff() {
        compareWithSameDiff(TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.RELU));
    }

    @Test
    void prototypeHeadGeluGraphGradientEqualsSameDiff() {
        compareWithSameDiff(TinyModels.tiny(ModelConfig.HeadType.PROTOTYPE, ModelConfig.Activation.GELU));
    }

    private static void compareWithSameDiff(ModelConfig cfg) {
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(5);
        int tasks = 2;
        List<TokenBatch> batches = new ArrayList<>();
        List<INDArray> rows = new ArrayList<>();
        for (int k = 0; k < tasks; k++) {
            batches.add(TinyModels.batch(rng, 6, 5, cfg.vocabSize(), cfg.ways()));
            rows.add(TinyModels.randomTheta(learner, 30 + k).reshape(1, learner.layout().size()));
        }
        INDArray thetas = Nd4j.vstack(rows);
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", thetas.dup());
        GraphInputs in = learner.declareInputs(sd, "s_", tasks, batches.get(0));
        SDVariable total = learner.lossOps(sd, th, in).sum();
        SDVariable grad = learner.gradientOps(sd, th, in);
        SDVariable dx = learner.inputGradientOps(sd, th, in);
        sd.setLossVariables(total);
        Map<String, INDArray> feeds = new HashMap<>();
        learner.useEmbeddingsFrom(thetas);
        learner.feed(in, batches, feeds);
        Map<String, INDArray> auto = sd.calculateGradients(feeds, "thetas", in.get("x").name());
        Map<String, INDArray> ours = sd.output(feeds, grad.name(), dx.name());
        INDArray autoTheta = auto.get("thetas");
        assertNotNull(autoTheta, "SameDiff returned no gradient for thetas");
        double diff = autoTheta.sub(ours.get(grad.name())).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-10, "graph-built gradient differs from SameDiff's by " + diff);
        double diffX = auto.get(in.get("x").name()).sub(ours.get(dx.name())).amaxNumber().doubleValue();
        assertTrue(diffX <= 1e-10, "graph-built input gradient differs from SameDiff's by " + diffX);
        assertTrue(ours.get(grad.name()).amaxNumber().doubleValue() > 1e-6, "gradient is all zero");
        // the flat learner's gradient = graph gradient + scatter-add of the input gradient into embed.tokens
        INDArray flat = Nd4j.vstack(learner.lossAndGradient(thetas, batches).stream().map(LossAndGradient::gradient).toList());
        INDArray external = ours.get(grad.name()).dup();
        learner.addExternalGradients(in, batches, Map.of(in.get("x").name(), auto.get(in.get("x").name())), external);
        double diffFlat = flat.sub(external).amaxNumber().doubleValue();
        assertTrue(diffFlat <= 1e-10, "lossAndGradient differs from graph gradient + external embedding gradient by " + diffFlat);
    }

    @Test
    void secondOrderMetaGradientMatchesFiniteDifferences() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(9);
        TokenBatch support = TinyModels.batch(rng, 6, 5, cfg.vocabSize(), cfg.ways());
        TokenBatch query = TinyModels.batch(rng, 6, 5, cfg.vocabSize(), cfg.ways());
        INDArray theta = TinyModels.randomTheta(learner, 77).reshape(1, learner.layout().size());
        double alpha = 0.3;
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", theta.dup());
        GraphInputs s = learner.declareInputs(sd, "s_", 1, support);
        GraphInputs q = learner.declareInputs(sd, "q_", 1, query);
        SDVariable adapted = th.sub(learner.gradientOps(sd, th, s).mul(alpha));
        SDVariable meta = learner.lossOps(sd, adapted, q).sum();
        sd.setLossVariables(meta);
        Map<String, INDArray> feeds = new HashMap<>();
        learner.useEmbeddingsFrom(theta);
        learner.feed(s, List.of(support), feeds);
        learner.feed(q, List.of(query), feeds);
        INDArray exact = sd.calculateGradients(feeds, "thetas").get("thetas");
        // finite differences of the whole meta-objective over a sample of in-graph parameters
        long tokensEnd = learner.layout().group(EncoderLayout.TOKENS).end();
        double eps = 1e-6, worst = 0;
        int checked = 0;
        for (long i = tokensEnd; i < theta.length(); i += 19) {
            double v0 = theta.getDouble(0, i);
            sd.getVariable("thetas").getArr().putScalar(0, i, v0 + eps);
            double plus = sd.output(feeds, meta.name()).get(meta.name()).getDouble(0);
            sd.getVariable("thetas").getArr().putScalar(0, i, v0 - eps);
            double minus = sd.output(feeds, meta.name()).get(meta.name()).getDouble(0);
            sd.getVariable("thetas").getArr().putScalar(0, i, v0);
            double fd = (plus - minus) / (2 * eps), a = exact.getDouble(0, i);
            if (Math.abs(fd - a) > 1e-8) worst = Math.max(worst, Math.abs(fd - a) / Math.max(Math.abs(fd) + Math.abs(a), 1e-7));
            checked++;
        }
        assertTrue(checked > 50, "checked only " + checked + " parameters");
        assertTrue(worst <= 1e-5, "second-order meta-gradient: max relative error " + worst + " against finite differences");
        // the meta-gradient differs from the first-order one (the Hessian term is really there)
        INDArray firstOrder = learner.lossAndGradient(theta.sub(learner.lossAndGradient(theta, support).gradient().reshape(1, theta.length()).mul(alpha)), query).gradient();
        INDArray inGraph = exact.get(NDArrayIndex.point(0), NDArrayIndex.interval(tokensEnd, theta.length()));
        double gap = inGraph.sub(firstOrder.reshape(theta.length()).get(NDArrayIndex.interval(tokensEnd, theta.length()))).amaxNumber().doubleValue();
        assertTrue(gap > 1e-6, "second-order meta-gradient equals the first-order one (gap " + gap + ")");
        assertEquals(theta.length(), exact.length());
    }
}
