package dev.metamorph.datasets;

import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.importer.DomainImporter;
import dev.metamorph.datasets.importer.ImportProgress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The imported domains in one cache folder: {@code <domain>.jsonl} plus {@code <domain>.manifest.json}.
 * Reads each domain once and keeps it (records are immutable). Thread-safe.
 *
 * <pre>{@code
 * DatasetConfig cfg = DatasetConfig.from(config);
 * DomainStore store = DomainStore.open(cfg.resolvedCacheDir(root), cfg.onBadRecord());
 * store.importIfMissing(cfg);                       // imports wordnet/foldoc/gcide when absent
 * DomainClasses gcide = store.classes("gcide", cfg); // classes with >= min examples, class splits
 * EpisodeSampler s = gcide.sampler(ClassSplit.META_TEST, 5, 5, 15);
 * }</pre>
 */
public final class DomainStore {
    private final Path cacheDir;
    private final BadRecordPolicy policy;
    private final Map<String, RecordFileReader.Result> loaded = new ConcurrentHashMap<>();

    private DomainStore(Path cacheDir, BadRecordPolicy policy) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.policy = policy;
    }

    /** A store that fails on any malformed line. */
    public static DomainStore open(Path cacheDir) {
        return open(cacheDir, BadRecordPolicy.FAIL);
    }

    public static DomainStore open(Path cacheDir, BadRecordPolicy policy) {
        return new DomainStore(cacheDir, policy);
    }

    public Path cacheDir() {
        return cacheDir;
    }

    public Path fileOf(String domain) {
        return cacheDir.resolve(domain + ".jsonl");
    }

    /** True when the domain's JSONL file and manifest both exist. */
    public boolean has(String domain) {
        return Files.isRegularFile(fileOf(domain)) && Files.isRegularFile(DomainManifest.path(cacheDir, domain));
    }

    /** The domains with a JSONL file in the folder, sorted. */
    public List<String> domains() {
        if (!Files.isDirectory(cacheDir)) return List.of();
        try (Stream<Path> files = Files.list(cacheDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsonl") && !n.startsWith("."))
                    .map(n -> n.substring(0, n.length() - ".jsonl".length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + cacheDir, e);
        }
    }

    public Optional<DomainManifest> manifest(String domain) {
        Path m = DomainManifest.path(cacheDir, domain);
        return Files.isRegularFile(m) ? Optional.of(DomainManifest.read(m)) : Optional.empty();
    }

    /** All records of a domain in file order. */
    public List<Record> records(String domain) {
        return read(domain).records();
    }

    /** The records of a domain with the number of bad lines skipped (under {@code skip}). */
    public RecordFileReader.Result read(String domain) {
        return loaded.computeIfAbsent(domain, d -> {
            Path f = fileOf(d);
            if (!Files.isRegularFile(f)) {
                String how = DomainImporter.importable().contains(d) ? "run './metamorph data import " + d + "'"
                        : "domain '" + d + "' has no built-in importer: add dataset.importers." + d + " { command = [...] } to the config "
                        + "(README, \"Adding a domain\") and run './metamorph data import " + d + "', or write the records there yourself";
                throw new IllegalStateException("No imported data for domain '" + d + "': " + f + " does not exist; " + how
                        + " (or set dataset.cache-dir to the folder that holds it)");
            }
            return new RecordFileReader(policy).read(f, d);
        });
    }

    /** The domain's classes with at least {@code cfg.minExamplesPerClass()} records, with class splits. */
    public DomainClasses classes(String domain, DatasetConfig cfg) {
        return DomainClasses.of(domain, records(domain), cfg);
    }

    /**
     * Mixed-domain episodes over {@code cfg.sourceDomains()}, each domain drawn with its
     * {@code dataset.domain-weights} weight, from the classes of {@code split}.
     */
    public MixedEpisodeSampler sourceSampler(DatasetConfig cfg, ClassSplit split, int ways, int shots, int queries) {
        if (cfg.sourceDomains().isEmpty()) throw new IllegalArgumentException("dataset.source-domains is empty; list at least one domain");
        List<MixedEpisodeSampler.Weighted> parts = new ArrayList<>();
        for (String d : cfg.sourceDomains()) {
            parts.add(new MixedEpisodeSampler.Weighted(classes(d, cfg).sampler(split, ways, shots, queries), cfg.weightOf(d)));
        }
        return new MixedEpisodeSampler(parts);
    }

    /**
     * Imports every domain of {@code cfg.domains()} that is missing, or whose manifest has another
     * label set than the config asks for (WordNet topic vs supersense), with its built-in importer or
     * its {@code dataset.importers} command. A domain with neither is left as it is (its JSONL file may
     * have been put there by hand; reading it fails naming the file when it is absent). Returns the
     * domains imported.
     */
    public List<String> importIfMissing(DatasetConfig cfg) {
        return importIfMissing(cfg, ImportProgress.NONE);
    }

    public synchronized List<String> importIfMissing(DatasetConfig cfg, ImportProgress progress) {
        List<String> todo = new ArrayList<>();
        for (String d : cfg.domains()) {
            if (!DomainImporter.importable(cfg).contains(d)) continue;
            boolean stale = manifest(d).map(m -> !m.labelSet().equals(DomainImporter.labelSet(d, cfg))).orElse(true);
            if (!has(d) || stale) todo.add(d);
        }
        int threads = progress == ImportProgress.NONE ? Math.min(2, Runtime.getRuntime().availableProcessors()) : 1;
        importDomains(todo, cfg, progress, threads);
        return todo;
    }

    /**
     * Imports (or re-imports) several domains, on up to {@code threads} threads (use 1 with a progress
     * display: {@link ImportProgress} is called from the importing thread). Returns the reports in the
     * order of {@code domains}; the first failure is rethrown after every import has finished.
     */
    public synchronized List<DomainImporter.Report> importDomains(List<String> domains, DatasetConfig cfg, ImportProgress progress, int threads) {
        if (threads <= 1 || domains.size() <= 1) {
            List<DomainImporter.Report> out = new ArrayList<>();
            for (String d : domains) out.add(importDomain(d, cfg, progress));
            return out;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.min(threads, domains.size()));
        try {
            List<java.util.concurrent.Future<DomainImporter.Report>> futures = new ArrayList<>();
            for (String d : domains) futures.add(pool.submit(() -> DomainImporter.importDomain(d, cfg, cacheDir, ImportProgress.NONE)));
            List<DomainImporter.Report> out = new ArrayList<>();
            RuntimeException first = null;
            for (var f : futures) {
                try {
                    out.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    RuntimeException re = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    if (first == null) first = re;
                    else first.addSuppressed(re);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while importing " + domains, e);
                }
            }
            for (String d : domains) loaded.remove(d);
            if (first != null) throw first;
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Imports (or re-imports) one domain and forgets any copy read before. */
    public synchronized DomainImporter.Report importDomain(String domain, DatasetConfig cfg, ImportProgress progress) {
        DomainImporter.Report r = DomainImporter.importDomain(domain, cfg, cacheDir, progress);
        loaded.remove(domain);
        return r;
    }
}
