package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float values below Float.MIN_NORMAL never reach ND4J from the eager pass's Java loops (a float gemm
 * with subnormal inputs ran 130x slower on one host): they are written as zero. Double arrays are
 * written as they are.
 */
class SubnormalFlushTest {

    @Test
    void floatWritesFlushSubnormalsToZeroAndKeepNormals() {
        double[] src = {1e-40, -1e-39, 1.5e-38, -2e-37, 0.5, Float.MIN_NORMAL};
        float[] expected = {0f, 0f, 1.5e-38f, -2e-37f, 0.5f, Float.MIN_NORMAL};
        INDArray a = Nd4j.create(DataType.FLOAT, src.length);
        new HostArrays(src.length).write(src, a);
        assertArrayEquals(expected, a.toFloatVector(), 0f);
        INDArray flat = Nd4j.create(DataType.FLOAT, src.length + 2);
        HostArrays.writeAt(flat, 1, src);
        for (int i = 0; i < src.length; i++) assertEquals(expected[i], flat.getFloat(i + 1), 0f, "writeAt entry " + i);
        INDArray rows = Nd4j.create(DataType.FLOAT, 2 * src.length);
        HostArrays.writeRows(rows, new long[] {src.length, 0}, 1, src, src.length);
        for (int i = 0; i < src.length; i++) assertEquals(expected[i], rows.getFloat(src.length + i), 0f, "writeRows entry " + i);
        INDArray d = Nd4j.create(DataType.DOUBLE, src.length);
        new HostArrays(src.length).write(src, d);
        assertArrayEquals(src, d.toDoubleVector(), 0.0, "double arrays must be written unchanged");
    }

    @Test
    void constantHeadFloatBackwardLeavesNoSubnormalGradient() {
        // a constant head gives every class the same logit: the signal into the blocks is rounding noise
        ModelConfig cfg = ModelConfig.defaults().withShape(60, 16, 2, 2, 32, 16).withDtype(DataType.FLOAT);
        GatedAttentionLearner learner = new GatedAttentionLearner(cfg);
        SeededRandom rng = new SeededRandom(4);
        INDArray theta = learner.initialParameters(rng);
        learner.layout().view(theta, "head.w").assign(0.01);
        TokenBatch batch = TinyModels.batch(rng, 16, 16, cfg.vocabSize(), cfg.ways());
        LossAndGradient lg = learner.lossAndGradient(theta, batch);
        float[] g = lg.gradient().toFloatVector();
        int subnormal = 0, nonZero = 0;
        for (float v : g) {
            if (v != 0 && Math.abs(v) < Float.MIN_NORMAL) subnormal++;
            if (v != 0) nonZero++;
        }
        assertTrue(nonZero > 0, "the gradient is all zero");
        assertEquals(0, subnormal, subnormal + " of " + g.length + " gradient entries are subnormal");
    }
}
