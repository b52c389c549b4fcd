package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The curriculum selects on its validation set and reports the target loss on a set no check saw. */
class ReportSetTest {
    /** The sine MLP, counting the loss evaluations of each batch. */
    static final class Counting implements Learner<RegressionBatch> {
        final MlpLearner inner = SineDomains.learner();
        final Map<RegressionBatch, Integer> losses = new IdentityHashMap<>();

        public ParamLayout layout() {
            return inner.layout();
        }

        public DataType dataType() {
            return inner.dataType();
        }

        public INDArray initialParameters(RandomGenerator rng) {
            return inner.initialParameters(rng);
        }

        public LossAndGradient lossAndGradient(INDArray theta, RegressionBatch b) {
            return inner.lossAndGradient(theta, b);
        }

        public double loss(INDArray theta, RegressionBatch b) {
            losses.merge(b, 1, Integer::sum);
            return inner.loss(theta, b);
        }

        public INDArray predict(INDArray theta, RegressionBatch b) {
            return inner.predict(theta, b);
        }
    }

    @Test
    void theReportSetIsScoredOnlyBeforeAndAfterAndNeverByTheChecks() {
        CurriculumConfig config = SineDomains.quick(2, 20).withElastic(new CurriculumConfig.Elastic(5, 1.25, 0.5, 0.02, 0.01, 3.0, 3));
        RegressionBatch validation = SineDomains.TARGET.grid(64);
        RegressionBatch report = SineDomains.TARGET.sample(new SeededRandom(11), 64);
        Counting learner = new Counting();
        INDArray theta0 = SineDomains.pretrained();
        CurriculumData<RegressionBatch> data = new CurriculumData<>(SineDomains.base(), SineDomains.target(), List.of(validation), List.of(), List.of(report));
        CurriculumResult r = new CurriculumEngine<>(learner, config).adapt(data, theta0, new SeededRandom(5), e -> { });
        assertEquals(2, learner.losses.get(report), "the report set is scored at theta_start and at the end only");
        assertTrue(learner.losses.get(validation) > 4, "the checks use the validation set: " + learner.losses.get(validation));
        assertEquals(learner.inner.loss(theta0, report), r.targetReportLossBefore(), 0.0);
        assertEquals(learner.inner.loss(r.theta(), report), r.targetReportLossAfter(), 0.0);
        assertEquals(learner.inner.loss(r.theta(), validation), r.targetLossAfter(), 0.0);
        assertTrue(r.targetReportLossAfter() < r.targetReportLossBefore(), "adapting to the target lowers its held-out loss too");
    }
}
