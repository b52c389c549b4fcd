package dev.metamorph.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.pipeline.DataStage;
import dev.metamorph.pipeline.EvaluationStage;
import dev.metamorph.pipeline.JobListener;
import dev.metamorph.pipeline.MetaTrainingStage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation episodes of the trained rows on Spark's {@code local[2]} (each episode's support-set
 * adaptation and query scoring on an executor, described by record ids) give exactly the figures of
 * the in-process evaluation: the same accuracy and macro-F1 means and intervals, bit for bit.
 */
class SparkEvaluationTest {

    @Test
    void evaluationEpisodesOnLocal2GiveTheInProcessFigures(@TempDir Path tmp) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String oldRoot = System.getProperty("metamorph.root");
        System.setProperty("metamorph.root", root.toString());
        try {
            List<String> common = List.of("model.base=none", "model.vocab-size=300", "model.d-model=8", "model.heads=2", "model.blocks=1",
                    "model.ff-size=16", "model.max-length=24", "maml.iterations=2", "maml.meta-batch=2", "maml.val-every=0", "maml.checkpoint-every=0",
                    "maml.algorithm=fomaml", "maml.learner-path=eager", "task.queries=2", "eval.episodes=6", "eval.shots=[1, 2]", "eval.adapt-steps=2");
            RunContext local = run(root, tmp.resolve("local"), common, List.of("eval.executor=local"));
            DatasetConfig data = DatasetConfig.from(local.config());
            DomainStore store = DataStage.open(local, data, ImportProgress.NONE, JobListener.NONE);
            MetaTrainingStage.Result trained = MetaTrainingStage.run(local, store, data, false, null);
            Map<String, List<EvaluationStage.Candidate>> candidates = new LinkedHashMap<>();
            for (String target : data.targetDomains()) {
                candidates.put(target, List.of(new EvaluationStage.Candidate("random-init", trained.initialTheta()),
                        new EvaluationStage.Candidate("theta0", trained.theta0())));
            }
            List<String> inProcess = rows(local, store, data, trained, candidates);
            local.close();

            int builtBefore = SparkWorkRunner.workersBuiltHere();
            RunContext spark = run(root, tmp.resolve("spark"), common, List.of("eval.executor=spark", "spark.master=\"local[2]\"", "spark.partitions=3"));
            List<String> onSpark = rows(spark, store, data, trained, candidates);
            spark.close();

            assertTrue(SparkWorkRunner.workersBuiltHere() > builtBefore, "the spark evaluation built workers on its executors");
            assertFalse(inProcess.isEmpty());
            assertEquals(inProcess, onSpark);
        } finally {
            if (oldRoot == null) System.clearProperty("metamorph.root");
            else System.setProperty("metamorph.root", oldRoot);
        }
    }

    private static RunContext run(Path root, Path dir, List<String> common, List<String> extra) {
        List<String> overrides = new ArrayList<>(common);
        overrides.addAll(extra);
        overrides.add("run.dir=\"" + dir + "\"");
        // over the modules' defaults only (configs/ also names groups of modules this one does not depend on)
        Config composed = ConfigFactory.parseString(String.join("\n", overrides)).withFallback(ConfigFactory.defaultReference()).resolve();
        return RunContext.create(root, composed, overrides);
    }

    /** The trained rows' figures, exactly (doubles as their bit patterns), in the order evaluated. */
    private static List<String> rows(RunContext run, DomainStore store, DatasetConfig data, MetaTrainingStage.Result trained,
                                     Map<String, List<EvaluationStage.Candidate>> candidates) throws Exception {
        List<String> rows = new ArrayList<>();
        JobListener capture = new JobListener() {
            @Override
            public void evaluated(EvalRow row) {
                if (!row.method().equals("random-init") && !row.method().equals("theta0")) return;
                rows.add(row.method() + " " + row.domain() + " " + row.shots() + "-shot " + row.scores().episodes() + " episodes: "
                        + Double.doubleToRawLongBits(row.scores().accuracy().mean()) + " " + Double.doubleToRawLongBits(row.scores().accuracy().ci95()) + " "
                        + Double.doubleToRawLongBits(row.scores().macroF1().mean()) + " " + Double.doubleToRawLongBits(row.scores().macroF1().ci95())
                        + " (accuracy " + row.scores().accuracy().mean() + ")");
            }
        };
        new EvaluationStage(run, capture).evaluate(store, data, trained.learner(), trained.encoder(), candidates, null);
        return rows;
    }
}
