package dev.metamorph.pipeline;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.curriculum.CurriculumConfig;
import dev.metamorph.curriculum.CurriculumData;
import dev.metamorph.curriculum.CurriculumEngine;
import dev.metamorph.curriculum.CurriculumResult;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.EpisodeSampler;
import dev.metamorph.datasets.MixedEpisodeSampler;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelArchive;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The curriculum stage: adaptation of the meta-trained theta_0 to one target domain:
 * base batches are episodes of the source domains' meta-train classes, target batches episodes of
 * the target domain's meta-train classes, the elastic rate watches fixed episodes of the target's
 * meta-val classes, and forgetting is measured on fixed episodes of the sources' meta-val classes.
 * Every batch is one episode (the prototype head: support rows make the class means, the loss is
 * on the query rows), so labels stay episode-local like in meta-training. The target loss before and
 * after is reported on further target meta-val episodes from their own generator
 * ({@code curriculum.report-episodes}), never the ones the elastic rate selects by (episodes differ;
 * a record can recur, as an episode needs K + Q = 20 of a class's 20-60 records). The target's meta-test
 * classes, which the evaluation uses, are never seen. The adapted model is saved as
 * {@code model/adapted-<domain>.zip}.
 */
public final class CurriculumStage {
    private CurriculumStage() {}

    /** The outcome: adapted theta, the engine's result and where the model went. */
    public record Result(INDArray theta, CurriculumResult curriculum, Path modelFile) {}

    public static Result adapt(RunContext run, DomainStore store, DatasetConfig data, String target, GatedAttentionLearner learner, EpisodeEncoder encoder,
                        BpeTokenizer tokenizer, INDArray theta0, int validationEpisodes, int reportEpisodes) throws IOException {
        return adapt(run, store, data, target, learner, encoder, tokenizer, theta0, validationEpisodes, reportEpisodes, ImportProgress.NONE);
    }

    /**
     * As above, showing the steps on {@code progress} (stages x {@code curriculum.steps-per-stage};
     * a step rolled back and run again is not counted twice).
     */
    public static Result adapt(RunContext run, DomainStore store, DatasetConfig data, String target, GatedAttentionLearner learner, EpisodeEncoder encoder,
                        BpeTokenizer tokenizer, INDArray theta0, int validationEpisodes, int reportEpisodes, ImportProgress progress) throws IOException {
        int ways = run.config().getInt("task.ways"), shots = run.config().getInt("task.shots"), queries = run.config().getInt("task.queries");
        MixedEpisodeSampler base = store.sourceSampler(data, ClassSplit.META_TRAIN, ways, shots, queries);
        EpisodeSampler targetTrain = store.classes(target, data).sampler(ClassSplit.META_TRAIN, ways, shots, queries);
        EpisodeSampler targetVal = store.classes(target, data).sampler(ClassSplit.META_VAL, ways, shots, queries);
        MixedEpisodeSampler baseVal = store.sourceSampler(data, ClassSplit.META_VAL, ways, shots, queries);
        SeededRandom valRng = run.seeds().child("curriculum.validation." + target);
        List<TokenBatch> targetValidation = new ArrayList<>(), baseValidation = new ArrayList<>();
        for (int i = 0; i < validationEpisodes; i++) targetValidation.add(encoder.task(targetVal.sample(valRng)).query());
        for (int i = 0; i < validationEpisodes; i++) baseValidation.add(encoder.task(baseVal.sample(valRng)).query());
        // the report episodes come from their own generator: none of them is a selection episode
        SeededRandom reportRng = run.seeds().child("curriculum.report." + target);
        List<TokenBatch> targetReport = new ArrayList<>();
        for (int i = 0; i < reportEpisodes; i++) targetReport.add(encoder.task(targetVal.sample(reportRng)).query());
        CurriculumData<TokenBatch> cd = new CurriculumData<>(rng -> encoder.task(base.sample(rng)).query(), rng -> encoder.task(targetTrain.sample(rng)).query(),
                targetValidation, baseValidation, targetReport);
        CurriculumConfig config = CurriculumConfig.from(run.config());
        CurriculumEngine<TokenBatch> engine = new CurriculumEngine<>(learner, config);
        long total = (long) config.stages() * config.stepsPerStage();
        long[] shown = {0};
        progress.start("curriculum " + target, total);
        // every curriculum event names its target domain, so a report can tell the targets' curves apart
        java.util.function.Consumer<java.util.Map<String, Object>> events = e -> {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>(e);
            m.put("target", target);
            run.metrics().append(m);
            // step, check and stage-end events carry (stage, step within it); a checkpoint at a stage's end names the next stage
            boolean counts = "step".equals(e.get("event")) || "check".equals(e.get("event")) || "stage-end".equals(e.get("event"));
            if (counts && e.get("stage") instanceof Number stage && e.get("step") instanceof Number step) {
                long done = Math.min(total, stage.longValue() * config.stepsPerStage() + step.longValue());
                if (done > shown[0]) {
                    progress.advance(done - shown[0]);
                    shown[0] = done;
                }
            }
        };
        CurriculumResult r;
        try {
            r = engine.adapt(cd, theta0, run.seeds().child("curriculum." + target), events, run.checkpointsDir().resolve("curriculum-" + target));
        } finally {
            progress.finish();
        }
        Path file = run.dir().resolve("model").resolve("adapted-" + target + ".zip");
        ModelArchive.save(file, learner.config(), tokenizer, r.theta());
        return new Result(r.theta(), r, file);
    }

}
