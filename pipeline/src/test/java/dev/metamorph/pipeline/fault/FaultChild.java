package dev.metamorph.pipeline.fault;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.curriculum.CurriculumConfig;
import dev.metamorph.curriculum.CurriculumData;
import dev.metamorph.curriculum.CurriculumEngine;
import dev.metamorph.curriculum.CurriculumResult;
import dev.metamorph.datasets.sinusoid.SinusoidTask;
import dev.metamorph.maml.CheckpointStore;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.model.base.BaseConfig;
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.model.base.BaseFeatures;
import dev.metamorph.model.base.FeatureCache;
import dev.metamorph.model.base.FeatureProgress;
import dev.metamorph.model.mlp.MlpLearner;
import dev.metamorph.pipeline.sinusoid.SinusoidMetaTraining;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Child process of {@link FaultInjectionTest}: runs one workload in a folder to the end, resuming
 * from whatever an earlier, killed run left there, and writes the final state as {@code final.bin}
 * (raw little-endian doubles). Workloads: {@code meta-train} (sinusoid Meta-SGD with checkpoints),
 * {@code curriculum} (three stages with Adam, elastic rate and EWC, checkpointed), {@code features}
 * (the MiniLM base's pooled vectors of 96 texts, cached in shards of 8).
 */
public final class FaultChild {
    static final List<String> WORKLOADS = List.of("meta-train", "curriculum", "features");

    private FaultChild() {}

    static MamlConfig metaTrainConfig() {
        return MamlConfig.defaults().withAlgorithm(MetaAlgorithm.META_SGD).withIterations(800).withSchedule(100, 10).withThreads(1).withMetaBatch(10);
    }

    public static void main(String[] args) {
        String workload = args[0];
        Path dir = Path.of(args[1]);
        Nd4j.scalar(1.0);   // loads the ND4J backend, so the harness's kill times count work, not start-up
        if (!workload.equals("features")) ready(workload);
        double[] state = switch (workload) {
            case "meta-train" -> metaTrain(dir);
            case "curriculum" -> curriculum(dir);
            case "features" -> features(dir);
            default -> throw new IllegalArgumentException("unknown workload " + workload + "; one of " + WORKLOADS);
        };
        ByteBuffer b = ByteBuffer.allocate(8 * state.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : state) b.putDouble(x);
        AtomicFiles.writeBytes(dir.resolve("final.bin"), b.array());
        System.out.println("done " + workload);
    }

    /** The harness times its kill from this line. */
    private static void ready(String workload) {
        System.out.println("ready " + workload);
        System.out.flush();
    }

    private static double[] metaTrain(Path dir) {
        MamlConfig c = metaTrainConfig();
        boolean resume = !new CheckpointStore(dir.resolve("checkpoints")).newestFirst().isEmpty();
        return SinusoidMetaTraining.train(c, new SeedSequence(42), dir, resume, c.iterations(), false);
    }

    private static double[] curriculum(Path dir) {
        SinusoidTask base = new SinusoidTask(1.0, 0.0);
        SinusoidTask target = new SinusoidTask(1.3, 1.2);
        MlpLearner learner = new MlpLearner(List.of(1, 24, 24, 1));
        CurriculumConfig config = CurriculumConfig.defaults().withStages(3, 60).withOptimizer(CurriculumConfig.OptimizerKind.ADAM, 0.9)
                .withMix(new CurriculumConfig.Mix(List.of(), 0.3, 1.0))
                .withElastic(new CurriculumConfig.Elastic(4, 1.3, 0.5, 0.0, 0.05, 4.0, 2))
                .withEwc(50.0, 4).withGradClip(0.5).withLr(0.03, 0.7).withCheckpointEvery(5);
        CurriculumData<RegressionBatch> data = new CurriculumData<>(rng -> base.sample(rng, 16), rng -> target.sample(rng, 16),
                List.of(target.grid(64)), List.of(base.grid(64)));
        double[] theta0 = learner.initialParameterArray(new SeededRandom(7));
        CurriculumResult r = new CurriculumEngine<>(learner, config).adapt(data, Nd4j.createFromArray(theta0), new SeededRandom(77), e -> { }, dir.resolve("checkpoints"));
        return r.theta().toDoubleVector();
    }

    static List<String> texts() {
        List<String> t = new ArrayList<>();
        String[] words = {"river", "law", "music", "sea", "court", "string", "wind", "bank", "deep", "chord", "judge", "tide"};
        for (int i = 0; i < 96; i++) t.add("a " + words[i % words.length] + " of the " + words[(i * 7 + 3) % words.length] + " number " + i);
        return t;
    }

    private static double[] features(Path dir) {
        try (BaseEncoder base = BaseEncoder.open(BaseConfig.minilm(BaseConfig.Precision.INT8, 1))) {
            List<String> texts = texts();
            ready("features");
            BaseFeatures f = new FeatureCache(dir.resolve("cache"), base, 8).features("fault", "1", texts, false, FeatureProgress.NONE);
            double[] out = new double[texts.size() * f.hiddenSize()];
            for (int i = 0; i < texts.size(); i++) {
                float[] p = f.pooled(i);
                for (int j = 0; j < p.length; j++) out[i * p.length + j] = p[j];
            }
            return out;
        }
    }
}
