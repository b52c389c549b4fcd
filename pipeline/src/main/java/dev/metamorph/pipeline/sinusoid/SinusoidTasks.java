package dev.metamorph.pipeline.sinusoid;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.maml.DistributedTasks;
import dev.metamorph.maml.EngineTaskWorker;
import dev.metamorph.maml.GeneratorState;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.TaskWorker;
import dev.metamorph.maml.TaskWorkers;
import dev.metamorph.model.mlp.MlpLearner;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The sinusoid tasks as {@link DistributedTasks}: a task is described by the sampler generator's
 * state before its draw ({@link GeneratorState}); a worker draws it again from that state (bitwise
 * the same task) and computes its meta-gradient on the MLP's kernel. The recipe is the
 * {@code maml} namespace as HOCON text.
 */
public final class SinusoidTasks implements DistributedTasks<GeneratorState> {
    private final SinusoidTaskSampler sampler;
    private final Workers workers;

    public SinusoidTasks(MamlConfig config, Config composed) {
        this.sampler = new SinusoidTaskSampler(config.sinusoid().support(), config.sinusoid().query());
        this.workers = new Workers(composed.getConfig("maml").root().render(ConfigRenderOptions.concise()));
    }

    @Override
    public GeneratorState describe(SeededRandom rng) {
        GeneratorState s = GeneratorState.of(rng);
        sampler.sample(rng);   // advance exactly as the in-process draw
        return s;
    }

    @Override
    public TaskWorkers<GeneratorState> workers() {
        return workers;
    }

    record Workers(String maml) implements TaskWorkers<GeneratorState> {
        @Override
        public String key() {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(("sinusoid\n" + maml).getBytes(StandardCharsets.UTF_8));
                StringBuilder b = new StringBuilder();
                for (byte x : d) b.append(String.format("%02x", x));
                return b.toString();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public TaskWorker<GeneratorState> newWorker() {
            Config c = ConfigFactory.parseString(maml).atKey("maml").withFallback(ConfigFactory.defaultReference()).resolve();
            MamlConfig config = MamlConfig.from(c).withThreads(1);
            MlpLearner mlp = new MlpLearner(config.sinusoid().sizes());
            SinusoidTaskSampler sampler = new SinusoidTaskSampler(config.sinusoid().support(), config.sinusoid().query());
            return new EngineTaskWorker<GeneratorState, RegressionBatch>(s -> s.draw(sampler), MetaGradients.create(mlp, config, RegressionBatch::concat),
                    Math.toIntExact(mlp.layout().size()));
        }
    }
}
