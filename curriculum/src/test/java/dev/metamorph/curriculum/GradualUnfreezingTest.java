package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class GradualUnfreezingTest {

    /** Groups whose values differ (bitwise) between two thetas. */
    private static Set<String> changed(ParamLayout layout, double[] a, double[] b) {
        Set<String> out = new TreeSet<>();
        for (ParamGroup g : layout.groups()) {
            for (long i = g.offset(); i < g.end(); i++) {
                if (Double.doubleToRawLongBits(a[(int) i]) != Double.doubleToRawLongBits(b[(int) i])) {
                    out.add(g.name());
                    break;
                }
            }
        }
        return out;
    }

    private static List<double[]> thetasPerStage(CurriculumConfig config, INDArray start) {
        MlpLearner learner = SineDomains.learner();
        List<double[]> thetas = new ArrayList<>();
        thetas.add(start.toDoubleVector());
        new CurriculumEngine<>(learner, config).onStageEnd((r, t) -> thetas.add(t.toDoubleVector()))
                .adapt(SineDomains.data(), start, new SeededRandom(3), e -> { });
        return thetas;
    }

    @Test
    void eachStageChangesExactlyItsUnfrozenUnits() {
        MlpLearner learner = SineDomains.learner();
        CurriculumConfig config = SineDomains.quick(4, 8).withOptimizer(CurriculumConfig.OptimizerKind.ADAM, 0.9);
        List<double[]> thetas = thetasPerStage(config, SineDomains.pretrained());
        ParamLayout layout = learner.layout();
        List<Set<String>> expected = List.of(
                Set.of("head.weight", "head.bias"),
                Set.of("head.weight", "head.bias", "layer1.weight", "layer1.bias"),
                Set.copyOf(layout.names()),
                Set.copyOf(layout.names()));
        assertEquals(5, thetas.size());
        for (int k = 0; k < 4; k++) {
            assertEquals(new TreeSet<>(expected.get(k)), changed(layout, thetas.get(k), thetas.get(k + 1)), "groups changed in stage " + k);
        }
    }

    @Test
    void explicitUnitsInitialAndPerStageAreHonoured() {
        MlpLearner learner = SineDomains.learner();
        // two units; both from stage 0 (initial 1), nothing added per stage; layer0 is in no unit and never moves
        CurriculumConfig config = SineDomains.quick(2, 6).withUnfreeze(new CurriculumConfig.Unfreeze(List.of("head.", "layer1.w"), 1, 0));
        List<double[]> thetas = thetasPerStage(config, SineDomains.pretrained());
        Set<String> both = new TreeSet<>(List.of("head.weight", "head.bias", "layer1.weight"));
        assertEquals(both, changed(learner.layout(), thetas.get(0), thetas.get(1)));
        assertEquals(both, changed(learner.layout(), thetas.get(1), thetas.get(2)));
        assertTrue(Arrays.equals(Arrays.copyOfRange(thetas.get(0), 0, 48), Arrays.copyOfRange(thetas.get(2), 0, 48)), "layer0 stays bitwise equal");
    }

    @Test
    void defaultUnitsComeFromTheLayoutTopFirst() {
        UnfreezingPlan plan = UnfreezingPlan.resolve(SineDomains.quick(1, 1), SineDomains.learner().layout());
        assertEquals(List.of("head.", "layer1.", "layer0."), plan.units().stream().map(UnfreezingPlan.Unit::prefix).toList());
        assertEquals(List.of(), plan.frozenGroups());
        assertEquals(List.of("head."), plan.trainablePrefixes(0));
        assertEquals(List.of("head.", "layer1.", "layer0."), plan.trainablePrefixes(5));
    }

    @Test
    void aPrefixThatMatchesNothingIsRejectedListingTheGroups() {
        CurriculumConfig config = SineDomains.quick(1, 1).withUnfreeze(new CurriculumConfig.Unfreeze(List.of("head.", "block1."), 0, 1));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new CurriculumEngine<RegressionBatch>(SineDomains.learner(), config));
        assertTrue(e.getMessage().contains("'block1.'") && e.getMessage().contains("layer0.weight") && e.getMessage().contains("head.bias"), e.getMessage());
    }

    @Test
    void aThetaOfTheWrongLengthIsRejectedAndThetaStartIsNeverModified() {
        CurriculumEngine<RegressionBatch> engine = new CurriculumEngine<>(SineDomains.learner(), SineDomains.quick(1, 3));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> engine.adapt(SineDomains.data(), org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 10),
                        new SeededRandom(1), ev -> { }));
        assertTrue(e.getMessage().contains("10 values") && e.getMessage().contains(String.valueOf(SineDomains.learner().layout().size())), e.getMessage());
        INDArray start = SineDomains.pretrained();
        INDArray copy = start.dup();
        engine.adapt(SineDomains.data(), start, new SeededRandom(1), ev -> { });
        assertTrue(Arrays.equals(copy.toDoubleVector(), start.toDoubleVector()), "theta_start unchanged");
    }
}
