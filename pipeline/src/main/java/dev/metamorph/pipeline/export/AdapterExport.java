package dev.metamorph.pipeline.export;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.model.ModelArchive;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.base.BaseConfig;
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.model.base.BaseFeatures;
import dev.metamorph.model.base.FeatureCache;
import dev.metamorph.model.base.FeatureProgress;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.BaseEpisodeEncoder;
import dev.metamorph.pipeline.BaseRows;
import dev.metamorph.pipeline.QueryHeadConfig;
import dev.metamorph.pipeline.JobInputException;
import dev.metamorph.prompts.PromptRenderer;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import dev.metamorph.prompts.TemplateSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports one domain's adapter from a run folder: the curriculum's theta for the domain
 * ({@code model/adapted-<domain>.zip}; theta_0 when the run adapted nothing to it), theta_0
 * ({@code model/theta0.zip}), the run's resolved config, the domain's records (support records
 * and held-out records per label, drawn with a generator derived from {@code run.seed}) and its
 * template folder. With {@code model.center-pooled} the bundle carries the domain's centre (the mean
 * pooled base embedding of its meta-train records, as meta-training and evaluation computed it, read
 * from the feature cache), and it carries the evaluation's head ({@code eval.head} and
 * {@code eval.fitted-head}), so that the served adapter predicts as the run's evaluation did. Measures
 * the bundle's accuracy on the held-out records over all the domain's labels with the same
 * {@link AdapterClassifier} the server uses: with the parameters as trained and as stored (low-rank
 * reconstruction), and reports the reconstruction error.
 */
public final class AdapterExport {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterExport.class);

    private AdapterExport() {}

    /** The bundle, its metrics (also in its manifest) and the theta_0 file of a low-rank bundle (else null). */
    public record Result(Path bundle, Path theta0File, Map<String, Object> metrics) {}

    /** The resolved config a run folder was run with ({@code config.resolved.conf}). */
    public static Config runConfig(Path runDir) {
        Path f = runDir.resolve("config.resolved.conf");
        if (!Files.isRegularFile(f)) throw new JobInputException("No " + f + ": give --run the folder of a `metamorph run` (outputs/<date>/<time>)");
        return ConfigFactory.parseFile(f.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
    }

    /** The target domains of a run's config ({@code dataset.target-domains}). */
    public static List<String> targetDomains(Config runConfig) {
        try {
            return DatasetConfig.from(runConfig.withFallback(ConfigFactory.defaultReference())).targetDomains();
        } catch (IllegalArgumentException e) {
            throw new JobInputException("The run's config.resolved.conf: " + e.getMessage(), e);
        }
    }

    /**
     * @param base the frozen base, opened by the caller, when the run's model reads one (else null)
     * @param version the Metamorph version written into the manifest
     * @throws JobInputException if the run folder lacks what the export needs (names the file)
     */
    public static Result export(Path runDir, Config runConfig, Path projectRoot, String domain, Path out, ExportOptions options, BaseEncoder base, String version) {
        Config config = runConfig.withFallback(ConfigFactory.defaultReference());
        Path theta0File = runDir.resolve("model").resolve("theta0.zip");
        if (!Files.isRegularFile(theta0File)) throw new JobInputException("No " + theta0File + ": the run did not finish meta-training, so there is no adapter to export");
        ModelArchive.Saved t0;
        ModelArchive.Saved adapted;
        Path adaptedFile = runDir.resolve("model").resolve("adapted-" + domain + ".zip");
        try {
            t0 = ModelArchive.load(theta0File);
            adapted = Files.isRegularFile(adaptedFile) ? ModelArchive.load(adaptedFile) : null;
        } catch (IOException e) {
            throw new JobInputException("Cannot read the run's model: " + e.getMessage(), e);
        }
        ModelConfig model = t0.config();
        if (model.head() != ModelConfig.HeadType.PROTOTYPE) {
            throw new JobInputException("The run's model has model.head = " + model.head().name().toLowerCase(java.util.Locale.ROOT)
                    + ": its outputs are episode-local classes, so it has no labels to serve; export models trained with model.head = prototype");
        }
        if (model.memoryRead()) throw new JobInputException("The run's model reads memory (model.memory-read = true); the export does not write a memory snapshot yet");
        if (model.hasBase() && base == null) throw new IllegalArgumentException("model.base = " + model.base().key() + " needs the base encoder");
        BaseIdentity baseId = BaseIdentity.NONE;
        if (model.hasBase()) {
            baseId = new BaseIdentity(model.base().key(), base.name(), base.sha256());
            String trained = null;
            Path prov = runDir.resolve("provenance.json");
            if (Files.isRegularFile(prov)) {
                try {
                    var p = new com.fasterxml.jackson.databind.ObjectMapper().readTree(prov.toFile());
                    trained = p.path("model.base.sha256").asText(null);
                } catch (IOException e) {
                    LOG.warn("Cannot read {}: {}", prov, e.toString());
                }
            }
            if (trained != null && !trained.isEmpty() && !trained.equals(base.sha256())) {
                throw new JobInputException("The run was trained over base SHA-256 " + trained + " but the base opened now (" + base.name() + ") is " + base.sha256()
                        + "; export with the run's model.base settings");
            }
        }
        INDArray theta = adapted != null ? adapted.theta() : t0.theta();
        String source = adapted != null ? "curriculum" : "theta0";
        if (adapted == null) LOG.info("export {}: no {} (the curriculum did not adapt to it); exporting theta_0", domain, adaptedFile.getFileName());

        DatasetConfig data = DatasetConfig.from(config);
        DomainStore store = DomainStore.open(data.resolvedCacheDir(projectRoot), data.onBadRecord());
        if (!store.has(domain)) throw new JobInputException("No records of domain '" + domain + "' in " + store.cacheDir() + "; run `metamorph data import " + domain + "` first");
        Map<String, List<Record>> byLabel = new TreeMap<>(store.classes(domain, data).byLabel());
        if (byLabel.size() < 2) throw new JobInputException("Domain '" + domain + "' has " + byLabel.size() + " label(s) with enough records; a served adapter needs at least two");
        SeededRandom rng = new SeedSequence(config.getLong("run.seed")).child("export." + domain);
        List<String> labels = new ArrayList<>(byLabel.keySet());
        List<Record> support = new ArrayList<>(), holdout = new ArrayList<>();
        for (String label : labels) {
            List<Record> rs = new ArrayList<>(byLabel.get(label));
            rs.sort(java.util.Comparator.comparing(Record::id));
            for (int i = rs.size() - 1; i > 0; i--) java.util.Collections.swap(rs, i, rng.nextInt(i + 1));
            if (rs.size() < options.shots() + (options.holdout() > 0 ? 1 : 0)) {
                throw new JobInputException("Label '" + label + "' of " + domain + " has " + rs.size() + " records; export.shots = " + options.shots() + " needs more");
            }
            support.addAll(rs.subList(0, options.shots()));
            holdout.addAll(rs.subList(options.shots(), Math.min(rs.size(), options.shots() + options.holdout())));
        }

        PromptsConfig prompts = PromptsConfig.from(config);
        try (TemplateRegistry registry = TemplateRegistry.open(prompts)) {
            PromptRenderer renderer = registry.forDomain(domain);
            TemplateSpec spec = renderer.spec();
            AdapterBundle.Templates templates = new AdapterBundle.Templates(spec.id(), spec.version(), templateFiles(prompts.templatesRoot().resolve(spec.domain())));
            TfidfPrototypeClassifier lexical = null;
            double gain = config.getDouble("model.lexical-gain");
            if (model.hasBase() && config.getBoolean("model.lexical")) lexical = new TfidfPrototypeClassifier(store.records(domain).stream().map(Record::text).toList());
            AdapterClassifier.Featurizer featurizer = model.hasBase() ? AdapterClassifier.Featurizer.base(base, model.maxLength()) : AdapterClassifier.Featurizer.bpe(t0.tokenizer());
            float[] centre = null;
            if (model.hasBase() && config.getBoolean("model.center-pooled")) {
                centre = domainCentre(config, projectRoot, store, data, domain, renderer, base);
                featurizer = AdapterClassifier.Featurizer.centred(featurizer, centre, model.maxLength());
            }
            QueryHeadConfig head = QueryHeadConfig.from(config);
            AdapterClassifier.Lexical lex = lexical == null ? null : new AdapterClassifier.Lexical(lexical, gain);

            AdapterBundle.Contents contents = new AdapterBundle.Contents(domain, domain, model, theta, t0.theta(), source, options.encoding(), options.rank(), baseId,
                    model.hasBase() ? null : t0.tokenizer(), labels, support, templates, lexical, gain, Map.of(), version, centre, head);
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("labels", labels.size());
            metrics.put("support_per_label", options.shots());
            metrics.put("holdout_records", holdout.size());
            long t = System.nanoTime();
            AdapterClassifier classifier = new AdapterClassifier(model, theta, labels, renderer::render, featurizer, lex, head, support);
            metrics.put("head", classifier.usesFittedHead() ? "fitted" : "model");
            metrics.put("centred", centre != null);
            double full = accuracy(classifier, holdout);
            metrics.put("accuracy", full);
            if (options.encoding() == AdapterBundle.Encoding.LOWRANK) {
                LowRankDelta.Encoded enc = AdapterBundle.lowRank(contents);
                INDArray stored = Nd4j.createFromArray(enc.reconstructed()).castTo(model.dtype());
                double low = accuracy(new AdapterClassifier(model, stored, labels, renderer::render, featurizer, lex, head, support), holdout);
                metrics.put("accuracy_stored", low);
                metrics.put("accuracy_change", low - full);
                metrics.put("rank", options.rank());
                metrics.put("reconstruction_relative_error", enc.relativeError());
                metrics.put("reconstruction_max_abs_error", enc.maxAbsError());
            } else {
                metrics.put("accuracy_stored", full);
                metrics.put("accuracy_change", 0.0);
            }
            metrics.put("accuracy_seconds", (System.nanoTime() - t) / 1e9);
            contents = contents.withMetrics(metrics);
            AdapterBundle.Written w = AdapterBundle.write(out, contents);
            LOG.info("export {}: {} ({} labels, accuracy {} on {} held-out records)", domain, out, labels.size(), metrics.get("accuracy_stored"), holdout.size());
            return new Result(w.bundle(), w.theta0File(), metrics);
        }
    }

    /**
     * The domain's centre of {@code model.center-pooled}: the mean pooled base embedding of its
     * meta-train records, in the order meta-training reads them ({@link BaseEpisodeEncoder#domainCentres}),
     * from the feature cache the run filled (computed and cached now for texts it lacks).
     */
    static float[] domainCentre(Config config, Path projectRoot, DomainStore store, DatasetConfig data, String domain, PromptRenderer renderer, BaseEncoder base) {
        List<Record> records = new ArrayList<>();
        for (List<Record> c : store.classes(domain, data).classesOf(ClassSplit.META_TRAIN).values()) records.addAll(c);
        if (records.isEmpty()) {
            throw new JobInputException("model.center-pooled needs the meta-train records of domain '" + domain
                    + "' for its centre, but it has none under dataset.class-splits; export with model.center-pooled=false only if the run was trained so");
        }
        FeatureCache cache = new FeatureCache(BaseConfig.from(config).resolve(projectRoot).cacheDir(), base);
        BaseFeatures f = cache.features(renderer.spec().id(), renderer.spec().version(), renderer.renderAll(records), true, FeatureProgress.NONE);
        BaseRows.Builder rows = BaseRows.builder(base.hiddenSize(), base.sha256());
        for (int i = 0; i < records.size(); i++) rows.add(records.get(i), f, i);
        return BaseEpisodeEncoder.domainCentres(rows.build(), Map.of(domain, records)).get(domain);
    }

    /** Share of records whose label the classifier ranks first. */
    public static double accuracy(AdapterClassifier c, List<Record> records) {
        if (records.isEmpty()) return Double.NaN;
        int right = 0;
        List<AdapterClassifier.Prediction> p = c.classify(records);
        for (int i = 0; i < records.size(); i++) if (p.get(i).label().equals(records.get(i).label())) right++;
        return right / (double) records.size();
    }

    private static Map<String, byte[]> templateFiles(Path folder) {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) continue;
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the template folder " + folder + ": " + e.getMessage(), e);
        }
        return files;
    }

    /** Opens the base the run's config names ({@code model.base}), or null for {@code none}. */
    public static BaseEncoder openBase(Config runConfig, Path projectRoot) {
        Config config = runConfig.withFallback(ConfigFactory.defaultReference());
        if (!ModelConfig.from(config).hasBase()) return null;
        return BaseEncoder.open(BaseConfig.from(config).resolve(projectRoot));
    }
}
