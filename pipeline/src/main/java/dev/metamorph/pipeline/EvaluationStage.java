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
import dev.metamorph.eval.ClassificationScore;
import dev.metamorph.eval.EpisodeScores;
import dev.metamorph.eval.EvalConfig;
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
 * scored on the queries, beside the TF-IDF prototype floor; one {@code eval} event per row in
 * {@code metrics.jsonl}, and {@code report/summary.md}. Not thread-safe; one per job.
 */
public final class EvaluationStage {
    /** A parameter vector to evaluate, under the name its report row carries. */
    public record Candidate(String name, org.nd4j.linalg.api.ndarray.INDArray theta) {}

    private final RunContext run;
    private final JobListener listener;
    private final List<String> reportRows = new ArrayList<>();
    private final List<String> curriculumLines = new ArrayList<>();

    public EvaluationStage(RunContext run, JobListener listener) {
        this.run = run;
        this.listener = listener;
    }

    /** A line for the report's curriculum section. */
    public void addCurriculumLine(String line) {
        curriculumLines.add(line);
    }

    /** Evaluates every target domain's candidates and the TF-IDF floor at each {@code eval.shots}. */
    public void evaluate(DomainStore store, DatasetConfig data, GatedAttentionLearner learner, DefinitionsEncoder encoder, Map<String, List<Candidate>> candidates) throws IOException {
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

    private static List<String> texts(List<Episode.Labeled<Record>> xs) {
        return xs.stream().map(l -> l.example().text()).toList();
    }

    private static int[] labels(List<Episode.Labeled<Record>> xs) {
        return xs.stream().mapToInt(Episode.Labeled::label).toArray();
    }
}
