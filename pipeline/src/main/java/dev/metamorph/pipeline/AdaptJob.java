package dev.metamorph.pipeline;

import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelArchive;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import dev.metamorph.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The curriculum alone on a saved theta_0, for a team that brings a new domain to a model
 * meta-trained without it: in its own run folder, stages {@code data} (the target imported if
 * missing), {@code base-features}, {@code curriculum} (theta_0 adapted to the domain with
 * {@code curriculum.*}, saved as {@code model/adapted-<domain>.zip}), {@code eval} (the domain's
 * {@code eval.split} classes: the floors, {@code random-init}, {@code theta0} and {@code curriculum})
 * and {@code report}. The sources of the curriculum's mixed batches and of the forgetting figure are
 * {@code dataset.source-domains}; the domain need not be in {@code dataset.domains}.
 */
public final class AdaptJob {
    private static final Logger LOG = LoggerFactory.getLogger(AdaptJob.class);

    private final RunContext run;
    private final JobListener listener;
    private final ImportProgress progress;

    public AdaptJob(RunContext run, JobListener listener, ImportProgress progress) {
        this.run = run;
        this.listener = listener == null ? JobListener.NONE : listener;
        this.progress = progress == null ? ImportProgress.NONE : progress;
    }

    /**
     * The saved model a {@code --from} argument names: a run folder's {@code model/theta0.zip}, or the file itself.
     *
     * @throws JobInputException if there is no such file
     */
    public static Path modelFile(Path from) {
        Path file = Files.isDirectory(from) ? from.resolve("model").resolve("theta0.zip") : from;
        if (!Files.isRegularFile(file)) {
            throw new JobInputException("No saved theta_0 at " + file + "; give a run folder of ./metamorph run (it holds model/theta0.zip) or the .zip itself");
        }
        return file;
    }

    /**
     * Adapts the saved model to {@code domain} and evaluates it there.
     *
     * @throws JobInputException if the model does not fit {@code task.ways}, has no prototype head, or {@code domain} is a source domain
     */
    public StageTimes adapt(Path modelFile, String domain) throws IOException {
        ModelArchive.Saved saved = ModelArchive.load(modelFile);
        int ways = run.config().getInt("task.ways");
        if (saved.config().ways() != ways) {
            throw new JobInputException("The model in " + modelFile + " has " + saved.config().ways() + " outputs (model.ways) but task.ways = " + ways + "; adapt with task.ways=" + saved.config().ways());
        }
        if (saved.config().head() != ModelConfig.HeadType.PROTOTYPE) {
            throw new JobInputException("The model in " + modelFile + " has a " + saved.config().head().name().toLowerCase(Locale.ROOT)
                    + " head; the curriculum trains on episodes with episode-local labels, which needs a prototype head (model.head = prototype when meta-training)");
        }
        DatasetConfig configured = DatasetConfig.from(run.config());
        if (configured.sourceDomains().contains(domain)) {
            throw new JobInputException("Domain '" + domain + "' is a source domain (dataset.source-domains = " + configured.sourceDomains() + "); adapt to a domain the model was not meta-trained on");
        }
        DatasetConfig data = configured.withTargetDomains(List.of(domain));
        Map<String, Object> what = new LinkedHashMap<>();
        what.put("model", modelFile.toAbsolutePath().normalize().toString());
        what.put("domain", domain);
        run.addProvenance("adapt", what);

        StageTimes times = new StageTimes(run.metrics()::append);
        DomainStore store = times.time("data", () -> DataStage.open(run, data, progress, listener));
        BaseRows baseRows = saved.config().hasBase()
                ? times.time("base-features", () -> BaseFeaturesStage.prepare(run, store, data, BaseFeaturesStage.progress(progress)))
                : null;
        EpisodeEncoder plain = baseRows != null
                ? MetaTrainingStage.baseEncoder(run, store, data, baseRows, saved.config())
                : new DefinitionsEncoder(saved.tokenizer(), new PromptTexts(TemplateRegistry.open(PromptsConfig.from(run.config())))::of, true);
        // a model that reads the per-domain store gets the stores training would have (meta-train and meta-val texts); evaluation adds the target's others
        EpisodeEncoder encoder = baseRows != null && saved.config().hasMemory() && saved.config().memory().store()
                ? MemoryEpisodeEncoder.trainingStores((BaseEpisodeEncoder) plain, store, data, saved.config())
                : plain;
        String suffix = saved.config().hasMemory() ? MainJob.MEMORY_SUFFIX : "";
        GatedAttentionLearner learner = new GatedAttentionLearner(saved.config());
        CurriculumStage.Result c = times.time("curriculum", () -> CurriculumStage.adapt(run, store, data, domain, learner, encoder, saved.tokenizer(), saved.theta(),
                run.config().getInt("curriculum.validation-episodes"), run.config().getInt("curriculum.report-episodes"), progress));
        listener.curriculumAdapted(domain, c);
        EvaluationStage evaluation = new EvaluationStage(run, listener);
        var r = c.curriculum();
        evaluation.addCurriculumLine(String.format(Locale.ROOT,
                "- %s: %d stages, %d rollbacks; target meta-val loss on report episodes (not used for selection) %.4f -> %.4f; source meta-val loss %.4f -> %.4f (forgetting %+.4f)",
                domain, r.stages().size(), r.rollbacks(), r.targetReportLossBefore(), r.targetReportLossAfter(), r.baseLossBefore(), r.baseLossAfter(), r.forgetting()));
        Map<String, List<EvaluationStage.Candidate>> candidates = Map.of(domain, List.of(
                new EvaluationStage.Candidate(MainJob.RANDOM_INIT + suffix, learner.initialParameters(run.seeds().child("model.init"))),
                new EvaluationStage.Candidate(MainJob.THETA0 + suffix, saved.theta()),
                new EvaluationStage.Candidate(MainJob.CURRICULUM + suffix, c.theta())));
        times.time("eval", () -> {
            evaluation.evaluate(store, data, learner, encoder, candidates, baseRows, progress);
            return null;
        });
        times.time("report", () -> {
            Path summary = evaluation.writeReport(data);
            RunReport.Written report = RunReport.write(run.dir());
            listener.reportBuilt(report.html(), report.markdown());
            return summary;
        });
        times.emitSummary();
        listener.finished(times);
        LOG.info("run folder {}; stage times: {}", run.dir(), times);
        return times;
    }
}
