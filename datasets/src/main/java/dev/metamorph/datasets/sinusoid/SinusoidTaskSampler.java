package dev.metamorph.datasets.sinusoid;

import dev.metamorph.core.data.TaskSampler;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import java.util.random.RandomGenerator;

/**
 * Samples sinusoid tasks (amplitude ~ U[0.1, 5.0], phase ~ U[0, pi]) with {@code supportPoints}
 * support and {@code queryPoints} query points each, in a fixed order of draws (amplitude,
 * phase, support x, query x) so that the same generator state gives the same task.
 */
public record SinusoidTaskSampler(int supportPoints, int queryPoints) implements TaskSampler<TaskData<RegressionBatch>> {
    /** Domain name of sinusoid tasks. */
    public static final String DOMAIN = "sinusoid";
    public static final double AMPLITUDE_MIN = 0.1;
    public static final double AMPLITUDE_MAX = 5.0;
    public static final double PHASE_MAX = Math.PI;

    public SinusoidTaskSampler {
        if (supportPoints <= 0 || queryPoints <= 0) throw new IllegalArgumentException("support and query points must be >= 1, got " + supportPoints + " and " + queryPoints);
    }

    /** A task's parameters only. */
    public static SinusoidTask sampleTask(RandomGenerator rng) {
        double a = rng.nextDouble(AMPLITUDE_MIN, AMPLITUDE_MAX);
        double p = rng.nextDouble(0.0, PHASE_MAX);
        return new SinusoidTask(a, p);
    }

    @Override
    public TaskData<RegressionBatch> sample(RandomGenerator rng) {
        SinusoidTask task = sampleTask(rng);
        return new TaskData<>(DOMAIN, task.sample(rng, supportPoints), task.sample(rng, queryPoints));
    }
}
