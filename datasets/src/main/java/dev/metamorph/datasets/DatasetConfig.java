package dev.metamorph.datasets;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.Checks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code dataset} namespace as a validated value (defaults in this module's reference.conf).
 *
 * @param cacheDir folder of the imported JSONL files; relative paths resolve against the project root
 * @param domains domains a run uses, in order
 * @param sourceDomains domains used for meta-training
 * @param targetDomains domains adapted to and evaluated on; disjoint from the sources
 * @param wordnetLabels {@code topic} (the ;c topic domains) or {@code supersense} (45 lexicographer files)
 * @param minExamplesPerClass classes with fewer records are left out of episodes and splits
 * @param onBadRecord what to do with a malformed JSONL line
 * @param splitSeed seed of the stable hash of a label that picks its class split (the same in every domain)
 * @param classSplits meta-train / meta-val / meta-test fractions ({@code class-splits}) and labels
 *     fixed to a split ({@code fixed-classes})
 * @param domainWeights sampling weight of each source domain in mixed meta-batches (weights of domains
 *     not in {@code domains} are ignored, so option files can narrow the domain list)
 * @param dictdDir folder holding the dictd files of dict-gcide and dict-foldoc
 * @param importers commands that produce the records of domains without a built-in importer
 *     ({@code dataset.importers.<domain>}), by domain
 * @param maxRecordsPerClass at most this many records of each kept class take part in episodes (a
 *     fixed subset: the records with the smallest stable hash of (split seed, id)); 0 keeps all
 */
public record DatasetConfig(
        String cacheDir,
        List<String> domains,
        List<String> sourceDomains,
        List<String> targetDomains,
        String wordnetLabels,
        int minExamplesPerClass,
        BadRecordPolicy onBadRecord,
        long splitSeed,
        ClassSplitSpec classSplits,
        Map<String, Double> domainWeights,
        String dictdDir,
        Map<String, ImportCommand> importers,
        int maxRecordsPerClass) {

    /** As above, every record of a kept class used ({@code max-records-per-class = 0}). */
    public DatasetConfig(String cacheDir, List<String> domains, List<String> sourceDomains, List<String> targetDomains, String wordnetLabels,
                         int minExamplesPerClass, BadRecordPolicy onBadRecord, long splitSeed, ClassSplitSpec classSplits,
                         Map<String, Double> domainWeights, String dictdDir, Map<String, ImportCommand> importers) {
        this(cacheDir, domains, sourceDomains, targetDomains, wordnetLabels, minExamplesPerClass, onBadRecord, splitSeed, classSplits,
                domainWeights, dictdDir, importers, 0);
    }

    public static final String TOPIC = "topic";
    public static final String SUPERSENSE = "supersense";

    public DatasetConfig {
        Checks.notBlank("dataset.cache-dir", cacheDir);
        domains = List.copyOf(domains);
        sourceDomains = List.copyOf(sourceDomains);
        targetDomains = List.copyOf(targetDomains);
        if (domains.isEmpty()) throw new IllegalArgumentException("dataset.domains must list at least one domain");
        for (String d : sourceDomains) requireListed("dataset.source-domains", d, domains);
        for (String d : targetDomains) {
            requireListed("dataset.target-domains", d, domains);
            if (sourceDomains.contains(d)) {
                throw new IllegalArgumentException("Domain '" + d + "' is in both dataset.source-domains and dataset.target-domains; they must be disjoint");
            }
        }
        if (!TOPIC.equals(wordnetLabels) && !SUPERSENSE.equals(wordnetLabels)) {
            throw new IllegalArgumentException("dataset.wordnet-labels must be 'topic' or 'supersense', got '" + wordnetLabels + "'");
        }
        Checks.positive("dataset.min-examples-per-class", minExamplesPerClass);
        Checks.notNull("dataset.on-bad-record", onBadRecord);
        Checks.notNull("dataset.class-splits", classSplits);
        domainWeights = Map.copyOf(domainWeights);
        for (var e : domainWeights.entrySet()) {
            Checks.nonNegative("dataset.domain-weights." + e.getKey(), e.getValue());
        }
        Checks.notBlank("dataset.dictd-dir", dictdDir);
        Checks.nonNegative("dataset.max-records-per-class", maxRecordsPerClass);
        if (maxRecordsPerClass > 0 && maxRecordsPerClass < minExamplesPerClass) {
            throw new IllegalArgumentException("dataset.max-records-per-class = " + maxRecordsPerClass + " is below dataset.min-examples-per-class = "
                    + minExamplesPerClass + "; raise it, or 0 to keep every record");
        }
        importers = Map.copyOf(importers);
        for (var e : importers.entrySet()) {
            if (!e.getKey().equals(e.getValue().domain())) {
                throw new IllegalArgumentException("dataset.importers." + e.getKey() + " holds the command of domain '" + e.getValue().domain() + "'");
            }
        }
    }

    /**
     * Reads and validates the {@code dataset} namespace. Unknown keys fail naming the key (with the
     * closest known one); wrong types fail naming the full key ({@code dataset.min-examples-per-class}).
     */
    public static DatasetConfig from(Config c) {
        rejectUnknownKeys(c);
        Config d = c.getConfig("dataset").atPath("dataset");
        Map<String, Double> weights = new LinkedHashMap<>();
        Config w = d.getConfig("dataset.domain-weights");
        for (var e : w.root().entrySet()) weights.put(e.getKey(), d.getDouble("dataset.domain-weights." + quoted(e.getKey())));
        return new DatasetConfig(
                d.getString("dataset.cache-dir"),
                d.getStringList("dataset.domains"),
                d.getStringList("dataset.source-domains"),
                d.getStringList("dataset.target-domains"),
                d.getString("dataset.wordnet-labels").toLowerCase(Locale.ROOT),
                d.getInt("dataset.min-examples-per-class"),
                BadRecordPolicy.parse("dataset.on-bad-record", d.getString("dataset.on-bad-record")),
                d.getLong("dataset.split-seed"),
                splitSpec(d),
                weights,
                d.getString("dataset.dictd-dir"),
                importers(d),
                d.getInt("dataset.max-records-per-class"));
    }

    private static Map<String, ImportCommand> importers(Config d) {
        Map<String, ImportCommand> out = new LinkedHashMap<>();
        if (!d.hasPath("dataset.importers")) return out;
        for (var e : d.getConfig("dataset.importers").root().entrySet()) {
            String domain = e.getKey();
            String key = "dataset.importers." + quoted(domain);
            String shown = "dataset.importers." + domain;
            if (!(e.getValue() instanceof com.typesafe.config.ConfigObject entry)) {
                throw new ConfigException.WrongType(e.getValue().origin(), shown, "an object { command, licence, label-set }",
                        e.getValue().valueType().name().toLowerCase(Locale.ROOT));
            }
            for (String k : entry.keySet()) {
                if (!IMPORTER_KEYS.contains(k)) {
                    throw new ConfigException.BadPath(entry.get(k).origin(), shown + "." + k,
                            "unknown key" + suggestion(k, IMPORTER_KEYS) + "; known keys of an importer are " + new java.util.TreeSet<>(IMPORTER_KEYS));
                }
            }
            String origin = e.getValue().origin().description();
            out.put(domain, new ImportCommand(domain, d.getStringList(key + ".command"), d.getString(key + ".licence"),
                    d.getString(key + ".label-set"), origin));
        }
        return out;
    }

    private static final java.util.Set<String> KEYS = java.util.Set.of("cache-dir", "domains", "source-domains", "target-domains",
            "wordnet-labels", "min-examples-per-class", "on-bad-record", "split-seed", "class-splits", "fixed-classes",
            "domain-weights", "dictd-dir", "importers", "max-records-per-class");
    private static final java.util.Set<String> IMPORTER_KEYS = java.util.Set.of("command", "licence", "label-set");
    private static final java.util.Set<String> SPLIT_KEYS = java.util.Set.of("meta-train", "meta-val", "meta-test");

    private static void rejectUnknownKeys(Config c) {
        if (!c.hasPath("dataset")) throw new ConfigException.Missing("dataset");
        for (var e : c.getConfig("dataset").root().entrySet()) {
            String k = e.getKey();
            if (!KEYS.contains(k)) {
                throw new ConfigException.BadPath(e.getValue().origin(), "dataset." + k,
                        "unknown key" + suggestion(k, KEYS) + "; known keys of dataset are " + new java.util.TreeSet<>(KEYS));
            }
        }
        for (String group : List.of("class-splits", "fixed-classes")) {
            if (!c.hasPath("dataset." + group)) continue;
            for (var e : c.getConfig("dataset." + group).root().entrySet()) {
                if (!SPLIT_KEYS.contains(e.getKey())) {
                    throw new ConfigException.BadPath(e.getValue().origin(), "dataset." + group + "." + e.getKey(),
                            "unknown key" + suggestion(e.getKey(), SPLIT_KEYS) + "; expected meta-train, meta-val and meta-test");
                }
            }
        }
    }

    private static String suggestion(String key, java.util.Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int dist = distance(key, k);
            if (dist < bestDistance) {
                bestDistance = dist;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The defaults of reference.conf. */
    public static DatasetConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    /** The cache folder; a relative {@code cache-dir} resolves against {@code projectRoot}. */
    public Path resolvedCacheDir(Path projectRoot) {
        Path p = Path.of(cacheDir);
        return p.isAbsolute() ? p : projectRoot.resolve(p).normalize();
    }

    /** The sampling weight of a domain (1 when not configured). */
    public double weightOf(String domain) {
        return domainWeights.getOrDefault(domain, 1.0);
    }

    public DatasetConfig withCacheDir(String dir) {
        return new DatasetConfig(dir, domains, sourceDomains, targetDomains, wordnetLabels, minExamplesPerClass,
                onBadRecord, splitSeed, classSplits, domainWeights, dictdDir, importers, maxRecordsPerClass);
    }

    public DatasetConfig withOnBadRecord(BadRecordPolicy policy) {
        return new DatasetConfig(cacheDir, domains, sourceDomains, targetDomains, wordnetLabels, minExamplesPerClass,
                policy, splitSeed, classSplits, domainWeights, dictdDir, importers, maxRecordsPerClass);
    }

    public DatasetConfig withDictdDir(String dir) {
        return new DatasetConfig(cacheDir, domains, sourceDomains, targetDomains, wordnetLabels, minExamplesPerClass,
                onBadRecord, splitSeed, classSplits, domainWeights, dir, importers, maxRecordsPerClass);
    }

    public DatasetConfig withWordnetLabels(String labels) {
        return new DatasetConfig(cacheDir, domains, sourceDomains, targetDomains, labels, minExamplesPerClass,
                onBadRecord, splitSeed, classSplits, domainWeights, dictdDir, importers, maxRecordsPerClass);
    }

    public DatasetConfig withImporters(Map<String, ImportCommand> commands) {
        return new DatasetConfig(cacheDir, domains, sourceDomains, targetDomains, wordnetLabels, minExamplesPerClass,
                onBadRecord, splitSeed, classSplits, domainWeights, dictdDir, commands, maxRecordsPerClass);
    }

    private static ClassSplitSpec splitSpec(Config d) {
        Map<ClassSplit, Double> fractions = new EnumMap<>(ClassSplit.class);
        Map<ClassSplit, List<String>> lists = new EnumMap<>(ClassSplit.class);
        for (ClassSplit split : ClassSplit.values()) {
            fractions.put(split, d.getDouble("dataset.class-splits." + split.key()));
            String listKey = "dataset.fixed-classes." + split.key();
            if (d.hasPath(listKey) && !d.getStringList(listKey).isEmpty()) lists.put(split, new ArrayList<>(d.getStringList(listKey)));
        }
        return new ClassSplitSpec(fractions, lists);
    }

    private static String quoted(String key) {
        return "\"" + key.replace("\"", "\\\"") + "\"";
    }

    private static void requireListed(String key, String domain, List<String> domains) {
        if (!domains.contains(domain)) {
            throw new IllegalArgumentException(key + " names domain '" + domain + "' which is not in dataset.domains " + domains);
        }
    }
}
