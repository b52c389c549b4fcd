package dev.metamorph.pipeline.sinusoid;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.run.MetricsLog;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import com.typesafe.config.Config;
import dev.metamorph.maml.CheckpointStore;
import dev.metamorph.maml.ExecutionConfig;
import dev.metamorph.maml.MetaBatchExecutor;
import dev.metamorph.maml.MetaBatchExecutorProvider;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.maml.MetaTrainingLoop;
import dev.metamorph.model.mlp.MlpLearner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Meta-training on sinusoid tasks in a run folder: {@code metrics.jsonl} (appended, so a resumed
 * run continues the file) and {@code checkpoints/}. With {@code resume} it continues from the
 * newest checkpoint that verifies and first cuts {@code metrics.jsonl}
 * back to that checkpoint's step, so every step is logged once. Generators: {@code init} (theta), {@code sampler} (meta-batches, checkpointed)
 * and {@code meta-val} (fixed validation tasks) from the run's {@link SeedSequence}.
 */
public final class SinusoidMetaTraining {
    private SinusoidMetaTraining() {}

    /** Trains up to step {@code stopAt} (use {@code config.iterations()} for a whole run) and returns the theta it keeps ({@code maml.select}). */
    public static double[] train(MamlConfig config, SeedSequence seeds, Path runDir, boolean resume, long stopAt, boolean progressBar) {
        return train(config, seeds, runDir, resume, stopAt, progressBar, (Config) null);
    }

    /**
     * As above, with the meta-batches computed where {@code maml.executor} of {@code composed} says
     * (its {@code spark} group configures Spark); {@code composed} null = in process.
     */
    public static double[] train(MamlConfig config, SeedSequence seeds, Path runDir, boolean resume, long stopAt, boolean progressBar, Config composed) {
        MetaBatchExecutor distributed = composed == null ? null
                : MetaBatchExecutorProvider.open(ExecutionConfig.from(composed), composed, new SinusoidTasks(config, composed));
        try {
            return trainWith(config, seeds, runDir, resume, stopAt, progressBar, distributed);
        } finally {
            if (distributed != null) distributed.close();
        }
    }

    private static double[] trainWith(MamlConfig config, SeedSequence seeds, Path runDir, boolean resume, long stopAt, boolean progressBar, MetaBatchExecutor distributed) {
        MlpLearner mlp = new MlpLearner(config.sinusoid().sizes());
        SinusoidTaskSampler sampler = new SinusoidTaskSampler(config.sinusoid().support(), config.sinusoid().query());
        List<TaskData<RegressionBatch>> val = new ArrayList<>();
        var valRng = seeds.child("meta-val");
        for (int i = 0; i < config.valTasks(); i++) val.add(sampler.sample(valRng));
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create run folder " + runDir, e);
        }
        Path metricsFile = runDir.resolve("metrics.jsonl");
        MetricsLog metrics = MetricsLog.appendingTo(metricsFile);
        try (MetaLearner<RegressionBatch> learner = new MetaLearner<>(config, mlp.layout(), mlp.initialParameterArray(seeds.child("init")), MetaGradients.create(mlp, config, RegressionBatch::concat))) {
            CheckpointStore store = new CheckpointStore(runDir.resolve("checkpoints"));
            MetaTrainingLoop<RegressionBatch> loop = new MetaTrainingLoop<>(config, learner, sampler, seeds.child("sampler"), val,
                    store, metrics::append, progressBar);
            if (distributed != null) loop.executeWith(distributed);
            // resuming: cut metrics back to the restored step; starting from step 0 (no checkpoint yet): drop
            // what a start killed before its first checkpoint logged. (The CLI refuses --resume without a checkpoint.)
            long at = resume ? loop.resume().orElse(-1L) : -1L;
            MetricsLog.rewind(metricsFile, at);
            loop.runUntil(stopAt);
            return loop.selectedTheta();
        } finally {
            metrics.close();
        }
    }
}
