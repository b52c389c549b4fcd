package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.eval.LinearProbeClassifier;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.PrototypeScores;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.base.BaseFeatures;
import dev.metamorph.testing.HashedTextFeatures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * At the main job's defaults ({@code model.center-pooled = true}, {@code eval.head = fitted}, the
 * lexical channel on) the in-process classifier a served adapter runs gives, for records scored against
 * a support set, the probabilities the evaluation computes for the same records as the queries of an
 * episode with that support set: the evaluation's episode encoder ({@link BaseEpisodeEncoder} with its
 * domain centre and TF-IDF channel) and {@link FittedHead} on one side, {@link AdapterClassifier} with
 * {@link AdapterClassifier.Featurizer#centred} and the fitted head on the other. Without the centre the
 * classifier's probabilities differ (so the comparison can fail).
 */
class ServedPredictionMatchesEvaluationTest {
    private static final int HIDDEN = 12, MAX_LEN = 8;
    private static final double GAIN = 50.0;
    private static final List<String> LABELS = List.of("law", "music", "zoology");
    private static final String[][] WORDS = {
        {"court", "judge", "statute", "contract", "plaintiff", "verdict", "appeal", "lawyer"},
        {"melody", "chord", "tempo", "violin", "harmony", "rhythm", "sonata", "piano"},
        {"mammal", "species", "feathers", "predator", "reptile", "herd", "insect", "habitat"}};
    private static final QueryHeadConfig FITTED = new QueryHeadConfig(QueryHeadConfig.Kind.FITTED, 0.5, new LinearProbeClassifier.Options(1.0, 100, 1e-10), 2);
    private final HashedTextFeatures base = new HashedTextFeatures(HIDDEN, 10);

    @Test
    void servedFittedHeadOverTheCentreGivesTheEvaluationsProbabilities() {
        ModelConfig config = ModelConfig.defaults().withShape(20, 8, 2, 1, 12, MAX_LEN).withDtype(DataType.DOUBLE)
                .withHead(ModelConfig.HeadType.PROTOTYPE).withBase(ModelConfig.Base.MINILM_L6, HIDDEN).withWays(LABELS.size());
        GatedAttentionLearner learner = new GatedAttentionLearner(config);
        INDArray theta = perturbed(learner.initialParameters(new SeededRandom(5)), 7);
        List<Record> train = new ArrayList<>(), support = new ArrayList<>(), queries = new ArrayList<>();
        for (int k = 0; k < LABELS.size(); k++) {
            train.addAll(records(k, 6, 100));
            support.addAll(records(k, 3, 200));
            queries.addAll(records(k, 4, 300));
        }
        List<Record> all = new ArrayList<>(train);
        all.addAll(support);
        all.addAll(queries);
        BaseRows rows = rows(all);
        Map<String, float[]> centres = BaseEpisodeEncoder.domainCentres(rows, Map.of("tiny", train));
        List<String> corpus = all.stream().map(Record::text).toList();
        TfidfPrototypeClassifier tfidf = new TfidfPrototypeClassifier(corpus);
        BaseEpisodeEncoder encoder = new BaseEpisodeEncoder(rows, MAX_LEN, Map.of("tiny", tfidf), GAIN, centres);

        // the evaluation: one episode, the support set then the queries, through the fitted head
        TaskData<TokenBatch> task = encoder.task(episode(support, queries));
        INDArray logits = FITTED.fittedHead(GAIN).logits(learner, theta, task.query());
        int ns = support.size();

        AdapterClassifier.Featurizer raw = featurizer();
        AdapterClassifier served = new AdapterClassifier(config, theta, LABELS, Record::text, AdapterClassifier.Featurizer.centred(raw, centres.get("tiny"), MAX_LEN),
                new AdapterClassifier.Lexical(tfidf, GAIN), FITTED, support);
        assertTrue(served.usesFittedHead());
        List<AdapterClassifier.Prediction> got = served.classify(queries);
        for (int q = 0; q < queries.size(); q++) {
            double[] expected = PrototypeScores.probabilities(logits.getRow(ns + q).toDoubleVector());
            double[] p = got.get(q).probabilities();
            for (int c = 0; c < LABELS.size(); c++) assertEquals(expected[c], p[c], 1e-9, "query " + q + " label " + c);
        }

        AdapterClassifier uncentred = new AdapterClassifier(config, theta, LABELS, Record::text, raw, new AdapterClassifier.Lexical(tfidf, GAIN), FITTED, support);
        double diff = 0;
        List<AdapterClassifier.Prediction> off = uncentred.classify(queries);
        for (int q = 0; q < queries.size(); q++) {
            for (int c = 0; c < LABELS.size(); c++) diff = Math.max(diff, Math.abs(off.get(q).probabilities()[c] - got.get(q).probabilities()[c]));
        }
        assertTrue(diff > 1e-3, "without the centre the probabilities must differ; largest difference " + diff);
    }

    @Test
    void belowMinShotsTheServedAdapterUsesTheModelsOwnHeadAsTheEvaluationDoes() {
        ModelConfig config = ModelConfig.defaults().withShape(20, 8, 2, 1, 12, MAX_LEN).withDtype(DataType.DOUBLE)
                .withHead(ModelConfig.HeadType.PROTOTYPE).withBase(ModelConfig.Base.MINILM_L6, HIDDEN).withWays(LABELS.size());
        INDArray theta = perturbed(new GatedAttentionLearner(config).initialParameters(new SeededRandom(5)), 7);
        List<Record> support = new ArrayList<>();
        for (int k = 0; k < LABELS.size(); k++) support.addAll(records(k, 1, 200));
        AdapterClassifier one = new AdapterClassifier(config, theta, LABELS, Record::text, featurizer(), null, FITTED, support);
        assertEquals(false, one.usesFittedHead());
    }

    private AdapterClassifier.Featurizer featurizer() {
        return prompts -> {
            float[][] states = new float[prompts.size()][];
            float[][] pooled = new float[prompts.size()][];
            for (int i = 0; i < states.length; i++) {
                states[i] = base.states(prompts.get(i));
                pooled[i] = base.pooled(prompts.get(i));
            }
            return TokenBatch.ofBase(states, pooled, HIDDEN, MAX_LEN, new int[states.length]);
        };
    }

    private BaseRows rows(List<Record> records) {
        List<float[]> states = new ArrayList<>(), pooled = new ArrayList<>();
        int[] lengths = new int[records.size()];
        for (int i = 0; i < records.size(); i++) {
            states.add(base.states(records.get(i).text()));
            pooled.add(base.pooled(records.get(i).text()));
            lengths[i] = states.get(i).length / HIDDEN;
        }
        BaseFeatures f = BaseFeatures.of(HIDDEN, states, pooled, lengths);
        BaseRows.Builder b = BaseRows.builder(HIDDEN, "test");
        for (int i = 0; i < records.size(); i++) b.add(records.get(i), f, i);
        return b.build();
    }

    private static Episode<Record> episode(List<Record> support, List<Record> queries) {
        return new Episode<>("tiny", LABELS, labeled(support), labeled(queries));
    }

    private static List<Episode.Labeled<Record>> labeled(List<Record> rs) {
        return rs.stream().map(r -> new Episode.Labeled<>(r, LABELS.indexOf(r.label()))).toList();
    }

    private static INDArray perturbed(INDArray theta0, long seed) {
        SeededRandom rng = new SeededRandom(seed);
        double[] t = theta0.toDoubleVector();
        for (int i = 0; i < t.length; i++) t[i] += 0.05 * rng.nextGaussian();
        return Nd4j.createFromArray(t);
    }

    private static List<Record> records(int label, int n, long seed) {
        SeededRandom rng = new SeededRandom(seed * 7 + label);
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder("a text about");
            for (int w = 0; w < 5; w++) sb.append(' ').append(WORDS[label][rng.nextInt(WORDS[label].length)]);
            out.add(new Record("tiny:" + LABELS.get(label) + "#" + seed + "-" + i, "tiny", LABELS.get(label), sb.toString(), "test", Map.of()));
        }
        return out;
    }
}
