package dev.metamorph.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.eval.FewShotEvaluatorTest.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A diverged model is never scored: NaN parameters or logits stop the evaluation instead of counting as class 0. */
class FewShotEvaluatorNonFiniteTest {
    /** The softmax learner, except that its logits are NaN for batches whose first feature is 99. */
    static final class NaNOnMarkedBatch implements Learner<Batch> {
        private final FewShotEvaluatorTest.Softmax inner = new FewShotEvaluatorTest.Softmax();

        public ParamLayout layout() {
            return inner.layout();
        }

        public DataType dataType() {
            return inner.dataType();
        }

        public INDArray initialParameters(RandomGenerator rng) {
            return inner.initialParameters(rng);
        }

        public LossAndGradient lossAndGradient(INDArray theta, Batch b) {
            return inner.lossAndGradient(theta, b);
        }

        public INDArray predict(INDArray theta, Batch b) {
            INDArray out = inner.predict(theta, b);
            return b.x()[0][0] == 99 ? out.assign(Double.NaN) : out;
        }
    }

    private static List<Episode<double[]>> episodes(int markedIndex) {
        List<Episode<double[]>> out = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            List<Episode.Labeled<double[]>> s = new ArrayList<>(), q = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                double[] x = new double[6];
                x[c] = 1;
                s.add(new Episode.Labeled<>(x, c));
                double[] y = x.clone();
                if (t == markedIndex && c == 0) y[0] = 99;
                q.add(new Episode.Labeled<>(y, c));
            }
            out.add(new Episode<>("toy", List.of("a", "b", "c"), s, q));
        }
        return out;
    }

    private static TaskData<Batch> task(Episode<double[]> e) {
        return new TaskData<>(e.domain(), batch(e.support()), batch(e.query()));
    }

    private static Batch batch(List<Episode.Labeled<double[]>> xs) {
        return new Batch(xs.stream().map(Episode.Labeled::example).toArray(double[][]::new), xs.stream().mapToInt(Episode.Labeled::label).toArray());
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void aNaNThetaIsNotEvaluated(int threads) {
        NaNOnMarkedBatch learner = new NaNOnMarkedBatch();
        INDArray theta = Nd4j.zeros(DataType.DOUBLE, 18);
        theta.putScalar(5, Double.NaN);
        FewShotEvaluator<double[], Batch> ev = new FewShotEvaluator<>(learner, FewShotEvaluatorNonFiniteTest::task, b -> 0, NaNOnMarkedBatch::new, threads);
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> ev.evaluateAll(theta, episodes(-1), new FewShotEvaluator.Adaptation(0, 0.1, null)));
        assertEquals("eval", e.stage());
        assertTrue(e.getMessage().contains("theta to evaluate entry 5 of 18 is NaN"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void nanLogitsStopTheEvaluationNamingTheEpisode(int threads) {
        NaNOnMarkedBatch learner = new NaNOnMarkedBatch();
        FewShotEvaluator<double[], Batch> ev = new FewShotEvaluator<>(learner, FewShotEvaluatorNonFiniteTest::task, b -> 0, NaNOnMarkedBatch::new, threads);
        INDArray theta = Nd4j.zeros(DataType.DOUBLE, 18);
        assertEquals(4, ev.evaluateAll(theta, episodes(-1), new FewShotEvaluator.Adaptation(1, 0.1, null)).episodes(), "finite logits score normally");
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> ev.evaluateAll(theta, episodes(2), new FewShotEvaluator.Adaptation(1, 0.1, null)));
        assertTrue(e.getMessage().contains("logits of the query set of episode 2 (toy"), e.getMessage());
    }
}
