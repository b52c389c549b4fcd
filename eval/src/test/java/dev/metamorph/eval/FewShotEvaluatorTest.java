package dev.metamorph.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.learn.TaskData;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Few-shot evaluation through a small softmax-regression learner: fine-tuning on the support set
 * lifts accuracy above chance on separable classes, and evaluating on several worker threads gives
 * exactly the scores of one thread.
 */
class FewShotEvaluatorTest {
    private static final int DIM = 6, WAYS = 3;

    /** Feature rows and labels. */
    record Batch(double[][] x, int[] y) {}

    /** Multinomial logistic regression, theta = W [DIM, WAYS] row-major. */
    static final class Softmax implements Learner<Batch> {
        private final ParamLayout layout = ParamLayout.builder().add("head.w", DIM, WAYS).build();

        public ParamLayout layout() {
            return layout;
        }

        public DataType dataType() {
            return DataType.DOUBLE;
        }

        public INDArray initialParameters(RandomGenerator rng) {
            return Nd4j.zeros(DataType.DOUBLE, DIM * WAYS);
        }

        public LossAndGradient lossAndGradient(INDArray theta, Batch b) {
            double[] w = theta.reshape(-1).toDoubleVector();
            double[] g = new double[w.length];
            double loss = 0;
            for (int i = 0; i < b.y().length; i++) {
                double[] p = probs(w, b.x()[i]);
                loss -= Math.log(p[b.y()[i]]) / b.y().length;
                for (int k = 0; k < WAYS; k++) {
                    double d = (p[k] - (k == b.y()[i] ? 1 : 0)) / b.y().length;
                    for (int e = 0; e < DIM; e++) g[e * WAYS + k] += d * b.x()[i][e];
                }
            }
            return new LossAndGradient(loss, Nd4j.createFromArray(g));
        }

        public INDArray predict(INDArray theta, Batch b) {
            double[] w = theta.reshape(-1).toDoubleVector();
            double[][] out = new double[b.y().length][];
            for (int i = 0; i < out.length; i++) out[i] = probs(w, b.x()[i]);
            return Nd4j.createFromArray(out);
        }

        private static double[] probs(double[] w, double[] x) {
            double[] z = new double[WAYS];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < WAYS; k++) {
                for (int e = 0; e < DIM; e++) z[k] += w[e * WAYS + k] * x[e];
                max = Math.max(max, z[k]);
            }
            double sum = 0;
            for (int k = 0; k < WAYS; k++) sum += (z[k] = Math.exp(z[k] - max));
            for (int k = 0; k < WAYS; k++) z[k] /= sum;
            return z;
        }
    }

    /** Episodes whose class c has its mean at a random point; examples are noisy copies. */
    private static List<Episode<double[]>> episodes(int n, long seed) {
        SeededRandom rng = new SeededRandom(seed);
        List<Episode<double[]>> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            double[][] means = new double[WAYS][DIM];
            for (double[] m : means) for (int e = 0; e < DIM; e++) m[e] = 2 * rng.nextGaussian();
            List<Episode.Labeled<double[]>> s = new ArrayList<>(), q = new ArrayList<>();
            for (int c = 0; c < WAYS; c++) {
                for (int i = 0; i < 2; i++) s.add(new Episode.Labeled<>(noisy(means[c], rng), c));
                for (int i = 0; i < 4; i++) q.add(new Episode.Labeled<>(noisy(means[c], rng), c));
            }
            out.add(new Episode<>("toy", List.of("a", "b", "c"), s, q));
        }
        return out;
    }

    private static double[] noisy(double[] m, RandomGenerator rng) {
        double[] x = m.clone();
        for (int e = 0; e < x.length; e++) x[e] += rng.nextGaussian();
        return x;
    }

    private static TaskData<Batch> task(Episode<double[]> e) {
        return new TaskData<>(e.domain(), batch(e.support()), batch(e.query()));
    }

    private static Batch batch(List<Episode.Labeled<double[]>> xs) {
        return new Batch(xs.stream().map(Episode.Labeled::example).toArray(double[][]::new), xs.stream().mapToInt(Episode.Labeled::label).toArray());
    }

    @Test
    void fineTuningBeatsChanceAndThreadsGiveTheSameScores() {
        Softmax learner = new Softmax();
        List<Episode<double[]>> eps = episodes(40, 3);
        FewShotEvaluator.Adaptation adapt = new FewShotEvaluator.Adaptation(20, 0.5, null);
        INDArray theta = learner.initialParameters(null);
        EpisodeScores one = new FewShotEvaluator<>(learner, FewShotEvaluatorTest::task, b -> 0).evaluateAll(theta, eps, adapt);
        EpisodeScores three = new FewShotEvaluator<>(learner, FewShotEvaluatorTest::task, b -> 0, Softmax::new, 3).evaluateAll(theta, eps, adapt);
        assertEquals(40, three.episodes());
        assertEquals(one.accuracy().mean(), three.accuracy().mean(), 0.0);
        assertEquals(one.accuracy().ci95(), three.accuracy().ci95(), 0.0);
        assertEquals(one.macroF1().mean(), three.macroF1().mean(), 0.0);
        assertTrue(one.accuracy().mean() > 0.6, "fine-tuned accuracy " + one.accuracy().mean() + " should be far above chance (1/3)");
        EpisodeScores none = new FewShotEvaluator<>(learner, FewShotEvaluatorTest::task, b -> 0).evaluateAll(theta, eps, new FewShotEvaluator.Adaptation(0, 0.5, null));
        assertTrue(none.accuracy().mean() < one.accuracy().mean(), "without fine-tuning a zero head cannot beat the fine-tuned one");
        assertThrows(IllegalArgumentException.class, () -> new FewShotEvaluator<>(learner, FewShotEvaluatorTest::task, b -> 0, null, 2));
    }
}
