package dev.metamorph.serving;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Record;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.model.tokenizer.BpeTrainer;
import dev.metamorph.eval.LinearProbeClassifier;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.QueryHeadConfig;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.testing.HashedTextFeatures;
import dev.metamorph.pipeline.export.BaseIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Small adapter bundles for the tests: a tiny gated-attention model without a base
 * ({@code model.base = none}, prototype head, d 8), its own BPE tokenizer, three labels with four
 * support records each and a one-line template; theta is theta_0 plus a seeded perturbation, so a
 * low-rank delta has something to compress. {@link #centredContents} is the same over a stand-in base
 * ({@link HashedTextFeatures}) at the main job's defaults: the domain centre, the lexical channel
 * and the fitted head.
 */
final class TinyBundles {
    static final List<String> LABELS = List.of("law", "music", "zoology");
    static final String[][] WORDS = {
        {"court", "judge", "statute", "contract", "plaintiff", "verdict", "appeal", "lawyer"},
        {"melody", "chord", "tempo", "violin", "harmony", "rhythm", "sonata", "piano"},
        {"mammal", "species", "feathers", "predator", "reptile", "herd", "insect", "habitat"}};

    private TinyBundles() {}

    static ModelConfig config() {
        return ModelConfig.defaults().withShape(200, 8, 2, 1, 16, 16).withHead(ModelConfig.HeadType.PROTOTYPE).withWays(3);
    }

    /** Records of a label: texts built from its words, deterministic by seed. */
    static List<Record> records(int label, int n, long seed) {
        SeededRandom rng = new SeededRandom(seed * 7 + label);
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder("a text about");
            for (int w = 0; w < 5; w++) sb.append(' ').append(WORDS[label][rng.nextInt(WORDS[label].length)]);
            out.add(new Record("tiny:" + LABELS.get(label) + "#" + seed + "-" + i, "tiny", LABELS.get(label), sb.toString(), "test", Map.of()));
        }
        return out;
    }

    /** theta_0 plus Gaussian noise of scale 0.05 (a stand-in for the curriculum's theta), in the model's data type. */
    private static INDArray moved(INDArray theta0, long seed, ModelConfig c) {
        SeededRandom rng = new SeededRandom(seed);
        double[] t = theta0.toDoubleVector();
        for (int i = 0; i < t.length; i++) t[i] += 0.05 * rng.nextGaussian();
        return org.nd4j.linalg.factory.Nd4j.createFromArray(t).castTo(c.dtype());
    }

    static AdapterBundle.Contents contents(String name, AdapterBundle.Encoding encoding, int rank, long seed) {
        ModelConfig c = config();
        GatedAttentionLearner learner = new GatedAttentionLearner(c);
        INDArray theta0 = learner.initialParameters(new SeededRandom(seed));
        INDArray theta = moved(theta0, seed + 1, c);
        List<Record> support = new ArrayList<>();
        List<String> corpus = new ArrayList<>();
        for (int k = 0; k < LABELS.size(); k++) support.addAll(records(k, 4, seed));
        for (int k = 0; k < LABELS.size(); k++) for (Record r : records(k, 20, seed + 100)) corpus.add(prompt(r.text()));
        BpeTokenizer tok = BpeTrainer.train(corpus, c.vocabSize(), 1, c.maxLength(), BpeTokenizer.Truncation.HEAD);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("templates.conf", ("templates = [ { id = \"tiny-text\", file = \"text.ftl\", domain = tiny, description = \"A test text.\", fields = [text], version = \"1.0\", "
                + "verbalizer { law = law, music = music, zoology = zoology } } ]\n").getBytes(StandardCharsets.UTF_8));
        files.put("text.ftl", "Text: ${text}\nField:".getBytes(StandardCharsets.UTF_8));
        return new AdapterBundle.Contents(name, "tiny", c, theta, theta0, "curriculum", encoding, rank, BaseIdentity.NONE, tok, LABELS, support,
                new AdapterBundle.Templates("tiny-text", "1.0", files), null, 0, Map.of("accuracy", 1.0), "test", null, null);
    }

    /** The stand-in base of {@link #centredContents}: 12 wide, token states of at most 10 words. */
    static final int HIDDEN = 12;
    static final BaseIdentity HASHED_BASE = new BaseIdentity("minilm-l6", "hashed-words-test-base", "0".repeat(64));
    static final QueryHeadConfig FITTED = new QueryHeadConfig(QueryHeadConfig.Kind.FITTED, 0.5, new LinearProbeClassifier.Options(1.0, 100, 1e-8), 2);
    private static final HashedTextFeatures FEATURES = new HashedTextFeatures(HIDDEN, 10);

    /** The stand-in base as the server's shared featurizer (of rendered prompts). */
    static AdapterClassifier.Featurizer hashedBase() {
        return prompts -> {
            float[][] states = new float[prompts.size()][];
            float[][] pooled = new float[prompts.size()][];
            for (int i = 0; i < states.length; i++) {
                states[i] = FEATURES.states(prompts.get(i));
                pooled[i] = FEATURES.pooled(prompts.get(i));
            }
            return TokenBatch.ofBase(states, pooled, HIDDEN, 16, new int[states.length]);
        };
    }

    /**
     * A bundle over the stand-in base at the main job's defaults: centre (the mean pooled embedding
     * of other records' prompts), lexical channel (IDF over the domain's texts, gain 50) and fitted head.
     */
    static AdapterBundle.Contents centredContents(String name, long seed) {
        ModelConfig c = config().withBase(ModelConfig.Base.MINILM_L6, HIDDEN);
        INDArray theta0 = new GatedAttentionLearner(c).initialParameters(new SeededRandom(seed));
        INDArray theta = moved(theta0, seed + 1, c);
        List<Record> support = new ArrayList<>();
        List<String> corpus = new ArrayList<>();
        for (int k = 0; k < LABELS.size(); k++) support.addAll(records(k, 4, seed));
        double[] acc = new double[HIDDEN];
        int n = 0;
        for (int k = 0; k < LABELS.size(); k++) {
            for (Record r : records(k, 20, seed + 100)) {
                corpus.add(r.text());
                float[] p = FEATURES.pooled(prompt(r.text()));
                for (int h = 0; h < HIDDEN; h++) acc[h] += p[h];
                n++;
            }
        }
        float[] centre = new float[HIDDEN];
        for (int h = 0; h < HIDDEN; h++) centre[h] = (float) (acc[h] / n);
        return new AdapterBundle.Contents(name, "tiny", c, theta, theta0, "curriculum", AdapterBundle.Encoding.FULL, 2, HASHED_BASE, null, LABELS, support,
                templates(), new TfidfPrototypeClassifier(corpus), 50.0, Map.of("accuracy", 1.0), "test", centre, FITTED);
    }

    static Path writeCentred(Path dir, String name) {
        Path file = dir.resolve(name + AdapterBundle.SUFFIX);
        AdapterBundle.write(file, centredContents(name, 11));
        return file;
    }

    private static AdapterBundle.Templates templates() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("templates.conf", ("templates = [ { id = \"tiny-text\", file = \"text.ftl\", domain = tiny, description = \"A test text.\", fields = [text], version = \"1.0\", "
                + "verbalizer { law = law, music = music, zoology = zoology } } ]\n").getBytes(StandardCharsets.UTF_8));
        files.put("text.ftl", "Text: ${text}\nField:".getBytes(StandardCharsets.UTF_8));
        return new AdapterBundle.Templates("tiny-text", "1.0", files);
    }

    static String prompt(String text) {
        return "Text: " + text + "\nField:";
    }

    static Path write(Path dir, String name) {
        return write(dir, name, AdapterBundle.Encoding.FULL, 2);
    }

    static Path write(Path dir, String name, AdapterBundle.Encoding encoding, int rank) {
        Path file = dir.resolve(name + AdapterBundle.SUFFIX);
        AdapterBundle.write(file, contents(name, encoding, rank, 11));
        return file;
    }
}
