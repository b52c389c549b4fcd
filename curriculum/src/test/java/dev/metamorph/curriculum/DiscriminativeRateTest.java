package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DiscriminativeRateTest {

    /** One SGD step with every unit unfrozen: unit u moves by -lr * decay^u * grad, grad checked by central differences. */
    @Test
    void oneSgdStepMovesEachUnitByItsRateTimesTheGradient() {
        MlpLearner learner = SineDomains.learner();
        RegressionBatch batch = SineDomains.TARGET.sample(new SeededRandom(11), 12);
        double lr = 0.1;
        double decay = 0.5;
        CurriculumConfig config = SineDomains.quick(1, 1)
                .withMix(new CurriculumConfig.Mix(List.of(1.0), 0, 0))
                .withUnfreeze(new CurriculumConfig.Unfreeze(List.of(), 2, 1))
                .withLr(lr, decay)
                .withOptimizer(CurriculumConfig.OptimizerKind.SGD, 0.9);
        INDArray start = SineDomains.pretrained();
        double[] theta0 = start.toDoubleVector();
        CurriculumData<RegressionBatch> data = new CurriculumData<>(r -> { throw new AssertionError("no base batch expected"); }, r -> batch,
                List.of(batch), List.of());
        double[] theta1 = new CurriculumEngine<>(learner, config).adapt(data, start, new SeededRandom(1), e -> { }).theta().toDoubleVector();

        double[] grad = learner.lossAndGradient(Nd4j.createFromArray(theta0), batch).gradient().toDoubleVector();
        Map<String, Integer> unitOf = Map.of("head", 0, "layer1", 1, "layer0", 2);
        double h = 1e-6;
        for (ParamGroup g : learner.layout().groups()) {
            double rate = lr * Math.pow(decay, unitOf.get(g.name().substring(0, g.name().indexOf('.'))));
            for (long i = g.offset(); i < g.end(); i++) {
                int j = (int) i;
                double expected = -rate * grad[j];
                assertEquals(expected, theta1[j] - theta0[j], 1e-12 * Math.max(1, Math.abs(expected)) + 1e-15, g.name() + "[" + (i - g.offset()) + "]");
            }
            // the gradient itself, numerically, at three coordinates of the group
            for (long i = g.offset(); i < g.end(); i += Math.max(1, g.length() / 3)) {
                double[] p = theta0.clone();
                double[] m = theta0.clone();
                p[(int) i] += h;
                m[(int) i] -= h;
                double fd = (learner.loss(Nd4j.createFromArray(p), batch) - learner.loss(Nd4j.createFromArray(m), batch)) / (2 * h);
                assertEquals(fd, grad[(int) i], 1e-6 * Math.max(1, Math.abs(fd)), "finite-difference gradient of " + g.name());
                assertEquals(-rate * fd, theta1[(int) i] - theta0[(int) i], 1e-6 * rate * Math.max(1, Math.abs(fd)), "update of " + g.name() + " vs lr_unit * numerical gradient");
            }
        }
        assertTrue(theta1[0] != theta0[0]);
    }

    /**
     * Adam counts steps per unit: a unit unfrozen in stage 1 gets a bias-corrected first step of
     * size lr_unit (|m^ / sqrt(s^)| = 1 at its first step) even though the optimiser already ran a step.
     */
    @Test
    void adamGivesALateUnfrozenUnitAFullFirstStep() {
        MlpLearner learner = SineDomains.learner();
        RegressionBatch batch = SineDomains.TARGET.sample(new SeededRandom(12), 12);
        CurriculumConfig config = SineDomains.quick(2, 1).withMix(new CurriculumConfig.Mix(List.of(1.0, 1.0), 0, 0))
                .withOptimizer(CurriculumConfig.OptimizerKind.ADAM, 0.9).withLr(0.01, 0.5);
        CurriculumData<RegressionBatch> data = new CurriculumData<>(r -> batch, r -> batch, List.of(batch), List.of());
        List<double[]> thetas = new java.util.ArrayList<>();
        INDArray start = SineDomains.pretrained();
        thetas.add(start.toDoubleVector());
        new CurriculumEngine<>(learner, config).onStageEnd((r, t) -> thetas.add(t.toDoubleVector())).adapt(data, start, new SeededRandom(1), e -> { });
        ParamGroup w = learner.layout().group("layer1.weight");
        int moved = 0;
        for (long i = w.offset(); i < w.end(); i++) {
            double before = thetas.get(1)[(int) i];
            double after = thetas.get(2)[(int) i];
            assertEquals(before, thetas.get(0)[(int) i], 0.0, "frozen in stage 0");
            if (after != before) {
                moved++;
                assertEquals(0.005, Math.abs(after - before), 1e-6, "first Adam step of layer1 (rate 0.01 * 0.5)");
            }
        }
        assertTrue(moved > w.length() / 2, "most of layer1 moved: " + moved);
    }

    @Test
    void unitRatesDecayFromTheTop() {
        UnfreezingPlan plan = UnfreezingPlan.resolve(SineDomains.quick(3, 1).withLr(0.2, 0.5), SineDomains.learner().layout());
        assertEquals(List.of(0.2, 0.0, 0.0), List.of(plan.rates(0)[0], plan.rates(0)[1], plan.rates(0)[2]));
        assertEquals(List.of(0.2, 0.1, 0.05), List.of(plan.rates(2)[0], plan.rates(2)[1], plan.rates(2)[2]));
    }
}
