package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.model.base.BaseConfig;
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.model.base.BaseFeatures;
import dev.metamorph.model.base.FeatureCache;
import dev.metamorph.model.base.FeatureProgress;
import dev.metamorph.prompts.PromptRenderer;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import dev.metamorph.prompts.TemplateSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage between data and meta-training when the model reads a frozen pretrained base
 * ({@code model.base != none}): every record of every kept class of {@code dataset.domains} goes
 * through its domain's prompt template and the base, once per (base, template version, text):
 * the feature cache ({@code model.base-cache-dir}) keeps the token states and pooled embeddings,
 * so a second run computes nothing. Records the base's SHA-256 in the provenance.
 */
public final class BaseFeaturesStage {
    private static final Logger LOG = LoggerFactory.getLogger(BaseFeaturesStage.class);

    private BaseFeaturesStage() {}

    /** Whether the composed config's model reads a base ({@code model.base != none}). */
    public static boolean needed(com.typesafe.config.Config config) {
        return dev.metamorph.model.ModelConfig.from(config).hasBase();
    }

    /** The feature computation shown through the same progress display as the data import. */
    public static FeatureProgress progress(dev.metamorph.datasets.importer.ImportProgress p) {
        return new FeatureProgress() {
            @Override public void start(String task, long total) { p.start(task, total); }
            @Override public void advance(long steps) { p.advance(steps); }
            @Override public void finish() { p.finish(); }
        };
    }

    public static BaseRows prepare(RunContext run, DomainStore store, DatasetConfig data, FeatureProgress progress) throws IOException {
        return prepare(run.config(), run.projectRoot(), store, data, progress, run::addProvenance);
    }

    /**
     * As {@link #prepare(RunContext, DomainStore, DatasetConfig, FeatureProgress)} outside a run
     * (a distributed worker reading the shared feature cache): the composed config, the project root
     * the config's paths resolve against, and where the base's name and SHA-256 go.
     */
    public static BaseRows prepare(com.typesafe.config.Config composed, java.nio.file.Path projectRoot, DomainStore store, DatasetConfig data,
                                   FeatureProgress progress, java.util.function.BiConsumer<String, Object> provenance) throws IOException {
        BaseConfig config = BaseConfig.from(composed).resolve(projectRoot);
        try (BaseEncoder base = BaseEncoder.open(config); TemplateRegistry templates = TemplateRegistry.open(PromptsConfig.from(composed))) {
            provenance.accept("model.base", base.name());
            provenance.accept("model.base.sha256", base.sha256());
            FeatureCache cache = new FeatureCache(config.cacheDir(), base);
            BaseRows.Builder rows = BaseRows.builder(base.hiddenSize(), base.sha256());
            for (String domain : data.domains()) {
                List<Record> records = new ArrayList<>();
                for (List<Record> rs : store.classes(domain, data).byLabel().values()) records.addAll(rs);
                PromptRenderer renderer = templates.forDomain(domain);
                TemplateSpec spec = renderer.spec();
                long t0 = System.nanoTime();
                BaseFeatures f = cache.features(spec.id(), spec.version(), renderer.renderAll(records), true, progress);
                for (int i = 0; i < records.size(); i++) rows.add(records.get(i), f, i);
                LOG.info("base features: {} records of {} ({}@{}) in {} s", records.size(), domain, spec.id(), spec.version(),
                        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
            }
            return rows.build();
        }
    }
}
