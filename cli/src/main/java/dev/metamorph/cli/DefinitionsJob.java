package dev.metamorph.cli;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainClasses;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.EpisodeSampler;
import dev.metamorph.datasets.importer.SourceMissingException;
import dev.metamorph.eval.ClassificationScore;
import dev.metamorph.eval.EpisodeScores;
import dev.metamorph.eval.EvalConfig;
import dev.metamorph.eval.FewShotEvaluator;
import dev.metamorph.maml.MetaTrainingLoop;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelArchive;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import org.nd4j.linalg.api.ndarray.INDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.metamorph.core.SeededRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main job on the definitions benchmark, inside one run folder: import the data if missing,
 * meta-train on the source domains, evaluate few-shot on the target domain's held-out classes,
 * and write {@code metrics.jsonl} and {@code report/summary.md}.
 */
final class DefinitionsJob {
    private static final Logger LOG = LoggerFactory.getLogger(DefinitionsJob.class);

    private final RunContext run;
    private final PrintWriter out;
    private final List<String> reportRows = new ArrayList<>();
    private final List<String> curriculumLines = new ArrayList<>();

    DefinitionsJob(RunContext run, PrintWriter out, boolean progressBar) {
        this.run = run;
        this.out = out;
        this.progressBar = progressBar;
    }

    private final boolean progressBar;

    int run() throws IOException {
        DatasetConfig data = DatasetConfig.from(run.config());
        DomainStore store = openData(data);
        DefinitionsMetaTraining.Result trained = DefinitionsMetaTraining.run(run, store, data, progressBar);
        MetaTrainingLoop.Result tr = trained.training();
        String kept = "last".equals(tr.selectedMetric()) ? "the last step's theta" : String.format(Locale.ROOT, "theta of step %d (best %s %.4f)", tr.selectedStep(), tr.selectedMetric(), tr.selectedValue());
        out.printf(Locale.ROOT, "meta-trained %d steps in %.0f s (%.1f tasks/s), last query loss %.4f; kept %s; theta_0 saved to %s%n", tr.steps(),
                tr.seconds(), tr.tasksPerSecond(), tr.lastLoss(), kept, trained.modelFile());
        String algorithm = run.config().getString("maml.algorithm");
        Map<String, List<Candidate>> candidates = new LinkedHashMap<>();
        boolean curriculum = run.config().getBoolean("curriculum.enabled");
        boolean prototype = trained.learner().config().head() == ModelConfig.HeadType.PROTOTYPE;
        if (curriculum && !prototype) out.println("curriculum: skipped (it trains on episodes with episode-local labels, which needs model.head = prototype)");
        for (String target : data.targetDomains()) {
            List<Candidate> list = new ArrayList<>(List.of(
                    new Candidate("no meta-training (random init, fine-tune)", trained.initialTheta()),
                    new Candidate(algorithm + " (theta_0, fine-tune)", trained.theta0())));
            if (curriculum && prototype) {
                DefinitionsCurriculum.Result c = DefinitionsCurriculum.adapt(run, store, data, target, trained.learner(), trained.encoder(), trained.tokenizer(),
                        trained.theta0(), run.config().getInt("curriculum.validation-episodes"), run.config().getInt("curriculum.report-episodes"));
                var r = c.curriculum();
                out.printf(Locale.ROOT, "curriculum %s: %d stages, %d rollbacks; target loss on report episodes %.4f -> %.4f (selection episodes %.4f -> %.4f); source val loss %.4f -> %.4f (forgetting %+.4f); saved to %s%n",
                        target, r.stages().size(), r.rollbacks(), r.targetReportLossBefore(), r.targetReportLossAfter(), r.targetLossBefore(), r.targetLossAfter(),
                        r.baseLossBefore(), r.baseLossAfter(), r.forgetting(), c.modelFile());
                curriculumLines.add(String.format(Locale.ROOT, "- %s: %d stages, %d rollbacks; target meta-val loss on report episodes (not used for selection) %.4f -> %.4f; source meta-val loss %.4f -> %.4f (forgetting %+.4f)",
                        target, r.stages().size(), r.rollbacks(), r.targetReportLossBefore(), r.targetReportLossAfter(), r.baseLossBefore(), r.baseLossAfter(), r.forgetting()));
                list.add(new Candidate(algorithm + " + curriculum (" + target + ")", c.theta()));
            }
            candidates.put(target, list);
        }
        evaluate(store, data, trained.learner(), trained.encoder(), candidates);
        return ExitCodes.OK;
    }

    /**
     * Evaluates a saved model ({@code model/theta0.zip} of a run, with its own model config and
     * tokenizer) on the target domains with this run's {@code eval}, {@code task}, {@code dataset}
     * and {@code prompts} settings, beside the TF-IDF floor.
     */
    int evaluate(Path modelFile) throws IOException {
        if (!Files.isRegularFile(modelFile)) throw new ExitCodes.UserError("No saved model at " + modelFile + "; give the model/theta0.zip of a run folder");
        ModelArchive.Saved saved = ModelArchive.load(modelFile);
        int ways = run.config().getInt("task.ways");
        if (saved.config().ways() != ways) {
            throw new ExitCodes.UserError("The model in " + modelFile + " has " + saved.config().ways() + " outputs (model.ways) but task.ways = " + ways + "; evaluate with task.ways=" + saved.config().ways());
        }
        run.addProvenance("model.file", modelFile.toAbsolutePath().toString());
        DatasetConfig data = DatasetConfig.from(run.config());
        DomainStore store = openData(data);
        PromptTexts texts = new PromptTexts(TemplateRegistry.open(PromptsConfig.from(run.config())));
        DefinitionsEncoder encoder = new DefinitionsEncoder(saved.tokenizer(), texts::of, saved.config().head() == ModelConfig.HeadType.PROTOTYPE);
        GatedAttentionLearner learner = new GatedAttentionLearner(saved.config());
        Map<String, List<Candidate>> candidates = new LinkedHashMap<>();
        for (String target : data.targetDomains()) candidates.put(target, List.of(new Candidate("saved model " + modelFile.getFileName() + " (fine-tune)", saved.theta())));
        evaluate(store, data, learner, encoder, candidates);
        return ExitCodes.OK;
    }

    /** A parameter vector to evaluate, under the name its report row carries. */
    private record Candidate(String name, INDArray theta) {}

    private DomainStore openData(DatasetConfig data) throws IOException {
        DomainStore store = DomainStore.open(data.resolvedCacheDir(run.projectRoot()), data.onBadRecord());
        List<String> imported;
        try {
            imported = store.importIfMissing(data, DataProgressBar.forConsole());
        } catch (SourceMissingException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        if (!imported.isEmpty()) out.println("imported: " + String.join(", ", imported));
        for (String d : data.domains()) store.manifest(d).ifPresent(m -> run.addProvenance("data." + d + ".sha256", m.sha256()));
        return store;
    }

    private void evaluate(DomainStore store, DatasetConfig data, GatedAttentionLearner learner, DefinitionsEncoder encoder, Map<String, List<Candidate>> candidates) throws IOException {
        EvalConfig eval = EvalConfig.from(run.config());
        FewShotEvaluator<Record, TokenBatch> evaluator = new FewShotEvaluator<>(learner, encoder::task, DefinitionsEncoder::tokens,
                () -> new GatedAttentionLearner(learner.config()), eval.workerThreads());
        FewShotEvaluator.Adaptation adaptation = new FewShotEvaluator.Adaptation(eval.adaptSteps(), eval.adaptLr(), null);
        for (String target : data.targetDomains()) {
            DomainClasses classes = store.classes(target, data);
            ClassSplit split = ClassSplit.fromKey(eval.split());
            List<String> corpus = store.records(target).stream().map(Record::text).toList();
            TfidfPrototypeClassifier floor = new TfidfPrototypeClassifier(corpus);
            for (int shots : eval.shots()) {
                List<Episode<Record>> episodes = episodes(classes, split, eval, shots);
                for (Candidate c : candidates.get(target)) record(c.name(), target, shots, eval, evaluator.evaluateAll(c.theta(), episodes, adaptation));
                EpisodeScores scores = new EpisodeScores();
                for (Episode<Record> e : episodes) {
                    long t0 = System.nanoTime();
                    int[] pred = floor.predict(texts(e.support()), labels(e.support()), e.ways(), texts(e.query()));
                    scores.add(ClassificationScore.of(pred, labels(e.query()), e.ways()));
                    scores.addWork(0, System.nanoTime() - t0);
                }
                record("tfidf-prototype (row 0, no training)", target, shots, eval, scores);
            }
        }
        writeReport(data, eval);
    }

    /** The fixed test episodes of one setting: same seed, same episodes in every run. */
    static List<Episode<Record>> episodes(DomainClasses classes, ClassSplit split, EvalConfig eval, int shots) {
        EpisodeSampler sampler = classes.sampler(split, eval.ways(), shots, eval.queries());
        SeededRandom rng = new SeededRandom(eval.episodeSeed() * 31 + shots);
        List<Episode<Record>> out = new ArrayList<>(eval.episodes());
        for (int i = 0; i < eval.episodes(); i++) out.add(sampler.sample(rng));
        return out;
    }

    private void record(String method, String domain, int shots, EvalConfig eval, EpisodeScores scores) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "eval");
        m.put("method", method);
        m.put("domain", domain);
        m.put("ways", eval.ways());
        m.put("shots", shots);
        m.put("episodes", scores.episodes());
        m.put("accuracy", List.of(scores.accuracy().mean(), scores.accuracy().ci95()));
        m.put("macro_f1", List.of(scores.macroF1().mean(), scores.macroF1().ci95()));
        if (!Double.isNaN(scores.tokensPerSecond()) && scores.tokensPerSecond() > 0) m.put("tokens_per_s", scores.tokensPerSecond());
        run.metrics().append(m);
        String row = String.format(Locale.ROOT, "| %s | %s | %d-way %d-shot | %s | %s | %d |", method, domain, eval.ways(), shots,
                scores.accuracy().asPercent(), scores.macroF1().asPercent(), scores.episodes());
        reportRows.add(row);
        out.printf(Locale.ROOT, "%-40s %-8s %d-way %d-shot  accuracy %s  macro-F1 %s  (%d episodes)%n", method, domain, eval.ways(), shots,
                scores.accuracy().asPercent(), scores.macroF1().asPercent(), scores.episodes());
        out.flush();
    }

    private void writeReport(DatasetConfig data, EvalConfig eval) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("# Few-shot field classification\n\n");
        sb.append("Sources: ").append(data.sourceDomains()).append("; target: ").append(data.targetDomains())
                .append("; episodes from the target's ").append(eval.split()).append(" classes, episode seed ").append(eval.episodeSeed())
                .append(".\nAccuracy and macro-F1 are means over episodes +- 95% CI (1.96 sd / sqrt(n)).\n\n");
        sb.append("| method | domain | setting | accuracy | macro-F1 | episodes |\n|---|---|---|---|---|---|\n");
        for (String r : reportRows) sb.append(r).append('\n');
        if (!curriculumLines.isEmpty()) {
            sb.append("\nCurriculum adaptation (").append(run.config().getInt("curriculum.stages")).append(" stages; losses on fixed meta-val episodes, ")
                    .append("forgetting = source loss after - before):\n\n");
            for (String l : curriculumLines) sb.append(l).append('\n');
        }
        Files.createDirectories(run.reportDir());
        dev.metamorph.core.run.AtomicFiles.writeString(run.reportDir().resolve("summary.md"), sb.toString());
        out.println("report: " + run.reportDir().resolve("summary.md"));
        LOG.info("run folder {}", run.dir());
    }

    private static List<String> texts(List<Episode.Labeled<Record>> xs) {
        return xs.stream().map(l -> l.example().text()).toList();
    }

    private static int[] labels(List<Episode.Labeled<Record>> xs) {
        return xs.stream().mapToInt(Episode.Labeled::label).toArray();
    }
}
