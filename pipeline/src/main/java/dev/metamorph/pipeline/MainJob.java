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
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.AdapterExport;
import dev.metamorph.pipeline.export.ExportOptions;
import dev.metamorph.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main job on the definitions benchmark, inside one run folder, as timed stages: {@code data}
 * (import if missing), {@code base-features} (when a pretrained base is plugged in),
 * {@code meta-train} on the source domains, {@code curriculum} per target domain, {@code eval}
 * few-shot on the target domain's held-out classes, {@code report}, and
 * {@code export} (an adapter bundle per target domain, {@code export.enabled}). Writes
 * {@code metrics.jsonl} (with a {@code stage-time} event per stage and a {@code stage-times}
 * summary) and {@code report/summary.md}; tells a {@link JobListener} as it goes.
 */
public final class MainJob {
    private static final Logger LOG = LoggerFactory.getLogger(MainJob.class);

    private final RunContext run;
    private final JobListener listener;
    private final ImportProgress importProgress;
    private final boolean progressBar;

    /** Row names of the trained models in results.json (the floors are named by {@code DenseFloors}). */
    public static final String RANDOM_INIT = "random-init", THETA0 = "theta0", CURRICULUM = "curriculum";
    /** Appended to the adapter's method names when {@code model.memory} is on: {@code curriculum+memory}. */
    public static final String MEMORY_SUFFIX = "+memory";

    /**
     * @param importProgress shows the data import (e.g. a console progress bar), or {@link ImportProgress#NONE}
     * @param progressBar show meta-training's progress bar on the console
     */
    public MainJob(RunContext run, JobListener listener, ImportProgress importProgress, boolean progressBar) {
        this.run = run;
        this.listener = listener == null ? JobListener.NONE : listener;
        this.importProgress = importProgress == null ? ImportProgress.NONE : importProgress;
        this.progressBar = progressBar;
    }

    /** Runs every stage; returns the stage times (also written to metrics.jsonl and given to the listener). */
    public StageTimes run() throws IOException {
        checkConfig(run.config());
        StageTimes times = new StageTimes(run.metrics()::append);
        DatasetConfig data = DatasetConfig.from(run.config());
        DomainStore store = times.time("data", () -> DataStage.open(run, data, importProgress, listener));
        BaseRows baseRows = BaseFeaturesStage.needed(run.config())
                ? times.time("base-features", () -> BaseFeaturesStage.prepare(run, store, data, BaseFeaturesStage.progress(importProgress)))
                : null;
        MetaTrainingStage.Result trained = times.time("meta-train", () -> MetaTrainingStage.run(run, store, data, progressBar, baseRows));
        listener.metaTrained(trained);
        EvaluationStage evaluation = new EvaluationStage(run, listener);
        Map<String, List<EvaluationStage.Candidate>> candidates = new LinkedHashMap<>();
        boolean curriculum = run.config().getBoolean("curriculum.enabled");
        boolean prototype = trained.learner().config().head() == ModelConfig.HeadType.PROTOTYPE;
        if (curriculum && !prototype) listener.curriculumSkipped("it trains on episodes with episode-local labels, which needs model.head = prototype");
        // with the external memory channel (model.memory) the adapter's rows are named <method>+memory
        // (curriculum+memory...), so that a report never mixes them up with the rows of a run without it
        String suffix = trained.learner().config().hasMemory() ? MEMORY_SUFFIX : "";
        for (String target : data.targetDomains()) {
            List<EvaluationStage.Candidate> list = new ArrayList<>(List.of(
                    new EvaluationStage.Candidate(RANDOM_INIT + suffix, trained.initialTheta()),
                    new EvaluationStage.Candidate(THETA0 + suffix, trained.theta0())));
            if (curriculum && prototype) {
                CurriculumStage.Result c = times.time("curriculum", () -> CurriculumStage.adapt(run, store, data, target, trained.learner(), trained.encoder(),
                        trained.tokenizer(), trained.theta0(), run.config().getInt("curriculum.validation-episodes"), run.config().getInt("curriculum.report-episodes"), importProgress));
                listener.curriculumAdapted(target, c);
                var r = c.curriculum();
                evaluation.addCurriculumLine(String.format(Locale.ROOT,
                        "- %s: %d stages, %d rollbacks; target meta-val loss on report episodes (not used for selection) %.4f -> %.4f; source meta-val loss %.4f -> %.4f (forgetting %+.4f)",
                        target, r.stages().size(), r.rollbacks(), r.targetReportLossBefore(), r.targetReportLossAfter(), r.baseLossBefore(), r.baseLossAfter(), r.forgetting()));
                list.add(new EvaluationStage.Candidate(CURRICULUM + suffix, c.theta()));
            }
            candidates.put(target, list);
        }
        times.time("eval", () -> {
            evaluation.evaluate(store, data, trained.learner(), trained.encoder(), candidates, baseRows, importProgress);
            return null;
        });
        ExportOptions export = ExportOptions.from(run.config());
        if (export.enabled() && prototype) times.time("export", () -> exportAdapters(data, export));
        else if (export.enabled()) LOG.info("export skipped: model.head = zero has no labels to serve (export needs model.head = prototype)");
        // the report comes last, so that it lists the adapter bundles the export stage wrote
        times.time("report", () -> writeReports(evaluation, data));
        finish(times);
        return times;
    }

    /** The export stage: one adapter bundle per target domain in {@code export/<domain>.adapter.zip}, with an {@code export} event in metrics.jsonl each. */
    private List<Path> exportAdapters(DatasetConfig data, ExportOptions options) {
        List<Path> out = new ArrayList<>();
        try (BaseEncoder base = AdapterExport.openBase(run.config(), run.projectRoot())) {
            for (String target : data.targetDomains()) {
                Path file = run.dir().resolve("export").resolve(target + AdapterBundle.SUFFIX);
                AdapterExport.Result r = AdapterExport.export(run.dir(), run.config(), run.projectRoot(), target, file, options, base, version());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("event", "export");
                m.put("domain", target);
                m.put("bundle", run.dir().relativize(r.bundle()).toString());
                m.put("encoding", options.encoding().key());
                m.putAll(r.metrics());
                run.metrics().append(m);
                listener.exported(target, r);
                out.add(r.bundle());
            }
        }
        return out;
    }

    /** The Metamorph version of the running jar, or {@code dev} when run from classes. */
    public static String version() {
        String v = MainJob.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * Reads every config record the stages will read, so that a bad value fails before the first
     * stage runs (not after minutes of data import and base features). Throws Typesafe Config's
     * {@code ConfigException} naming the key, as the stages would.
     */
    public static void checkConfig(com.typesafe.config.Config config) {
        try {
            DatasetConfig.from(config);
        } catch (IllegalArgumentException e) {
            throw new com.typesafe.config.ConfigException.BadValue(config.getValue("dataset").origin(), "dataset", e.getMessage(), e);
        }
        ModelConfig model = ModelConfig.from(config);
        if (model.hasBase()) dev.metamorph.model.base.BaseConfig.from(config);
        dev.metamorph.maml.MamlConfig maml = dev.metamorph.maml.MamlConfig.from(config);
        if ((model.hasRidge() || model.pooledLinear()) && (maml.algorithm().secondOrder() || maml.backend() == dev.metamorph.maml.Backend.SAMEDIFF
                || dev.metamorph.maml.ExecutionConfig.from(config).learnerPath() == dev.metamorph.maml.LearnerPath.GRAPH)) {
            String key = model.hasRidge() ? "model.head-fit" : "model.pooled-linear";
            throw new com.typesafe.config.ConfigException.BadValue(config.getValue(key).origin(), key,
                    (model.hasRidge() ? "ridge" : "the pooled linear map") + " has no graph form, so it cannot train with maml.algorithm = " + maml.algorithm().key() + ", maml.backend = " + maml.backend().name().toLowerCase(java.util.Locale.ROOT)
                            + ", maml.learner-path = " + config.getString("maml.learner-path")
                            + " (exact second order and the graph path run on SameDiff graphs); use a first-order algorithm (maml.algorithm = fomaml) with maml.backend = auto and maml.learner-path = auto or eager, or model.head-fit = mean and model.pooled-linear = false");
        }
        if (model.hasMemory() && model.memory().store() && !model.hasBase()) {
            throw new com.typesafe.config.ConfigException.BadValue(config.getValue("memory.store").origin(), "memory.store",
                    "the store holds the base's embeddings, but model.base = none; set memory.store = auto (reads the store where it can run) or false, or pick a base");
        }
        if (config.getBoolean("curriculum.enabled")) dev.metamorph.curriculum.CurriculumConfig.from(config);
        dev.metamorph.eval.EvalConfig.from(config);
        PromptsConfig.from(config);
    }

    /**
     * Evaluates a saved model ({@code model/theta0.zip} of a run, with its own model config and
     * tokenizer) on the target domains with this run's {@code eval}, {@code task}, {@code dataset}
     * and {@code prompts} settings, beside the floors.
     *
     * @throws JobInputException if the file is missing or its model does not fit {@code task.ways}
     */
    public StageTimes evaluate(Path modelFile) throws IOException {
        if (!Files.isRegularFile(modelFile)) throw new JobInputException("No saved model at " + modelFile + "; give the model/theta0.zip of a run folder");
        ModelArchive.Saved saved = ModelArchive.load(modelFile);
        int ways = run.config().getInt("task.ways");
        if (saved.config().ways() != ways) {
            throw new JobInputException("The model in " + modelFile + " has " + saved.config().ways() + " outputs (model.ways) but task.ways = " + ways + "; evaluate with task.ways=" + saved.config().ways());
        }
        run.addProvenance("model.file", modelFile.toAbsolutePath().toString());
        StageTimes times = new StageTimes(run.metrics()::append);
        DatasetConfig data = DatasetConfig.from(run.config());
        DomainStore store = times.time("data", () -> DataStage.open(run, data, importProgress, listener));
        BaseRows baseRows = saved.config().hasBase()
                ? times.time("base-features", () -> BaseFeaturesStage.prepare(run, store, data, BaseFeaturesStage.progress(importProgress)))
                : null;
        EpisodeEncoder encoder = baseRows != null
                ? MetaTrainingStage.baseEncoder(run, store, data, baseRows, saved.config())
                : new DefinitionsEncoder(saved.tokenizer(), new PromptTexts(TemplateRegistry.open(PromptsConfig.from(run.config())))::of,
                        saved.config().head() == ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(saved.config());
        Map<String, List<EvaluationStage.Candidate>> candidates = new LinkedHashMap<>();
        for (String target : data.targetDomains()) candidates.put(target, List.of(new EvaluationStage.Candidate("saved model " + modelFile.getFileName() + " (fine-tune)", saved.theta())));
        EvaluationStage evaluation = new EvaluationStage(run, listener);
        times.time("eval", () -> {
            evaluation.evaluate(store, data, learner, encoder, candidates, baseRows, importProgress);
            return null;
        });
        times.time("report", () -> writeReports(evaluation, data));
        finish(times);
        return times;
    }

    /** {@code report/summary.md}, then {@code report/report.html} and {@code report.md} from the run folder's files. */
    private Path writeReports(EvaluationStage evaluation, DatasetConfig data) throws IOException {
        Path summary = evaluation.writeReport(data);
        RunReport.Written report = RunReport.write(run.dir());
        listener.reportBuilt(report.html(), report.markdown());
        return summary;
    }

    private void finish(StageTimes times) {
        times.emitSummary();
        listener.finished(times);
        LOG.info("run folder {}; stage times: {}", run.dir(), times);
    }
}
