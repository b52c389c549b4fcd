package dev.metamorph.pipeline.sinusoid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.maml.DescribedMetaBatches;
import dev.metamorph.maml.InProcessMetaBatches;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaBatchExecutor;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.model.mlp.MlpLearner;
import org.junit.jupiter.api.Test;

/**
 * Sinusoid tasks described by generator state and computed one by one (as Spark executors do)
 * give bitwise the in-process meta-iterations, and leave the sampler's generator where the
 * in-process draw leaves it (so checkpoints are the same). No Spark here.
 */
class SinusoidTasksTest {
    private static double[] train(MamlConfig maml, Config composed, boolean described, long[] rngStateOut) {
        MlpLearner mlp = new MlpLearner(maml.sinusoid().sizes());
        SeedSequence seeds = new SeedSequence(3);
        var engine = MetaGradients.create(mlp, maml, RegressionBatch::concat);
        SeededRandom rng = seeds.child("sampler");
        try (MetaLearner<RegressionBatch> learner = new MetaLearner<>(maml, mlp.layout(), mlp.initialParameterArray(seeds.child("init")), engine);
             MetaBatchExecutor ex = described ? new DescribedMetaBatches<>(new SinusoidTasks(maml, composed))
                     : new InProcessMetaBatches<>(new SinusoidTaskSampler(maml.sinusoid().support(), maml.sinusoid().query()), engine)) {
            for (int i = 0; i < 4; i++) learner.metaStep((th, al, gt, ga) -> ex.compute(rng, maml.metaBatch(), th, al, gt, ga));
            System.arraycopy(rng.state(), 0, rngStateOut, 0, 4);
            return learner.theta();
        }
    }

    @Test
    void describedTasksGiveBitwiseTheInProcessThetaAndSamplerState() {
        for (String algorithm : new String[] {"maml", "meta-sgd", "reptile"}) {
            Config c = ConfigFactory.parseString("maml { task = sinusoid, algorithm = " + algorithm + ", meta-batch = 4, sinusoid.sizes = [1, 8, 1] }")
                    .withFallback(ConfigFactory.defaultReference()).resolve();
            MamlConfig maml = MamlConfig.from(c);
            long[] s1 = new long[4], s2 = new long[4];
            double[] inProcess = train(maml, c, false, s1);
            double[] described = train(maml, c, true, s2);
            assertEquals(inProcess.length, described.length);
            for (int i = 0; i < inProcess.length; i++) {
                assertEquals(Double.doubleToRawLongBits(inProcess[i]), Double.doubleToRawLongBits(described[i]), algorithm + ": theta[" + i + "]");
            }
            assertArrayEquals(s1, s2, algorithm + ": the sampler generator ends in the same state");
        }
    }
}
