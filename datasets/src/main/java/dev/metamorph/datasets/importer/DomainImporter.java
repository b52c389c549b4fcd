package dev.metamorph.datasets.importer;

import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainManifest;
import dev.metamorph.datasets.ImportCommand;
import dev.metamorph.datasets.RecordFileWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports one domain into the cache folder: reads the source, removes records whose text is identical
 * to an earlier one of the same domain, makes ids unique, writes {@code <domain>.jsonl} atomically and
 * then {@code <domain>.manifest.json} (written last, so a manifest always describes a complete file).
 */
public final class DomainImporter {
    private static final Logger log = LoggerFactory.getLogger(DomainImporter.class);
    private static final Map<String, SourceImporter> IMPORTERS = List.of(
                    new WordNetImporter(), new GcideImporter(), new FoldocImporter())
            .stream().collect(Collectors.toMap(SourceImporter::domain, Function.identity(), (a, b) -> a, TreeMap::new));

    /** What one import did. */
    public record Report(DomainManifest manifest, long read, long duplicates, long millis) {}

    private DomainImporter() {}

    /** The domains that have a built-in importer: {@code foldoc}, {@code gcide}, {@code wordnet}. */
    public static List<String> importable() {
        return List.copyOf(IMPORTERS.keySet());
    }

    /** The built-in domains, then those with a command in {@code dataset.importers}. */
    public static List<String> importable(DatasetConfig cfg) {
        List<String> out = new ArrayList<>(IMPORTERS.keySet());
        for (String d : new TreeMap<>(cfg.importers()).keySet()) if (!out.contains(d)) out.add(d);
        return out;
    }

    /** The built-in importer of {@code domain}. */
    public static SourceImporter importerFor(String domain) {
        SourceImporter imp = IMPORTERS.get(domain);
        if (imp == null) {
            throw new IllegalArgumentException("No importer for domain '" + domain + "'; importable domains are " + importable());
        }
        return imp;
    }

    /**
     * The importer of {@code domain}: the built-in one, or the command of {@code dataset.importers.<domain>}
     * (run in the project root, writing a scratch file {@code .<domain>.import-<pid>.jsonl} in {@code cacheDir},
     * so that two processes importing at once do not share it).
     */
    public static SourceImporter importerFor(String domain, DatasetConfig cfg, Path cacheDir) {
        ImportCommand command = cfg.importers().get(domain);
        if (command != null && IMPORTERS.containsKey(domain)) {
            throw new IllegalArgumentException("dataset.importers." + domain + " (" + command.origin() + ") names a domain with a built-in importer; "
                    + "give your domain another name (built-in: " + importable() + ")");
        }
        if (command != null) return new CommandImporter(command, ConfigComposer.projectRoot(), cacheDir.resolve("." + domain + ".import-" + ProcessHandle.current().pid() + ".jsonl"));
        SourceImporter imp = IMPORTERS.get(domain);
        if (imp == null) {
            throw new IllegalArgumentException("No importer for domain '" + domain + "': it is not built in " + importable()
                    + " and dataset.importers has no entry for it (entries: " + new TreeMap<>(cfg.importers()).keySet()
                    + "). Add dataset.importers." + domain + " { command = [...], licence = ..., label-set = ... } to a config (README, "
                    + "\"Adding a domain\"), or put the records in " + cacheDir.resolve(domain + ".jsonl") + " yourself");
        }
        return imp;
    }

    /** The label set an import of {@code domain} under {@code cfg} writes (compared with the manifest). */
    public static String labelSet(String domain, DatasetConfig cfg) {
        ImportCommand command = cfg.importers().get(domain);
        return command != null ? command.labelSet() : importerFor(domain).labelSet(cfg);
    }

    /** Imports {@code domain} into {@code cacheDir}, replacing what was there. */
    public static Report importDomain(String domain, DatasetConfig cfg, Path cacheDir, ImportProgress progress) {
        long t0 = System.nanoTime();
        SourceImporter imp = importerFor(domain, cfg, cacheDir);
        List<Record> raw = imp.read(cfg, progress);
        List<Record> clean = dedupe(raw);
        SourceInfo info = imp.info(clean);
        Path file = cacheDir.resolve(domain + ".jsonl");
        String sha = RecordFileWriter.write(file, clean);
        int classes = (int) clean.stream().map(Record::label).distinct().count();
        DomainManifest manifest = new DomainManifest(domain, info.name(), info.version(), info.licence(),
                imp.labelSet(cfg), clean.size(), classes, sha, file.getFileName().toString(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        RecordFileWriter.writeString(DomainManifest.path(cacheDir, domain), manifest.toJson());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        log.info("Imported {}: {} records ({} duplicate texts removed), {} classes, {} ms", domain, clean.size(),
                raw.size() - clean.size(), classes, ms);
        return new Report(manifest, raw.size(), raw.size() - clean.size(), ms);
    }

    /** Keeps the first record of each distinct text; suffixes repeated ids with {@code ~2}, {@code ~3}... */
    static List<Record> dedupe(List<Record> records) {
        Set<String> texts = new HashSet<>();
        Map<String, Integer> ids = new java.util.HashMap<>();
        List<Record> out = new ArrayList<>(records.size());
        for (Record r : records) {
            if (!texts.add(r.text())) continue;
            int n = ids.merge(r.id(), 1, Integer::sum);
            out.add(n == 1 ? r : new Record(r.id() + "~" + n, r.domain(), r.label(), r.text(), r.source(), r.meta()));
        }
        return out;
    }
}
