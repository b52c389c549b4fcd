package dev.metamorph.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.metamorph.datasets.BadRecordPolicy;
import dev.metamorph.datasets.DatasetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options shared by {@code data import} and {@code data stats}: which {@code configs/dataset/}
 * option to read, and overrides of the cache folder and bad-record policy. The dataset config is
 * the modules' reference.conf with {@code configs/dataset/<option>.conf} placed under {@code dataset}.
 */
public final class DataOptions {
    @Option(names = "--dataset", paramLabel = "OPTION", defaultValue = "definitions",
            description = "Option file configs/dataset/OPTION.conf (default: ${DEFAULT-VALUE}).")
    String option;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Folder of the imported JSONL files (dataset.cache-dir).")
    Path cacheDir;

    @Option(names = "--on-bad-record", paramLabel = "fail|skip", description = "Override dataset.on-bad-record.")
    String onBadRecord;

    /** The project root: {@code -Dmetamorph.root} (set by the launcher), else the working directory. */
    static Path projectRoot() {
        String p = System.getProperty("metamorph.root");
        return (p == null || p.isBlank() ? Path.of("") : Path.of(p)).toAbsolutePath().normalize();
    }

    /** The validated dataset config with the command-line overrides applied. */
    DatasetConfig config() {
        Path root = projectRoot();
        Path file = root.resolve("configs").resolve("dataset").resolve(option + ".conf");
        Config c = ConfigFactory.defaultReference();
        if (Files.isRegularFile(file)) {
            try {
                Config opt = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
                c = opt.atPath("dataset").withFallback(c).resolve();
            } catch (ConfigException e) {
                throw new ExitCodes.UserError("Cannot read " + file + ": " + e.getMessage(), e);
            }
        } else if (!"definitions".equals(option)) {
            throw new ExitCodes.UserError("No dataset option '" + option + "': " + file + " does not exist; options live in "
                    + root.resolve("configs/dataset"));
        }
        DatasetConfig cfg;
        try {
            cfg = DatasetConfig.from(c);
            if (cacheDir != null) cfg = cfg.withCacheDir(cacheDir.toAbsolutePath().toString());
            if (onBadRecord != null) cfg = cfg.withOnBadRecord(BadRecordPolicy.parse("--on-bad-record", onBadRecord));
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ExitCodes.UserError(e.getMessage() + " (in " + file + " or reference.conf)", e);
        }
        return cfg;
    }
}
