package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The engine on a tiny gated-attention classifier: default units resolve on its layout and a short curriculum lowers the target loss. */
class GatedAttentionSmokeTest {
    private static final int VOCAB = 20;
    private static final int T = 8;

    /** Texts of random tokens labelled by a rule on the first token. */
    private static BatchSource<TokenBatch> source(IntUnaryOperator label) {
        return rng -> batch(rng, 16, label);
    }

    private static TokenBatch batch(RandomGenerator rng, int rows, IntUnaryOperator label) {
        int[][] ids = new int[rows][T];
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            int len = 2 + rng.nextInt(T - 1);
            for (int j = 0; j < len; j++) ids[i][j] = 1 + rng.nextInt(VOCAB - 1);
            labels[i] = label.applyAsInt(ids[i][0]);
        }
        return TokenBatch.of(ids, labels);
    }

    @Test
    void defaultUnitsResolveAndAShortCurriculumLowersTheTargetLoss() {
        ModelConfig model = ModelConfig.defaults().withShape(VOCAB, 8, 2, 2, 12, T).withHead(ModelConfig.HeadType.ZERO).withDtype(DataType.DOUBLE);
        GatedAttentionLearner learner = new GatedAttentionLearner(model);
        IntUnaryOperator baseRule = id -> id < 10 ? 0 : 1;
        IntUnaryOperator targetRule = id -> id % 3;
        SeededRandom data = new SeededRandom(31);
        CurriculumData<TokenBatch> domains = new CurriculumData<>(source(baseRule), source(targetRule),
                List.of(batch(data, 48, targetRule)), List.of(batch(data, 48, baseRule)));
        CurriculumConfig config = CurriculumConfig.defaults().withStages(2, 20).withLr(0.05, 0.5).withGradClip(1.0)
                .withElastic(new CurriculumConfig.Elastic(5, 1.1, 0.5, 0.05, 0.05, 2.0, 3));

        CurriculumEngine<TokenBatch> engine = new CurriculumEngine<>(learner, config);
        assertEquals(List.of("head.", "block1.", "block0.", "embed."), engine.plan().units().stream().map(UnfreezingPlan.Unit::prefix).toList());
        assertEquals(List.of(), engine.plan().frozenGroups());
        assertTrue(engine.plan().units().get(1).groupNames().contains("block1.ln2.beta"));

        INDArray start = learner.initialParameters(new SeededRandom(3));
        double[] startValues = start.toDoubleVector();
        List<double[]> afterStage = new ArrayList<>();
        List<Map<String, Object>> events = new ArrayList<>();
        CurriculumResult r = engine.onStageEnd((s, t) -> afterStage.add(t.toDoubleVector()))
                .adapt(domains, start, new SeededRandom(8), events::add);

        assertTrue(r.targetLossAfter() < r.targetLossBefore() - 0.3, "target loss " + r.targetLossBefore() + " -> " + r.targetLossAfter());
        // stage 0 trained the head only
        for (ParamGroup g : learner.layout().groups()) {
            boolean moved = false;
            for (long i = g.offset(); i < g.end(); i++) moved |= afterStage.get(0)[(int) i] != startValues[(int) i];
            assertEquals(g.name().startsWith("head."), moved, g.name() + " moved in stage 0");
        }
        assertEquals(List.of("head.", "block1."), r.stages().get(1).units());
        assertTrue(events.stream().anyMatch(e -> "check".equals(e.get("event"))));
    }
}
