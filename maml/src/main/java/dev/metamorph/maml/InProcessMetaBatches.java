package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.TaskSampler;
import dev.metamorph.core.learn.TaskData;
import java.util.ArrayList;
import java.util.List;

/**
 * The in-process {@link MetaBatchExecutor} ({@code maml.executor = local}): draws the meta-batch's
 * tasks with the sampler and hands them to the meta-gradient engine in one call, as the loop always did.
 *
 * @param <B> batch type
 */
public final class InProcessMetaBatches<B> implements MetaBatchExecutor {
    private final TaskSampler<TaskData<B>> sampler;
    private final MetaGradient<B> engine;
    private final List<TaskData<B>> batch = new ArrayList<>();

    public InProcessMetaBatches(TaskSampler<TaskData<B>> sampler, MetaGradient<B> engine) {
        this.sampler = sampler;
        this.engine = engine;
    }

    @Override
    public double compute(SeededRandom rng, int size, double[] theta, double[] alpha, double[] gradTheta, double[] gradAlpha) {
        batch.clear();
        for (int i = 0; i < size; i++) batch.add(sampler.sample(rng));
        return engine.compute(theta, alpha, batch, gradTheta, gradAlpha);
    }
}
