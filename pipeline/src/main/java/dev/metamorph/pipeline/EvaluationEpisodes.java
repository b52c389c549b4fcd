package dev.metamorph.pipeline;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.eval.ClassificationScore;
import dev.metamorph.eval.EpisodeScores;
import dev.metamorph.eval.EvalConfig;
import dev.metamorph.eval.FewShotEvaluator;
import dev.metamorph.maml.DescribedWork;
import dev.metamorph.maml.DescribedWorkRunner;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The evaluation episodes of the trained rows as {@link DescribedWork} ({@code eval.executor}): the
 * driver sends each fixed episode as its record ids and labels, a worker adapts the candidate theta
 * on the support set and scores the queries exactly as {@link FewShotEvaluator} does in process (same
 * learner, encoder, head and adaptation, built once per worker from the composed config), and the
 * driver adds the scores in episode order, so the figures are those of the in-process evaluation.
 */
final class EvaluationEpisodes implements DescribedWork<DefinitionsTasks.EpisodeIds, EvaluationEpisodes.Outcome> {
    private static final long serialVersionUID = 1L;
    private final String config;
    private final String projectRoot;
    private final String tokenizer;

    /** One episode's score and the work it took (tokens, nanoseconds: for tokens/s). */
    record Outcome(double accuracy, double macroF1, long tokens, long nanos) implements Serializable {}

    /**
     * @param composed the run's composed config
     * @param projectRoot what its relative paths resolve against (the same path on every node)
     * @param tokenizer the BPE tokenizer of a model without a base, else null
     */
    EvaluationEpisodes(Config composed, Path projectRoot, BpeTokenizer tokenizer) {
        this.config = composed.root().render(ConfigRenderOptions.concise());
        this.projectRoot = projectRoot.toAbsolutePath().toString();
        this.tokenizer = DefinitionsTasks.tokenizerText(tokenizer);
    }

    @Override
    public String key() {
        return DefinitionsTasks.sha256("evaluation\n" + config + "\n" + projectRoot + "\n" + (tokenizer == null ? "" : tokenizer));
    }

    @Override
    public Worker<DefinitionsTasks.EpisodeIds, Outcome> newWorker() {
        WorkerData w = WorkerData.shared(config, projectRoot, tokenizer, true);
        GatedAttentionLearner learner = new GatedAttentionLearner(w.model());
        FewShotEvaluator<Record, TokenBatch> evaluator = EvaluationStage.withConfiguredHead(
                new FewShotEvaluator<>(learner, w.encoder()::task, EpisodeEncoder::tokens), w.config());
        EvalConfig eval = EvalConfig.from(w.config());
        FewShotEvaluator.Adaptation adaptation = new FewShotEvaluator.Adaptation(eval.adaptSteps(), eval.adaptLr(), null);
        return (ids, theta) -> {
            INDArray t = Nd4j.createFromArray(theta).castTo(w.model().dtype());
            EpisodeScores work = new EpisodeScores();
            ClassificationScore s = evaluator.evaluate(t, w.episode(ids), adaptation, work);
            return new Outcome(s.accuracy(), s.macroF1(), work.tokens(), work.nanos());
        };
    }

    /** Scores {@code episodes} at {@code theta} on {@code runner}, added in episode order. */
    EpisodeScores evaluateAll(DescribedWorkRunner runner, INDArray theta, List<Episode<Record>> episodes) {
        List<DefinitionsTasks.EpisodeIds> described = new ArrayList<>(episodes.size());
        for (Episode<Record> e : episodes) described.add(DefinitionsTasks.EpisodeIds.of(e));
        EpisodeScores scores = new EpisodeScores();
        for (Outcome o : runner.map(this, theta.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector(), described)) {
            scores.add(new ClassificationScore(o.accuracy(), o.macroF1()));
            scores.addWork(o.tokens(), o.nanos());
        }
        return scores;
    }
}
