package dev.metamorph.curriculum;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.datasets.sinusoid.SinusoidTask;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Synthetic regression domains for the engine tests: the base domain is y = sin(x), the target
 * the same wave shifted by a phase of 1.2 and scaled by 1.3; a small MLP pretrained on the base.
 */
final class SineDomains {
    static final SinusoidTask BASE = new SinusoidTask(1.0, 0.0);
    static final SinusoidTask TARGET = new SinusoidTask(1.3, 1.2);
    static final int POINTS = 16;
    private static INDArray pretrained;

    private SineDomains() {}

    static MlpLearner learner() {
        return new MlpLearner(List.of(1, 24, 24, 1));
    }

    static BatchSource<RegressionBatch> base() {
        return rng -> BASE.sample(rng, POINTS);
    }

    static BatchSource<RegressionBatch> target() {
        return rng -> TARGET.sample(rng, POINTS);
    }

    /** A source that counts its calls. */
    static BatchSource<RegressionBatch> counting(BatchSource<RegressionBatch> s, AtomicInteger calls) {
        return rng -> {
            calls.incrementAndGet();
            return s.next(rng);
        };
    }

    static CurriculumData<RegressionBatch> data() {
        return data(base(), target());
    }

    static CurriculumData<RegressionBatch> data(BatchSource<RegressionBatch> base, BatchSource<RegressionBatch> target) {
        return new CurriculumData<>(base, target, List.of(TARGET.grid(64)), List.of(BASE.grid(64)));
    }

    /** theta_0: the MLP trained with plain Adam on the base domain (cached; the same every time). */
    static synchronized INDArray pretrained() {
        if (pretrained == null) {
            MlpLearner learner = learner();
            SeededRandom rng = new SeededRandom(7);
            double[] theta = learner.initialParameterArray(rng);
            double[] m = new double[theta.length];
            double[] v = new double[theta.length];
            for (int t = 1; t <= 1500; t++) {
                LossAndGradient lg = learner.lossAndGradient(Nd4j.createFromArray(theta), BASE.sample(rng, 32));
                double[] g = lg.gradient().toDoubleVector();
                for (int i = 0; i < theta.length; i++) {
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                    theta[i] -= 0.01 * (m[i] / (1 - Math.pow(0.9, t))) / (Math.sqrt(v[i] / (1 - Math.pow(0.999, t))) + 1e-8);
                }
            }
            pretrained = Nd4j.createFromArray(theta);
        }
        return pretrained.dup();
    }

    /** A config for fast tests: elastic off, EWC off, no clipping, SGD without momentum unless changed. */
    static CurriculumConfig quick(int stages, int steps) {
        CurriculumConfig d = CurriculumConfig.defaults();
        return d.withStages(stages, steps)
                .withMix(new CurriculumConfig.Mix(List.of(), 0.5, 0.5))
                .withElastic(new CurriculumConfig.Elastic(0, 1.1, 0.5, 0.02, 0.01, 10.0, 3))
                .withEwc(0.0, 4)
                .withGradClip(0.0)
                .withLr(0.01, 0.8);
    }

    /** A sink collecting events. */
    static List<Map<String, Object>> events() {
        return new ArrayList<>();
    }
}
