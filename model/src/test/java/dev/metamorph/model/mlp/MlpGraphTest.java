package dev.metamorph.model.mlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.GraphInputs;
import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.RegressionBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The SameDiff graph form (loss and backward written as forward ops) agrees with the kernel. */
class MlpGraphTest {
    @BeforeAll
    static void dtype() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Test
    void graphLossAndGradientOpsEqualTheKernelPerTask() {
        MlpLearner m = new MlpLearner(List.of(1, 40, 40, 1));
        SeededRandom r = new SeededRandom(3);
        int tasks = 3, p = (int) m.layout().size();
        double[][] thetas = new double[tasks][];
        List<RegressionBatch> batches = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            thetas[t] = m.initialParameterArray(r);
            batches.add(MlpKernelTest.batch(r, 10, 1, 1));
        }
        SameDiff sd = SameDiff.create();
        SDVariable th = sd.var("thetas", Nd4j.createFromArray(thetas));
        GraphInputs in = m.declareInputs(sd, "s_", tasks, batches.get(0));
        SDVariable loss = m.lossOps(sd, th, in);
        SDVariable grad = m.gradientOps(sd, th, in);
        Map<String, INDArray> feeds = new HashMap<>();
        m.feed(in, batches, feeds);
        Map<String, INDArray> out = sd.output(feeds, loss.name(), grad.name());
        LearnerKernel<RegressionBatch> k = m.newKernel();
        for (int t = 0; t < tasks; t++) {
            double[] g = new double[p];
            double l = k.lossAndGradient(thetas[t], batches.get(t), g);
            assertEquals(l, out.get(loss.name()).getDouble(t), 1e-12 * Math.max(1, l));
            double[] gg = out.get(grad.name()).getRow(t).toDoubleVector();
            double e = MlpKernelTest.relErr(gg, g);
            assertTrue(e < 1e-12, "task " + t + " gradient ops vs kernel: " + e);
        }
    }
}
