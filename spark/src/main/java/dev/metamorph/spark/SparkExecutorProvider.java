package dev.metamorph.spark;

import com.typesafe.config.Config;
import dev.metamorph.maml.DescribedWorkRunner;
import dev.metamorph.maml.DistributedTasks;
import dev.metamorph.maml.MetaBatchExecutor;
import dev.metamorph.maml.MetaBatchExecutorProvider;
import java.io.Serializable;

/** Provides {@code maml.executor = spark} (and {@code eval.executor = spark}), configured by the {@code spark} namespace. */
public final class SparkExecutorProvider implements MetaBatchExecutorProvider {
    @Override
    public String name() {
        return "spark";
    }

    @Override
    public <D extends Serializable> MetaBatchExecutor open(Config config, DistributedTasks<D> tasks) {
        return new SparkMetaBatches<>(SparkConfig.from(config), tasks);
    }

    @Override
    public DescribedWorkRunner openRunner(Config config) {
        return new SparkWorkRunner(SparkConfig.from(config));
    }
}
