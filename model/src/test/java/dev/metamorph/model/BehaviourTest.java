package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Padding invariance, gates that learn, determinism and input validation of the gated-attention learner. */
class BehaviourTest {

    @Test
    void changingPaddedTokensLeavesOutputsUnchanged() {
        for (ModelConfig.HeadType head : ModelConfig.HeadType.values()) {
            // max-length 16: the eager pass pads a length-6 batch to 8 positions and the padded copy to 16,
            // the graph pass runs at 6 and 16, so both paths really see different amounts of padding
            ModelConfig base = TinyModels.tiny(head, ModelConfig.Activation.RELU);
            ModelConfig cfg = base.withShape(base.vocabSize(), base.dModel(), base.heads(), base.blocks(), base.ffSize(), 16);
            GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
            INDArray theta = TinyModels.randomTheta(learner, 4);
            int[][] ids = {{3, 4, 5, 0, 0, 0}, {6, 7, 0, 0, 0, 0}, {8, 9, 10, 11, 12, 13}};
            TokenBatch batch = TokenBatch.of(ids, new int[] {0, 1, 2});
            TokenBatch longer = batch.paddedTo(16);
            assertEquals(6, batch.length());
            assertEquals(16, longer.length());
            INDArray before = learner.predict(theta, batch);
            LossAndGradient lgBefore = learner.lossAndGradient(theta, batch);
            INDArray afterLonger = learner.predict(theta, longer);
            assertArrayEquals(before.reshape(-1).toDoubleVector(), afterLonger.reshape(-1).toDoubleVector(), 1e-12, head + ": extra padding changed the eager logits");
            LossAndGradient lgLonger = learner.lossAndGradient(theta, longer);
            assertEquals(lgBefore.loss(), lgLonger.loss(), 1e-12, head + ": extra padding changed the eager loss");
            assertEquals(0.0, lgBefore.gradient().sub(lgLonger.gradient()).amaxNumber().doubleValue(), 1e-12, head + ": extra padding changed the eager gradient");
            INDArray row = theta.reshape(1, theta.length());
            LossAndGradient gShort = learner.graphLossAndGradient(row, List.of(batch)).get(0);
            LossAndGradient gLong = learner.graphLossAndGradient(row, List.of(longer)).get(0);
            assertEquals(gShort.loss(), gLong.loss(), 1e-12, head + ": extra padding changed the graph loss");
            assertEquals(0.0, gShort.gradient().sub(gLong.gradient()).amaxNumber().doubleValue(), 1e-12, head + ": extra padding changed the graph gradient");
            // change the embedding row of the padding token itself: outputs must not move at all
            INDArray changed = theta.dup();
            learner.layout().view(changed, EncoderLayout.TOKENS).getRow(TokenBatch.PAD).assign(5.0);
            INDArray afterPadRow = learner.predict(changed, batch);
            assertArrayEquals(before.reshape(-1).toDoubleVector(), afterPadRow.reshape(-1).toDoubleVector(), 0.0, head + ": the padding embedding changed the logits");
            LossAndGradient lgAfter = learner.lossAndGradient(changed, batch);
            assertEquals(lgBefore.loss(), lgAfter.loss(), 0.0);
            INDArray padGrad = learner.layout().view(lgAfter.gradient(), EncoderLayout.TOKENS).getRow(TokenBatch.PAD);
            assertEquals(0.0, padGrad.amaxNumber().doubleValue(), 0.0, head + ": the padding embedding received gradient");
            // changing a real token does change the logits (the test can fail)
            INDArray afterReal = learner.predict(theta, batch.withId(1, 1, 15));
            assertTrue(afterReal.sub(before).amaxNumber().doubleValue() > 1e-9, head + ": a real token change did not change the logits");
        }
    }

    @Test
    void gatesReceiveGradientAndMoveWhileTheLossFalls() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.RELU);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(21);
        INDArray theta = learner.initialParameters(rng);
        TokenBatch batch = TinyModels.batch(rng, 9, 6, cfg.vocabSize(), cfg.ways());
        INDArray gates0 = gates(learner, theta).dup();
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 30; step++) {
            LossAndGradient lg = learner.lossAndGradient(theta, batch);
            if (step == 0) first = lg.loss();
            last = lg.loss();
            theta = theta.sub(lg.gradient().reshape(theta.shape()).mul(0.5));
        }
        assertTrue(last < 0.5 * first, "SGD did not lower the loss: " + first + " -> " + last);
        double moved = gates(learner, theta).sub(gates0).amaxNumber().doubleValue();
        assertTrue(moved > 1e-4, "the gates did not move in training (max change " + moved + ")");
    }

    private static INDArray gates(GatedAttentionLearner learner, INDArray theta) {
        INDArray all = learner.layout().view(theta, "block0.attn.gate").reshape(1, -1);
        return org.nd4j.linalg.factory.Nd4j.hstack(all, learner.layout().view(theta, "block1.attn.gate").reshape(1, -1));
    }

    @Test
    void sameSeedSameParametersAndRepeatedCallsAgree() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray a = learner.initialParameters(new SeededRandom(3));
        INDArray b = learner.initialParameters(new SeededRandom(3));
        assertEquals(a, b);
        INDArray theta = TinyModels.randomTheta(learner, 8);
        TokenBatch batch = TinyModels.batch(new SeededRandom(2), 4, 6, cfg.vocabSize(), cfg.ways());
        LossAndGradient one = learner.lossAndGradient(theta, batch);
        LossAndGradient two = learner.lossAndGradient(theta, batch);
        assertEquals(one.loss(), two.loss(), 0.0);
        assertEquals(one.gradient(), two.gradient(), "a second call gave another gradient (state leaked between calls)");
    }

    @Test
    void floatModelRunsAndRejectsBadInput() {
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.RELU).withDtype(DataType.FLOAT);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        INDArray theta = learner.initialParameters(new SeededRandom(1));
        assertEquals(DataType.FLOAT, theta.dataType());
        TokenBatch batch = TinyModels.batch(new SeededRandom(2), 4, 6, cfg.vocabSize(), cfg.ways());
        LossAndGradient lg = learner.lossAndGradient(theta, batch);
        assertEquals(Math.log(cfg.ways()), lg.loss(), 1e-5, "zero head starts at the uniform loss log(ways)");
        assertEquals(DataType.FLOAT, lg.gradient().dataType());
        TokenBatch badId = batch.withId(0, 0, cfg.vocabSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> learner.lossAndGradient(theta, badId));
        assertTrue(e.getMessage().contains("vocab-size"), e.getMessage());
        TokenBatch tooLong = batch.paddedTo(cfg.maxLength() + 1);
        assertThrows(IllegalArgumentException.class, () -> learner.lossAndGradient(theta, tooLong));
        List<TokenBatch> two = List.of(batch, batch);
        assertThrows(IllegalArgumentException.class, () -> learner.lossAndGradient(theta.reshape(1, theta.length()), two));
    }
}
