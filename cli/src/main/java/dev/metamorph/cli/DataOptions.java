package dev.metamorph.cli;

import com.typesafe.config.ConfigException;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.config.ConfigError;
import dev.metamorph.datasets.BadRecordPolicy;
import dev.metamorph.datasets.DatasetConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Options shared by {@code data import} and {@code data stats}. The dataset config is composed like
 * every other ({@code configs/config.conf} with its defaults list over the modules' reference.conf,
 * see {@link ConfigComposer}); {@code --dataset} picks the {@code configs/dataset/} option and
 * {@code --set} adds overrides. The path options are applied last.
 */
public final class DataOptions {
    @Option(names = "--dataset", paramLabel = "OPTION",
            description = "Option of the dataset group, configs/dataset/OPTION.conf (default: the defaults list's choice).")
    String option;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Config override, e.g. --set dataset.min-examples-per-class=10 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Folder of the imported JSONL files (dataset.cache-dir).")
    Path cacheDir;

    @Option(names = "--on-bad-record", paramLabel = "fail|skip", description = "Override dataset.on-bad-record.")
    String onBadRecord;

    @Option(names = "--dictd-dir", paramLabel = "DIR", description = "Folder of the dictd files of dict-gcide and dict-foldoc (dataset.dictd-dir).")
    Path dictdDir;

    /** The project root: {@code -Dmetamorph.root} (set by the launcher), else the working directory. */
    static Path projectRoot() {
        return ConfigComposer.projectRoot();
    }

    /** The validated dataset config with the command-line overrides applied. */
    /** The store of imported domains in the config's cache folder (resolved against the project root). */
    static dev.metamorph.datasets.DomainStore openStore(DatasetConfig cfg) {
        return dev.metamorph.datasets.DomainStore.open(cfg.resolvedCacheDir(projectRoot()), cfg.onBadRecord());
    }

    DatasetConfig config() {
        List<String> all = new ArrayList<>();
        if (option != null) all.add("dataset=" + option);
        all.addAll(overrides);
        try {
            DatasetConfig cfg = DatasetConfig.from(ConfigComposer.forProject(projectRoot()).compose(all).config());
            if (cacheDir != null) cfg = cfg.withCacheDir(cacheDir.toAbsolutePath().toString());
            if (onBadRecord != null) cfg = cfg.withOnBadRecord(BadRecordPolicy.parse("--on-bad-record", onBadRecord));
            if (dictdDir != null) cfg = cfg.withDictdDir(dictdDir.toAbsolutePath().toString());
            return cfg;
        } catch (ConfigError | ConfigException | IllegalArgumentException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
    }
}
