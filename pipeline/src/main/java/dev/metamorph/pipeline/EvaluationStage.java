package dev.metamorph.pipeline;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainClasses;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.EpisodeSampler;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.eval.DenseFloors;
import dev.metamorph.eval.LinearProbeClassifier;
import dev.metamorph.eval.ResultsJson;
import dev.metamorph.eval.ResultsRow;
import dev.metamorph.eval.EpisodeScores;
import dev.metamorph.eval.EvalConfig;
import dev.metamorph.maml.DescribedWorkRunner;
import dev.metamorph.maml.ExecutionConfig;
import dev.metamorph.maml.MetaBatchExecutorProvider;
import dev.metamorph.eval.FewShotEvaluator;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.TokenBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation stage: few-shot episodes from the target domains' {@code eval.split} classes
 * (fixed by {@code eval.episode-seed}), each candidate theta fine-tuned on the support set and
 * scored on the queries, beside the floors (TF-IDF prototype; with a base, its prototype, linear
 * probe and TF-IDF+base prototype); one {@code eval} event per row in {@code metrics.jsonl},
 * {@code report/results.json} and {@code report/summary.md}. Not thread-safe; one per job.
 */
public final class EvaluationStage {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EvaluationStage.class);
    /** A parameter vector to evaluate, under the name its report row carries. */
    public record Candidate(String name, org.nd4j.linalg.api.ndarray.INDArray theta) {}

    private final RunContext run;
    private final JobListener listener;
    private final List<String> reportRows = new ArrayList<>();
    private final List<String> curriculumLines = new ArrayList<>();
    private final List<ResultsRow> results = new ArrayList<>();

    public EvaluationStage(RunContext run, JobListener listener) {
        this.run = run;
        this.listener = listener;
    }

    /** A line for the report's curriculum section. */
    public void addCurriculumLine(String line) {
        curriculumLines.add(line);
    }

    /**
     * Evaluates every target domain's candidates and the floors at each {@code eval.shots}, on the
     * same fixed episodes: {@code tfidf-prototype} always; with a base ({@code baseRows} not null)
     * also {@code base-prototype}, {@code base-linear-probe} and {@code tfidf+base-prototype} on the
     * base's pooled embeddings. Every row also goes to {@code report/results.json}.
     */
    public void evaluate(DomainStore store, DatasetConfig data, GatedAttentionLearner learner, EpisodeEncoder encoder, Map<String, List<Candidate>> candidates,
                         BaseRows baseRows) throws IOException {
        evaluate(store, data, learner, encoder, candidates, baseRows, ImportProgress.NONE);
    }

    /** As above, showing the rows (method x domain x shots) on {@code progress} as they are done. */
    public void evaluate(DomainStore store, DatasetConfig data, GatedAttentionLearner learner, EpisodeEncoder encoder, Map<String, List<Candidate>> candidates,
                         BaseRows baseRows, ImportProgress progress) throws IOException {
        EvalConfig eval = EvalConfig.from(run.config());
        long rows = 0;
        for (String target : data.targetDomains()) rows += (long) eval.shots().size() * ((baseRows != null ? 4 : 1) + candidates.get(target).size());
        progress.start("eval", rows);
        String executor = executor(run.config());
        try (DescribedWorkRunner runner = MetaBatchExecutorProvider.openRunner(executor, "eval.executor", run.config())) {
            EvaluationEpisodes distributed = runner == null ? null
                    : new EvaluationEpisodes(run.config(), run.projectRoot(), encoder instanceof DefinitionsEncoder d ? d.tokenizer() : null);
            evaluateRows(store, data, learner, encoder, candidates, baseRows, eval, progress, runner, distributed);
        } finally {
            progress.finish();
        }
        ResultsJson.write(run.reportDir(), results);
    }

    private void evaluateRows(DomainStore store, DatasetConfig data, GatedAttentionLearner learner, EpisodeEncoder encoder, Map<String, List<Candidate>> candidates,
                              BaseRows baseRows, EvalConfig eval, ImportProgress progress, DescribedWorkRunner runner,
                              EvaluationEpisodes distributed) throws IOException {
        FewShotEvaluator<Record, TokenBatch> evaluator = new FewShotEvaluator<>(learner, encoder::task, EpisodeEncoder::tokens,
                () -> new GatedAttentionLearner(learner.config()), eval.workerThreads());
        evaluator = withConfiguredHead(evaluator, run.config());
        FewShotEvaluator.Adaptation adaptation = new FewShotEvaluator.Adaptation(eval.adaptSteps(), eval.adaptLr(), null);
        LinearProbeClassifier.Options probe = LinearProbeClassifier.Options.from(run.config());
        for (String target : data.targetDomains()) {
            DomainClasses classes = store.classes(target, data);
            ClassSplit split = ClassSplit.fromKey(eval.split());
            if (encoder instanceof MemoryEpisodeEncoder mem) {
                // the target's store gets the domain's other texts (unlabeled): what its episodes and its exported adapter read
                mem.addDomainTexts(classes);
                mem.memories().save(run.dir().resolve(DomainMemories.FOLDER), target); // the other domains' stores were saved after meta-training, unchanged since
                LOG.info("memory store of {}: {} texts", target, mem.memories().used().get(target));
            }
            List<String> corpus = store.records(target).stream().map(Record::text).toList();
            TfidfPrototypeClassifier tfidf = new TfidfPrototypeClassifier(corpus);
            Map<String, float[]> pooled = null;
            if (baseRows != null) {
                List<Record> used = new ArrayList<>();
                for (List<Record> rs : classes.classesOf(split).values()) used.addAll(rs);
                pooled = baseRows.pooledById(used);
            }
            for (int shots : eval.shots()) {
                List<Episode<Record>> episodes = episodes(classes, split, eval, shots);
                Map<String, EpisodeScores> floors = pooled != null
                        ? DenseFloors.score(episodes, pooled, Record::id, Record::text, tfidf, probe)
                        : Map.of(DenseFloors.TFIDF_PROTOTYPE, EpisodeScores.of(episodes, DenseFloors.tfidfPrototype(tfidf, Record::text)));
                for (Map.Entry<String, EpisodeScores> f : floors.entrySet()) {
                    record(f.getKey(), target, shots, eval, f.getValue());
                    progress.advance(1);
                }
                for (Candidate c : candidates.get(target)) {
                    EpisodeScores scores = runner == null ? evaluator.evaluateAll(c.theta(), episodes, adaptation)
                            : distributed.evaluateAll(runner, c.theta(), episodes);
                    record(c.name(), target, shots, eval, scores);
                    progress.advance(1);
                }
            }
        }
    }

    /** The evaluator predicting with {@code eval.head}: the model's own head, or the {@link FittedHead}. */
    static FewShotEvaluator<Record, TokenBatch> withConfiguredHead(FewShotEvaluator<Record, TokenBatch> evaluator, com.typesafe.config.Config config) {
        QueryHeadConfig head = QueryHeadConfig.from(config);
        if (!head.fitted()) return evaluator;
        try {
            return evaluator.withHead(head.fittedHead(config.getDouble("model.lexical-gain")));
        } catch (IllegalArgumentException e) {
            throw new com.typesafe.config.ConfigException.BadValue(config.getValue("eval.fitted-head").origin(), "eval.fitted-head", e.getMessage());
        }
    }

    /**
     * Where the trained rows' episodes are computed: {@code eval.executor}, or when it is empty
     * {@code maml.executor} ({@code local} = in process; {@code spark} = on Spark executors, the same figures).
     * The floors always run on the driver (they cost little).
     */
    static String executor(com.typesafe.config.Config config) {
        String e = config.hasPath("eval.executor") ? config.getString("eval.executor").trim() : "";
        if (e.isEmpty()) e = ExecutionConfig.from(config).executor();
        if (!e.matches("[a-z][a-z0-9-]*")) {
            throw new com.typesafe.config.ConfigException.BadValue(config.getValue("eval.executor").origin(), "eval.executor",
                    "expected local, spark or empty (= maml.executor), got '" + e + "'");
        }
        return e;
    }

    /** The fixed test episodes of one setting: same seed, same episodes in every run. */
    public static List<Episode<Record>> episodes(DomainClasses classes, ClassSplit split, EvalConfig eval, int shots) {
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
        results.add(ResultsRow.of(method, shots, scores, eval.ways(), domain));
        reportRows.add(String.format(Locale.ROOT, "| %s | %s | %d-way %d-shot | %s | %s | %d |", method, domain, eval.ways(), shots,
                scores.accuracy().asPercent(), scores.macroF1().asPercent(), scores.episodes()));
        listener.evaluated(new JobListener.EvalRow(method, domain, eval.ways(), shots, scores));
    }

    /** Writes {@code report/summary.md} and returns its path. */
    public Path writeReport(DatasetConfig data) throws IOException {
        EvalConfig eval = EvalConfig.from(run.config());
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
        Path file = run.reportDir().resolve("summary.md");
        AtomicFiles.writeString(file, sb.toString());
        listener.reportWritten(file);
        return file;
    }
}
