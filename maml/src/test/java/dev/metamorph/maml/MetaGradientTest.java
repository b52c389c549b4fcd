package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact meta-gradients against brute-force finite differences of the whole meta-objective
 * (double), and the SameDiff paths (unrolled, reverse-HVP) against the Java kernel.
 */
class MetaGradientTest {
    static final MlpLearner MLP = MlpLearner.sinusoid();

    @BeforeAll
    static void dtype() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static List<TaskData<RegressionBatch>> tasks(long seed, int n) {
        SeededRandom r = new SeededRandom(seed);
        SinusoidTaskSampler s = new SinusoidTaskSampler(10, 10);
        List<TaskData<RegressionBatch>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(s.sample(r));
        return out;
    }

    static MamlConfig config(MetaAlgorithm a, int steps, Backend b, SecondOrderMode m) {
        // a larger inner rate than the protocol's 0.01 makes the second-order term large enough to matter
        MamlConfig d = MamlConfig.defaults();
        return new MamlConfig(a, 0.05, steps, d.metaLr(), d.metaBatch(), d.iterations(), 0, 0, 10, 0, m, b, 2, d.reptileSteps(), d.adam(), d.sinusoid(), d.task(), d.select());
    }

    double[] metaGrad(MamlConfig c, double[] theta, double[] alpha, List<TaskData<RegressionBatch>> tasks, double[] gradAlpha) {
        try (MetaGradient<RegressionBatch> e = MetaGradients.create(MLP, c, RegressionBatch::concat)) {
            double[] g = new double[theta.length];
            e.compute(theta, alpha, tasks, g, gradAlpha);
            return g;
        }
    }

    @Test
    void exactMamlMatchesFiniteDifferencesOfTheMetaObjectiveAndFirstOrderDoesNot() {
        List<TaskData<RegressionBatch>> tasks = tasks(1, 2);
        double[] theta = MLP.initialParameterArray(new SeededRandom(2));
        MetaGradientCheck<RegressionBatch> check = new MetaGradientCheck<>(MLP.newKernel(), 1e-6);
        for (int steps : new int[] {1, 3}) {
            MamlConfig c = config(MetaAlgorithm.MAML, steps, Backend.KERNEL, SecondOrderMode.REVERSE_HVP);
            double[] alpha = MetaLearner.initialAlpha(c, MLP.layout());
            double[] fd = check.finiteDifferenceTheta(theta, alpha, tasks, steps);
            double maml = MetaGradientCheck.relativeError(metaGrad(c, theta, alpha, tasks, null), fd);
            double fo = MetaGradientCheck.relativeError(metaGrad(c.withAlgorithm(MetaAlgorithm.FOMAML), theta, alpha, tasks, null), fd);
            assertTrue(maml <= 1e-6, steps + " steps: MAML relative error " + maml);
            assertTrue(fo > 1e-3, steps + " steps: FOMAML should differ from the exact gradient, error " + fo);
        }
    }

    @Test
    void anilAndMetaSgdMatchFiniteDifferencesIncludingTheLearnedRates() {
        List<TaskData<RegressionBatch>> tasks = tasks(3, 2);
        double[] theta = MLP.initialParameterArray(new SeededRandom(4));
        MetaGradientCheck<RegressionBatch> check = new MetaGradientCheck<>(MLP.newKernel(), 1e-6);
        MamlConfig anil = config(MetaAlgorithm.ANIL, 2, Backend.KERNEL, SecondOrderMode.REVERSE_HVP);
        double[] aAnil = MetaLearner.initialAlpha(anil, MLP.layout());
        double e1 = MetaGradientCheck.relativeError(metaGrad(anil, theta, aAnil, tasks, null), check.finiteDifferenceTheta(theta, aAnil, tasks, 2));
        assertTrue(e1 <= 1e-6, "ANIL relative error " + e1);

        MamlConfig sgd = config(MetaAlgorithm.META_SGD, 2, Backend.KERNEL, SecondOrderMode.REVERSE_HVP);
        SeededRandom r = new SeededRandom(9);
        double[] alpha = new double[theta.length];
        for (int i = 0; i < alpha.length; i++) alpha[i] = r.nextDouble(0.01, 0.08);
        double[] ga = new double[theta.length];
        double[] gt = metaGrad(sgd, theta, alpha, tasks, ga);
        double e2 = MetaGradientCheck.relativeError(gt, check.finiteDifferenceTheta(theta, alpha, tasks, 2));
        double e3 = MetaGradientCheck.relativeError(ga, check.finiteDifferenceAlpha(theta, alpha, tasks, 2));
        assertTrue(e2 <= 1e-6, "Meta-SGD theta relative error " + e2);
        assertTrue(e3 <= 1e-6, "Meta-SGD alpha relative error " + e3);
    }

    @Test
    void sameDiffUnrolledAndReverseHvpEqualTheKernel() {
        List<TaskData<RegressionBatch>> tasks = tasks(5, 3);
        double[] theta = MLP.initialParameterArray(new SeededRandom(6));
        for (MetaAlgorithm a : new MetaAlgorithm[] {MetaAlgorithm.MAML, MetaAlgorithm.META_SGD, MetaAlgorithm.FOMAML}) {
            for (int steps : new int[] {1, 3}) {
                MamlConfig k = config(a, steps, Backend.KERNEL, SecondOrderMode.REVERSE_HVP);
                double[] alpha = MetaLearner.initialAlpha(k, MLP.layout());
                double[] gaK = a == MetaAlgorithm.META_SGD ? new double[theta.length] : null;
                double[] ref = metaGrad(k, theta, alpha, tasks, gaK);
                for (SecondOrderMode m : SecondOrderMode.values()) {
                    double[] gaS = gaK == null ? null : new double[theta.length];
                    double[] sd = metaGrad(config(a, steps, Backend.SAMEDIFF, m), theta, alpha, tasks, gaS);
                    double e = MetaGradientCheck.relativeError(sd, ref);
                    assertTrue(e < 1e-10, a + " " + steps + " steps " + m + ": SameDiff vs kernel " + e);
                    if (gaS != null) {
                        double ea = MetaGradientCheck.relativeError(gaS, gaK);
                        assertTrue(ea < 1e-10, a + " " + steps + " steps " + m + ": alpha gradient SameDiff vs kernel " + ea);
                    }
                }
            }
        }
    }

    @Test
    void kernelResultIsBitwiseIndependentOfThreads() {
        List<TaskData<RegressionBatch>> tasks = tasks(7, 5);
        double[] theta = MLP.initialParameterArray(new SeededRandom(8));
        MamlConfig c = config(MetaAlgorithm.META_SGD, 2, Backend.KERNEL, SecondOrderMode.REVERSE_HVP);
        double[] alpha = MetaLearner.initialAlpha(c, MLP.layout());
        double[] g1 = new double[theta.length], a1 = new double[theta.length], g2 = new double[theta.length], a2 = new double[theta.length];
        try (var e1 = MetaGradients.create(MLP, c.withThreads(1), null); var e2 = MetaGradients.create(MLP, c.withThreads(2), null)) {
            double l1 = e1.compute(theta, alpha, tasks, g1, a1);
            double l2 = e2.compute(theta, alpha, tasks, g2, a2);
            org.junit.jupiter.api.Assertions.assertEquals(l1, l2, 0.0);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(g1, g2, 0.0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(a1, a2, 0.0);
    }
}
