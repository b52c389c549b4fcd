package dev.metamorph.maml;

import dev.metamorph.core.learn.TaskData;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link TaskWorker} over a {@link MetaGradient} engine: resolves the description and calls the
 * engine on a one-task meta-batch (exact second order included, as the engine computes it).
 *
 * @param <D> the task description
 * @param <B> batch type
 */
public final class EngineTaskWorker<D, B> implements TaskWorker<D> {
    private final Function<D, TaskData<B>> resolver;
    private final MetaGradient<B> engine;
    private final int size;

    /**
     * @param resolver the task a description stands for (deterministic)
     * @param engine computes meta-gradients; owned (closed) by this worker
     * @param size parameters of theta
     */
    public EngineTaskWorker(Function<D, TaskData<B>> resolver, MetaGradient<B> engine, int size) {
        this.resolver = resolver;
        this.engine = engine;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public double compute(D task, double[] theta, double[] alpha, double[] gradTheta, double[] gradAlpha) {
        return engine.compute(theta, alpha, List.of(resolver.apply(task)), gradTheta, gradAlpha);
    }

    @Override
    public void close() {
        engine.close();
    }
}
