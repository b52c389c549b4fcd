package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A NaN gradient is never applied: it stops the curriculum (elastic rate off) or rolls back (on). */
class NonFiniteTest {
    /** The sine MLP, except that training call number {@code badCall} returns a gradient with a NaN. */
    static final class NaNAtCall implements Learner<RegressionBatch> {
        private final MlpLearner inner = SineDomains.learner();
        private final int badCall;
        private int calls;

        NaNAtCall(int badCall) {
            this.badCall = badCall;
        }

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
            LossAndGradient lg = inner.lossAndGradient(theta, b);
            if (++calls != badCall) return lg;
            INDArray g = lg.gradient().dup();
            g.putScalar(4, Double.NaN);
            return new LossAndGradient(lg.loss(), g);
        }

        public double loss(INDArray theta, RegressionBatch b) {
            return inner.loss(theta, b);   // validation losses do not count as training calls
        }

        public INDArray predict(INDArray theta, RegressionBatch b) {
            return inner.predict(theta, b);
        }
    }

    @Test
    void withTheElasticRateOffANaNGradientStopsTheRunNamingStageAndStep() {
        CurriculumConfig config = SineDomains.quick(2, 10);
        CurriculumEngine<RegressionBatch> engine = new CurriculumEngine<>(new NaNAtCall(17), config);
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> engine.adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(5), m -> { }));
        assertEquals("curriculum stage 1", e.stage());
        assertEquals(7, e.step());
        assertTrue(e.getMessage().contains("curriculum stage 1 step 7: the gradient on a ") && e.getMessage().contains("entry 4 of ")
                && e.getMessage().contains("(global step 17)"), e.getMessage());
    }

    @Test
    void withTheElasticRateOnANaNGradientRollsBackAtOnceAndIsLogged() {
        CurriculumConfig config = SineDomains.quick(1, 20).withElastic(new CurriculumConfig.Elastic(5, 1.25, 0.5, 0.5, 0.01, 3.0, 3));
        List<Map<String, Object>> events = new ArrayList<>();
        CurriculumResult r = new CurriculumEngine<>(new NaNAtCall(7), config).adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(5), events::add);
        List<Map<String, Object>> nonFinite = events.stream().filter(m -> "rollback".equals(m.get("event")) && "non-finite".equals(m.get("reason"))).toList();
        assertEquals(1, nonFinite.size(), "one logged rollback for the NaN step: " + events);
        assertEquals(6, nonFinite.get(0).get("from-step"), "rolled back before the NaN step (the 7th) was applied");
        assertEquals(5, nonFinite.get(0).get("to-step"), "to the last good state, the check at step 5");
        assertEquals(1, r.rollbacks());
        assertEquals(-1, NonFiniteException.firstNonFinite(r.theta().toDoubleVector()));
        assertTrue(Double.isFinite(r.targetLossAfter()));
    }
}
