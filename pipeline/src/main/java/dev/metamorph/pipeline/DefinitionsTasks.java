package dev.metamorph.pipeline;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.MixedEpisodeSampler;
import dev.metamorph.maml.DistributedTasks;
import dev.metamorph.maml.EngineTaskWorker;
import dev.metamorph.maml.ExecutionConfig;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.TaskWorker;
import dev.metamorph.maml.TaskWorkers;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The definitions episodes of meta-training as {@link DistributedTasks}: the driver draws each
 * episode with the meta-train sampler and sends its record ids and labels
 * ({@link EpisodeIds}); a worker opens the domain store of {@code dataset.cache-dir} (a path every
 * executor can read), builds the same encoder (the driver's BPE tokenizer travels with the recipe;
 * over a base, the base features come from {@code model.base-cache-dir}), the gated-attention
 * learner and the meta-gradient engine once, and computes episodes one at a time.
 */
public final class DefinitionsTasks implements DistributedTasks<DefinitionsTasks.EpisodeIds> {
    private final MixedEpisodeSampler sampler;
    private final Workers workers;

    /**
     * An episode by its records: the domain, the original class labels, and the ids of the support
     * and query records with their episode-local labels, in the sampler's order.
     */
    public record EpisodeIds(String domain, List<String> classes, List<String> supportIds, List<Integer> supportLabels,
                             List<String> queryIds, List<Integer> queryLabels) implements Serializable {
        public EpisodeIds {
            classes = List.copyOf(classes);
            supportIds = List.copyOf(supportIds);
            supportLabels = List.copyOf(supportLabels);
            queryIds = List.copyOf(queryIds);
            queryLabels = List.copyOf(queryLabels);
        }

        static EpisodeIds of(Episode<Record> e) {
            List<String> si = new ArrayList<>(), qi = new ArrayList<>();
            List<Integer> sl = new ArrayList<>(), ql = new ArrayList<>();
            for (Episode.Labeled<Record> l : e.support()) {
                si.add(l.example().domain() + "/" + l.example().id());
                sl.add(l.label());
            }
            for (Episode.Labeled<Record> l : e.query()) {
                qi.add(l.example().domain() + "/" + l.example().id());
                ql.add(l.label());
            }
            return new EpisodeIds(e.domain(), e.classes(), si, sl, qi, ql);
        }
    }

    /**
     * @param composed the run's composed config (resolved)
     * @param projectRoot what the config's relative paths resolve against; executors must see the same paths
     * @param sampler the meta-train episode sampler the in-process run draws with
     * @param tokenizer the BPE tokenizer of a model without a base, else null
     */
    public DefinitionsTasks(Config composed, Path projectRoot, MixedEpisodeSampler sampler, BpeTokenizer tokenizer) {
        this.sampler = sampler;
        this.workers = new Workers(composed.root().render(ConfigRenderOptions.concise()), projectRoot.toAbsolutePath().toString(), tokenizerText(tokenizer));
    }

    @Override
    public EpisodeIds describe(SeededRandom rng) {
        return EpisodeIds.of(sampler.sample(rng));
    }

    @Override
    public TaskWorkers<EpisodeIds> workers() {
        return workers;
    }

    /** The recipe: the composed config as HOCON text, the project root, the tokenizer's text (or null). */
    record Workers(String config, String projectRoot, String tokenizer) implements TaskWorkers<EpisodeIds> {
        @Override
        public String key() {
            return sha256("definitions\n" + config + "\n" + projectRoot + "\n" + (tokenizer == null ? "" : tokenizer));
        }

        @Override
        public TaskWorker<EpisodeIds> newWorker() {
            WorkerData w = WorkerData.shared(config, projectRoot, tokenizer, false);
            MamlConfig maml = MamlConfig.from(w.config()).withThreads(1);
            ModelConfig modelCfg = w.model();
            GatedAttentionLearner learner = new GatedAttentionLearner(modelCfg);
            var engine = MetaGradients.create(learner, maml, EpisodeEncoder::join, () -> new GatedAttentionLearner(modelCfg), ExecutionConfig.from(w.config()).effectivePath());
            return new EngineTaskWorker<EpisodeIds, TokenBatch>(ids -> w.encoder().task(w.episode(ids)), engine, Math.toIntExact(learner.layout().size()));
        }
    }

    /** The tokenizer as text for a recipe, or null. */
    static String tokenizerText(BpeTokenizer tokenizer) {
        if (tokenizer == null) return null;
        StringWriter w = new StringWriter();
        try {
            tokenizer.write(w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            for (byte x : d) b.append(String.format("%02x", x));
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
