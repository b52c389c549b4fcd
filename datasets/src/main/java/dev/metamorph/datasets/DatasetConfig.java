package dev.metamorph.datasets;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
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
 * @param splitSeed seed of the stable hash that orders classes for the class splits
 * @param classSplits meta-train / meta-val / meta-test fractions or label lists
 * @param domainWeights sampling weight of each source domain in mixed meta-batches (weights of domains
 *     not in {@code domains} are ignored, so option files can narrow the domain list)
 * @param dictdDir folder holding the dictd files of dict-gcide and dict-foldoc
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
        String dictdDir) {

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
    }

    /** Reads and validates the {@code dataset} namespace; unknown keys and wrong types fail naming the key. */
    public static DatasetConfig from(Config c) {
        c.checkValid(ConfigFactory.defaultReference(), "dataset");
        Config d = c.getConfig("dataset");
        Map<String, Double> weights = new LinkedHashMap<>();
        Config w = d.getConfig("domain-weights");
        for (var e : w.root().entrySet()) weights.put(e.getKey(), w.getDouble(quoted(e.getKey())));
        return new DatasetConfig(
                d.getString("cache-dir"),
                d.getStringList("domains"),
                d.getStringList("source-domains"),
                d.getStringList("target-domains"),
                d.getString("wordnet-labels").toLowerCase(Locale.ROOT),
                d.getInt("min-examples-per-class"),
                BadRecordPolicy.parse("dataset.on-bad-record", d.getString("on-bad-record")),
                d.getLong("split-seed"),
                splitSpec(d.getConfig("class-splits")),
                weights,
                d.getString("dictd-dir"));
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
                onBadRecord, splitSeed, classSplits, domainWeights, dictdDir);
    }

    public DatasetConfig withOnBadRecord(BadRecordPolicy policy) {
        return new DatasetConfig(cacheDir, domains, sourceDomains, targetDomains, wordnetLabels, minExamplesPerClass,
                policy, splitSeed, classSplits, domainWeights, dictdDir);
    }

    public DatasetConfig withDictdDir(String dir) {
        return new DatasetConfig(cacheDir, domains, sourceDomains, targetDomains, wordnetLabels, minExamplesPerClass,
                onBadRecord, splitSeed, classSplits, domainWeights, dir);
    }

    public DatasetConfig withWordnetLabels(String labels) {
        return new DatasetConfig(cacheDir, domains, sourceDomains, targetDomains, labels, minExamplesPerClass,
                onBadRecord, splitSeed, classSplits, domainWeights, dictdDir);
    }

    private static ClassSplitSpec splitSpec(Config s) {
        Map<ClassSplit, Double> fractions = new EnumMap<>(ClassSplit.class);
        Map<ClassSplit, List<String>> lists = new EnumMap<>(ClassSplit.class);
        for (ClassSplit split : ClassSplit.values()) {
            String key = split.key();
            if (!s.hasPath(key)) throw new ConfigException.Missing(s.origin(), "dataset.class-splits." + key);
            ConfigValueType t = s.getValue(key).valueType();
            if (t == ConfigValueType.NUMBER) {
                fractions.put(split, s.getDouble(key));
            } else if (t == ConfigValueType.LIST) {
                lists.put(split, new ArrayList<>(s.getStringList(key)));
            } else {
                throw new ConfigException.BadValue(s.getValue(key).origin(), "dataset.class-splits." + key,
                        "must be a fraction in [0, 1] or a list of labels, got " + t);
            }
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
