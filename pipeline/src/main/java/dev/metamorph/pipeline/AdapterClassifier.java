package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.PrototypeScores;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.model.base.BaseFeatures;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.prompts.PromptRenderer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * In-process inference of one adapter: record -> the domain's prompt template -> tokenizer and
 * frozen base (or the adapter's own BPE tokenizer without a base; over a base with
 * {@code model.center-pooled}, the pooled embedding minus the domain's centre, {@link Featurizer#centred})
 * -> adapter -> head over the adapter's labels -> class probabilities. The head is the evaluation's
 * ({@link QueryHeadConfig}): the model's own prototype head (each label's prototype the mean of its
 * support records' embeddings, computed once at construction; the lexical channel, prototype head
 * over a base with {@code model.lexical}, compares a record's TF-IDF vector with each label's support
 * records, as in training), or the fitted head ({@code eval.head = fitted}: {@link SupportFittedHead},
 * the evaluation's logistic regression fitted once on the support records over all the labels; with
 * fewer than {@code min-shots} support records for some label, the model's own head, as in the
 * evaluation). The export's accuracy check and the inference server both call this class, so what
 * the server answers is what the export measured.
 *
 * <p>Thread-safe: the parameters, prototypes and support vectors are never changed after
 * construction, each calling thread gets its own learner, and the featurizer must be thread-safe.
 *
 * <p>Memory: a learner's eager pass keeps buffers per batch shape (rows x positions, up to 8 shapes),
 * which for the support set of a 95-label adapter (475 rows) came to ~200 MB, held as long as the
 * classifier was, once per classifier and thread: that, not the 4 MB of parameters and tables, was
 * the heap growth per resident adapter. The learners are therefore shared per thread and model config
 * by every classifier (they keep no parameters; theta is passed in), and the support set is embedded
 * in chunks of {@value #EMBED_CHUNK} rows, so a server's buffers are bounded by its threads and
 * configs, not by its adapters.
 */
public final class AdapterClassifier {
    /** One record's answer: the most probable label and the probability of every label (in {@link #labels()} order). */
    public record Prediction(String label, double[] probabilities) {
        public Prediction {
            probabilities = probabilities.clone();
        }

        @Override
        public double[] probabilities() {
            return probabilities.clone();
        }
    }

    /** Turns prompt texts into the adapter's input rows (labels 0). Must be thread-safe. */
    @FunctionalInterface
    public interface Featurizer {
        TokenBatch batch(List<String> prompts);

        /** The adapter's own BPE tokenizer ({@code model.base = none}). */
        static Featurizer bpe(BpeTokenizer tokenizer) {
            return prompts -> {
                int[][] ids = new int[prompts.size()][];
                for (int i = 0; i < ids.length; i++) ids[i] = Arrays.copyOf(tokenizer.encode(prompts.get(i)), tokenizer.maxLength());
                return TokenBatch.of(ids, new int[ids.length]);
            };
        }

        /**
         * Each row's pooled base embedding minus {@code centre} (float arithmetic, as
         * {@link BaseEpisodeEncoder} feeds it in training and evaluation), the token states unchanged.
         *
         * @param centre the domain's centre [base width] (not changed; the featurizer keeps a copy)
         */
        static Featurizer centred(Featurizer inner, float[] centre, int maxLength) {
            float[] c = centre.clone();
            return prompts -> {
                TokenBatch b = inner.batch(prompts);
                if (!b.hasBase()) throw new IllegalStateException("model.center-pooled needs a base's pooled embeddings; this featurizer gives token ids");
                if (b.baseDim() != c.length) throw new IllegalStateException("The domain's centre has " + c.length + " values but the base's embeddings are " + b.baseDim() + " wide");
                float[][] states = new float[b.size()][];
                float[][] pooled = new float[b.size()][];
                for (int i = 0; i < pooled.length; i++) {
                    states[i] = b.baseStates(i);
                    pooled[i] = b.basePooled(i);
                    for (int k = 0; k < c.length; k++) pooled[i][k] -= c[k];
                }
                return TokenBatch.ofBase(states, pooled, b.baseDim(), maxLength, b.labels());
            };
        }

        /**
         * The frozen base: token states (the first {@code maxLength}) and pooled embeddings, computed
         * now. ONNX Runtime sessions accept concurrent runs, and {@link BaseEncoder#encode} keeps no
         * state between calls.
         */
        static Featurizer base(BaseEncoder base, int maxLength) {
            return prompts -> {
                BaseFeatures f = base.encode(prompts);
                float[][] states = new float[prompts.size()][];
                float[][] pooled = new float[prompts.size()][];
                for (int i = 0; i < states.length; i++) {
                    states[i] = f.states(i);
                    pooled[i] = f.pooled(i);
                }
                return TokenBatch.ofBase(states, pooled, f.hiddenSize(), maxLength, new int[states.length]);
            };
        }
    }

    /** The lexical channel's IDF weights over the domain's texts and its gain ({@code model.lexical-gain}). */
    public record Lexical(TfidfPrototypeClassifier tfidf, double gain) {}

    private final ModelConfig config;
    private final INDArray theta;
    private final List<String> labels;
    private final Function<Record, String> prompts;
    private final Featurizer featurizer;
    private final Lexical lexical;
    private final int[] supportLabels;
    private final List<Map<String, Double>> supportVectors;
    private final int[] perClass;
    private final PrototypeScores scores;
    private final QueryHeadConfig head;
    private final SupportFittedHead fitted;
    /** Rows per adapter pass when embedding many records (the support set). */
    static final int EMBED_CHUNK = 32;
    /** Per thread, one learner per model config, shared by every classifier (scratch buffers only; see the class comment). */
    private static final ThreadLocal<Map<ModelConfig, GatedAttentionLearner>> LEARNERS = ThreadLocal.withInitial(java.util.HashMap::new);
    private final StoreIndex store;

    /**
     * @param theta the adapter's parameters [P] (owned by this classifier from now on; not changed)
     * @param labels the labels it answers with, in order
     * @param prompts the prompt text of a record (its domain's template)
     * @param featurizer the prompts' input rows (over a base with {@code model.center-pooled}, already {@link Featurizer#centred})
     * @param lexical the lexical channel, or null when the model has none
     * @param head how it predicts: the model's own head or the fitted head ({@code eval.head}); null for the model's own
     * @param support labelled records whose embeddings make the prototypes (and the fitted head's training rows); every label needs one
     */
    public AdapterClassifier(ModelConfig config, INDArray theta, List<String> labels, Function<Record, String> prompts, Featurizer featurizer,
                             Lexical lexical, QueryHeadConfig head, List<Record> support) {
        this(config, theta, labels, prompts, featurizer, lexical, head, support, null);
    }

    /**
     * As above, with the domain's persistent memory store ({@code memory.store}; null for none): every
     * record the classifier embeds (support and asked) reads the store as an evaluation episode does:
     * the model's top-k of the union of each row's nearest stored texts by the base's embedding
     * ({@link StoreIndex}), with no text left out (a request has no episode).
     */
    public AdapterClassifier(ModelConfig config, INDArray theta, List<String> labels, Function<Record, String> prompts, Featurizer featurizer,
                             Lexical lexical, QueryHeadConfig head, List<Record> support, dev.metamorph.memory.MemoryState store) {
        if (store != null && !(config.hasMemory() && config.memory().store())) throw new IllegalArgumentException("A memory store was given but the model does not read one (model.memory = true and memory.store = true)");
        if (store != null && !config.hasBase()) throw new IllegalArgumentException("A memory store holds a base's embeddings, but this model has none (model.base = none)");
        if (store != null && store.valueSize() != config.embeddingWidth()) {
            throw new IllegalArgumentException("The memory store holds " + store.valueSize() + "-wide embeddings but the model's are " + config.embeddingWidth() + " wide");
        }
        this.store = store == null ? null : StoreIndex.of(store, config.memory().storeTopK());
        if (config.head() != ModelConfig.HeadType.PROTOTYPE) throw new IllegalArgumentException("A served adapter needs model.head = prototype (its classes are the support set's labels), got " + config.head());
        if (config.memoryRead()) throw new IllegalArgumentException("model.memory-read = true: serving does not feed memory read vectors yet");
        if (lexical != null && !config.hasBase()) throw new IllegalArgumentException("The lexical channel needs a base (model.base != none)");
        this.config = config;
        this.theta = theta;
        this.labels = List.copyOf(labels);
        this.prompts = prompts;
        this.featurizer = featurizer;
        this.lexical = lexical;
        this.supportLabels = new int[support.size()];
        this.perClass = new int[labels.size()];
        for (int j = 0; j < support.size(); j++) {
            int k = this.labels.indexOf(support.get(j).label());
            if (k < 0) throw new IllegalArgumentException("Support record " + support.get(j).id() + " has label '" + support.get(j).label() + "', which is not among the labels " + labels);
            supportLabels[j] = k;
            perClass[k]++;
        }
        double[][] z = embed(support);
        this.scores = PrototypeScores.of(config, theta, z, supportLabels, labels.size());
        this.supportVectors = lexical == null ? List.of() : support.stream().map(r -> lexical.tfidf().vector(r.text())).toList();
        this.head = head == null ? QueryHeadConfig.MODEL : head;
        boolean enough = true;
        for (int k : perClass) enough &= k >= this.head.minShots();
        this.fitted = this.head.fitted() && enough
                ? new SupportFittedHead(z, lexical == null ? null : supportVectors, supportLabels, labels.size(), this.head, lexical == null ? 1.0 : lexical.gain())
                : null;
    }

    /** The head it predicts with (the fitted head falls back to the model's own below {@code min-shots} support records per label). */
    public QueryHeadConfig head() {
        return head;
    }

    /** Whether predictions come from the fitted head (else from the model's own prototype head). */
    public boolean usesFittedHead() {
        return fitted != null;
    }

    /** Texts of the memory store this classifier reads from (0 without a store). */
    public int storeSlotsRead() {
        return store == null ? 0 : store.slots();
    }

    public List<String> labels() {
        return labels;
    }

    public ModelConfig config() {
        return config;
    }

    /** The rendered prompt of a record (what the tokenizer or base reads). */
    public String prompt(Record r) {
        return prompts.apply(r);
    }

    /** Probabilities and label of every record, in order (one adapter pass for all of them). */
    public List<Prediction> classify(List<Record> records) {
        if (records.isEmpty()) return List.of();
        double[][] z = embed(records);
        List<Prediction> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            double[] logits = fitted != null
                    ? fitted.logits(z[i], lexical == null ? null : lexical.tfidf().vector(records.get(i).text()))
                    : scores.logits(z[i], lexicalOf(records.get(i)));
            double[] p = PrototypeScores.probabilities(logits);
            int best = 0;
            for (int k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
            out.add(new Prediction(labels.get(best), p));
        }
        return out;
    }

    /**
     * Adapter embeddings of the records, {@value #EMBED_CHUNK} per pass. Which records share a pass
     * changes a float model's embeddings in the last bits only (ND4J's products round differently for
     * other row counts and padded lengths: up to 2e-9 in a probability in the tests), never a label in the tests.
     */
    private double[][] embed(List<Record> records) {
        GatedAttentionLearner learner = LEARNERS.get().computeIfAbsent(config, GatedAttentionLearner::new);
        double[][] out = new double[records.size()][];
        for (int from = 0; from < records.size(); from += EMBED_CHUNK) {
            int to = Math.min(records.size(), from + EMBED_CHUNK);
            List<String> texts = new ArrayList<>(to - from);
            for (Record r : records.subList(from, to)) texts.add(prompts.apply(r));
            TokenBatch batch = featurizer.batch(texts);
            if (store != null) {
                // the view evaluation reads too: each row's store-top-k nearest texts by the base's embedding, their union
                List<float[]> rows = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) rows.add(batch.basePooled(i));
                batch = batch.withStore(store.view(rows, java.util.Set.of()));
            }
            double[][] z = learner.embeddings(theta, batch);
            System.arraycopy(z, 0, out, from, z.length);
        }
        return out;
    }

    /** The record's lexical channel per label: gain x TF-IDF cosine, averaged over the label's support records. */
    private double[] lexicalOf(Record r) {
        if (lexical == null) return null;
        Map<String, Double> v = lexical.tfidf().vector(r.text());
        double[] out = new double[labels.size()];
        for (int j = 0; j < supportLabels.length; j++) {
            int k = supportLabels[j];
            out[k] += 1.0 / perClass[k] * (lexical.gain() * BaseEpisodeEncoder.dot(v, supportVectors.get(j)));
        }
        return out;
    }

    /** Resident bytes of what this adapter holds beyond the shared base: parameters, prototypes, fitted head, IDF table and support TF-IDF vectors (hash-map entries estimated at 64 bytes). */
    public long residentBytes() {
        long b = theta.length() * theta.dataType().width() + scores.bytes() + (fitted == null ? 0 : fitted.bytes());
        for (Map<String, Double> v : supportVectors) b += 64L * v.size();
        if (lexical != null) b += 64L * lexical.tfidf().vocabularySize();
        if (store != null) b += store.bytes();
        return b;
    }
}
