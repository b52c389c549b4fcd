package dev.metamorph.pipeline;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.base.FeatureProgress;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker away from the driver (a Spark executor) builds from a recipe before it computes
 * anything: the resolved config, the model config, the episode encoder the driver uses (the driver's
 * BPE tokenizer, or over a base the features of {@code model.base-cache-dir}) and the records of
 * {@code dataset.cache-dir} by id, so that episodes described by record ids resolve to bitwise the
 * driver's episodes.
 *
 * @param config the composed config, {@code prompts.templates-root} made absolute
 */
record WorkerData(Config config, ModelConfig model, EpisodeEncoder encoder, Map<String, Map<String, Record>> byId) {

    /** Recipes built in this JVM, most recent last: the workers of one executor share one copy (at most {@value #SHARED_RECIPES} recipes kept). */
    private static final int SHARED_RECIPES = 2;
    private static final Map<String, WorkerData> SHARED = new java.util.LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, WorkerData> eldest) {
            return size() > SHARED_RECIPES;
        }
    };

    /**
     * The worker data of a recipe, built once per JVM and shared by every worker thread of it (a
     * Spark executor's task threads): the base features, records and memory stores are read-only
     * after {@link #build}, and the encoders are thread-safe. A JVM keeps the last
     * {@value #SHARED_RECIPES} recipes; building is serialised, so two threads never build one twice.
     */
    static WorkerData shared(String configText, String projectRoot, String tokenizer, boolean evaluation) {
        String key = DefinitionsTasks.sha256((evaluation ? "evaluation\n" : "training\n") + configText + "\n" + projectRoot + "\n" + (tokenizer == null ? "" : tokenizer));
        synchronized (SHARED) {
            WorkerData w = SHARED.get(key);
            if (w == null) {
                w = build(configText, projectRoot, tokenizer, evaluation);
                SHARED.put(key, w);
            }
            return w;
        }
    }

    /**
     * @param configText the composed config as HOCON text
     * @param projectRoot what its relative paths resolve against (the same path on every node)
     * @param tokenizer the driver's BPE tokenizer as text (a model without a base), else null
     * @param evaluation whether the memory stores ({@code memory.store}) also hold the target domains'
     *                   other texts, as the driver's evaluation stage adds them; else training's stores
     */
    static WorkerData build(String configText, String projectRoot, String tokenizer, boolean evaluation) {
        try {
            Path root = Path.of(projectRoot);
            Config c = ConfigFactory.parseString(configText).resolve();
            // the templates root as an absolute path: a worker's process may run anywhere
            c = c.withValue("prompts.templates-root", ConfigValueFactory.fromAnyRef(root.resolve(c.getString("prompts.templates-root")).toString()));
            ModelConfig modelCfg = ModelConfig.from(c);
            DatasetConfig data = DatasetConfig.from(c);
            DomainStore store = DomainStore.open(data.resolvedCacheDir(root), data.onBadRecord());
            EpisodeEncoder encoder;
            if (modelCfg.hasBase()) {
                BaseRows rows = BaseFeaturesStage.prepare(c, root, store, data, FeatureProgress.NONE, (k, v) -> {});
                encoder = MetaTrainingStage.baseEncoder(c, store, data, rows, modelCfg);
                if (modelCfg.hasMemory() && modelCfg.memory().store()) {
                    MemoryEpisodeEncoder mem = MemoryEpisodeEncoder.trainingStores((BaseEpisodeEncoder) encoder, store, data, modelCfg);
                    if (evaluation) for (String t : data.targetDomains()) mem.addDomainTexts(store.classes(t, data));
                    encoder = mem;
                }
            } else {
                if (tokenizer == null) throw new IllegalStateException("model.base = none but the recipe holds no tokenizer");
                BpeTokenizer tok = BpeTokenizer.read(new StringReader(tokenizer), "the driver's tokenizer");
                PromptTexts texts = new PromptTexts(TemplateRegistry.open(PromptsConfig.from(c)));
                encoder = new DefinitionsEncoder(tok, texts::of, modelCfg.head() == ModelConfig.HeadType.PROTOTYPE);
            }
            Map<String, Map<String, Record>> byId = new HashMap<>();
            for (String d : data.domains()) {
                Map<String, Record> m = new HashMap<>();
                for (Record r : store.records(d)) m.put(r.id(), r);
                byId.put(d, m);
            }
            return new WorkerData(c, modelCfg, encoder, byId);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot build a worker: " + e.getMessage(), e);
        }
    }

    /** The episode the ids describe, with this worker's records. */
    Episode<Record> episode(DefinitionsTasks.EpisodeIds ids) {
        List<Episode.Labeled<Record>> s = new ArrayList<>(), q = new ArrayList<>();
        for (int i = 0; i < ids.supportIds().size(); i++) s.add(new Episode.Labeled<>(record(ids.supportIds().get(i)), ids.supportLabels().get(i)));
        for (int i = 0; i < ids.queryIds().size(); i++) q.add(new Episode.Labeled<>(record(ids.queryIds().get(i)), ids.queryLabels().get(i)));
        return new Episode<>(ids.domain(), ids.classes(), s, q);
    }

    private Record record(String qualifiedId) {
        int slash = qualifiedId.indexOf('/');
        String domain = qualifiedId.substring(0, slash);
        Map<String, Record> m = byId.get(domain);
        Record r = m == null ? null : m.get(qualifiedId.substring(slash + 1));
        if (r == null) {
            throw new IllegalStateException("Record " + qualifiedId + " is not in this worker's domain store: executors must read the same dataset.cache-dir as the driver");
        }
        return r;
    }
}
