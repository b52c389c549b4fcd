package dev.metamorph.pipeline;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.data.TaskSampler;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.MixedEpisodeSampler;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.maml.CheckpointStore;
import dev.metamorph.maml.ExecutionConfig;
import dev.metamorph.maml.MetaBatchExecutor;
import dev.metamorph.maml.MetaBatchExecutorProvider;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.maml.MetaTrainingLoop;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelArchive;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.model.tokenizer.BpeTrainer;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meta-training stage: the gated-attention model on definitions episodes from the source domains'
 * meta-train classes: trains the tokenizer on the rendered prompts of those records, meta-trains
 * with {@code maml.*} (checkpointed in the run folder, resumable), keeps the theta with the best
 * meta-val accuracy ({@code maml.select}) and saves it with its config and tokenizer as
 * {@code model/theta0.zip}.
 */
public final class MetaTrainingStage {
    private static final Logger LOG = LoggerFactory.getLogger(MetaTrainingStage.class);

    /** The outcome: the learner, theta_0 [size], the encoder that feeds it, the BPE tokenizer (null over a base), and training figures. */
    public record Result(GatedAttentionLearner learner, INDArray theta0, INDArray initialTheta, EpisodeEncoder encoder, BpeTokenizer tokenizer, Path modelFile,
                  MetaTrainingLoop.Result training) {}

    private MetaTrainingStage() {}

    /**
     * The episode encoder over a base: token states and pooled embeddings, and with
     * {@code model.lexical} (prototype head) the TF-IDF channel, IDF over each domain's texts; with
     * {@code model.center-pooled} each pooled embedding minus its domain's centre (the mean over the
     * domain's meta-train records).
     */
    static EpisodeEncoder baseEncoder(RunContext run, DomainStore store, DatasetConfig data, BaseRows rows, ModelConfig modelCfg) throws IOException {
        return baseEncoder(run.config(), store, data, rows, modelCfg);
    }

    static EpisodeEncoder baseEncoder(com.typesafe.config.Config config, DomainStore store, DatasetConfig data, BaseRows rows, ModelConfig modelCfg) throws IOException {
        Map<String, TfidfPrototypeClassifier> tfidf = null;
        if (config.getBoolean("model.lexical") && modelCfg.head() == ModelConfig.HeadType.PROTOTYPE) {
            tfidf = new LinkedHashMap<>();
            for (String d : data.domains()) tfidf.put(d, new TfidfPrototypeClassifier(store.records(d).stream().map(Record::text).toList()));
        }
        Map<String, float[]> centres = null;
        if (config.getBoolean("model.center-pooled")) {
            Map<String, List<Record>> byDomain = new LinkedHashMap<>();
            for (String d : data.domains()) {
                List<Record> rs = new ArrayList<>();
                for (List<Record> c : store.classes(d, data).classesOf(ClassSplit.META_TRAIN).values()) rs.addAll(c);
                byDomain.put(d, rs);
            }
            try {
                centres = BaseEpisodeEncoder.domainCentres(rows, byDomain);
            } catch (IllegalArgumentException e) {
                throw new JobInputException(e.getMessage());
            }
        }
        return new BaseEpisodeEncoder(rows, modelCfg.maxLength(), tfidf, config.getDouble("model.lexical-gain"), centres);
    }

    /**
     * @param progressBar show the meta-training progress bar on the console
     * @param baseRows the base's features of every record ({@code model.base != none}), else null
     * @throws JobInputException if {@code model.ways} and {@code task.ways} differ
     */
    public static Result run(RunContext run, DomainStore store, DatasetConfig data, boolean progressBar, BaseRows baseRows) throws IOException {
        MamlConfig maml = MamlConfig.from(run.config());
        ModelConfig modelCfg = ModelConfig.from(run.config());
        int ways = run.config().getInt("task.ways");
        int shots = run.config().getInt("task.shots");
        int queries = run.config().getInt("task.queries");
        if (modelCfg.ways() != ways) {
            throw new JobInputException("model.ways = " + modelCfg.ways() + " but task.ways = " + ways + ": the head needs one output per class of an episode; set both to the same value");
        }
        boolean prototype = modelCfg.head() == ModelConfig.HeadType.PROTOTYPE;

        BpeTokenizer tokenizer = null;
        EpisodeEncoder encoder;
        if (modelCfg.hasBase()) {
            if (baseRows == null) throw new IllegalStateException("model.base = " + modelCfg.base().key() + " but no base features were computed");
            if (baseRows.hidden() != modelCfg.baseDim()) {
                throw new JobInputException("The base's states are " + baseRows.hidden() + " wide but model.base-dim = " + modelCfg.baseDim() + "; set model.base-dim=" + baseRows.hidden());
            }
            encoder = baseEncoder(run, store, data, baseRows, modelCfg);
            if (modelCfg.hasMemory() && modelCfg.memory().store()) {
                MemoryEpisodeEncoder mem = MemoryEpisodeEncoder.trainingStores((BaseEpisodeEncoder) encoder, store, data, modelCfg);
                LOG.info("memory stores of the meta-train and meta-val texts (slots per domain): {}", mem.memories().used());
                encoder = mem;
            }
        } else {
            if (modelCfg.hasMemory() && modelCfg.memory().store()) {
                throw new JobInputException("memory.store = true needs a base (model.base != none): the store holds the base's pooled embeddings; set memory.store=false or pick a base");
            }
            // Tokenizer from the rendered prompts of the meta-training records only (never target-domain text).
            List<String> corpus = new ArrayList<>();
            PromptTexts texts = new PromptTexts(TemplateRegistry.open(PromptsConfig.from(run.config())));
            for (String d : data.sourceDomains()) {
                for (List<Record> rs : store.classes(d, data).classesOf(ClassSplit.META_TRAIN).values()) for (Record r : rs) corpus.add(texts.of(r));
            }
            long t0 = System.nanoTime();
            tokenizer = BpeTrainer.train(corpus, modelCfg.vocabSize(), 2, modelCfg.maxLength(), BpeTokenizer.Truncation.valueOf(modelCfg.truncation().name()));
            LOG.info("tokenizer: {} ids from {} meta-training prompts in {} s", tokenizer.vocabSize(), corpus.size(), String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            encoder = new DefinitionsEncoder(tokenizer, texts::of, prototype);
        }

        GatedAttentionLearner learner = new GatedAttentionLearner(modelCfg);
        MixedEpisodeSampler train = store.sourceSampler(data, ClassSplit.META_TRAIN, ways, shots, queries);
        MixedEpisodeSampler val = store.sourceSampler(data, ClassSplit.META_VAL, ways, shots, queries);
        EpisodeEncoder episodes = encoder;
        TaskSampler<TaskData<TokenBatch>> tasks = rng -> episodes.task(train.sample(rng));
        SeededRandom valRng = run.seeds().child("maml.meta-val");
        List<TaskData<TokenBatch>> valTasks = new ArrayList<>();
        for (int i = 0; i < maml.valTasks(); i++) valTasks.add(encoder.task(val.sample(valRng)));

        SeededRandom initRng = run.seeds().child("model.init");
        INDArray initial = learner.initialParameters(initRng);
        ExecutionConfig execution = ExecutionConfig.from(run.config());
        MetaLearner<TokenBatch> metaLearner = new MetaLearner<>(maml, learner.layout(), initial.toDoubleVector(),
                MetaGradients.create(learner, maml, EpisodeEncoder::join, () -> new GatedAttentionLearner(modelCfg), execution.effectivePath()));
        MetaTrainingLoop<TokenBatch> loop = new MetaTrainingLoop<>(maml, metaLearner, tasks, run.seeds().child("maml.sampler"), valTasks,
                new CheckpointStore(run.checkpointsDir()), run.metrics()::append, progressBar);
        MetaBatchExecutor distributed = MetaBatchExecutorProvider.open(execution, run.config(),
                new DefinitionsTasks(run.config(), run.projectRoot(), train, tokenizer));
        if (distributed != null) loop.executeWith(distributed);
        loop.selectBy("val_accuracy", new MetaValAccuracy(new GatedAttentionLearner(modelCfg), valTasks,
                maml.algorithm() == MetaAlgorithm.REPTILE ? maml.reptileSteps() : maml.innerSteps()));
        loop.resume().ifPresent(step -> LOG.info("resumed meta-training from step {}", step));
        MetaTrainingLoop.Result r;
        try {
            r = loop.run();
        } finally {
            if (distributed != null) distributed.close();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "meta-train-done");
        m.put("algorithm", maml.algorithm().key());
        m.put("steps", r.steps());
        m.put("seconds", r.seconds());
        m.put("tasks_per_s", r.tasksPerSecond());
        m.put("last_loss", r.lastLoss());
        m.put("select", maml.select().key());
        m.put("selected_step", r.selectedStep());
        m.put("selected_metric", r.selectedMetric());
        if (!Double.isNaN(r.selectedValue())) m.put("selected_value", r.selectedValue());
        run.metrics().append(m);

        INDArray theta0 = Nd4j.createFromArray(loop.selectedTheta()).castTo(modelCfg.dtype());
        metaLearner.close();
        Path modelFile = run.dir().resolve("model").resolve("theta0.zip");
        ModelArchive.save(modelFile, modelCfg, tokenizer, theta0);
        if (encoder instanceof MemoryEpisodeEncoder mem) {
            mem.memories().save(run.dir().resolve(DomainMemories.FOLDER));
        }
        return new Result(learner, theta0, initial, encoder, tokenizer, modelFile, r);
    }
}
