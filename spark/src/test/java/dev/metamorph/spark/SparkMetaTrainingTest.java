package dev.metamorph.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.pipeline.DataStage;
import dev.metamorph.pipeline.JobListener;
import dev.metamorph.pipeline.MetaTrainingStage;
import dev.metamorph.pipeline.sinusoid.SinusoidMetaTraining;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Meta-training on Spark's {@code local[2]} gives bitwise the theta of the in-process run with the
 * same seed (sinusoid, exact second-order MAML and Meta-SGD; definitions without a base), also
 * when a Spark task fails on purpose and is retried. Each Spark run starts a context (seconds), so
 * the runs are few and short.
 */
class SparkMetaTrainingTest {
    private static final String SINUSOID = "maml { task = sinusoid, meta-batch = 5, iterations = 3, val-every = 0, checkpoint-every = 0, sinusoid.sizes = [1, 16, 16, 1] }";

    private static Config sinusoid(String extra) {
        return ConfigFactory.parseString(SINUSOID + "\n" + extra).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    private static void assertBitwiseEqual(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                throw new AssertionError("theta[" + i + "] differs: " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    @Test
    void sinusoidMamlOnLocal2GivesBitwiseTheInProcessTheta(@TempDir Path tmp) {
        Config local = sinusoid("");
        MamlConfig maml = MamlConfig.from(local);
        double[] inProcess = SinusoidMetaTraining.train(maml, new SeedSequence(7), tmp.resolve("local"), false, maml.iterations(), false);
        Config spark = sinusoid("maml.executor = spark, spark.master = \"local[2]\"");
        double[] onSpark = SinusoidMetaTraining.train(maml, new SeedSequence(7), tmp.resolve("spark"), false, maml.iterations(), false, spark);
        assertBitwiseEqual(inProcess, onSpark);
        double[] otherSeed = SinusoidMetaTraining.train(maml, new SeedSequence(8), tmp.resolve("other"), false, maml.iterations(), false);
        assertTrue(!Arrays.equals(inProcess, otherSeed), "another seed trains another theta (the comparison can fail)");
    }

    @Test
    void aFailedSparkTaskIsRetriedAndThetaIsUnchangedWithMetaSgdRates(@TempDir Path tmp) {
        Config local = sinusoid("maml.algorithm = meta-sgd");
        MamlConfig maml = MamlConfig.from(local);
        double[] inProcess = SinusoidMetaTraining.train(maml, new SeedSequence(11), tmp.resolve("local"), false, maml.iterations(), false);
        // three partitions; the one holding task 3 fails its first attempt in every meta-iteration
        Config spark = sinusoid("maml.algorithm = meta-sgd, maml.executor = spark, spark { master = \"local[2]\", partitions = 3, fail-first-attempt-of-task = 3 }");
        double[] retried = SinusoidMetaTraining.train(maml, new SeedSequence(11), tmp.resolve("spark"), false, maml.iterations(), false, spark);
        assertBitwiseEqual(inProcess, retried);
    }

    @Test
    void withoutRetriesTheInjectedFailureFailsTheRun(@TempDir Path tmp) {
        Config spark = sinusoid("maml.iterations = 1, maml.executor = spark, spark { master = \"local[1]\", max-failures = 1, fail-first-attempt-of-task = 0 }");
        MamlConfig maml = MamlConfig.from(spark);
        Exception e = assertThrows(Exception.class, () -> SinusoidMetaTraining.train(maml, new SeedSequence(1), tmp, false, 1, false, spark));
        assertTrue(String.valueOf(e.getMessage()).contains("fail-first-attempt-of-task"), e.toString());
    }

    @Test
    void definitionsWithoutABaseOnLocal2GivesBitwiseTheInProcessTheta(@TempDir Path tmp) throws Exception {
        double[] inProcess = definitions(tmp.resolve("local"), List.of());
        double[] onSpark = definitions(tmp.resolve("spark"), List.of("maml.executor=spark", "spark.master=\"local[2]\""));
        assertBitwiseEqual(inProcess, onSpark);
    }

    /** Meta-trains the tiny attention model on the real definitions data (imported if missing) and returns theta_0. */
    private static double[] definitions(Path runDir, List<String> extra) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String oldRoot = System.getProperty("metamorph.root");
        System.setProperty("metamorph.root", root.toString());
        try {
            List<String> overrides = new ArrayList<>(List.of("model.base=none", "model.vocab-size=300", "model.d-model=8", "model.heads=2", "model.blocks=1",
                    "model.ff-size=16", "model.max-length=24", "maml.iterations=3", "maml.meta-batch=3", "maml.val-every=0", "maml.checkpoint-every=0",
                    "maml.algorithm=fomaml", "maml.learner-path=eager", "task.queries=2", "run.dir=\"" + runDir + "\""));
            overrides.addAll(extra);
            // over the modules' defaults only (configs/ also names groups of modules this one does not depend on)
            Config composed = ConfigFactory.parseString(String.join("\n", overrides)).withFallback(ConfigFactory.defaultReference()).resolve();
            try (RunContext run = RunContext.create(root, composed, overrides)) {
                DatasetConfig data = DatasetConfig.from(run.config());
                DomainStore store = DataStage.open(run, data, ImportProgress.NONE, JobListener.NONE);
                return MetaTrainingStage.run(run, store, data, false, null).theta0().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
            }
        } finally {
            if (oldRoot == null) System.clearProperty("metamorph.root");
            else System.setProperty("metamorph.root", oldRoot);
        }
    }

    @Test
    void configRejectsTyposAndKeepsLocalMastersRetrying() {
        Config typo = ConfigFactory.parseString("spark.mastr = x").withFallback(ConfigFactory.defaultReference());
        ConfigException e = assertThrows(ConfigException.class, () -> SparkConfig.from(typo));
        assertTrue(e.getMessage().contains("spark.mastr"), e.getMessage());
        SparkConfig d = SparkConfig.from(ConfigFactory.defaultReference());
        assertEquals("local[2,4]", d.effectiveMaster(null));
        assertEquals(null, d.effectiveMaster("yarn"), "spark-submit's master is kept");
        assertEquals("local[*,4]", SparkConfig.from(ConfigFactory.parseString("spark.master = \"local[*]\"").withFallback(ConfigFactory.defaultReference())).effectiveMaster(null));
        assertEquals("spark://h:7077", SparkConfig.from(ConfigFactory.parseString("spark.master = \"spark://h:7077\"").withFallback(ConfigFactory.defaultReference())).effectiveMaster(null));
    }
}
